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

/** How the mnist workload runs the `npm start` recipe: the target, the epoch cap, smoke mode. */
export interface MnistPlan {
  /** Test accuracy to reach (0.98). */
  target: number;
  /** Epochs after which a run that has not reached the target stops (20, as in `npm start`). */
  maxEpochs: number;
  /** Something tiny but real instead of the full run (see workloads/mnist.ts). */
  smoke: boolean;
  /** Called with each line a child process prints about an epoch. */
  progress?: (line: string) => void;
}

/** One epoch of the mnist recipe as the child process reported it. */
export interface MnistEpoch {
  seconds: number;
  valAccuracy: number;
}

/** One run of the mnist recipe, as reported by the process that ran it. */
export interface MnistResult {
  /** Seconds from after data loading and model building to the end of the evaluation of the epoch that first reached the target; null when none did. */
  secondsToTarget: number | null;
  /** Epochs run (the last is the one that reached the target, if any). */
  epochs: MnistEpoch[];
  /** Test accuracy after the last epoch, in [0, 1]. */
  accuracy: number;
  /** Peak resident set size of the process that trained, MiB (getrusage maxrss / 1024). */
  peakRssMiB: number;
  /** Wall seconds of the child process, start to exit, as seen by the bench (data loading and start-up included). */
  processSeconds: number;
  /** What ran: backend and threads, or torch version and threads. */
  detail: string;
  /** Set in smoke mode: what the tiny run did instead of the full recipe. */
  smokeNote?: string;
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
  /** Runs the `npm start` MNIST recipe once in a fresh child process, so that its peak RSS is its own. */
  mnist?(plan: MnistPlan): Promise<MnistResult>;
  /** Releases what `load` started (a child process). */
  close?(): void;
}

/** One row of a workload's result. */
export interface Row {
  workload: string;
  case: string;
  contender: string;
  /** The workload's figure of merit (e.g. GFLOP/s, samples/s); larger is better unless the workload says `smallerIsBetter`. NaN on error or when there is no figure (a run that never reached its target). */
  value: number;
  unit: string;
  medianSeconds: number;
  seconds: number[];
  /** Training rows: every epoch, the dropped warm-up epoch first. */
  epochs?: EpochTiming[];
  /** mnist rows: what the child process reported, and the load average (1, 5, 15 min) when it started. */
  mnist?: MnistResult & { loadavg: number[] };
  /** Something a reader should know about the figure. */
  note?: string;
  /** Why there is no figure (the contender failed on this case). */
  error?: string;
}

/** A benchmark that measures every contender that supports it. */
export interface Workload {
  readonly name: string;
  readonly description: string;
  /** The figures are costs (seconds, MiB): tables say "smaller is better" and take the smallest PyTorch figure as the best. */
  readonly smallerIsBetter?: boolean;
  run(contenders: readonly Contender[], options: RunOptions): Promise<Row[]>;
}
