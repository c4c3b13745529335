/**
 * Datasets: random-access collections of samples (`length` and `get(i)`), streams of
 * samples, and the tensor-backed dataset that the DataLoader batches with one copy per tensor.
 * @module
 */
import { ShapeError, Tensor, ValueError, formatShape, slice } from "@backprop/core";
import { checkDataset, typeName } from "./check.js";

/**
 * A random-access collection of samples, like PyTorch's map-style `Dataset`: a sample can be
 * anything (a `[x, y]` pair of tensors, a number, an object of tensors). `get` may return a
 * promise (a file read), which the DataLoader awaits when iterated asynchronously.
 * @example
 * ```ts
 * import type { Dataset } from "@backprop/data";
 * const squares: Dataset<[number, number]> = { length: 10, get: (i) => [i, i * i] };
 * ```
 * @category Data
 */
export interface Dataset<T> {
  /** Number of samples. */
  readonly length: number;
  /** The sample at `index`, for 0 <= index < length. */
  get(index: number): T | Promise<T>;
}

/**
 * Whether a value is a random-access {@link Dataset} (has a numeric `length` and a `get` method).
 * @example
 * ```ts
 * import { isDataset } from "@backprop/data";
 * isDataset({ length: 2, get: (i: number) => i }); // true
 * ```
 * @category Data
 */
export function isDataset(value: unknown): value is Dataset<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { length?: unknown }).length === "number" &&
    typeof (value as { get?: unknown }).get === "function"
  );
}

/**
 * A stream of samples (PyTorch's `IterableDataset`): wraps a function that starts a fresh sync
 * or async iterator, so that every epoch reads the stream again from its start.
 * @example
 * ```ts
 * import { IterableDataset } from "@backprop/data";
 * const counting = new IterableDataset(function* () { for (let i = 0; i < 5; i++) yield i; });
 * [...counting]; // [0, 1, 2, 3, 4]
 * ```
 * @category Data
 */
export class IterableDataset<T> implements AsyncIterable<T> {
  constructor(private readonly open: () => Iterable<T> | AsyncIterable<T>) {
    if (typeof open !== "function") throw new ValueError(`IterableDataset: expected a function that returns an iterator; got ${typeof open}`);
  }

  /**
   * Whether the stream is synchronous (so that plain `for ... of` can read it).
   * @throws {ValueError} when the function returns something that is not iterable.
   */
  get isSync(): boolean {
    return Symbol.iterator in this.stream();
  }

  /**
   * Starts the stream and returns its (sync or async) iterable.
   * @throws {ValueError} when the function returns something that is not iterable.
   */
  stream(): Iterable<T> | AsyncIterable<T> {
    const source: unknown = this.open();
    if (typeof source !== "object" || source === null || !(Symbol.iterator in source || Symbol.asyncIterator in source)) {
      throw new ValueError(`IterableDataset: the stream function returned ${typeName(source)}; expected an iterable or async iterable`);
    }
    return source as Iterable<T> | AsyncIterable<T>;
  }

  /**
   * Iterates a synchronous stream.
   * @throws {ValueError} when the stream is asynchronous (use `for await`).
   */
  *[Symbol.iterator](): Iterator<T> {
    const source = this.stream();
    if (!(Symbol.iterator in source)) throw new ValueError("IterableDataset: this stream is asynchronous; iterate it with for await");
    yield* source;
  }

  /** Iterates the stream asynchronously (works for sync and async streams). */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    yield* this.stream();
  }
}

/**
 * The sample type of a dataset.
 * @category Data
 */
export type SampleOf<D> = D extends Dataset<infer T> ? T : never;

/**
 * A view of some samples of another dataset, chosen by index (what {@link randomSplit} returns).
 * Its `get` returns what the parent's does (a promise only when the parent's does).
 * @example
 * ```ts
 * import { Subset } from "@backprop/data";
 * const letters = { length: 3, get: (i: number) => "abc"[i] };
 * new Subset(letters, [2, 0]).get(0); // "c"
 * ```
 * @category Data
 */
export class Subset<D extends Dataset<unknown>> {
  /** The indices into the parent dataset. */
  readonly indices: Int32Array;

  /** @throws {ValueError} for a parent that is not a dataset, or an index outside it. */
  constructor(
    readonly dataset: D,
    indices: ArrayLike<number>,
  ) {
    checkDataset(dataset, "Subset");
    const list: unknown = indices;
    if (!Array.isArray(list) && !ArrayBuffer.isView(list)) throw new ValueError(`Subset: indices must be an array of integers; got ${typeName(indices)}`);
    // Checked before the int32 copy, which would wrap an index of 2^32 to 0.
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i];
      if (!Number.isInteger(k) || k < 0 || k >= dataset.length) {
        throw new ValueError(`Subset: index ${k} at position ${i} is out of range; expected an integer in [0, ${dataset.length - 1}]`);
      }
    }
    this.indices = Int32Array.from(indices);
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): ReturnType<D["get"]> {
    return this.dataset.get(this.indices[checkIndex(index, this.indices.length, "Subset.get")]) as ReturnType<D["get"]>;
  }
}

function checkIndex(index: number, length: number, where: string): number {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new ValueError(`${where}: index ${index} is out of range; expected an integer in [0, ${length - 1}]`);
  }
  return index;
}

/**
 * A dataset of tensors that share their first axis (PyTorch's `TensorDataset`): sample i is
 * the i-th row of each tensor. The DataLoader batches it fast, by copying rows straight into
 * one batch tensor per input.
 * Shape: every tensor `[n, ...]`; `get(i)` gives views `[...]`.
 * @throws {ShapeError} when the tensors disagree on the number of samples, or one is 0-D.
 * @throws {ValueError} when no tensor is given.
 * @example
 * ```ts
 * import { tensor } from "@backprop/core";
 * import { TensorDataset } from "@backprop/data";
 * const ds = new TensorDataset(tensor([[1, 2], [3, 4], [5, 6]]), tensor([0, 1, 0], { dtype: "int32" }));
 * ds.length; // 3
 * const [x, y] = ds.get(1); // x: [3, 4], y: 1
 * ```
 * @category Data
 */
export class TensorDataset<T extends Tensor[] = Tensor[]> implements Dataset<T> {
  /** The tensors, made contiguous (rows are copied with `subarray` + `set`). */
  readonly tensors: T;

  constructor(...tensors: T) {
    if (tensors.length === 0) throw new ValueError("TensorDataset: expected at least one tensor; got none");
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new ValueError(`TensorDataset: argument ${i} must be a Tensor; got ${typeof t}`);
      if (t.rank === 0) throw new ShapeError(`TensorDataset: tensor ${i} has no sample axis; expected shape [n, ...], got ${formatShape(t.shape)}`);
    });
    const n = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.shape[0] !== n) {
        throw new ShapeError(
          `TensorDataset: every tensor needs the same number of samples (axis 0); tensor 0 ${formatShape(tensors[0].shape)} has ${n}, tensor ${i} ${formatShape(t.shape)} has ${t.shape[0]}`,
        );
      }
    });
    this.tensors = tensors.map((t) => (t.isContiguous ? t : t.contiguous())) as T;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(index: number): T {
    checkIndex(index, this.length, "TensorDataset.get");
    return this.tensors.map((t) => slice(t, [index])) as T;
  }
}
