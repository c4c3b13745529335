/**
 * The stock callbacks (besides History and ProgressBar): early stopping, checkpoints,
 * learning-rate control, loggers, NaN guard, lambdas and throughput.
 * @module
 */
import { ValueError } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import type { Callback, CallbackContext, Logs } from "./Callback.js";
import { Monitor } from "./monitor.js";
import type { MonitorMode } from "./monitor.js";
import { appendText, writeTextAtomic } from "./files.js";

/**
 * Options of {@link EarlyStopping}.
 * @category Callbacks
 */
export interface EarlyStoppingOptions {
  /** Logged quantity to watch (default "val_loss"). */
  monitor?: string;
  mode?: MonitorMode;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put back the weights of the best epoch when stopping (default false). */
  restoreBestWeights?: boolean;
  /** Stop unless the quantity beats this value within `patience` epochs. */
  baseline?: number;
}

/**
 * Stops training when a monitored quantity has stopped improving (Keras semantics).
 * @throws {ValueError} for a negative patience or minDelta.
 * @example
 * ```ts
 * import { EarlyStopping } from "@backprop/callbacks";
 * const stopper = new EarlyStopping({ monitor: "val_loss", patience: 3, restoreBestWeights: true });
 * ```
 * @category Callbacks
 */
export class EarlyStopping implements Callback {
  private monitor: Monitor;
  private wait = 0;
  private bestWeights: Record<string, Float64Array> | null = null;
  /** The epoch at which training was stopped, or -1. */
  stoppedEpoch = -1;
  /** The epoch with the best monitored value, or -1. */
  bestEpoch = -1;
  private readonly patience: number;
  private readonly restore: boolean;
  private readonly baseline: number | undefined;

  constructor(options: EarlyStoppingOptions = {}) {
    this.patience = options.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) {
      throw new ValueError(`EarlyStopping: patience must be a non-negative integer; got ${this.patience}`);
    }
    this.monitor = new Monitor("EarlyStopping", options.monitor ?? "val_loss", options.mode ?? "auto", options.minDelta ?? 0);
    this.restore = options.restoreBestWeights ?? false;
    this.baseline = options.baseline;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.bestEpoch = -1;
    this.bestWeights = null;
    this.monitor.best = this.baseline ?? (this.monitor.direction === "min" ? Infinity : -Infinity);
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: CallbackContext): void {
    if (this.monitor.value(logs) === undefined) {
      console.warn(this.monitor.missing(logs));
      return;
    }
    if (this.monitor.improved(logs)) {
      this.wait = 0;
      this.bestEpoch = epoch;
      if (this.restore) this.bestWeights = snapshot(ctx.model.stateDict());
      return;
    }
    this.wait++;
    if (this.wait > this.patience) {
      this.stoppedEpoch = epoch;
      ctx.stop(`EarlyStopping: ${this.monitor.key} did not improve for ${this.wait} epochs (best ${this.monitor.best} at epoch ${this.bestEpoch})`);
      if (this.restore && this.bestWeights !== null) restoreSnapshot(ctx.model.stateDict(), this.bestWeights);
    }
  }

  stateDict(): unknown {
    return { wait: this.wait, best: this.monitor.best, bestEpoch: this.bestEpoch };
  }

  loadStateDict(state: unknown): void {
    const s = state as { wait: number; best: number; bestEpoch: number };
    this.wait = s.wait;
    this.monitor.best = s.best;
    this.bestEpoch = s.bestEpoch;
  }
}

function snapshot(dict: Record<string, Tensor>): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(dict).map(([k, t]) => [k, Float64Array.from(t.data())]));
}

function restoreSnapshot(dict: Record<string, Tensor>, saved: Record<string, Float64Array>): void {
  for (const [k, t] of Object.entries(dict)) {
    const values = saved[k];
    if (values === undefined) continue;
    if (!t.isContiguous) throw new ValueError(`EarlyStopping: cannot restore the non-contiguous tensor "${k}"`);
    t.storage.data.set(values, t.offset);
  }
}

/**
 * Options of {@link ModelCheckpoint}.
 * @category Callbacks
 */
export interface ModelCheckpointOptions {
  /**
   * Where to save: a directory path pattern with `{epoch}` and any logged key, optionally with
   * a precision: `"checkpoints/epoch-{epoch}-{val_loss:.4f}"`.
   */
  filepath: string;
  monitor?: string;
  mode?: MonitorMode;
  /** Save only when the monitored quantity improves (default false). */
  saveBestOnly?: boolean;
  /** Save every n epochs (default 1). */
  every?: number;
}

/**
 * Saves a resumable checkpoint at the end of epochs, every time or only the best. Writes are
 * atomic (temporary name, then rename), so a crash never leaves a torn checkpoint.
 * @throws {ValueError} when `filepath` is empty.
 * @example
 * ```ts
 * import { ModelCheckpoint } from "@backprop/callbacks";
 * const best = new ModelCheckpoint({ filepath: "out/best", monitor: "val_accuracy", saveBestOnly: true });
 * ```
 * @category Callbacks
 */
export class ModelCheckpoint implements Callback {
  private readonly monitor: Monitor;
  /** Paths written so far, in order. */
  readonly saved: string[] = [];
  /** The path of the best checkpoint (saveBestOnly), or null. */
  bestPath: string | null = null;

  constructor(private readonly options: ModelCheckpointOptions) {
    if (typeof options?.filepath !== "string" || options.filepath === "") {
      throw new ValueError("ModelCheckpoint: filepath must be a non-empty path pattern");
    }
    this.monitor = new Monitor("ModelCheckpoint", options.monitor ?? "val_loss", options.mode ?? "auto", 0);
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: CallbackContext): Promise<void> {
    const every = this.options.every ?? 1;
    if ((epoch + 1) % every !== 0) return;
    if (this.options.saveBestOnly === true) {
      if (this.monitor.value(logs) === undefined) {
        console.warn(this.monitor.missing(logs));
        return;
      }
      if (!this.monitor.improved(logs)) return;
    }
    const path = formatPath(this.options.filepath, epoch, logs);
    await ctx.saveCheckpoint(path);
    this.saved.push(path);
    if (this.options.saveBestOnly === true) this.bestPath = path;
  }

  stateDict(): unknown {
    return { best: this.monitor.best, bestPath: this.bestPath };
  }

  loadStateDict(state: unknown): void {
    const s = state as { best: number; bestPath: string | null };
    this.monitor.best = s.best;
    this.bestPath = s.bestPath;
  }
}

/**
 * Fills `{epoch}` (1-based, like Keras) and `{key}` / `{key:.Nf}` placeholders from logs.
 * @throws {ValueError} for a placeholder naming a key the logs lack.
 * @example
 * ```ts
 * import { formatPath } from "@backprop/callbacks";
 * formatPath("ckpt/e{epoch}-{val_loss:.2f}", 4, { val_loss: 0.1234 }); // "ckpt/e5-0.12"
 * ```
 * @category Callbacks
 */
export function formatPath(pattern: string, epoch: number, logs: Logs): string {
  return pattern.replace(/\{(\w+)(?::\.(\d+)f)?\}/g, (_m, key: string, digits: string | undefined) => {
    const value = key === "epoch" ? epoch + 1 : logs[key];
    if (value === undefined) throw new ValueError(`ModelCheckpoint: "{${key}}" in "${pattern}" is not a logged key; available: epoch, ${Object.keys(logs).join(", ")}`);
    return digits === undefined ? String(value) : value.toFixed(Number(digits));
  });
}

/**
 * Something that sets the learning rate per epoch: a function of (epoch, current lr), or a
 * schedule object from @backprop/optimizers with a `step()` method.
 * @category Callbacks
 */
export type LearningRateSchedule = ((epoch: number, lr: number) => number) | { step(): void; stateDict?(): unknown; loadStateDict?(s: never): void };

/**
 * Sets the learning rate at the start of each epoch from a schedule, and logs `lr`.
 * @example
 * ```ts
 * import { LearningRateScheduler } from "@backprop/callbacks";
 * const halve = new LearningRateScheduler((epoch, lr) => (epoch > 0 && epoch % 10 === 0 ? lr / 2 : lr));
 * ```
 * @category Callbacks
 */
export class LearningRateScheduler implements Callback {
  constructor(private readonly schedule: LearningRateSchedule) {}

  onEpochBegin(epoch: number, ctx: CallbackContext): void {
    const opt = ctx.optimizer;
    if (opt === null) return;
    if (typeof this.schedule === "function") {
      for (const group of opt.paramGroups) {
        const lr = this.schedule(epoch, group.lr);
        if (!Number.isFinite(lr) || lr < 0) throw new ValueError(`LearningRateScheduler: the schedule returned ${lr} for epoch ${epoch}; expected a finite lr >= 0`);
        group.lr = lr;
      }
    } else if (epoch > 0) {
      this.schedule.step();
    }
  }

  onEpochEnd(_epoch: number, logs: Logs, ctx: CallbackContext): void {
    if (ctx.optimizer !== null) logs.lr = ctx.optimizer.paramGroups[0].lr;
  }

  stateDict(): unknown {
    return typeof this.schedule === "function" ? null : (this.schedule.stateDict?.() ?? null);
  }

  loadStateDict(state: unknown): void {
    if (typeof this.schedule !== "function" && state !== null) this.schedule.loadStateDict?.(state as never);
  }
}

/**
 * Options of {@link ReduceLROnPlateau}.
 * @category Callbacks
 */
export interface ReduceLROnPlateauOptions {
  monitor?: string;
  mode?: MonitorMode;
  /** Multiplier applied to the rate (default 0.1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound of the rate (default 0). */
  minLr?: number;
}

/**
 * Multiplies the learning rate by `factor` when a monitored quantity has stopped improving.
 * @throws {ValueError} unless 0 < factor < 1.
 * @example
 * ```ts
 * import { ReduceLROnPlateau } from "@backprop/callbacks";
 * const plateau = new ReduceLROnPlateau({ monitor: "val_loss", factor: 0.5, patience: 2 });
 * ```
 * @category Callbacks
 */
export class ReduceLROnPlateau implements Callback {
  private readonly monitor: Monitor;
  private wait = 0;
  private cooldownLeft = 0;
  private readonly factor: number;
  private readonly patience: number;
  private readonly cooldown: number;
  private readonly minLr: number;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    this.factor = options.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) throw new ValueError(`ReduceLROnPlateau: factor must be in (0, 1); got ${this.factor}`);
    this.patience = options.patience ?? 10;
    this.cooldown = options.cooldown ?? 0;
    this.minLr = options.minLr ?? 0;
    this.monitor = new Monitor("ReduceLROnPlateau", options.monitor ?? "val_loss", options.mode ?? "auto", options.minDelta ?? 1e-4);
  }

  onEpochEnd(_epoch: number, logs: Logs, ctx: CallbackContext): void {
    const opt = ctx.optimizer;
    if (opt === null) return;
    if (this.monitor.value(logs) === undefined) {
      console.warn(this.monitor.missing(logs));
      return;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.wait = 0;
    }
    if (this.monitor.improved(logs)) {
      this.wait = 0;
    } else if (this.cooldownLeft === 0) {
      this.wait++;
      if (this.wait > this.patience) {
        for (const group of opt.paramGroups) group.lr = Math.max(group.lr * this.factor, this.minLr);
        this.cooldownLeft = this.cooldown;
        this.wait = 0;
      }
    }
    logs.lr = opt.paramGroups[0].lr;
  }

  stateDict(): unknown {
    return { wait: this.wait, cooldownLeft: this.cooldownLeft, best: this.monitor.best };
  }

  loadStateDict(state: unknown): void {
    const s = state as { wait: number; cooldownLeft: number; best: number };
    this.wait = s.wait;
    this.cooldownLeft = s.cooldownLeft;
    this.monitor.best = s.best;
  }
}

/**
 * Writes one CSV row per epoch (`epoch` then every logged key) to a file; the file parses back
 * to the History. Rewritten atomically each epoch, so it is never half-written.
 * @throws {ValueError} when `filename` is empty.
 * @example
 * ```ts
 * import { CSVLogger } from "@backprop/callbacks";
 * const csv = new CSVLogger("training.csv");
 * ```
 * @category Callbacks
 */
export class CSVLogger implements Callback {
  private rows: Logs[] = [];

  constructor(
    readonly filename: string,
    private readonly separator = ",",
  ) {
    if (typeof filename !== "string" || filename === "") throw new ValueError("CSVLogger: filename must be a non-empty path");
  }

  onTrainBegin(): void {
    this.rows = [];
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    this.rows.push({ epoch, ...logs });
    const keys = [...new Set(this.rows.flatMap((r) => Object.keys(r)))];
    const lines = [keys.join(this.separator), ...this.rows.map((r) => keys.map((k) => (r[k] === undefined ? "" : String(r[k]))).join(this.separator))];
    await writeTextAtomic(this.filename, lines.join("\n") + "\n", "CSVLogger");
  }

  stateDict(): unknown {
    return this.rows.map((r) => ({ ...r }));
  }

  loadStateDict(state: unknown): void {
    this.rows = (state as Logs[]).map((r) => ({ ...r }));
  }
}

/**
 * Appends one JSON object per epoch (and per batch with `batches: true`) to a JSON Lines file.
 * @throws {ValueError} when `filename` is empty.
 * @example
 * ```ts
 * import { JsonlLogger } from "@backprop/callbacks";
 * const log = new JsonlLogger("training.jsonl", { batches: false });
 * ```
 * @category Callbacks
 */
export class JsonlLogger implements Callback {
  constructor(
    readonly filename: string,
    private readonly options: { batches?: boolean } = {},
  ) {
    if (typeof filename !== "string" || filename === "") throw new ValueError("JsonlLogger: filename must be a non-empty path");
  }

  async onBatchEnd(batch: number, logs: Logs, ctx: CallbackContext): Promise<void> {
    if (this.options.batches === true) await appendText(this.filename, JSON.stringify({ type: "batch", epoch: ctx.epoch, batch, step: ctx.step, ...logs }) + "\n", "JsonlLogger");
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: CallbackContext): Promise<void> {
    await appendText(this.filename, JSON.stringify({ type: "epoch", epoch, step: ctx.step, ...logs }) + "\n", "JsonlLogger");
  }
}

/**
 * Stops training as soon as a batch loss is NaN or infinite.
 * @example
 * ```ts
 * import { TerminateOnNaN } from "@backprop/callbacks";
 * const guard = new TerminateOnNaN();
 * ```
 * @category Callbacks
 */
export class TerminateOnNaN implements Callback {
  /** The batch at which a bad loss was seen, or -1. */
  stoppedAt = -1;

  onBatchEnd(batch: number, logs: Logs, ctx: CallbackContext): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      this.stoppedAt = batch;
      ctx.stop(`TerminateOnNaN: loss became ${loss} at epoch ${ctx.epoch}, batch ${batch}`);
    }
  }
}

/**
 * A callback made of plain functions, for one-off hooks.
 * @example
 * ```ts
 * import { LambdaCallback } from "@backprop/callbacks";
 * const cb = new LambdaCallback({ onEpochEnd: (epoch, logs) => console.log(epoch, logs.loss) });
 * ```
 * @category Callbacks
 */
export class LambdaCallback implements Callback {
  onTrainBegin?: Callback["onTrainBegin"];
  onTrainEnd?: Callback["onTrainEnd"];
  onEpochBegin?: Callback["onEpochBegin"];
  onEpochEnd?: Callback["onEpochEnd"];
  onBatchBegin?: Callback["onBatchBegin"];
  onBatchEnd?: Callback["onBatchEnd"];

  constructor(hooks: Pick<Callback, "onTrainBegin" | "onTrainEnd" | "onEpochBegin" | "onEpochEnd" | "onBatchBegin" | "onBatchEnd">) {
    Object.assign(this, hooks);
  }
}

/**
 * Measures training throughput: logs `samples_per_sec` for each epoch (wall time of the
 * epoch's batches, without validation).
 * @example
 * ```ts
 * import { ThroughputLogger } from "@backprop/callbacks";
 * const speed = new ThroughputLogger();
 * ```
 * @category Callbacks
 */
export class ThroughputLogger implements Callback {
  private start = 0;
  private samples = 0;
  private trainMs = 0;
  /** samples/s of each epoch, in order. */
  readonly perEpoch: number[] = [];

  onEpochBegin(): void {
    this.samples = 0;
    this.trainMs = 0;
  }

  onBatchBegin(): void {
    this.start = performance.now();
  }

  onBatchEnd(_batch: number, logs: Logs): void {
    this.trainMs += performance.now() - this.start;
    this.samples += logs.size ?? 0;
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    const rate = this.trainMs > 0 ? (this.samples * 1000) / this.trainMs : 0;
    this.perEpoch.push(rate);
    logs.samples_per_sec = rate;
  }
}
