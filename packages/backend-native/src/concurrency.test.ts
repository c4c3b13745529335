import { describe, expect, it } from "vitest";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { loadAddon } from "@backprop/backend-native/addon";

const addonPath = fileURLToPath(new URL("../addon.cjs", import.meta.url));

// Each worker multiplies the same 192x192 matrices 40 times on the shared thread pool and
// reports the largest difference from the first product.
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const addon = require(workerData.addonPath).loadAddon();
const n = 192;
const a = new Float32Array(n * n).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
const b = new Float32Array(n * n).map((_, i) => ((i * 5) % 11) / 11 - 0.5);
const view = [3, 0, 1, n, n, n * n, n, 1];
const meta = new Float64Array([...view, ...view, ...view]);
const first = new Float32Array(n * n);
addon.matmul(meta, a, b, first);
const c = new Float32Array(n * n);
let worst = 0;
for (let r = 0; r < 40; r++) {
  addon.matmul(meta, a, b, c);
  for (let i = 0; i < c.length; i++) worst = Math.max(worst, Math.abs(c[i] - first[i]));
}
parentPort.postMessage({ worst, sample: first[1234] });
`;

function runWorker(): Promise<{ worst: number; sample: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerSource, { eval: true, workerData: { addonPath } });
    w.once("message", (m: { worst: number; sample: number }) => {
      resolve(m);
      void w.terminate();
    });
    w.once("error", reject);
  });
}

describe("native backend: kernels called from several JS threads at once", () => {
  it("worker threads share the addon and its thread pool without races", async () => {
    loadAddon().setNumThreads(2);
    const results = await Promise.all([runWorker(), runWorker(), runWorker()]);
    // Every thread got bit-identical products, equal to a hand-checked element.
    const n = 192;
    let expected = 0;
    const row = Math.floor(1234 / n), col = 1234 % n;
    for (let k = 0; k < n; k++) expected += (((row * n + k) * 7) % 13 / 13 - 0.5) * (((k * n + col) * 5) % 11 / 11 - 0.5);
    for (const r of results) {
      expect(r.worst).toBe(0);
      expect(r.sample).toBeCloseTo(expected, 3);
    }
  });
});
