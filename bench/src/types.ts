/**
 * The shapes that tie workloads, contenders and reports together.
 * @module
 */

/** How one measurement was taken: warm-up calls, timed repetitions. */
export interface TimingOptions {
  /** Untimed calls first, so that JIT compilation and buffer pools settle. */
  warmup: number;
  /** Timed repetitions; the median is reported. */
  reps: number;
}

/** Times (seconds) of the repetitions of one case, and their median. */
export interface Measurement {
  seconds: number[];
  median: number;
}

/** A framework (and backend) being measured. Each workload it supports is an optional method. */
export interface Contender {
  /** Short label for tables and JSON, e.g. "backprop js" or "tfjs cpu". */
  readonly name: string;
  /** Loads the framework; resolves to a reason string when it is unavailable here. */
  load(): Promise<string | undefined>;
  /** Seconds for one C = A*B of float32 [n, n] matrices, measured by the contender itself. */
  matmul?(n: number, timing: TimingOptions): Promise<Measurement>;
}

/** One row of a workload's result. */
export interface Row {
  workload: string;
  case: string;
  contender: string;
  /** The workload's figure of merit (e.g. GFLOP/s, samples/s); larger is better. */
  value: number;
  unit: string;
  medianSeconds: number;
  seconds: number[];
}

/** A benchmark that measures every contender that supports it. */
export interface Workload {
  readonly name: string;
  readonly description: string;
  run(contenders: readonly Contender[], timing: TimingOptions): Promise<Row[]>;
}
