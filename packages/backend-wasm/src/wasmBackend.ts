/**
 * The wasm backend: core's kernel interface over AssemblyScript SIMD128 kernels. Tensors live
 * in one wasm memory (see wasmHeap.ts), so kernels read them in place; operands from another
 * backend's storage are copied in for the call. Float32 is the fast path; kernels and dtypes
 * listed in {@link delegatedKernels} run the JS reference kernels over views of the same memory.
 * @module
 */
import {
  DTypeError, ShapeError, Tensor, ValueError, checkShape, checkTensorView, checkedBackend, collapseAxes, contiguousStrides, createJsBackend,
  formatShape, inScope, isContiguous, shapesEqual, sizeOf, tidy,
} from "@backprop/core";
import type {
  AdamUpdateOptions, Backend, BinaryOp, Conv2dAttrs, DType, LinearActivation, Pool2dAttrs, ReduceOp, SgdUpdateOptions, Storage, UnaryOp,
} from "@backprop/core";
import { ThreadPool } from "./threads.js";
import { GEMM_PACK_A_BYTES, GEMM_PACK_B_BYTES, WasmHeap, WasmStorage, bytesOf, relaxedSimd } from "./wasmHeap.js";

// Codes shared with assembly/strided.ts.
const unaryCodes: Partial<Record<UnaryOp, number>> = {
  neg: 0, abs: 1, sign: 2, exp: 3, log: 4, log1p: 5, expm1: 6, sqrt: 7, rsqrt: 8, square: 9, reciprocal: 10, sin: 11, cos: 12,
  tanh: 13, sigmoid: 14, relu: 15, leakyRelu: 16, elu: 17, gelu: 18, silu: 19, softplus: 20, erf: 21, floor: 22, ceil: 23,
  round: 24, clamp: 25,
};
/** The fill kernel is unary op 26 of assembly/strided.ts: o = p0. */
const FILL = 26;
const reduceCodes: Record<ReduceOp, number> = { sum: 0, prod: 1, max: 2, min: 3 };
const reduceIdentity: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };
const binaryCodes: Partial<Record<BinaryOp, number>> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12, logicalAnd: 13,
  logicalOr: 14, reluBackward: 15,
};
const boolResult = new Set<string>(["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalNot"]);

/**
 * The kernels that run on the JS reference kernels for every dtype (over views of the wasm
 * memory, results copied in). Every other kernel runs in wasm on float32, and delegates other
 * dtypes (copy takes every dtype, cast bool to float32, where a bool condition, gather and
 * scatterAdd int32 indices), softmax along an inner axis or of a non-contiguous input, and views
 * of more than 32 axes after merging.
 * @example
 * ```ts
 * import { delegatedKernels } from "@backprop/backend-wasm";
 * delegatedKernels.includes("logicalNot"); // true
 * ```
 * @category Backends
 */
export const delegatedKernels: readonly string[] = ["logicalNot"];

/** Most axes a strided kernel walks after merging (the odometer's size in assembly/strided.ts). */
const MAX_RANK = 32;

/** GEMMs below this many multiply-adds stay on one thread (a hand-off costs microseconds). */
const THREADED_GEMM_MACS = 1 << 21;

/** BACKPROP_THREADS, else the cores this process may use (at most 4), else 1. */
function defaultThreads(): number {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown } }).process;
  const env = Number(proc?.env?.BACKPROP_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  const os = proc?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number } | undefined;
  const cores = os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(4, cores));
}

/**
 * What a wasm backend is doing: its memory, and its worker threads.
 * @category Backends
 */
export interface WasmBackendInfo {
  /** Bytes of wasm memory in use by tensors and free blocks. */
  heapBytes: number;
  /** Whether the memory is shared (so threads are possible). */
  sharedMemory: boolean;
  /** Whether worker threads have started and take large kernels. */
  workersReady: boolean;
  /** GEMMs run split over threads so far. */
  threadedGemms: number;
  /**
   * Whether the kernels are the relaxed-SIMD build (fused multiply-add in the GEMM), loaded
   * where the engine has relaxed SIMD and BACKPROP_WASM_RELAXED is not "0".
   */
  relaxedSimd: boolean;
}

const infos = new WeakMap<Backend, () => WasmBackendInfo>();

/**
 * Reports on a backend made by {@link createWasmBackend}: memory in use and thread state.
 * @throws {ValueError} for a backend that is not a wasm backend.
 * @example
 * ```ts
 * import { getBackend } from "@backprop/core";
 * import { wasmBackendInfo } from "@backprop/backend-wasm";
 * wasmBackendInfo(getBackend("wasm")).heapBytes; // bytes in use
 * ```
 * @category Backends
 */
export function wasmBackendInfo(backend: Backend): WasmBackendInfo {
  const info = typeof backend === "object" && backend !== null ? infos.get(backend) : undefined;
  if (info === undefined) {
    const got = typeof backend === "object" && backend !== null ? `backend "${backend.name}"` : String(backend);
    throw new ValueError(`wasmBackendInfo: expected a wasm backend; got ${got}`);
  }
  return info();
}

/**
 * Creates a wasm backend with its own memory. Importing the package registers one as "wasm";
 * call this for a second, independent instance.
 * @throws Error when WebAssembly (with SIMD) is not available, or when a browser's main thread
 * refuses to compile synchronously before {@link wasmReady} has resolved.
 * @example
 * ```ts
 * import { createWasmBackend } from "@backprop/backend-wasm";
 * const wasm = createWasmBackend();
 * wasm.name; // "wasm"
 * ```
 * @category Backends
 */
export function createWasmBackend(): Backend {
  const heap = new WasmHeap();
  const k = heap.kernels;
  const js = createJsBackend();

  // Scratch that lives as long as the backend: view descriptions, geometry, GEMM packing.
  const metaPtr = heap.alloc(4 * (1 + 4) * MAX_RANK);
  const geomPtr = heap.alloc(4 * 32);
  const packAPtr = heap.alloc(GEMM_PACK_A_BYTES);
  const packBPtr = heap.alloc(GEMM_PACK_B_BYTES);

  let threads = defaultThreads();
  let pool: ThreadPool | null = null;
  let poolTried = false;
  let threadedGemms = 0;

  /** The thread pool for a large op: started on first need, used once its workers are up. */
  const readyPool = (): ThreadPool | null => {
    if (threads < 2) return null;
    if (!poolTried) {
      poolTried = true;
      pool = ThreadPool.create(heap, threads);
    }
    return pool !== null && pool.ready ? pool : null;
  };

  /**
   * sgemm, split over the threads when it is large enough to pay for the hand-off; `bias`
   * (0: none) and `relu` are the fused linear layer's epilogue.
   */
  const gemm = (
    m: number, n: number, kk: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number,
    c: number, ldc: number, accumulate: number, bias = 0, relu = 0,
  ): void => {
    const p = m * n * kk >= THREADED_GEMM_MACS && n >= 16 * threads ? readyPool() : null;
    if (p !== null) threadedGemms++;
    if (p !== null) p.sgemm(m, n, kk, a, aRs, aCs, b, bRs, bCs, c, ldc, accumulate, packAPtr, packBPtr, bias, relu);
    else k.sgemm(m, n, kk, a, aRs, aCs, b, bRs, bCs, c, ldc, accumulate, packAPtr, packBPtr, bias, relu);
  };

  /** Temporaries of the kernel in progress, released when it returns. */
  const temps: WasmStorage[] = [];

  const alloc = (dtype: DType, length: number): WasmStorage =>
    new WasmStorage(heap, heap.alloc(length * bytesOf(dtype)), dtype, length);

  const newTensor = (shape: readonly number[], dtype: DType): Tensor => {
    const checked = checkShape(shape, "wasm backend: result");
    return new Tensor(alloc(dtype, sizeOf(checked)), checked);
  };

  const temp = (dtype: DType, length: number): WasmStorage => {
    const s = alloc(dtype, length);
    temps.push(s);
    return s;
  };

  const releaseTemps = (): void => {
    for (const s of temps) s.release();
    temps.length = 0;
  };

  /**
   * Checks, right where an address is computed, that t's view stays inside its storage: a kernel
   * given a view past it (or a NaN offset, which wasm reads as address 0) would read or write
   * another tensor's memory or the module's own data. Every kernel checked its operands already
   * (checkedBackend); this also covers the tensors a kernel makes for itself.
   */
  const checkView = (t: Tensor): void => {
    checkTensorView(t, "wasm backend");
  };

  /** Byte address of t's element at its offset (view checked); storage from elsewhere is copied in first. */
  const ptrOf = (t: Tensor): number => {
    checkView(t);
    const s: Storage = t.storage;
    if (s instanceof WasmStorage && s.heap === heap) return s.ptr + t.offset * bytesOf(t.dtype);
    if (t.isKept && t.requiresGrad && s.refs === 1) {
      // A parameter made elsewhere moves into this memory once, instead of being copied in for
      // every kernel (gradients and other kept tensors may be new every step: they stay).
      const pinned = alloc(s.dtype, s.length);
      pinned.data.set(s.data);
      t.replaceStorage(pinned);
      return pinned.ptr + t.offset * bytesOf(t.dtype);
    }
    const copy = temp(s.dtype, s.length);
    copy.data.set(s.data);
    return copy.ptr + t.offset * bytesOf(t.dtype);
  };

  /** A tensor of a JS kernel's result in this backend's memory (the JS one is disposed). */
  const adopt = (t: Tensor): Tensor => {
    if (t.storage instanceof WasmStorage && t.storage.heap === heap) return t;
    const s = alloc(t.dtype, t.storage.length);
    s.data.set(t.storage.data);
    const out = new Tensor(s, t.shape, t.strides, t.offset);
    t.dispose();
    return out;
  };

  const outputFor = (kernel: string, shape: readonly number[], dtype: DType, out: Tensor | null | undefined, ...others: Tensor[]): Tensor => {
    for (const t of others) {
      if (!shapesEqual(t.shape, shape)) {
        throw new ShapeError(`internal: kernel ${kernel} got operands of shapes ${formatShape(shape)} and ${formatShape(t.shape)}`);
      }
    }
    if (out === undefined || out === null) return newTensor(shape, dtype);
    if (!shapesEqual(out.shape, shape)) {
      throw new ShapeError(`${kernel}: out must have the result's shape; expected ${formatShape(shape)}, got ${formatShape(out.shape)}`);
    }
    if (out.dtype !== dtype) throw new DTypeError(`${kernel}: out must have the result's dtype; expected ${dtype}, got ${out.dtype}`);
    return out;
  };

  /** Whether t's storage is this backend's memory (so a kernel may write it in place). */
  const own = (t: Tensor): boolean => t.storage instanceof WasmStorage && t.storage.heap === heap;

  /**
   * Writes the collapsed view description; returns its rank, or -1 when it has too many axes.
   * A view of one element collapses to one axis of size 1 (the kernels walk at least one row).
   */
  const describe = (shape: readonly number[], stridesList: readonly (readonly number[])[]): number => {
    let [cs, cst] = collapseAxes(shape, stridesList);
    if (cs.length === 0) [cs, cst] = [[1], stridesList.map(() => [0])];
    const rank = cs.length;
    if (rank > MAX_RANK) return -1;
    const view = heap.i32;
    let p = metaPtr >> 2;
    for (const d of cs) view[p++] = d;
    for (const st of cst) for (const s of st) view[p++] = s;
    return rank;
  };

  /** Runs `body` and releases the kernel's temporaries however it ends. */
  const run = <T>(body: () => T): T => {
    try {
      return body();
    } finally {
      releaseTemps();
    }
  };

  /** A contiguous operand: t itself, or a copy in a temporary. Returns its byte address. */
  const densePtr = (t: Tensor): number => {
    if (isContiguous(t.shape, t.strides)) return ptrOf(t);
    const s = temp(t.dtype, t.size);
    const rank = describe(t.shape, [t.strides, contiguousStrides(t.shape)]);
    k.copyStrided(bytesOf(t.dtype), rank, metaPtr, ptrOf(t), s.ptr);
    return s.ptr;
  };

  // ---------- elementwise ----------

  const unary = (op: UnaryOp) => {
    const code = unaryCodes[op];
    const fallback = js[op];
    return (x: Tensor, out?: Tensor | null, p0 = 0, p1 = 0): Tensor => {
      if (code === undefined || x.dtype !== "float32") return out == null ? adopt(fallback(x, null, p0, p1)) : fallback(x, out, p0, p1);
      const o = outputFor(op, x.shape, "float32", out);
      if (x.size === 0) return o;
      return run(() => {
        const rank = describe(x.shape, [x.strides, o.strides]);
        if (rank < 0) return fallback(x, o, p0, p1);
        k.unaryF32(code, rank, metaPtr, ptrOf(x), ptrOf(o), p0, p1);
        return o;
      });
    };
  };

  const binary = (op: BinaryOp) => {
    const code = binaryCodes[op];
    const fallback = js[op];
    return (a: Tensor, b: Tensor, out?: Tensor | null): Tensor => {
      if (code === undefined || a.dtype !== "float32" || b.dtype !== "float32") {
        return out == null ? adopt(fallback(a, b, null)) : fallback(a, b, out);
      }
      const o = outputFor(op, a.shape, boolResult.has(op) ? "bool" : "float32", out, b);
      if (a.size === 0) return o;
      return run(() => {
        const rank = describe(a.shape, [a.strides, b.strides, o.strides]);
        if (rank < 0) return fallback(a, b, o);
        k.binaryF32(code, rank, metaPtr, ptrOf(a), ptrOf(b), ptrOf(o));
        return o;
      });
    };
  };

  const unaryKernels = Object.fromEntries(
    (["neg", "abs", "sign", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tanh",
      "sigmoid", "relu", "leakyRelu", "elu", "gelu", "silu", "softplus", "erf", "floor", "ceil", "round", "clamp", "logicalNot",
    ] as const).map((op) => [op, unary(op)]),
  ) as Record<UnaryOp, ReturnType<typeof unary>>;

  const binaryKernels = Object.fromEntries(
    (["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr",
      "reluBackward"] as const)
      .map((op) => [op, binary(op)]),
  ) as Record<BinaryOp, ReturnType<typeof binary>>;

  const where = (cond: Tensor, a: Tensor, b: Tensor, out?: Tensor | null): Tensor => {
    if (a.dtype !== "float32" || b.dtype !== "float32" || cond.dtype !== "bool") {
      return out == null ? adopt(js.where(cond, a, b, null)) : js.where(cond, a, b, out);
    }
    const o = outputFor("where", a.shape, "float32", out, b, cond);
    if (a.size === 0) return o;
    return run(() => {
      const rank = describe(a.shape, [cond.strides, a.strides, b.strides, o.strides]);
      if (rank < 0) return js.where(cond, a, b, o);
      k.whereF32(rank, metaPtr, ptrOf(cond), ptrOf(a), ptrOf(b), ptrOf(o));
      return o;
    });
  };

  const copy = (x: Tensor, out?: Tensor | null): Tensor => {
    const o = outputFor("copy", x.shape, x.dtype, out);
    if (x.size === 0) return o;
    return run(() => {
      const rank = describe(x.shape, [x.strides, o.strides]);
      if (rank < 0) return js.copy(x, o);
      k.copyStrided(bytesOf(x.dtype), rank, metaPtr, ptrOf(x), ptrOf(o));
      return o;
    });
  };

  const cast = (x: Tensor, dtype: DType): Tensor => {
    if (x.dtype === dtype) return copy(x);
    if (x.dtype !== "bool" || dtype !== "float32") return adopt(js.cast(x, dtype));
    const o = newTensor(x.shape, dtype);
    if (x.size === 0) return o;
    return run(() => {
      const rank = describe(x.shape, [x.strides, o.strides]);
      if (rank < 0) return js.copy(adopt(js.cast(x, dtype)), o);
      k.castU8F32(rank, metaPtr, ptrOf(x), ptrOf(o));
      return o;
    });
  };

  // ---------- reductions ----------

  const reducedShape = (shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] => {
    const out: number[] = [];
    shape.forEach((d, i) => {
      if (!axes.includes(i)) out.push(d);
      else if (keepDims) out.push(1);
    });
    return out;
  };

  const reduce = (op: ReduceOp) => (x: Tensor, axes: readonly number[], keepDims: boolean): Tensor => {
    if (x.dtype !== "float32") return adopt(js[op](x, axes, keepDims));
    const out = newTensor(reducedShape(x.shape, axes, keepDims), "float32");
    out.storage.data.fill(reduceIdentity[op]);
    if (x.size === 0) return out;
    // Output strides over x's axes: 0 on reduced axes, so every input element lands on its output.
    const outStrides = new Array<number>(x.rank).fill(0);
    let s = 1;
    for (let i = x.rank - 1; i >= 0; i--) {
      if (!axes.includes(i)) {
        outStrides[i] = s;
        s *= x.shape[i];
      }
    }
    return run(() => {
      const rank = describe(x.shape, [x.strides, outStrides]);
      if (rank < 0) {
        out.dispose();
        return adopt(js[op](x, axes, keepDims));
      }
      k.reduceF32(reduceCodes[op], rank, metaPtr, ptrOf(x), ptrOf(out));
      return out;
    });
  };

  const argReduce = (op: "argmax" | "argmin") => (x: Tensor, axis: number, keepDims: boolean): Tensor => {
    if (x.dtype !== "float32" || x.shape[axis] === 0) return adopt(js[op](x, axis, keepDims));
    const out = newTensor(reducedShape(x.shape, [axis], keepDims), "int32");
    if (out.size === 0) return out;
    return run(() => {
      const rank = describe(x.shape.filter((_, i) => i !== axis), [x.strides.filter((_, i) => i !== axis)]);
      if (rank < 0) {
        out.dispose();
        return adopt(js[op](x, axis, keepDims));
      }
      k.argF32(op === "argmax" ? 0 : 1, x.shape[axis], x.strides[axis], rank, metaPtr, ptrOf(x), ptrOf(out));
      return out;
    });
  };

  const fill = (out: Tensor, value: number): Tensor => {
    if (out.dtype !== "float32" || !own(out)) return js.fill(out, value);
    if (out.size === 0) return out;
    return run(() => {
      const rank = describe(out.shape, [out.strides, out.strides]);
      if (rank < 0) return js.fill(out, value);
      const p = ptrOf(out);
      k.unaryF32(FILL, rank, metaPtr, p, p, value, 0);
      return out;
    });
  };

  // ---------- indexing ----------

  const outOfRange = (kernel: string, value: number, axis: number, x: Tensor): ShapeError => {
    const n = x.shape[axis];
    return new ShapeError(`${kernel}: index ${value} is out of range for axis ${axis} of size ${n} in ${formatShape(x.shape)}; expected indices in [0, ${n - 1}]`);
  };

  /** x's strides with the indexed axis zeroed: the index supplies that coordinate. */
  const offAxis = (strides: readonly number[], axis: number): number[] => strides.map((st, i) => (i === axis ? 0 : st));

  /** Index (and src) must fit inside x off the indexed axis, as the JS kernels assume. */
  const checkIndex = (kernel: string, x: Tensor, axis: number, index: Tensor, src: Tensor | null): void => {
    if (!index.shape.every((d, i) => i === axis || d <= x.shape[i])) {
      throw new ShapeError(`${kernel}: index must fit in x off axis ${axis}; expected at most ${formatShape(x.shape.map((d, i) => (i === axis ? index.shape[i] : d)))}, got ${formatShape(index.shape)}`);
    }
    if (src !== null && !index.shape.every((d, i) => d <= src.shape[i])) {
      throw new ShapeError(`${kernel}: index must fit in src; expected at most ${formatShape(src.shape)}, got ${formatShape(index.shape)}`);
    }
  };

  const gather = (x: Tensor, axis: number, index: Tensor): Tensor => {
    if (x.dtype !== "float32" || index.dtype !== "int32" || x.rank !== index.rank) return adopt(js.gather(x, axis, index));
    checkIndex("gather", x, axis, index, null);
    const out = newTensor(index.shape, "float32");
    if (out.size === 0) return out;
    return run(() => {
      const rank = describe(index.shape, [index.strides, offAxis(x.strides, axis), out.strides]);
      if (rank < 0) {
        out.dispose();
        return adopt(js.gather(x, axis, index));
      }
      if (k.indexF32(0, x.shape[axis], x.strides[axis], rank, metaPtr, ptrOf(index), ptrOf(x), ptrOf(out), geomPtr) !== 0) {
        out.dispose();
        throw outOfRange("gather", heap.i32[geomPtr >> 2], axis, x);
      }
      return out;
    });
  };

  const scatterAdd = (x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor => {
    if (x.dtype !== "float32" || src.dtype !== "float32" || index.dtype !== "int32" || x.rank !== index.rank || src.rank !== index.rank) {
      return adopt(js.scatterAdd(x, axis, index, src));
    }
    checkIndex("scatterAdd", x, axis, index, src);
    const out = copy(x);
    if (index.size === 0) return out;
    return run(() => {
      const rank = describe(index.shape, [index.strides, src.strides, offAxis(out.strides, axis)]);
      if (rank < 0) {
        out.dispose();
        return adopt(js.scatterAdd(x, axis, index, src));
      }
      if (k.indexF32(1, x.shape[axis], out.strides[axis], rank, metaPtr, ptrOf(index), ptrOf(src), ptrOf(out), geomPtr) !== 0) {
        out.dispose();
        throw outOfRange("scatterAdd", heap.i32[geomPtr >> 2], axis, x);
      }
      return out;
    });
  };

  // ---------- matmul ----------

  const matmul = (a: Tensor, b: Tensor): Tensor => {
    if (a.dtype !== "float32" || b.dtype !== "float32" || a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
      return adopt(js.matmul(a, b));
    }
    const [batch, m, kk] = a.shape;
    const n = b.shape[2];
    const out = newTensor([batch, m, n], "float32");
    return run(() => {
      const ap = ptrOf(a);
      const bp = ptrOf(b);
      const op = ptrOf(out);
      for (let i = 0; i < batch; i++) {
        gemm(
          m, n, kk,
          ap + 4 * i * a.strides[0], a.strides[1], a.strides[2],
          bp + 4 * i * b.strides[0], b.strides[1], b.strides[2],
          op + 4 * i * m * n, n, 0,
        );
      }
      return out;
    });
  };

  // ---------- convolution ----------

  const outSize = (size: number, kernel: number, stride: number, before: number, after: number, dilation: number): number =>
    Math.max(Math.floor((size + before + after - dilation * (kernel - 1) - 1) / stride) + 1, 0);

  /** Writes the geometry block of assembly/conv.ts for one group of channels. */
  const convGeometry = (input: readonly number[], weight: readonly number[], oh: number, ow: number, attrs: Conv2dAttrs, xStrides: readonly number[]): void => {
    const view = heap.i32;
    const g = geomPtr >> 2;
    const values = [
      input[2], input[3], weight[2], weight[3], oh, ow, weight[1], attrs.stride[0], attrs.stride[1], attrs.dilation[0], attrs.dilation[1],
      attrs.padding[0], attrs.padding[2], xStrides[1], xStrides[2], xStrides[3],
    ];
    for (let i = 0; i < values.length; i++) view[g + i] = values[i];
  };

  const convShapesOk = (input: readonly number[], weight: readonly number[], groups: number): boolean =>
    input.length === 4 && weight.length === 4 && input[1] === weight[1] * groups && weight[0] % groups === 0;

  const conv2d = (x: Tensor, w: Tensor, attrs: Conv2dAttrs): Tensor => {
    if (x.dtype !== "float32" || w.dtype !== "float32" || !convShapesOk(x.shape, w.shape, attrs.groups)) return adopt(js.conv2d(x, w, attrs));
    const [n, , h, wd] = x.shape;
    const [o, cg, kh, kw] = w.shape;
    const oh = outSize(h, kh, attrs.stride[0], attrs.padding[0], attrs.padding[1], attrs.dilation[0]);
    const ow = outSize(wd, kw, attrs.stride[1], attrs.padding[2], attrs.padding[3], attrs.dilation[1]);
    const groups = attrs.groups;
    const og = o / groups;
    const p = oh * ow;
    const ckk = cg * kh * kw;
    const out = newTensor([n, o, oh, ow], "float32");
    if (out.size === 0) return out;
    return run(() => {
      const col = temp("float32", ckk * p);
      const wp = densePtr(w);
      const xp = ptrOf(x);
      const op = ptrOf(out);
      convGeometry(x.shape, w.shape, oh, ow, attrs, x.strides);
      for (let b = 0; b < n; b++) {
        for (let gr = 0; gr < groups; gr++) {
          k.im2colF32(geomPtr, xp + 4 * (b * x.strides[0] + gr * cg * x.strides[1]), col.ptr);
          // y[b, group rows] = W_group [og, ckk] @ col [ckk, p]
          gemm(og, p, ckk, wp + 4 * gr * og * ckk, ckk, 1, col.ptr, p, 1, op + 4 * (b * o + gr * og) * p, p, 0);
        }
      }
      return out;
    });
  };

  const conv2dBackwardInput = (gy: Tensor, w: Tensor, inputShape: readonly number[], attrs: Conv2dAttrs): Tensor => {
    if (gy.dtype !== "float32" || w.dtype !== "float32" || !convShapesOk(inputShape, w.shape, attrs.groups)) {
      return adopt(js.conv2dBackwardInput(gy, w, inputShape, attrs));
    }
    const [n, c, h, wd] = inputShape;
    const [o, cg, kh, kw] = w.shape;
    const [, , oh, ow] = gy.shape;
    const groups = attrs.groups;
    const og = o / groups;
    const p = oh * ow;
    const ckk = cg * kh * kw;
    const out = newTensor(inputShape, "float32");
    out.storage.data.fill(0);
    if (out.size === 0 || p === 0) return out;
    return run(() => {
      const col = temp("float32", ckk * p);
      const gp = densePtr(gy);
      const wp = densePtr(w);
      const op = ptrOf(out);
      convGeometry(inputShape, w.shape, oh, ow, attrs, contiguousStrides(inputShape));
      for (let b = 0; b < n; b++) {
        for (let gr = 0; gr < groups; gr++) {
          // col [ckk, p] = W_group^T [ckk, og] @ gy[b, group rows] [og, p]
          gemm(ckk, p, og, wp + 4 * gr * og * ckk, 1, ckk, gp + 4 * (b * o + gr * og) * p, p, 1, col.ptr, p, 0);
          k.col2imF32(geomPtr, col.ptr, op + 4 * (b * c + gr * cg) * h * wd);
        }
      }
      return out;
    });
  };

  const conv2dBackwardWeight = (x: Tensor, gy: Tensor, weightShape: readonly number[], attrs: Conv2dAttrs): Tensor => {
    if (x.dtype !== "float32" || gy.dtype !== "float32" || !convShapesOk(x.shape, weightShape, attrs.groups)) {
      return adopt(js.conv2dBackwardWeight(x, gy, weightShape, attrs));
    }
    const n = x.shape[0];
    const [o, cg, kh, kw] = weightShape;
    const [, , oh, ow] = gy.shape;
    const groups = attrs.groups;
    const og = o / groups;
    const p = oh * ow;
    const ckk = cg * kh * kw;
    const out = newTensor(weightShape, "float32");
    out.storage.data.fill(0);
    if (out.size === 0 || p === 0) return out;
    return run(() => {
      const col = temp("float32", ckk * p);
      const gp = densePtr(gy);
      const xp = ptrOf(x);
      const op = ptrOf(out);
      convGeometry(x.shape, weightShape, oh, ow, attrs, x.strides);
      for (let b = 0; b < n; b++) {
        for (let gr = 0; gr < groups; gr++) {
          k.im2colF32(geomPtr, xp + 4 * (b * x.strides[0] + gr * cg * x.strides[1]), col.ptr);
          // gW_group [og, ckk] += gy[b, group rows] [og, p] @ col^T [p, ckk]
          gemm(og, ckk, p, gp + 4 * (b * o + gr * og) * p, p, 1, col.ptr, 1, p, op + 4 * gr * og * ckk, ckk, 1);
        }
      }
      return out;
    });
  };

  // ---------- pooling ----------

  const poolOutputSize = (size: number, kernel: number, stride: number, pad: number, dilation: number, ceilMode: boolean): number => {
    const span = size + 2 * pad - dilation * (kernel - 1) - 1;
    let out = Math.floor((span + (ceilMode ? stride - 1 : 0)) / stride) + 1;
    if (ceilMode && (out - 1) * stride >= size + pad) out--;
    return out;
  };

  const maxPool2d = (x: Tensor, attrs: Pool2dAttrs): [Tensor, Tensor] => {
    if (x.dtype !== "float32" || x.rank !== 4) {
      const [y, i] = js.maxPool2d(x, attrs);
      return [adopt(y), adopt(i)];
    }
    const [n, c, h, w] = x.shape;
    const ceil = attrs.ceilMode === true;
    const oh = Math.max(poolOutputSize(h, attrs.kernel[0], attrs.stride[0], attrs.padding[0], attrs.dilation[0], ceil), 0);
    const ow = Math.max(poolOutputSize(w, attrs.kernel[1], attrs.stride[1], attrs.padding[1], attrs.dilation[1], ceil), 0);
    const out = newTensor([n, c, oh, ow], "float32");
    const indices = newTensor([n, c, oh, ow], "int32");
    if (out.size === 0) return [out, indices];
    return run(() => {
      const xp = densePtr(x);
      const view = heap.i32;
      const g = geomPtr >> 2;
      const values = [n * c, h, w, oh, ow, attrs.kernel[0], attrs.kernel[1], attrs.stride[0], attrs.stride[1], attrs.padding[0], attrs.padding[1], attrs.dilation[0], attrs.dilation[1]];
      for (let i = 0; i < values.length; i++) view[g + i] = values[i];
      k.maxPoolF32(geomPtr, xp, ptrOf(out), ptrOf(indices));
      return [out, indices];
    });
  };

  const maxPool2dBackward = (gy: Tensor, indices: Tensor, inputShape: readonly number[]): Tensor => {
    if (gy.dtype !== "float32" || indices.dtype !== "int32" || gy.rank !== 4 || inputShape.length !== 4) {
      return adopt(js.maxPool2dBackward(gy, indices, inputShape));
    }
    const [n, c, h, w] = inputShape;
    if (gy.shape[0] !== n || gy.shape[1] !== c || !shapesEqual(indices.shape, gy.shape)) {
      throw new ShapeError(`maxPool2dBackward: the gradient ${formatShape(gy.shape)} and indices ${formatShape(indices.shape)} do not fit the input ${formatShape(inputShape)}; expected both [${n}, ${c}, OH, OW]`);
    }
    return run(() => {
      const ip = densePtr(indices);
      // The kernel adds at each index without a bound check: an index past its plane (from the
      // registry's op or a direct kernel call) would write over other memory of the module.
      const i32 = heap.i32;
      const base = ip >> 2;
      const hw = h * w;
      for (let i = 0; i < indices.size; i++) {
        const at = i32[base + i];
        if (at >= hw || at < -1) throw new ValueError(`maxPool2dBackward: index ${at} at position ${i} is outside its plane; expected -1 or an index in [0, ${hw})`);
      }
      const gp = densePtr(gy);
      const out = newTensor(inputShape, "float32");
      if (out.size === 0) return out;
      k.maxPoolBackwardF32(n * c, hw, gy.shape[2] * gy.shape[3], gp, ip, ptrOf(out));
      return out;
    });
  };

  /** Writes the pooling geometry block of assembly/conv.ts; returns the output's spatial size. */
  const poolGeometry = (inputShape: readonly number[], attrs: Pool2dAttrs): [number, number] => {
    const [n, c, h, w] = inputShape;
    const ceil = attrs.ceilMode === true;
    const oh = Math.max(poolOutputSize(h, attrs.kernel[0], attrs.stride[0], attrs.padding[0], attrs.dilation[0], ceil), 0);
    const ow = Math.max(poolOutputSize(w, attrs.kernel[1], attrs.stride[1], attrs.padding[1], attrs.dilation[1], ceil), 0);
    const values = [
      n * c, h, w, oh, ow, attrs.kernel[0], attrs.kernel[1], attrs.stride[0], attrs.stride[1], attrs.padding[0], attrs.padding[1],
      attrs.dilation[0], attrs.dilation[1], attrs.countIncludePad ? 1 : 0,
    ];
    const view = heap.i32;
    const g = geomPtr >> 2;
    for (let i = 0; i < values.length; i++) view[g + i] = values[i];
    return [oh, ow];
  };

  const avgPool2d = (x: Tensor, attrs: Pool2dAttrs): Tensor => {
    if (x.dtype !== "float32" || x.rank !== 4) return adopt(js.avgPool2d(x, attrs));
    return run(() => {
      const [oh, ow] = poolGeometry(x.shape, attrs);
      const out = newTensor([x.shape[0], x.shape[1], oh, ow], "float32");
      if (out.size === 0) return out;
      k.avgPoolF32(geomPtr, densePtr(x), ptrOf(out));
      return out;
    });
  };

  const avgPool2dBackward = (gy: Tensor, inputShape: readonly number[], attrs: Pool2dAttrs): Tensor => {
    if (gy.dtype !== "float32" || gy.rank !== 4 || inputShape.length !== 4) return adopt(js.avgPool2dBackward(gy, inputShape, attrs));
    return run(() => {
      const [oh, ow] = poolGeometry(inputShape, attrs);
      if (gy.shape[0] * gy.shape[1] !== inputShape[0] * inputShape[1] || gy.shape[2] !== oh || gy.shape[3] !== ow) {
        throw new ShapeError(`avgPool2dBackward: gradient must have the output's shape; expected ${formatShape([inputShape[0], inputShape[1], oh, ow])}, got ${formatShape(gy.shape)}`);
      }
      const out = newTensor(inputShape, "float32");
      if (out.size === 0) return out;
      k.avgPoolBackwardF32(geomPtr, densePtr(gy), ptrOf(out));
      return out;
    });
  };

  // ---------- softmax ----------

  const softmaxKernel = (log: boolean) => (x: Tensor, axis: number): Tensor => {
    if (x.dtype !== "float32" || axis !== x.rank - 1 || !isContiguous(x.shape, x.strides)) {
      return adopt(log ? js.logSoftmax(x, axis) : js.softmax(x, axis));
    }
    const out = newTensor(x.shape, "float32");
    const n = x.shape[axis];
    if (x.size === 0) return out;
    return run(() => {
      k.softmaxRowsF32(ptrOf(x), ptrOf(out), x.size / n, n, log ? 1 : 0);
      return out;
    });
  };

  // ---------- fused layers and optimizer steps ----------

  const linear = (x: Tensor, weight: Tensor, bias: Tensor | null, activation: LinearActivation): Tensor => {
    const [m, kk] = x.shape;
    const [n, wk] = weight.shape;
    if (x.rank !== 2 || weight.rank !== 2 || kk !== wk || (bias !== null && (bias.rank !== 1 || bias.shape[0] !== n))) {
      const b = bias === null ? "" : ` and bias ${formatShape(bias.shape)}`;
      throw new ShapeError(`linear: expected x [M, K], weight [N, K] and bias [N] or null; got x ${formatShape(x.shape)}, weight ${formatShape(weight.shape)}${b}`);
    }
    for (const [name, t] of [["x", x], ["weight", weight], ["bias", bias]] as const) {
      if (t !== null && t.dtype !== "float32") throw new DTypeError(`linear: ${name} must be float32; got ${t.dtype}`);
    }
    if (activation !== "none" && activation !== "relu") throw new ValueError(`linear: activation must be "none" or "relu"; got ${JSON.stringify(activation)}`);
    const out = newTensor([m, n], "float32");
    if (out.size === 0) return out;
    return run(() => {
      // y = x w^T: the B operand is w read column-wise, which the packing absorbs.
      gemm(
        m, n, kk, ptrOf(x), x.strides[0], x.strides[1], ptrOf(weight), weight.strides[1], weight.strides[0], ptrOf(out), n, 0,
        bias === null ? 0 : densePtr(bias), activation === "relu" ? 1 : 0,
      );
      return out;
    });
  };

  /** Checks the operands of a fused optimizer step: float32, contiguous, of the parameter's shape. */
  const checkStep = (kernel: string, operands: readonly (readonly [string, Tensor])[]): void => {
    const param = operands[0][1];
    for (const [name, t] of operands) {
      if (t.dtype !== "float32") throw new DTypeError(`${kernel}: ${name} must be float32; got ${t.dtype}`);
      if (!shapesEqual(t.shape, param.shape)) {
        throw new ShapeError(`${kernel}: ${name} must have the parameter's shape; expected ${formatShape(param.shape)}, got ${formatShape(t.shape)}`);
      }
      if (!isContiguous(t.shape, t.strides)) throw new ValueError(`${kernel}: internal: ${name} must be contiguous`);
    }
  };

  /**
   * Runs an in-place kernel over `inPlace` (written) and `read` operands: tensors in another
   * backend's memory are copied in, and the written ones copied back afterwards.
   */
  const inPlaceRun = (inPlace: readonly (Tensor | null)[], read: readonly Tensor[], body: (ptrs: number[]) => void): void => {
    run(() => {
      const back: [Tensor, WasmStorage][] = [];
      const ptrs = inPlace.map((t) => {
        if (t === null) return 0;
        if (own(t)) return ptrOf(t);
        checkView(t);
        const copyIn = temp("float32", t.size);
        copyIn.data.set(t.storage.data.subarray(t.offset, t.offset + t.size));
        back.push([t, copyIn]);
        return copyIn.ptr;
      });
      body([...ptrs, ...read.map(ptrOf)]);
      for (const [t, copyIn] of back) t.storage.data.set(copyIn.data, t.offset);
    });
  };

  const adamUpdate = (param: Tensor, grad: Tensor, m: Tensor, v: Tensor, o: AdamUpdateOptions): void => {
    checkStep("adamUpdate", [["param", param], ["grad", grad], ["m", m], ["v", v]]);
    if (!Number.isInteger(o.step) || o.step < 1) throw new ValueError(`adamUpdate: step must be an integer >= 1; got ${o.step}`);
    if (param.size === 0) return;
    // The JS rule's scalars, computed the same way (packages/optimizers, adam.ts).
    const stepSize = o.lr / (1 - o.beta1 ** o.step);
    const bc2 = Math.sqrt(1 - o.beta2 ** o.step);
    const shrink = o.decoupled ? 1 - o.lr * o.weightDecay : 1;
    const l2 = o.decoupled ? 0 : o.weightDecay;
    inPlaceRun([param, m, v], [grad], ([p, mp, vp, g]) => {
      k.adamF32(
        param.size, p, g, mp, vp, o.maximize ? -1 : 1, 1 - o.beta1, o.beta2, 1 - o.beta2, stepSize, 1 / bc2, bc2, o.eps, shrink, l2,
        shrink === 1 && l2 === 0 ? 0 : 1,
      );
    });
  };

  const sgdUpdate = (param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, o: SgdUpdateOptions): void => {
    // Like the JS rule, a momentum of 0 uses no buffer.
    const buffer = o.momentum !== 0 ? momentumBuffer : null;
    if (o.momentum !== 0 && buffer === null) throw new ValueError(`sgdUpdate: momentum ${o.momentum} needs a momentum buffer; got null`);
    checkStep("sgdUpdate", buffer === null ? [["param", param], ["grad", grad]] : [["param", param], ["grad", grad], ["momentumBuffer", buffer]]);
    if (param.size === 0) return;
    inPlaceRun([param, buffer], [grad], ([p, b, g]) => {
      k.sgdF32(param.size, p, g, b, o.maximize ? -1 : 1, o.weightDecay, o.lr, o.momentum, 1 - o.dampening, o.nesterov ? 1 : 0, o.fresh ? 1 : 0);
    });
  };

  const backend: Backend = {
    name: "wasm",
    // Outside every scope nothing disposes the tensor made over this storage: a typed array,
    // which the garbage collector frees (kernels copy it in when they read it).
    alloc: (dtype: DType, length: number): Storage => (inScope() ? alloc(dtype, length) : js.alloc(dtype, length)),
    numThreads: () => threads,
    setNumThreads: (n: number) => {
      if (!Number.isInteger(n) || n < 1) throw new ValueError(`setNumThreads: expected a positive integer, got ${n}`);
      const next = n;
      if (next === threads) return;
      threads = next;
      pool?.close();
      pool = null;
      poolTried = false;
    },
    ...unaryKernels,
    ...binaryKernels,
    sum: reduce("sum"),
    prod: reduce("prod"),
    max: reduce("max"),
    min: reduce("min"),
    argmax: argReduce("argmax"),
    argmin: argReduce("argmin"),
    where,
    cast,
    copy,
    fill,
    matmul,
    conv2d,
    conv2dBackwardInput,
    conv2dBackwardWeight,
    maxPool2d,
    maxPool2dBackward,
    avgPool2d,
    avgPool2dBackward,
    softmax: softmaxKernel(false),
    logSoftmax: softmaxKernel(true),
    gather,
    scatterAdd,
    adamUpdate,
    sgdUpdate,
    linear,
  };
  // Views are checked first, so a refusal names the kernel called, not one it delegates to.
  const collectable = checkedBackend(collectableResults(backend, own, (x, out) => js.copy(x, out)));
  infos.set(collectable, () => ({
    heapBytes: heap.size,
    sharedMemory: typeof SharedArrayBuffer === "function" && heap.memory.buffer instanceof SharedArrayBuffer,
    workersReady: pool !== null && pool.ready,
    threadedGemms,
    relaxedSimd,
  }));
  return collectable;
}

/** Where the `out` operand sits in the kernels that take one. */
const outPosition = new Map<string, number>([
  ...Object.keys(unaryCodes).map((op): [string, number] => [op, 1]), ["logicalNot", 1],
  ...Object.keys(binaryCodes).map((op): [string, number] => [op, 2]),
  ["where", 3], ["copy", 1],
]);

/**
 * Wraps the kernels so that the wasm memory holds only tensors whose release is certain.
 * Results made outside every memory scope are the garbage collector's to free, and it cannot
 * free wasm memory (a finalizer would, but only after the synchronous loop that made them ends:
 * a plain training loop would grow without bound), so such a kernel runs in a scope of its own,
 * and its results, leaving that scope, move to typed arrays. Results made inside a scope stay in
 * wasm memory: the scope disposes them. An `out` operand in another backend's memory gets the
 * result copied into it.
 */
function collectableResults(backend: Backend, own: (t: Tensor) => boolean, copyInto: (x: Tensor, out: Tensor) => Tensor): Backend {
  const wrapped: Record<string, unknown> = { ...backend };
  for (const [name, kernel] of Object.entries(backend)) {
    if (typeof kernel !== "function" || name === "alloc" || name === "numThreads" || name === "setNumThreads") continue;
    const at = outPosition.get(name);
    const run = kernel as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]): unknown => {
      const out = at === undefined ? undefined : args[at];
      if (out instanceof Tensor && !own(out)) {
        args[at!] = null;
        return tidy(() => copyInto(run(...args) as Tensor, out));
      }
      return inScope() ? run(...args) : tidy(() => run(...args));
    };
  }
  return wrapped as unknown as Backend;
}
