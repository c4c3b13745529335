/**
 * The DataLoader: batches a dataset, shuffles it with its own seeded generator, and can save
 * and restore its position so that a resumed run sees the same batches in the same order.
 * @module
 */
import { Generator, Tensor, ValueError, defaultGenerator, empty } from "@backprop/core";
import type { GeneratorState } from "@backprop/core";
import { IterableDataset, Subset, TensorDataset, isDataset } from "./Dataset.js";
import type { Dataset } from "./Dataset.js";
import { checkDataset, optionalBoolean, optionalFunction, optionalGenerator, optionsOf } from "./check.js";
import { defaultCollate } from "./collate.js";
import type { Collated } from "./collate.js";

/**
 * Where a {@link DataLoader} stands, for checkpoints: the epoch, how many batches of it were
 * handed out, and the generator state the epoch's shuffle started from.
 * @category Data
 */
export interface DataLoaderState {
  epoch: number;
  batch: number;
  generator: GeneratorState;
}

/**
 * Options of {@link DataLoader}.
 * @category Data
 */
export interface DataLoaderOptions<T, B> {
  /** A random-access dataset, an array of samples, or a stream. */
  dataset: Dataset<T> | readonly T[] | IterableDataset<T>;
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** Visit samples in a new random order every epoch (default false; random-access datasets only). */
  shuffle?: boolean;
  /** Seed of the shuffle generator (ignored when `generator` is given). */
  seed?: number;
  /** The generator that draws each epoch's order; by default one seeded from the global generator (see `manualSeed`). */
  generator?: Generator;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Makes a batch from a list of samples (default {@link defaultCollate}). */
  collate?: (samples: T[]) => B;
  /** Applied to every sample before collation (a map transform, such as augmentation). */
  transform?: (sample: T, index: number) => T;
  /** Batches prepared ahead while the consumer works, for async iteration (default 1). */
  prefetch?: number;
}

function checkCount(value: number, name: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ValueError(`DataLoader: ${name} must be an integer >= ${min}; got ${String(value)}`);
  }
  return value;
}

function arrayDataset<T>(items: readonly T[]): Dataset<T> {
  return { length: items.length, get: (i) => items[i] };
}

/**
 * Batches of a dataset, in order or shuffled, as a sync and async iterable (PyTorch's
 * `DataLoader`). The same seed gives the same order on every machine; `stateDict()` and
 * `loadStateDict()` save and restore the position, mid-epoch included.
 *
 * A {@link TensorDataset} with the default collate takes a fast path: each batch is one new
 * tensor per input, filled by copying contiguous rows.
 * @throws {ValueError} for a batchSize that is not an integer >= 1 (0, NaN, 2.5), an empty
 * dataset or one longer than 2^31 - 1 samples, shuffling a stream, or an option of the wrong
 * type (a collate that is not a function, a shuffle that is not a boolean).
 * @example
 * ```ts
 * import { randn, randint } from "@backprop/core";
 * import { DataLoader, TensorDataset } from "@backprop/data";
 * const loader = new DataLoader({ dataset: new TensorDataset(randn([100, 4]), randint([100], 0, 3)), batchSize: 32, shuffle: true, seed: 1 });
 * for (const [x, y] of loader) console.log(x.shape, y.shape); // [32, 4] [32] ... [4, 4] [4]
 * ```
 * @category Data
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: Dataset<T> | IterableDataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly prefetch: number;
  /** The generator that draws each epoch's order. */
  readonly generator: Generator;
  private readonly collateFn: ((samples: T[]) => B) | null;
  private readonly transform: ((sample: T, index: number) => T) | null;
  private epochIndex = 0;
  private batchIndex = 0;
  private epochStart: GeneratorState;
  private resumePending = false;
  private inEpoch = false;

  constructor(options: DataLoaderOptions<T, B>) {
    const where = "DataLoader";
    const { dataset } = optionsOf(options, where, " { dataset, batchSize, ... }", true);
    if (Array.isArray(dataset)) this.dataset = arrayDataset(dataset as readonly T[]);
    else if (dataset instanceof IterableDataset || isDataset(dataset)) this.dataset = dataset;
    else throw new ValueError(`DataLoader: dataset must be a Dataset (length and get), an array or an IterableDataset; got ${typeof dataset}`);
    this.batchSize = checkCount(options.batchSize ?? 32, "batchSize", 1);
    this.prefetch = checkCount(options.prefetch ?? 1, "prefetch", 0);
    this.shuffle = optionalBoolean(options.shuffle, "shuffle", where) ?? false;
    this.dropLast = optionalBoolean(options.dropLast, "dropLast", where) ?? false;
    this.collateFn = optionalFunction(options.collate, "collate", where) ?? null;
    this.transform = optionalFunction(options.transform, "transform", where) ?? null;
    if (this.dataset instanceof IterableDataset) {
      if (this.shuffle) throw new ValueError("DataLoader: shuffle needs a random-access dataset; a stream (IterableDataset) has no order to shuffle");
    } else {
      // Every epoch's order is an Int32Array of the dataset's length.
      const n = checkDataset(this.dataset, where).length;
      if (n === 0) throw new ValueError("DataLoader: the dataset is empty; expected at least one sample, got 0");
      if (this.dropLast && n < this.batchSize) {
        throw new ValueError(`DataLoader: dropLast with batchSize ${this.batchSize} leaves no batch of a dataset of ${n} samples`);
      }
    }
    optionalGenerator(options.generator, where);
    // Only a shuffling loader draws from the global generator, so plain loaders leave it untouched.
    this.generator = options.generator ?? new Generator(options.seed ?? (this.shuffle ? defaultGenerator().nextUint32() : 0));
    this.epochStart = this.generator.getState();
  }

  /**
   * Number of batches per epoch.
   * @throws {ValueError} for a stream, whose length is unknown.
   */
  get length(): number {
    if (this.dataset instanceof IterableDataset) throw new ValueError("DataLoader: a stream (IterableDataset) has no known number of batches");
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The epoch being read, or the next one when between epochs (0-based). */
  get epoch(): number {
    return this.epochIndex;
  }

  /** The loader's position, for a checkpoint. */
  stateDict(): DataLoaderState {
    return { epoch: this.epochIndex, batch: this.batchIndex, generator: this.epochStart };
  }

  /**
   * Restores a position from {@link DataLoader.stateDict}: the next iteration continues that
   * epoch after its last handed-out batch, in the same order.
   * @throws {ValueError} for a malformed state.
   */
  loadStateDict(state: DataLoaderState): void {
    if (typeof state !== "object" || state === null || !Number.isInteger(state.epoch) || state.epoch < 0 || !Number.isInteger(state.batch) || state.batch < 0) {
      throw new ValueError(`DataLoader.loadStateDict: expected { epoch, batch: non-negative integers, generator }; got ${JSON.stringify(state)}`);
    }
    this.generator.setState(state.generator);
    this.epochIndex = state.epoch;
    this.batchIndex = state.batch;
    this.epochStart = this.generator.getState();
    this.resumePending = true;
    this.inEpoch = false;
  }

  /** Starts (or resumes) an epoch and returns the sample order, or null for a stream. */
  private beginEpoch(): Int32Array | null {
    if (this.resumePending) {
      this.resumePending = false;
    } else {
      // An epoch abandoned part-way (a `break`) still counts as an epoch.
      if (this.inEpoch) this.epochIndex++;
      this.batchIndex = 0;
      this.epochStart = this.generator.getState();
    }
    this.inEpoch = true;
    if (this.dataset instanceof IterableDataset) return null;
    const n = this.dataset.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (this.shuffle) {
      const g = this.generator;
      for (let i = n - 1; i > 0; i--) {
        const j = g.nextInt(0, i + 1);
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  private endEpoch(): void {
    this.inEpoch = false;
    this.epochIndex++;
    this.batchIndex = 0;
    this.epochStart = this.generator.getState();
  }

  private batchCount(n: number): number {
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The tensors to copy rows from (and the row map of a Subset), when the fast path applies. */
  private fastPath(): FastSource | null {
    if (this.collateFn !== null || this.transform !== null) return null;
    const ds = this.dataset;
    if (ds instanceof TensorDataset) return { tensors: ds.tensors as readonly Tensor[], rows: null };
    if (ds instanceof Subset && ds.dataset instanceof TensorDataset) return { tensors: ds.dataset.tensors as readonly Tensor[], rows: ds.indices };
    return null;
  }

  private collateSamples(samples: T[]): B {
    return this.collateFn !== null ? this.collateFn(samples) : (defaultCollate(samples) as B);
  }

  /** Batches in order. @throws {ValueError} for an asynchronous stream or a dataset whose get returns promises. */
  *[Symbol.iterator](): Iterator<B> {
    const order = this.beginEpoch();
    if (order === null) {
      const source = (this.dataset as IterableDataset<T>).stream();
      if (!(Symbol.iterator in source)) throw new ValueError("DataLoader: the stream is asynchronous; iterate the loader with for await");
      yield* this.streamBatches(source);
      return;
    }
    const fast = this.fastPath();
    const count = this.batchCount(order.length);
    while (this.batchIndex < count) {
      const start = this.batchIndex * this.batchSize;
      const end = Math.min(order.length, start + this.batchSize);
      let batch: B;
      if (fast !== null) batch = gatherRows(fast, order, start, end) as B;
      else {
        const samples: T[] = [];
        for (let k = start; k < end; k++) {
          const s = (this.dataset as Dataset<T>).get(order[k]);
          if (s instanceof Promise) throw new ValueError("DataLoader: the dataset's get returns promises; iterate the loader with for await");
          samples.push(this.transform !== null ? this.transform(s, order[k]) : s);
        }
        batch = this.collateSamples(samples);
      }
      this.batchIndex++;
      yield batch;
    }
    this.endEpoch();
  }

  private *streamBatches(source: Iterable<T>): IterableIterator<B> {
    const chunker = this.chunker();
    for (const s of source) {
      const batch = chunker.push(s);
      if (batch !== null) yield batch;
    }
    const last = chunker.finish();
    if (last !== null) yield last;
  }

  /**
   * Groups a stream's samples into batches: `push` returns a batch once batchSize samples are
   * in, `finish` the partial last one. Batches before a restored position are skipped.
   */
  private chunker(): { push(sample: T): B | null; finish(): B | null } {
    let pending: T[] = [];
    let seen = 0;
    let skip = this.batchIndex;
    const emit = (samples: T[]): B | null => {
      if (skip > 0) {
        skip--;
        return null;
      }
      this.batchIndex++;
      return this.collateSamples(samples);
    };
    return {
      push: (sample) => {
        pending.push(this.transform !== null ? this.transform(sample, seen) : sample);
        seen++;
        if (pending.length < this.batchSize) return null;
        const samples = pending;
        pending = [];
        return emit(samples);
      },
      finish: () => {
        if (seen === 0) throw new ValueError("DataLoader: the stream is empty; expected at least one sample, got 0");
        const batch = pending.length > 0 && !this.dropLast ? emit(pending) : null;
        this.endEpoch();
        return batch;
      },
    };
  }

  /** Batches in order, awaiting datasets whose get returns promises, with `prefetch` batches read ahead. */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const order = this.beginEpoch();
    if (order === null) {
      const chunker = this.chunker();
      for await (const s of (this.dataset as IterableDataset<T>).stream()) {
        const batch = chunker.push(s);
        if (batch !== null) yield batch;
      }
      const last = chunker.finish();
      if (last !== null) yield last;
      return;
    }
    const fast = this.fastPath();
    const count = this.batchCount(order.length);
    const make = async (b: number): Promise<B> => {
      const start = b * this.batchSize;
      const end = Math.min(order.length, start + this.batchSize);
      if (fast !== null) return gatherRows(fast, order, start, end) as B;
      const samples = await Promise.all(
        Array.from({ length: end - start }, async (_, k) => {
          const index = order[start + k];
          const s = await (this.dataset as Dataset<T>).get(index);
          return this.transform !== null ? this.transform(s, index) : s;
        }),
      );
      return this.collateSamples(samples);
    };
    // Batches are started in order and at most `prefetch` ahead of the one handed out.
    const ahead: Promise<B>[] = [];
    let next = this.batchIndex;
    while (this.batchIndex < count) {
      while (next < count && ahead.length <= this.prefetch) ahead.push(make(next++));
      const batch = await (ahead.shift() as Promise<B>);
      this.batchIndex++;
      yield batch;
    }
    this.endEpoch();
  }
}

interface FastSource {
  tensors: readonly Tensor[];
  /** Maps a sample index to a row of the tensors (a Subset's indices), or null for identity. */
  rows: Int32Array | null;
}

/**
 * Copies the rows of samples `order[start..end)` of each tensor into one new batch tensor
 * per input: one `subarray` + `set` per row, or one for a run of consecutive rows.
 * Shape: tensors `[n, ...s]` give batches `[end - start, ...s]`.
 */
function gatherRows({ tensors, rows }: FastSource, order: Int32Array, start: number, end: number): Tensor[] {
  const count = end - start;
  let picked = order.subarray(start, end);
  if (rows !== null) picked = picked.map((i) => rows[i]);
  let sequential = true;
  for (let k = 1; k < count && sequential; k++) sequential = picked[k] === picked[k - 1] + 1;
  return tensors.map((t) => {
    const rowSize = t.size / t.shape[0];
    const out = empty([count, ...t.shape.slice(1)], { dtype: t.dtype });
    const src = t.storage.data;
    const dst = out.storage.data;
    const base = t.offset;
    if (sequential) {
      const from = base + picked[0] * rowSize;
      dst.set(src.subarray(from, from + count * rowSize));
    } else if (rowSize === 1) {
      for (let k = 0; k < count; k++) dst[k] = src[base + picked[k]];
    } else {
      for (let k = 0; k < count; k++) {
        const from = base + picked[k] * rowSize;
        dst.set(src.subarray(from, from + rowSize), k * rowSize);
      }
    }
    return out;
  });
}
