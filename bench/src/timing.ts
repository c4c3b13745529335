/**
 * Timing helpers shared by the in-process contenders.
 * @module
 */
import type { Measurement, TimingOptions } from "./types.js";

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `fn` `warmup` times untimed, then `reps` times timed; seconds per call. */
export function measure(fn: () => void, timing: TimingOptions): Measurement {
  for (let i = 0; i < timing.warmup; i++) fn();
  const seconds: number[] = [];
  for (let i = 0; i < timing.reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds, median: median(seconds) };
}
