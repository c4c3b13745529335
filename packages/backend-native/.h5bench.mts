import "./src/index.js";
import { getBackend, rand, setBackend } from "@backprop/core";
setBackend("native");
const k = getBackend("native");
const a200 = rand([200_000]), b200 = rand([200_000]);
const a32 = rand([32_768]), b32 = rand([32_768]);
const a1m = rand([1_048_576]);
const time = (f: () => unknown): string => {
  for (let i = 0; i < 20; i++) { const t = f(); (t as { dispose?: () => void }).dispose?.(); }
  const ts: number[] = [];
  for (let i = 0; i < 200; i++) { const t0 = performance.now(); const t = f(); ts.push(performance.now() - t0); (t as { dispose?: () => void }).dispose?.(); }
  ts.sort((x, y) => x - y);
  return `${(ts[100] * 1000).toFixed(0)}us`;
};
for (const th of [1, 2]) {
  k.setNumThreads(th);
  console.log(`threads ${th}: copy200k ${time(() => k.copy(a200))} neg200k ${time(() => k.neg(a200))} gt32k ${time(() => k.gt(a32, b32))} mul32k ${time(() => k.mul(a32, b32))} sqrt200k ${time(() => k.sqrt(a200))} exp200k ${time(() => k.exp(a200))} sigmoid200k ${time(() => k.sigmoid(a200))} add1M ${time(() => k.add(a1m, a1m))}`);
}
