/**
 * matmul: C = A*B for float32 square matrices, n = 256, 512, 1024; GFLOP/s = 2n^3 / seconds.
 * @module
 */
import type { Row, Workload } from "../types.js";

const sizes = [256, 512, 1024];

/** The matmul workload of shared/BASELINES.md. */
export const matmul: Workload = {
  name: "matmul",
  description: "C = A*B, float32, square n = 256, 512, 1024; GFLOP/s = 2n^3 / s",
  async run(contenders, timing) {
    const rows: Row[] = [];
    for (const n of sizes) {
      for (const contender of contenders) {
        if (contender.matmul === undefined) continue;
        // Larger products take longer; fewer repetitions keep the whole run short.
        const reps = n >= 1024 ? Math.max(3, Math.ceil(timing.reps / 2)) : timing.reps;
        const m = await contender.matmul(n, { warmup: timing.warmup, reps });
        rows.push({
          workload: "matmul",
          case: `n=${n}`,
          contender: contender.name,
          value: (2 * n ** 3) / m.median / 1e9,
          unit: "GFLOP/s",
          medianSeconds: m.median,
          seconds: m.seconds,
        });
      }
    }
    return rows;
  },
};
