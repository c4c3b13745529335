/**
 * The wasm backend's memory: one WebAssembly.Memory holding every tensor of the backend, the
 * compiled kernels bound to it, and a JS-side allocator with exact-size free lists. Training
 * steps allocate the same sizes every step, so a released block is reused by the next
 * request of its size; only when the memory would have to grow are free neighbours merged.
 * @module
 */
import type { DType, Storage, TypedArray } from "@backprop/core";
import { ValueError, arrayConstructor } from "@backprop/core";
import {
  kernelsRelaxedWasmBase64, kernelsSharedRelaxedWasmBase64, kernelsSharedWasmBase64, kernelsWasmBase64,
} from "./generated/kernelsWasm.js";

/** Bytes of one thread's GEMM scratch (assembly/gemm.ts): packed A (MC*KC) and its edge tile. */
export const GEMM_PACK_A_BYTES = 4 * (64 * 256 + 32);
/** Bytes of one thread's packed B (KC*NC floats). */
export const GEMM_PACK_B_BYTES = 4 * 256 * 512;

/** The exports of assembly/index.ts (pointers are byte addresses, strides in elements). */
export interface KernelExports {
  heapBase(): number;
  sgemm(m: number, n: number, k: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number,
    c: number, ldc: number, accumulate: number, pa: number, pb: number, bias: number, relu: number): void;
  unaryF32(op: number, rank: number, meta: number, x: number, o: number, p0: number, p1: number): void;
  binaryF32(op: number, rank: number, meta: number, a: number, b: number, o: number): void;
  whereF32(rank: number, meta: number, c: number, a: number, b: number, o: number): void;
  castU8F32(rank: number, meta: number, x: number, o: number): void;
  copyStrided(size: number, rank: number, meta: number, x: number, o: number): void;
  reduceF32(op: number, rank: number, meta: number, x: number, o: number): void;
  argF32(op: number, n: number, step: number, rank: number, meta: number, x: number, o: number): void;
  indexF32(scatter: number, n: number, step: number, rank: number, meta: number, index: number, a: number, o: number, bad: number): number;
  softmaxRowsF32(x: number, o: number, rows: number, n: number, log: number): void;
  im2colF32(g: number, x: number, col: number): void;
  col2imF32(g: number, col: number, gx: number): void;
  maxPoolF32(g: number, x: number, o: number, indices: number): void;
  maxPoolBackwardF32(planes: number, hw: number, p: number, gy: number, indices: number, gx: number): void;
  avgPoolF32(g: number, x: number, o: number): void;
  avgPoolBackwardF32(g: number, gy: number, gx: number): void;
  adamF32(n: number, p: number, g: number, m: number, v: number, sign: number, c1: number, beta2: number, c2: number,
    stepSize: number, scale: number, bc2: number, eps: number, shrink: number, l2: number, general: number): void;
  sgdF32(n: number, p: number, g: number, b: number, sign: number, wd: number, lr: number, mu: number, damp: number,
    nesterov: number, fresh: number): void;
}

const PAGE = 65536;
/** Blocks are aligned to (and sized in multiples of) one cache line, which SIMD loads like. */
const ALIGN = 64;
/** wasm32 addresses 4 GiB. */
const MAX_PAGES = 65536;

/** Whether memories are shared (so worker threads can run kernels on them). */
const shared = typeof SharedArrayBuffer === "function";

/**
 * A module of one function using f32x4.relaxed_madd (opcode 0xfd 0x105): it validates exactly
 * where the engine has relaxed SIMD (Chromium; Node 20 only with --experimental-wasm-relaxed-simd).
 */
const relaxedProbe = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x13, 0x01, 0x11, 0x00, // code section: one body of 17 bytes, no locals
  0x41, 0x00, 0xfd, 0x11, 0x41, 0x00, 0xfd, 0x11, 0x41, 0x00, 0xfd, 0x11, // 3 x i32x4.splat(0)
  0xfd, 0x85, 0x02, 0x0b, // f32x4.relaxed_madd, end
]);

/** BACKPROP_WASM_RELAXED=0 insists on the SIMD128-only kernels. */
function relaxedAllowed(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.BACKPROP_WASM_RELAXED !== "0";
}

/** Whether the kernels in use are the relaxed-SIMD build (fused multiply-add in the GEMM). */
export const relaxedSimd: boolean = relaxedAllowed() && typeof WebAssembly === "object" && WebAssembly.validate(relaxedProbe);
let compiled: WebAssembly.Module | null = null;
/** An instance made ahead by compileKernels, taken by the first heap. */
let prepared: Instantiated | null = null;

interface Instantiated {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  instance: WebAssembly.Instance;
}

function wasmBytes(): Uint8Array<ArrayBuffer> {
  const base64 = relaxedSimd
    ? (shared ? kernelsSharedRelaxedWasmBase64 : kernelsRelaxedWasmBase64)
    : (shared ? kernelsSharedWasmBase64 : kernelsWasmBase64);
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function newMemory(): WebAssembly.Memory {
  return shared ? new WebAssembly.Memory({ initial: 4, maximum: MAX_PAGES, shared: true }) : new WebAssembly.Memory({ initial: 4 });
}

/**
 * Compiles and instantiates the kernels asynchronously. Browsers may refuse synchronous
 * compilation and instantiation of a large module on the main thread, so a page awaits this
 * (as `wasmReady`) before creating the backend; Node does not need to.
 */
export async function compileKernels(): Promise<void> {
  try {
    compiled ??= await WebAssembly.compile(wasmBytes());
    if (prepared === null) {
      const memory = newMemory();
      prepared = { module: compiled, memory, instance: await WebAssembly.instantiate(compiled, { env: { memory } }) };
    }
  } catch {
    // Reported when the backend is created (core then falls back to the next backend).
  }
}

function instantiate(): Instantiated {
  if (prepared !== null) {
    const p = prepared;
    prepared = null;
    return p;
  }
  compiled ??= new WebAssembly.Module(wasmBytes());
  const memory = newMemory();
  return { module: compiled, memory, instance: new WebAssembly.Instance(compiled, { env: { memory } }) };
}

/** One wasm memory, its kernels, and the allocator of its blocks. */
export class WasmHeap {
  /** The compiled kernels, for worker threads to instantiate over the same (shared) memory. */
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly kernels: KernelExports;
  /** End of the highest block handed out; memory above it is unused. */
  private top: number;
  private readonly free = new Map<number, number[]>();
  private i32View: Int32Array;
  /** Blocks handed out that came from a free list, and that were carved from fresh memory. */
  readonly stats = { reused: 0, fresh: 0, merges: 0 };
  /**
   * Times the memory has grown. Only this class grows it (kernels never do), so views made at
   * the current generation are current; checking this is much cheaper than reading
   * `memory.buffer`, which matters for code that indexes `storage.data` element by element.
   */
  generation = 0;

  constructor() {
    const { module, memory, instance } = instantiate();
    this.module = module;
    this.memory = memory;
    this.kernels = instance.exports as unknown as KernelExports;
    this.top = roundUp(this.kernels.heapBase(), ALIGN);
    this.i32View = new Int32Array(this.memory.buffer);
  }

  /** Bytes of the memory in use by blocks or free lists. */
  get size(): number {
    return this.top;
  }

  /** A block of at least `bytes` bytes (64-byte aligned); contents unspecified. */
  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    const hit = this.free.get(size)?.pop();
    if (hit !== undefined) {
      this.stats.reused++;
      return hit;
    }
    if (this.top + size > this.memory.buffer.byteLength) {
      const merged = this.mergeFree(size);
      if (merged !== null) return merged;
      this.grow(this.top + size);
    }
    this.stats.fresh++;
    const ptr = this.top;
    this.top += size;
    return ptr;
  }

  /** Returns a block of `bytes` bytes (as asked of alloc) to its free list. */
  release(ptr: number, bytes: number): void {
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    let list = this.free.get(size);
    if (list === undefined) {
      list = [];
      this.free.set(size, list);
    }
    list.push(ptr);
  }

  /** An Int32Array over the whole memory (recreated after the memory grows). */
  get i32(): Int32Array {
    if (this.i32Generation !== this.generation) {
      this.i32View = new Int32Array(this.memory.buffer);
      this.i32Generation = this.generation;
    }
    return this.i32View;
  }

  private i32Generation = 0;

  /**
   * Before growing: merges adjacent free blocks, gives a free block that ends at the top back
   * to the top, and carves `size` bytes from the smallest merged block that holds them.
   */
  private mergeFree(size: number): number | null {
    const blocks: [number, number][] = [];
    for (const [s, list] of this.free) for (const p of list) blocks.push([p, s]);
    if (blocks.length === 0) return null;
    this.stats.merges++;
    blocks.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const [p, s] of blocks) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last[0] + last[1] === p) last[1] += s;
      else merged.push([p, s]);
    }
    this.free.clear();
    const tail = merged[merged.length - 1];
    if (tail[0] + tail[1] === this.top) {
      this.top = tail[0];
      merged.pop();
    }
    let best = -1;
    for (let i = 0; i < merged.length; i++) {
      if (merged[i][1] >= size && (best < 0 || merged[i][1] < merged[best][1])) best = i;
    }
    let result: number | null = null;
    if (best >= 0) {
      const [p, s] = merged[best];
      result = p;
      if (s > size) merged[best] = [p + size, s - size];
      else merged.splice(best, 1);
    }
    for (const [p, s] of merged) this.release(p, s);
    return result;
  }

  private grow(needed: number): void {
    const have = this.memory.buffer.byteLength / PAGE;
    const want = Math.ceil(needed / PAGE);
    // Grow by at least a quarter, so a growing workload pays for few copies of the views.
    const pages = Math.min(MAX_PAGES, Math.max(want, Math.ceil(have * 1.25)));
    if (want > MAX_PAGES) {
      throw new ValueError(`wasm backend: out of memory; expected at most 4 GiB in use, got a request for ${needed} bytes in all`);
    }
    try {
      this.memory.grow(pages - have);
    } catch {
      // The engine refused the pages (a RangeError): out of memory short of the 4 GiB.
      throw new ValueError(`wasm backend: out of memory; expected room for ${needed} bytes in all, got a refusal to grow past ${have * PAGE}`);
    }
    this.generation++;
  }
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

const elementBytes: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** Bytes per element of a dtype. */
export function bytesOf(dtype: DType): number {
  return elementBytes[dtype];
}

/**
 * Storage in the wasm backend's memory. `data` is a view of that memory, recreated whenever
 * the memory has grown since the last one (growing detaches the old buffer).
 * @example
 * ```ts
 * import { getBackend } from "@backprop/core";
 * import "@backprop/backend-wasm";
 * const s = getBackend("wasm").alloc("float32", 4);
 * s.data.length; // 4
 * ```
 * @category Backends
 */
export class WasmStorage implements Storage {
  refs = 0;
  private view: TypedArray | null = null;
  /** The heap's generation when `view` was made. */
  private viewGeneration = -1;
  private released = false;

  /** @internal Made by the wasm backend's alloc. */
  constructor(
    /** @internal The heap that owns this block. */
    readonly heap: WasmHeap,
    /** Byte address of element 0 in the wasm memory. */
    readonly ptr: number,
    readonly dtype: DType,
    readonly length: number,
  ) {}

  get data(): TypedArray {
    if (this.view === null || this.viewGeneration !== this.heap.generation) {
      this.view = new (arrayConstructor(this.dtype))(this.heap.memory.buffer, this.ptr, this.length);
      this.viewGeneration = this.heap.generation;
    }
    return this.view;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.view = null;
    this.heap.release(this.ptr, this.length * elementBytes[this.dtype]);
  }
}
