#!/usr/bin/env node
// Float32 matmul GFLOP/s of the wasm backend at n = 256, 512, 1024 (2 n^3 flops per product).
// Not a test: run `npm run build` first, then `node scripts/gemm-gflops.mjs`. Runs through
// vite-node-free plain ESM, so it needs the built package (dist/).
import { matmul, randn, setBackend } from "@backprop/core";
import "@backprop/backend-wasm";

setBackend("wasm");
for (const n of [256, 512, 1024]) {
  const a = randn([n, n]);
  const b = randn([n, n]);
  matmul(a, b).dispose(); // warm-up: compile tiers, grow memory
  const reps = Math.max(2, Math.round(2e9 / (2 * n ** 3)));
  let best = Infinity;
  let bestCpu = Infinity;
  for (let trial = 0; trial < 3; trial++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let r = 0; r < reps; r++) matmul(a, b).dispose();
    const c1 = process.cpuUsage(c0);
    best = Math.min(best, (performance.now() - t0) / reps);
    bestCpu = Math.min(bestCpu, (c1.user + c1.system) / 1e3 / reps);
  }
  const gflops = (ms) => ((2 * n ** 3) / (ms * 1e-3) / 1e9).toFixed(1);
  // On a shared machine wall time counts other processes' time slices; CPU time does not.
  console.log(`n=${n}: ${gflops(best)} GFLOP/s wall, ${gflops(bestCpu)} GFLOP/s per CPU-second (${best.toFixed(2)} ms per product, best of 3)`);
  a.dispose();
  b.dispose();
}
