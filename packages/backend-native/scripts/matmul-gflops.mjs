#!/usr/bin/env node
// Float32 matmul throughput of the native addon (C = A B, square n), as BASELINES.md
// defines it: GFLOP/s = 2 n^3 / seconds, best of a few timed runs, for 1 and 2 threads.
// Usage: node scripts/matmul-gflops.mjs [n ...]   (not a test; numbers vary with load)
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { loadAddon } = require("../addon.cjs");
const addon = loadAddon();
const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [256, 512, 1024];

function describe(n) {
  const view = [3, 0, 1, n, n, n * n, n, 1];
  return new Float64Array([...view, ...view, ...view]);
}

console.log(`kernel: ${addon.kernelName()}`);
for (const threads of [1, 2]) {
  addon.setNumThreads(threads);
  for (const n of sizes) {
    const a = new Float32Array(n * n).map(() => Math.random() - 0.5);
    const b = new Float32Array(n * n).map(() => Math.random() - 0.5);
    const c = new Float32Array(n * n);
    const meta = describe(n);
    const flop = 2 * n ** 3;
    const reps = Math.max(1, Math.round(2e9 / flop));
    for (let i = 0; i < reps; i++) addon.matmul(meta, a, b, c);
    let best = Infinity;
    let bestCpu = Infinity;
    for (let run = 0; run < 5; run++) {
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < reps; i++) addon.matmul(meta, a, b, c);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9 / reps);
      const cpu = process.cpuUsage(cpu0);
      bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6 / reps);
    }
    // GFLOP per CPU-second shows the kernel's efficiency when other processes share the cores.
    console.log(
      `threads ${threads}  n ${String(n).padStart(4)}  ${(flop / best / 1e9).toFixed(1).padStart(6)} GFLOP/s` +
        `  (${(flop / bestCpu / 1e9).toFixed(1)} per CPU-second)`,
    );
  }
}
