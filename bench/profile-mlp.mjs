// Per-phase timings of one MLP training step (784-256-128-10, batch 128, Adam) on one backend:
// forward, backward and optimizer step in microseconds, averaged over 1,000 steps after 200 of
// warm-up, on random data. For profiling kernels (node --cpu-prof profile-mlp.mjs), not a
// benchmark: `npm run bench -- mlp` is the measurement. Uses the built packages (npm run build).
//   BE=native|wasm|js BACKPROP_THREADS=n node bench/profile-mlp.mjs
import { randn, randint, setBackend, tidy, getBackend } from "@backprop/core";
import "@backprop/backend-native";
import { wasmReady } from "@backprop/backend-wasm";
await wasmReady;
import { Linear, ReLU, Sequential } from "@backprop/layers";
import { crossEntropy } from "@backprop/losses";
import { adam } from "@backprop/optimizers";
setBackend(process.env.BE ?? "native");
const model = new Sequential([new Linear({ inFeatures: 784, outFeatures: 256 }), new ReLU(), new Linear({ inFeatures: 256, outFeatures: 128 }), new ReLU(), new Linear({ inFeatures: 128, outFeatures: 10 })]);
const opt = adam(model.parameters(), { lr: 1e-3 });
const x = randn([128, 784]); const y = randint([128], 0, 10, { dtype: "int32" });
const t = { f: 0, b: 0, s: 0 };
for (let it = 0; it < 1200; it++) {
  const t0 = performance.now();
  let loss;
  const l = tidy(() => {
    loss = crossEntropy(model.forward(x), y);
    const t1 = performance.now(); if (it >= 200) t.f += t1 - t0;
    loss.backward();
    if (it >= 200) t.b += performance.now() - t1;
    return loss.detach();
  });
  const t2 = performance.now();
  tidy(() => { opt.step(); }); opt.zeroGrad();
  if (it >= 200) t.s += performance.now() - t2;
  l.dispose();
}
const n = 1000; console.log(`fwd ${(t.f/n*1000).toFixed(0)}us bwd ${(t.b/n*1000).toFixed(0)}us step ${(t.s/n*1000).toFixed(0)}us total ${((t.f+t.b+t.s)/n*1000).toFixed(0)}us => ${(128/((t.f+t.b+t.s)/n/1000)).toFixed(0)} samples/s`);
