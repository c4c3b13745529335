/**
 * Storage: the flat buffer behind one or more tensors, owned by a backend and recycled
 * through a pool of exact-size buffers (fresh pages are expensive: reuse beats allocate).
 * @module
 */
import type { DType, DTypeArrayMap, TypedArray } from "../dtype.js";
import { arrayConstructor } from "../dtype.js";
import { ValueError } from "../errors.js";

/**
 * A flat buffer of elements owned by a backend. Views share one storage; it returns to its
 * backend's pool when the last tensor using it is disposed or collected.
 * @category Backends
 */
export interface Storage {
  readonly dtype: DType;
  /** Number of elements. */
  readonly length: number;
  /** The elements, as a typed array of exactly `length` elements (a fresh view each time for backends whose memory can move). */
  readonly data: TypedArray;
  /** Number of live tensors sharing this storage. */
  refs: number;
  /**
   * True when the garbage collector frees the memory together with the storage object (a plain
   * typed array). Storage that needs `release()` to free it (wasm or GPU memory) leaves it unset:
   * tensors over it that outlive every scope get a finalizer, and the ones nothing disposes are
   * moved to collectable memory when their scope closes.
   */
  readonly collectable?: boolean;
  /** Gives the storage back to its owner's pool. Called by the tensor machinery, not by users. */
  release(): void;
}

/**
 * A pool of typed arrays keyed by dtype and exact length, with a cap on the bytes it holds.
 * Training steps allocate the same sizes every step, so exact sizes hit almost always.
 * @example
 * ```ts
 * import { BufferPool } from "@backprop/core";
 * const pool = new BufferPool(1 << 20);
 * const a = pool.take("float32", 16);
 * pool.give(a);
 * pool.take("float32", 16) === a; // true: reused
 * ```
 * @category Backends
 */
export class BufferPool {
  private readonly free = new Map<string, TypedArray[]>();
  private heldBytes = 0;
  /** Buffers handed out that came from the pool, and that were freshly allocated. */
  readonly stats = { reused: 0, allocated: 0 };

  /**
   * @param maxBytes most bytes held for reuse.
   * @param allocate makes a buffer when none of the size is free (a backend may place its
   *   buffers, e.g. on cache-line boundaries); it must return exactly `length` elements.
   */
  constructor(
    readonly maxBytes = 512 * 1024 * 1024,
    private readonly allocate: (dtype: DType, length: number) => TypedArray = (dtype, length) => new (arrayConstructor(dtype))(length),
  ) {}

  /** A buffer of exactly `length` elements with unspecified contents. @throws {ValueError} when the engine cannot allocate it. */
  take<D extends DType>(dtype: D, length: number): DTypeArrayMap[D] {
    const list = this.free.get(`${dtype}${length}`);
    const hit = list?.pop();
    if (hit !== undefined) {
      this.heldBytes -= hit.byteLength;
      this.stats.reused++;
      return hit as DTypeArrayMap[D];
    }
    this.stats.allocated++;
    try {
      return this.allocate(dtype, length) as DTypeArrayMap[D];
    } catch (e) {
      // The engine's refusal (RangeError: Array buffer allocation failed) as a named error.
      if (!(e instanceof RangeError)) throw e;
      throw new ValueError(`alloc: out of memory; expected room for ${length} ${dtype} elements, got "${e.message}"`);
    }
  }

  /** Returns a buffer for reuse (dropped when the pool is full). */
  give(buffer: TypedArray): void {
    if (buffer.length === 0 || this.heldBytes + buffer.byteLength > this.maxBytes) return;
    const key = `${dtypeOf(buffer)}${buffer.length}`;
    let list = this.free.get(key);
    if (list === undefined) {
      list = [];
      this.free.set(key, list);
    }
    list.push(buffer);
    this.heldBytes += buffer.byteLength;
  }

  /** Bytes held for reuse. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Drops every pooled buffer. */
  clear(): void {
    this.free.clear();
    this.heldBytes = 0;
  }
}

function dtypeOf(buffer: TypedArray): DType {
  if (buffer instanceof Float32Array) return "float32";
  if (buffer instanceof Float64Array) return "float64";
  if (buffer instanceof Int32Array) return "int32";
  return "bool";
}

/**
 * Storage over a plain typed array, returned to a {@link BufferPool}. The JS and native
 * backends both use it (the addon reads the same memory, zero-copy).
 * @example
 * ```ts
 * import { ArrayStorage, BufferPool } from "@backprop/core";
 * const pool = new BufferPool();
 * const s = new ArrayStorage(pool.take("float32", 4), "float32", pool);
 * s.data.length; // 4
 * ```
 * @category Backends
 */
export class ArrayStorage implements Storage {
  refs = 0;
  /** A typed array: an unreachable one is freed by the garbage collector, with no finalizer. */
  readonly collectable = true;
  readonly length: number;
  constructor(
    public data: TypedArray,
    readonly dtype: DType,
    private readonly pool: BufferPool | null,
  ) {
    this.length = data.length;
  }
  release(): void {
    if (this.pool !== null) this.pool.give(this.data);
  }
}
