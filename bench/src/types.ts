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

/** Everything a workload run is told: timing, training length, smoke mode. */
export interface RunOptions extends TimingOptions {
  /** Training epochs per contender, the first (warm-up) one included. */
  epochs: number;
  /** Seconds after which a training epoch is cut short, so slow peers finish in bounded time. */
  budgetSeconds: number;
  /** One tiny iteration of everything, to check that it runs and gives finite numbers. */
  smoke: boolean;
  /** Called after each row is measured (for a progress line). */
  progress?: (row: Row) => void;
}

/** Times (seconds) of the repetitions of one case, and their median. */
export interface Measurement {
  seconds: number[];
  median: number;
}

/** The MNIST arrays every training contender gets: pixels in [0, 1], labels 0..9. */
export interface MnistArrays {
  /** float32 [count * 784], image after image. */
  images: Float32Array;
  /** int32 [count]. */
  labels: Int32Array;
  count: number;
}

/** Which model to train and how. */
export interface TrainSpec {
  model: "mlp" | "cnn";
  batchSize: number;
  lr: number;
}

/** How long to train: `epochs` epochs of at most `maxBatches` batches and about `budgetSeconds`. */
export interface TrainPlan {
  epochs: number;
  maxBatches: number;
  budgetSeconds: number;
}

/** One epoch's (or its timed part's) samples, seconds and last loss. */
export interface EpochTiming {
  samples: number;
  seconds: number;
  loss: number;
}

/** All epochs of one training run, the warm-up epoch first. */
export interface TrainResult {
  epochs: EpochTiming[];
}

/** A framework (and backend) being measured. Each workload it supports is an optional method. */
export interface Contender {
  /** Short label for tables and JSON, e.g. "backprop js" or "tfjs cpu". */
  readonly name: string;
  /** Version and settings, known once loaded (e.g. "torch 1.13.1, 2 threads"). */
  readonly version?: string;
  /** Loads the framework; resolves to a reason string when it is unavailable here. */
  load(): Promise<string | undefined>;
  /** Seconds for one C = A*B of float32 [n, n] matrices, measured by the contender itself. */
  matmul?(n: number, timing: TimingOptions): Promise<Measurement>;
  /** Trains `spec` on `data` following `plan`; the per-epoch timings. */
  train?(spec: TrainSpec, data: MnistArrays, plan: TrainPlan): Promise<TrainResult>;
  /** Releases what `load` started (a child process). */
  close?(): void;
}

/** One row of a workload's result. */
export interface Row {
  workload: string;
  case: string;
  contender: string;
  /** The workload's figure of merit (e.g. GFLOP/s, samples/s); larger is better. NaN on error. */
  value: number;
  unit: string;
  medianSeconds: number;
  seconds: number[];
  /** Training rows: every epoch, the dropped warm-up epoch first. */
  epochs?: EpochTiming[];
  /** Something a reader should know about the figure. */
  note?: string;
  /** Why there is no figure (the contender failed on this case). */
  error?: string;
}

/** A benchmark that measures every contender that supports it. */
export interface Workload {
  readonly name: string;
  readonly description: string;
  run(contenders: readonly Contender[], options: RunOptions): Promise<Row[]>;
}
