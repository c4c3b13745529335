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
  async run(contenders, options) {
    const rows: Row[] = [];
    for (const n of options.smoke ? [256] : sizes) {
      for (const contender of contenders) {
        if (contender.matmul === undefined) continue;
        // Larger products take longer; fewer repetitions keep the whole run short. The slow
        // contenders (tens of seconds per product at n = 1024) get fewer still.
        const reps = options.smoke ? 1 : n >= 1024 ? Math.max(3, Math.ceil(options.reps / 2)) : options.reps;
        const row: Row = { workload: "matmul", case: `n=${n}`, contender: contender.name, value: NaN, unit: "GFLOP/s", medianSeconds: NaN, seconds: [] };
        try {
          const m = await contender.matmul(n, { warmup: options.smoke ? 0 : options.warmup, reps });
          row.value = (2 * n ** 3) / m.median / 1e9;
          row.medianSeconds = m.median;
          row.seconds = m.seconds;
        } catch (error) {
          row.error = error instanceof Error ? error.message.split("\n")[0] : String(error);
        }
        rows.push(row);
        options.progress?.(row);
      }
    }
    return rows;
  },
};
