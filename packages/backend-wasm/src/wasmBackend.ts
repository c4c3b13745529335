/**
 * The wasm backend: core's kernel interface over AssemblyScript SIMD128 kernels. Tensors live
 * in one wasm memory (see wasmHeap.ts), so kernels read them in place; operands from another
 * backend's storage are copied in for the call. Float32 is the fast path; kernels and dtypes
 * listed in {@link delegatedKernels} run the JS reference kernels over views of the same memory.
 * @module
 */
import {
  DTypeError, ShapeError, Tensor, ValueError, contiguousStrides, createJsBackend, formatShape, isContiguous, shapesEqual, sizeOf,
} from "@backprop/core";
import type { Backend, BinaryOp, Conv2dAttrs, DType, Pool2dAttrs, ReduceOp, Storage, UnaryOp } from "@backprop/core";
import { ThreadPool } from "./threads.js";
import { WasmHeap, WasmStorage, bytesOf } from "./wasmHeap.js";

// Codes shared with assembly/strided.ts.
const unaryCodes: Partial<Record<UnaryOp, number>> = {
  neg: 0, abs: 1, exp: 3, log: 4, sqrt: 7, rsqrt: 8, square: 9, reciprocal: 10, tanh: 13, sigmoid: 14, relu: 15,
  leakyRelu: 16, silu: 19, floor: 22, ceil: 23, clamp: 25,
};
const binaryCodes: Partial<Record<BinaryOp, number>> = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 5, minimum: 6, eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12,
};
const boolResult = new Set<string>(["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalNot"]);

/**
 * What runs on the JS reference kernels (over views of the wasm memory, results copied in):
 * every non-float32 dtype except copy (all dtypes), cast from bool to float32, and where; the
 * unary ops sign, log1p, expm1, sin, cos, elu, gelu, softplus, erf, round, logicalNot; pow,
 * logicalAnd, logicalOr; prod, max, min, argmax, argmin; fill; gather, scatterAdd; avgPool2d
 * and its backward; softmax along an inner axis or of a non-contiguous input.
 * @example
 * ```ts
 * import { delegatedKernels } from "@backprop/backend-wasm";
 * delegatedKernels.includes("gather"); // true
 * ```
 * @category Backends
 */
export const delegatedKernels: readonly string[] = [
  "sign", "log1p", "expm1", "sin", "cos", "elu", "gelu", "softplus", "erf", "round", "logicalNot", "pow", "logicalAnd",
  "logicalOr", "prod", "max", "min", "argmax", "argmin", "fill", "gather", "scatterAdd", "avgPool2d", "avgPool2dBackward",
];

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
  const info = infos.get(backend);
  if (info === undefined) throw new ValueError(`wasmBackendInfo: expected a wasm backend; got backend "${backend.name}"`);
  return info();
}

/** Collapses axes laid out contiguously in every operand; returns shape and strides per operand. */
function collapse(shape: readonly number[], stridesList: readonly (readonly number[])[]): [number[], number[][]] {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let axis = 0; axis < shape.length; axis++) {
    const n = shape[axis];
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && stridesList.every((s, k) => outStrides[k][last] === s[axis] * n)) {
      outShape[last] *= n;
      stridesList.forEach((s, k) => (outStrides[k][last] = s[axis]));
      continue;
    }
    outShape.push(n);
    stridesList.forEach((s, k) => outStrides[k].push(s[axis]));
  }
  if (outShape.length === 0) return [[1], stridesList.map(() => [0])];
  return [outShape, outStrides];
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
  const packAPtr = heap.alloc(4 * 64 * 256);
  const packBPtr = heap.alloc(4 * 256 * 512);

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

  /** sgemm, split over the threads when it is large enough to pay for the hand-off. */
  const gemm = (
    m: number, n: number, kk: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number,
    c: number, ldc: number, accumulate: number,
  ): void => {
    const p = m * n * kk >= THREADED_GEMM_MACS && n >= 16 * threads ? readyPool() : null;
    if (p !== null) threadedGemms++;
    if (p !== null) p.sgemm(m, n, kk, a, aRs, aCs, b, bRs, bCs, c, ldc, accumulate, packAPtr, packBPtr);
    else k.sgemm(m, n, kk, a, aRs, aCs, b, bRs, bCs, c, ldc, accumulate, packAPtr, packBPtr);
  };

  /** Temporaries of the kernel in progress, released when it returns. */
  const temps: WasmStorage[] = [];

  const alloc = (dtype: DType, length: number): WasmStorage =>
    new WasmStorage(heap, heap.alloc(length * bytesOf(dtype)), dtype, length);

  const newTensor = (shape: readonly number[], dtype: DType): Tensor => new Tensor(alloc(dtype, sizeOf(shape)), [...shape]);

  const temp = (dtype: DType, length: number): WasmStorage => {
    const s = alloc(dtype, length);
    temps.push(s);
    return s;
  };

  const releaseTemps = (): void => {
    for (const s of temps) s.release();
    temps.length = 0;
  };

  /** Byte address of t's element at its offset; storage from elsewhere is copied in first. */
  const ptrOf = (t: Tensor): number => {
    const s: Storage = t.storage;
    if (s instanceof WasmStorage && s.heap === heap) return s.ptr + t.offset * bytesOf(t.dtype);
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

  /** Writes the collapsed view description; returns its rank, or -1 when it has too many axes. */
  const describe = (shape: readonly number[], stridesList: readonly (readonly number[])[]): number => {
    const [cs, cst] = collapse(shape, stridesList);
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
    (["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr"] as const)
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
    if (op !== "sum" || x.dtype !== "float32") return adopt(js[op](x, axes, keepDims));
    const out = newTensor(reducedShape(x.shape, axes, keepDims), "float32");
    out.storage.data.fill(0);
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
        return adopt(js.sum(x, axes, keepDims));
      }
      k.sumF32(rank, metaPtr, ptrOf(x), ptrOf(out));
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
    const out = newTensor(inputShape, "float32");
    if (out.size === 0) return out;
    return run(() => {
      k.maxPoolBackwardF32(n * c, h * w, gy.shape[2] * gy.shape[3], densePtr(gy), densePtr(indices), ptrOf(out));
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

  const backend: Backend = {
    name: "wasm",
    alloc: (dtype: DType, length: number): Storage => alloc(dtype, length),
    numThreads: () => threads,
    setNumThreads: (n: number) => {
      const next = Math.max(1, Math.floor(n));
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
    argmax: (x, axis, keepDims) => adopt(js.argmax(x, axis, keepDims)),
    argmin: (x, axis, keepDims) => adopt(js.argmin(x, axis, keepDims)),
    where,
    cast,
    copy,
    fill: (out, value) => js.fill(out, value),
    matmul,
    conv2d,
    conv2dBackwardInput,
    conv2dBackwardWeight,
    maxPool2d,
    maxPool2dBackward,
    avgPool2d: (x, attrs) => adopt(js.avgPool2d(x, attrs)),
    avgPool2dBackward: (gy, inputShape, attrs) => adopt(js.avgPool2dBackward(gy, inputShape, attrs)),
    softmax: softmaxKernel(false),
    logSoftmax: softmaxKernel(true),
    gather: (x, axis, index) => adopt(js.gather(x, axis, index)),
    scatterAdd: (x, axis, index, src) => adopt(js.scatterAdd(x, axis, index, src)),
  };
  infos.set(backend, () => ({
    heapBytes: heap.size,
    sharedMemory: typeof SharedArrayBuffer === "function" && heap.memory.buffer instanceof SharedArrayBuffer,
    workersReady: pool !== null && pool.ready,
    threadedGemms,
  }));
  return backend;
}
