/**
 * The callback protocol: objects with optional hooks that the training loop calls, acting on
 * training only through the context the loop hands them (so callbacks never import train).
 * @module
 */
import type { Tensor } from "@backprop/core";

/**
 * Numbers logged at the end of a batch or an epoch: `loss`, `accuracy`, `val_loss`, `lr`, ...
 * @category Callbacks
 */
export type Logs = Record<string, number>;

/**
 * What the loop needs of a model; `Module` from @backprop/layers satisfies it.
 * @category Callbacks
 */
export interface TrainableModel {
  forward(x: Tensor): Tensor;
  parameters(): Tensor[];
  stateDict(): Record<string, Tensor>;
  loadStateDict(dict: Record<string, Tensor>, options?: { strict?: boolean }): unknown;
  train(mode?: boolean): unknown;
  eval(): unknown;
}

/**
 * What the loop needs of an optimizer; `Optimizer` from @backprop/optimizers satisfies it.
 * @category Callbacks
 */
export interface TrainableOptimizer {
  step(): void;
  zeroGrad(): void;
  paramGroups: { lr: number }[];
  stateDict(): unknown;
  loadStateDict(state: never): void;
}

/**
 * Facts about the run, fixed when training starts.
 * @category Callbacks
 */
export interface TrainingParams {
  epochs: number;
  /** Batches per epoch (after gradient accumulation is taken into account, optimizer steps may be fewer). */
  stepsPerEpoch: number;
  batchSize: number;
  /** Training samples per epoch. */
  samples: number;
  /** Names of the metrics being logged (without the `val_` twins). */
  metrics: string[];
  /** Whether validation runs after each epoch. */
  validation: boolean;
}

/**
 * The handle a callback gets: the model, the optimizer, the run's facts, and the ways to act.
 * @category Callbacks
 */
export interface CallbackContext {
  readonly model: TrainableModel;
  readonly optimizer: TrainableOptimizer | null;
  readonly params: TrainingParams;
  /** The current epoch (0-based). */
  readonly epoch: number;
  /** Optimizer steps taken since the run began (resumes count on). */
  readonly step: number;
  /** The latest epoch logs (empty before the first epoch ends). */
  readonly logs: Logs;
  /** Asks the loop to stop after the current batch. */
  stop(reason?: string): void;
  /** Whether stop() was called. */
  readonly stopRequested: boolean;
  /** Saves a resumable checkpoint (model, optimizer, schedule, epoch, step, RNG) atomically. */
  saveCheckpoint(path: string): Promise<void>;
}

/**
 * A callback: any subset of these hooks. Hooks may be async; the loop awaits them.
 * `stateDict`/`loadStateDict` let a checkpoint carry a callback's counters across a resume.
 * @example
 * ```ts
 * import type { Callback } from "@backprop/callbacks";
 * const printer: Callback = {
 *   onEpochEnd(epoch, logs) { console.log(epoch, logs.loss); },
 * };
 * ```
 * @category Callbacks
 */
export interface Callback {
  onTrainBegin?(ctx: CallbackContext): void | Promise<void>;
  onTrainEnd?(logs: Logs, ctx: CallbackContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: CallbackContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, ctx: CallbackContext): void | Promise<void>;
  onBatchBegin?(batch: number, ctx: CallbackContext): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs, ctx: CallbackContext): void | Promise<void>;
  onEvaluateBegin?(ctx: CallbackContext): void | Promise<void>;
  onEvaluateEnd?(logs: Logs, ctx: CallbackContext): void | Promise<void>;
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
}

/**
 * A callback class as registered by name (kind "callback").
 * @category Callbacks
 */
export type CallbackClass = new (options?: never) => Callback;

declare module "@backprop/core" {
  interface Registry {
    callback: CallbackClass;
  }
}
