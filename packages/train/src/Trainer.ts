/**
 * The training loop: `Trainer` (with a replaceable `trainStep`) and the `fit`, `evaluate` and
 * `predict` functions built on it. Every step runs in a memory scope, so resident memory stays
 * flat however long training runs.
 * @module
 */
import {
  Generator,
  ShapeError,
  Tensor,
  ValueError,
  defaultGenerator,
  empty,
  formatShape,
  getRngState,
  nameOf,
  noGrad,
  resolve,
  setRngState,
  tidy,
} from "@backprop/core";
import { History, ProgressBar } from "@backprop/callbacks";
import { DataLoader } from "@backprop/data";
import type { Callback, CallbackContext, Logs, TrainableModel, TrainableOptimizer, TrainingParams } from "@backprop/callbacks";
import { clipGradNorm } from "@backprop/optimizers";
// Registers the stock losses, so that `loss: "crossEntropy"` resolves.
import "@backprop/losses";
import { toMetric } from "./metrics.js";
import type { Metric } from "./metrics.js";
import { readCheckpoint, writeCheckpoint } from "./checkpoint.js";

/**
 * A loss: `(prediction, target) => scalar tensor`, or the registry name of one ("crossEntropy").
 * @category Training
 */
export type LossLike = string | ((prediction: Tensor, target: Tensor) => Tensor);

/**
 * Training data: a pair of tensors (inputs, targets) with samples along axis 0, or any
 * iterable / async iterable of `[x, y]` batches such as a DataLoader.
 * @category Training
 */
export type TrainData = readonly [Tensor, Tensor] | Iterable<readonly [Tensor, Tensor]> | AsyncIterable<readonly [Tensor, Tensor]>;

/**
 * Options of {@link Trainer}: what stays fixed across fit/evaluate calls.
 * @category Training
 */
export interface TrainerOptions {
  loss: LossLike;
  optimizer?: TrainableOptimizer;
  /** Metric names ("accuracy") or instances. */
  metrics?: (string | Metric)[];
  /** Sum gradients over this many batches before each optimizer step (default 1). */
  gradientAccumulation?: number;
  /** Clip the global gradient norm to this value before each step. */
  clipGradNorm?: number;
}

/**
 * Options of {@link Trainer.fit} and {@link fit}.
 * @category Training
 */
export interface FitOptions {
  epochs?: number;
  /** Samples per batch when data is a pair of tensors (default 32). */
  batchSize?: number;
  /** Data evaluated after every epoch, logged with a `val_` prefix. */
  validationData?: TrainData;
  /** Fraction of the (tensor) training data held out for validation: the last samples, as in Keras. */
  validationSplit?: number;
  callbacks?: Callback[];
  /** Shuffle tensor data each epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling generator (default: drawn from the global generator). */
  seed?: number;
  /** Show a ProgressBar (default true); false for none. */
  progress?: boolean;
  /** Continue from a checkpoint directory written by saveCheckpoint or ModelCheckpoint. */
  resumeFrom?: string;
}

function isTensorPair(data: unknown): data is readonly [Tensor, Tensor] {
  return Array.isArray(data) && data.length === 2 && data[0] instanceof Tensor && data[1] instanceof Tensor;
}

function checkPositiveInt(value: number, name: string, where: string): number {
  if (!Number.isInteger(value) || value < 1) throw new ValueError(`${where}: ${name} must be a positive integer; got ${value}`);
  return value;
}

/** A callback's type for matching saved states: its registry name, else its class name. */
function callbackType(callback: Callback): string {
  const ctor = (callback as { constructor?: unknown }).constructor;
  return nameOf("callback", ctor) ?? (typeof ctor === "function" ? ctor.name : "object");
}

/** Copies rows `order[start..end)` of a contiguous tensor into a new batch tensor. */
function takeRows(x: Tensor, order: Int32Array, start: number, end: number): Tensor {
  const rowShape = x.shape.slice(1);
  let rowSize = 1;
  for (const d of rowShape) rowSize *= d;
  const out = empty([end - start, ...rowShape], { dtype: x.dtype });
  const src = x.storage.data;
  const dst = out.storage.data;
  for (let i = start; i < end; i++) {
    const from = x.offset + order[i] * rowSize;
    dst.set(src.subarray(from, from + rowSize), (i - start) * rowSize);
  }
  return out;
}

function sliceRows(x: Tensor, start: number, end: number): Tensor {
  const order = new Int32Array(end - start);
  for (let i = 0; i < order.length; i++) order[i] = start + i;
  return takeRows(x, order, 0, order.length);
}

/**
 * Returns a runner that calls `fn` with the model in training (`true`) or evaluation (`false`)
 * mode, then puts every module's own flag back, also when `fn` throws. There is no await in
 * between, so fit steps and evaluate or predict batches interleaved at awaits each run in their
 * own mode. The module list is taken once, so each call costs a pass over the flags, and
 * `model.train(mode)` runs only when some flag differs.
 */
function modeRunner(model: TrainableModel, training: boolean): <T>(fn: () => T) => T {
  const tree = (model as { modules?: () => Iterable<{ training: boolean }> }).modules;
  if (typeof tree !== "function") {
    // Not a Module: all we know of its mode is its own flag, if it has one.
    return (fn) => {
      const was = (model as { training?: unknown }).training;
      model.train(training);
      try {
        return fn();
      } finally {
        if (typeof was === "boolean" && was !== training) model.train(was);
      }
    };
  }
  const modules = Array.from(tree.call(model));
  return (fn) => {
    const modes = modules.map((m) => m.training);
    if (modes.some((t) => t !== training)) model.train(training);
    try {
      return fn();
    } finally {
      modules.forEach((m, i) => (m.training = modes[i]));
    }
  };
}

/**
 * How many milliseconds fit and evaluate compute before they let the event loop run (timers,
 * I/O, a page's rendering, a saveModel started meanwhile). A bare setImmediate round trip takes
 * about 1 µs; with the work the loop then runs, a small MLP's fit measured +0.4% (js) and +0.6%
 * (native) in main-thread CPU time against no yielding, and +2.6% when yielding every 1 ms.
 */
const YIELD_MS = 10;
/** When any loop here last let the event loop run; shared, so concurrent calls take turns. */
let lastYield = performance.now();
// Taken at load, so that fake timers installed later (vi.useFakeTimers) cannot stall training.
const setImmediateFn = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
const MessageChannelCtor = globalThis.MessageChannel as typeof MessageChannel | undefined;
const setTimeoutFn = globalThis.setTimeout;

/** A macrotask: setImmediate on Node, a MessageChannel message in browsers (no 4 ms clamp), else setTimeout. */
function macrotask(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediateFn === "function") {
      setImmediateFn(resolve);
    } else if (MessageChannelCtor !== undefined) {
      const channel = new MessageChannelCtor();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    } else {
      setTimeoutFn(resolve, 0);
    }
  });
}

/** Whether YIELD_MS have passed since the event loop last ran; the loops then await {@link yieldNow}. */
function yieldDue(): boolean {
  return performance.now() - lastYield >= YIELD_MS;
}

/** Lets the event loop run (one macrotask). */
async function yieldNow(): Promise<void> {
  await macrotask();
  lastYield = performance.now();
}

/**
 * Runs training: batches, forward pass, loss, backward pass, optimizer steps, metrics and
 * callbacks. Subclass it (or assign `trainStep`) for a custom step; the loop stays the same.
 * @example
 * ```ts
 * import { Trainer } from "@backprop/train";
 * import { Sequential, Linear } from "@backprop/layers";
 * import { sgd } from "@backprop/optimizers";
 * import { randn } from "@backprop/core";
 * const model = new Sequential([new Linear({ inFeatures: 2, outFeatures: 1 })]);
 * const trainer = new Trainer(model, { loss: "mse", optimizer: sgd(model.parameters(), { lr: 0.1 }) });
 * const history = await trainer.fit([randn([64, 2]), randn([64, 1])], { epochs: 2, progress: false });
 * ```
 * @category Training
 */
export class Trainer {
  readonly loss: (prediction: Tensor, target: Tensor) => Tensor;
  readonly metrics: Metric[];
  /** Optimizer steps taken (counts on across resumes). */
  step = 0;
  private micro = 0;
  private stopReason: string | null = null;
  private shuffleGenerator: Generator | null = null;
  private callbacks: Callback[] = [];
  private epoch = 0;
  private epochLogs: Logs = {};
  /** The training DataLoader of the current fit, whose position checkpoints carry. */
  private loader: DataLoader<unknown, unknown> | null = null;

  constructor(
    readonly model: TrainableModel,
    readonly options: TrainerOptions,
  ) {
    if (options === undefined || options.loss === undefined) throw new ValueError("Trainer: options.loss is required (a function or a registered loss name)");
    this.loss = typeof options.loss === "string" ? resolve("loss", options.loss) : options.loss;
    this.metrics = (options.metrics ?? []).map(toMetric);
    checkPositiveInt(options.gradientAccumulation ?? 1, "gradientAccumulation", "fit");
    if (options.clipGradNorm !== undefined && !(options.clipGradNorm > 0)) {
      throw new ValueError(`fit: clipGradNorm must be positive; got ${options.clipGradNorm}`);
    }
  }

  /**
   * One training step on one batch: forward, loss, backward, and (every
   * `gradientAccumulation` batches) clipping and an optimizer step. Returns the batch's logs.
   */
  trainStep(x: Tensor, y: Tensor): Logs {
    const optimizer = this.options.optimizer;
    if (optimizer === undefined) throw new ValueError("fit: an optimizer is required to train");
    const accumulate = this.options.gradientAccumulation ?? 1;
    const logs = tidy(() => {
      const prediction = this.model.forward(x);
      const loss = this.checkLoss(this.loss(prediction, y));
      (accumulate === 1 ? loss : loss.div(accumulate)).backward();
      const out: Logs = { loss: loss.item(), size: x.shape[0] };
      for (const m of this.metrics) m.update(prediction, y);
      return out;
    });
    this.micro++;
    if (this.micro % accumulate === 0) this.optimizerStep();
    return logs;
  }

  /** One evaluation step: forward and loss without gradients, counted into `metrics`. */
  evalStep(x: Tensor, y: Tensor, metrics: readonly Metric[] = this.metrics): Logs {
    return tidy(() =>
      noGrad(() => {
        const prediction = this.model.forward(x);
        const loss = this.checkLoss(this.loss(prediction, y));
        for (const m of metrics) m.update(prediction, y);
        return { loss: loss.item(), size: x.shape[0] };
      }),
    );
  }

  private checkLoss(loss: Tensor): Tensor {
    if (!(loss instanceof Tensor) || loss.size !== 1) {
      throw new ShapeError(`fit: the loss must return a scalar tensor; got ${loss instanceof Tensor ? formatShape(loss.shape) : typeof loss}`);
    }
    return loss;
  }

  private optimizerStep(): void {
    const optimizer = this.options.optimizer!;
    tidy(() => {
      if (this.options.clipGradNorm !== undefined) clipGradNorm(this.model.parameters(), this.options.clipGradNorm);
      optimizer.step();
    });
    optimizer.zeroGrad();
    this.step++;
  }

  private context(params: TrainingParams): CallbackContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      model: this.model,
      optimizer: this.options.optimizer ?? null,
      params,
      get epoch() {
        return self.epoch;
      },
      get step() {
        return self.step;
      },
      get logs() {
        return self.epochLogs;
      },
      stop(reason?: string) {
        self.stopReason = reason ?? "stopped by a callback";
      },
      get stopRequested() {
        return self.stopReason !== null;
      },
      saveCheckpoint: (path: string) => this.saveCheckpoint(path),
    };
  }

  /** Writes a resumable checkpoint of the model, optimizer, callbacks, epoch, step and generators. */
  async saveCheckpoint(path: string, extra?: unknown): Promise<void> {
    await writeCheckpoint(path, {
      state: {
        format: "backprop-checkpoint",
        version: 1,
        epoch: this.epoch + 1,
        step: this.step,
        rng: { global: getRngState(), shuffle: this.shuffleGenerator?.getState() ?? null },
        optimizer: null,
        callbacks: this.callbacks.map((c) => ({ type: callbackType(c), state: c.stateDict?.() ?? null })),
        data: this.loader?.stateDict() ?? null,
        extra,
      },
      model: this.model.stateDict(),
      optimizer: this.options.optimizer?.stateDict() ?? null,
    });
  }

  private async restore(path: string): Promise<number> {
    const ckpt = await readCheckpoint(path);
    this.model.loadStateDict(ckpt.model, { strict: true });
    if (this.options.optimizer !== undefined && ckpt.optimizer !== null) this.options.optimizer.loadStateDict(ckpt.optimizer as never);
    this.step = ckpt.state.step;
    setRngState(ckpt.state.rng.global);
    if (ckpt.state.rng.shuffle !== null) {
      this.shuffleGenerator ??= new Generator(0);
      this.shuffleGenerator.setState(ckpt.state.rng.shuffle);
    }
    if (this.loader !== null && ckpt.state.data !== undefined && ckpt.state.data !== null) {
      this.loader.loadStateDict(ckpt.state.data as Parameters<DataLoader<unknown, unknown>["loadStateDict"]>[0]);
    }
    // Each saved state goes to the first callback of the same type, in order, so a resumed run
    // may add or drop callbacks (a new ModelCheckpoint, no ProgressBar) without mixing states up.
    const saved = (ckpt.state.callbacks as ({ type: string; state: unknown } | null)[]).filter((c) => c !== null && c.state !== null);
    for (const callback of this.callbacks) {
      const index = saved.findIndex((c) => c !== null && c.type === callbackType(callback));
      if (index < 0) continue;
      callback.loadStateDict?.(saved[index]!.state);
      saved.splice(index, 1);
    }
    return ckpt.state.epoch;
  }

  /**
   * Trains for `epochs` epochs and returns the History. Callbacks see every batch and epoch;
   * validation runs after each epoch when validationData or validationSplit is given.
   * Every step runs in train mode, also while an evaluate or predict on the same model is in
   * flight; the model is in train mode while fit runs and in eval mode after. About every 10 ms
   * fit lets the event loop run (timers, I/O, rendering), which costs under 1% of training time.
   * @throws {ValueError} for bad options (batchSize 0, empty data), {ShapeError} for
   * inputs and targets with different sample counts.
   */
  async fit(data: TrainData, options: FitOptions = {}): Promise<History> {
    const epochs = options.epochs ?? 1;
    if (!Number.isInteger(epochs) || epochs < 0) throw new ValueError(`fit: epochs must be a non-negative integer; got ${epochs}`);
    const batchSize = checkPositiveInt(options.batchSize ?? 32, "batchSize", "fit");
    let train: TrainData = data;
    let validation = options.validationData;
    if (isTensorPair(data)) {
      const [x, y] = data;
      if (x.shape[0] !== y.shape[0]) {
        throw new ShapeError(`fit: inputs and targets must have the same number of samples; got ${x.shape[0]} inputs ${formatShape(x.shape)} and ${y.shape[0]} targets ${formatShape(y.shape)}`);
      }
      if (x.rank === 0 || x.shape[0] === 0) throw new ValueError("fit: the training data is empty");
      if (options.validationSplit !== undefined) {
        const split = options.validationSplit;
        if (!(split > 0 && split < 1)) throw new ValueError(`fit: validationSplit must be in (0, 1); got ${split}`);
        const n = x.shape[0];
        const cut = Math.floor(n * (1 - split));
        if (cut === 0 || cut === n) throw new ValueError(`fit: validationSplit ${split} leaves no training or no validation samples out of ${n}`);
        train = [sliceRows(x.contiguous(), 0, cut), sliceRows(y.contiguous(), 0, cut)];
        validation = [sliceRows(x.contiguous(), cut, n), sliceRows(y.contiguous(), cut, n)];
      } else {
        train = [x.contiguous(), y.contiguous()];
      }
    } else if (options.validationSplit !== undefined) {
      throw new ValueError("fit: validationSplit needs tensor data; pass validationData with a data loader");
    }
    this.loader = train instanceof DataLoader ? (train as DataLoader<unknown, unknown>) : null;
    const history = new History();
    const progress = options.progress === false ? [] : [new ProgressBar()];
    // History first: it keeps each epoch's logs object, so keys that later callbacks add still
    // reach it, and a checkpoint written at the end of an epoch already contains that epoch.
    this.callbacks = [history, ...progress, ...(options.callbacks ?? [])];
    const shuffle = options.shuffle ?? true;
    this.shuffleGenerator = new Generator(options.seed ?? defaultGenerator().nextUint32());
    const n = isTensorPair(train) ? train[0].shape[0] : 0;
    const params: TrainingParams = {
      epochs,
      stepsPerEpoch: isTensorPair(train) ? Math.ceil(n / batchSize) : ((train as { length?: number }).length ?? 0),
      batchSize,
      samples: n,
      metrics: this.metrics.map((m) => m.name),
      validation: validation !== undefined,
    };
    const ctx = this.context(params);
    this.stopReason = null;
    this.model.train(true);
    for (const c of this.callbacks) await c.onTrainBegin?.(ctx);
    // Restoring after onTrainBegin, which resets callbacks, so their saved counters win.
    const startEpoch = options.resumeFrom === undefined ? 0 : await this.restore(options.resumeFrom);
    for (let epoch = startEpoch; epoch < epochs && this.stopReason === null; epoch++) {
      this.epoch = epoch;
      this.epochLogs = {};
      for (const m of this.metrics) m.reset();
      for (const c of this.callbacks) await c.onEpochBegin?.(epoch, ctx);
      this.model.train(true);
      // Taken each epoch, after the callbacks that may change the model have run.
      const inTrainMode = modeRunner(this.model, true);
      let lossSum = 0;
      let count = 0;
      let batch = 0;
      for await (const [x, y] of this.batches(train, batchSize, shuffle)) {
        for (const c of this.callbacks) await c.onBatchBegin?.(batch, ctx);
        const logs = inTrainMode(() => this.trainStep(x, y));
        // Batches made for this step (ours, or a DataLoader's) go back to the pool now.
        if (isTensorPair(train) || this.loader !== null) {
          x.dispose();
          y.dispose();
        }
        lossSum += logs.loss * (logs.size ?? 1);
        count += logs.size ?? 1;
        for (const m of this.metrics) logs[m.name] = m.result();
        for (const c of this.callbacks) await c.onBatchEnd?.(batch, logs, ctx);
        batch++;
        if (this.stopReason !== null) break;
        if (yieldDue()) await yieldNow();
      }
      if (count === 0) throw new ValueError("fit: the training data yielded no batches");
      // Leftover accumulated gradients still make a step at the end of the epoch.
      if (this.micro % (this.options.gradientAccumulation ?? 1) !== 0) {
        this.micro = 0;
        this.optimizerStep();
      }
      const logs: Logs = { loss: lossSum / count };
      for (const m of this.metrics) logs[m.name] = m.result();
      if (validation !== undefined && this.stopReason === null) {
        const val = await this.evaluate(validation, { batchSize });
        for (const [k, v] of Object.entries(val)) logs[`val_${k}`] = v;
        this.model.train(true);
      }
      this.epochLogs = logs;
      for (const c of this.callbacks) await c.onEpochEnd?.(epoch, logs, ctx);
    }
    this.model.eval();
    for (const c of this.callbacks) await c.onTrainEnd?.(this.epochLogs, ctx);
    if (this.stopReason !== null && options.progress !== false) console.log(this.stopReason);
    return history;
  }

  /**
   * Loss and metrics over a data set, without gradients, in eval mode. Each batch switches
   * the model to eval mode and back, so the model's modes are as before between batches, after
   * it returns or throws, and for a fit running meanwhile.
   * @throws {ShapeError} for inputs and targets with different sample counts.
   */
  async evaluate(data: TrainData, options: { batchSize?: number } = {}): Promise<Logs> {
    const batchSize = checkPositiveInt(options.batchSize ?? 32, "batchSize", "evaluate");
    if (isTensorPair(data) && data[0].shape[0] !== data[1].shape[0]) {
      throw new ShapeError(`evaluate: inputs and targets must have the same number of samples; got ${data[0].shape[0]} and ${data[1].shape[0]}`);
    }
    // Counts of its own (clones), so a fit running meanwhile keeps its metrics' counts.
    const metrics = this.metrics.map((m) => m.clone?.() ?? m);
    for (const m of metrics) m.reset();
    const inEvalMode = modeRunner(this.model, false);
    let lossSum = 0;
    let count = 0;
    const pair = isTensorPair(data) ? ([data[0].contiguous(), data[1].contiguous()] as const) : data;
    for await (const [x, y] of this.batches(pair, batchSize, false)) {
      const logs = inEvalMode(() => this.evalStep(x, y, metrics));
      if (isTensorPair(pair) || pair instanceof DataLoader) {
        x.dispose();
        y.dispose();
      }
      lossSum += logs.loss * (logs.size ?? 1);
      count += logs.size ?? 1;
      if (yieldDue()) await yieldNow();
    }
    if (count === 0) throw new ValueError("evaluate: the data is empty");
    const logs: Logs = { loss: lossSum / count };
    for (const m of metrics) logs[m.name] = m.result();
    return logs;
  }

  private async *batches(data: TrainData, batchSize: number, shuffle: boolean): AsyncGenerator<readonly [Tensor, Tensor]> {
    if (isTensorPair(data)) {
      const [x, y] = data;
      const n = x.shape[0];
      const order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      if (shuffle) {
        const g = this.shuffleGenerator ?? new Generator(0);
        for (let i = n - 1; i > 0; i--) {
          const j = g.nextInt(0, i + 1);
          const t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
      }
      for (let start = 0; start < n; start += batchSize) {
        const end = Math.min(n, start + batchSize);
        yield [takeRows(x, order, start, end), takeRows(y, order, start, end)];
      }
      return;
    }
    yield* data as AsyncIterable<readonly [Tensor, Tensor]>;
  }

  /**
   * Runs the model over inputs in batches, without gradients, in eval mode; returns the
   * outputs stacked along axis 0. The model's modes are put back after, also when it throws.
   * @throws {ValueError} for batchSize < 1.
   */
  predict(x: Tensor, options: { batchSize?: number } = {}): Tensor {
    const batchSize = checkPositiveInt(options.batchSize ?? 32, "batchSize", "predict");
    return modeRunner(this.model, false)(() => this.predictBatches(x, batchSize));
  }

  private predictBatches(x: Tensor, batchSize: number): Tensor {
    const xc = x.contiguous();
    const n = xc.shape[0];
    let out: Tensor | null = null;
    let rowSize = 0;
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const created: Tensor | null = noGrad(() =>
        tidy(() => {
          const y = this.model.forward(sliceRows(xc, start, end)).contiguous();
          let fresh: Tensor | null = null;
          if (out === null) {
            rowSize = y.size / (end - start);
            fresh = empty([n, ...y.shape.slice(1)], { dtype: y.dtype });
          }
          (out ?? fresh!).storage.data.set(y.storage.data.subarray(y.offset, y.offset + y.size), start * rowSize);
          // Returned from the scope, so it survives it.
          return fresh;
        }),
      );
      if (created !== null) out = created;
    }
    if (out === null) throw new ValueError("predict: the input has no samples");
    return out;
  }
}

/**
 * Trains a model (Keras's `model.fit`): returns the History of per-epoch logs.
 * @throws {ValueError} for bad options, {ShapeError} for mismatched inputs and targets.
 * @example
 * ```ts
 * import { fit } from "@backprop/train";
 * import { Sequential, Linear, ReLU } from "@backprop/layers";
 * import { adam } from "@backprop/optimizers";
 * import { randn, randint } from "@backprop/core";
 * const model = new Sequential([new Linear({ inFeatures: 4, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 3 })]);
 * const history = await fit(model, [randn([90, 4]), randint([90], 0, 3)], {
 *   loss: "crossEntropy", optimizer: adam(model.parameters(), { lr: 0.01 }), metrics: ["accuracy"], epochs: 3, progress: false,
 * });
 * history.history.loss.length; // 3
 * ```
 * @category Training
 */
export async function fit(model: TrainableModel, data: TrainData, options: TrainerOptions & FitOptions): Promise<History> {
  return new Trainer(model, options).fit(data, options);
}

/**
 * Loss and metrics of a model over data, without gradients (Keras's `model.evaluate`).
 * @throws {ShapeError} for mismatched inputs and targets.
 * @example
 * ```ts
 * import { evaluate } from "@backprop/train";
 * import { Linear } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * const logs = await evaluate(new Linear({ inFeatures: 2, outFeatures: 1 }), [randn([8, 2]), randn([8, 1])], { loss: "mse" });
 * ```
 * @category Training
 */
export async function evaluate(model: TrainableModel, data: TrainData, options: TrainerOptions & { batchSize?: number }): Promise<Logs> {
  return new Trainer(model, options).evaluate(data, options);
}

/**
 * Model outputs for every input, in batches, without gradients (Keras's `model.predict`).
 * @throws {ValueError} for batchSize < 1.
 * @example
 * ```ts
 * import { predict } from "@backprop/train";
 * import { Linear } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * predict(new Linear({ inFeatures: 2, outFeatures: 3 }), randn([10, 2])).shape; // [10, 3]
 * ```
 * @category Training
 */
export function predict(model: TrainableModel, x: Tensor, options: { batchSize?: number } = {}): Tensor {
  return new Trainer(model, { loss: () => x }).predict(x, options);
}
