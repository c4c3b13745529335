/**
 * The native backend: every kernel of core's interface, run by the N-API addon over the
 * tensors' own typed arrays (zero-copy). This file checks shapes and dtypes (errors in
 * core's classes and format) and describes each view to the addon, which checks every view
 * against its buffer again before touching memory.
 * @module
 */
import {
  ArrayStorage, BufferPool, DTypeError, RegistryError, ShapeError, Tensor, ValueError, arrayConstructor, checkShape, checkedBackend, createJsBackend,
  formatShape, shapesEqual, sizeOf,
} from "@backprop/core";
import type {
  AdamUpdateOptions, ArgReduceKernels, ArgReduceOp, Backend, BinaryKernels, BinaryOp, Conv2dAttrs, DType, LinearActivation, Pool2dAttrs,
  ReduceKernels, ReduceOp, SgdUpdateOptions, Storage, UnaryKernels, UnaryOp,
} from "@backprop/core";
import { addonFile, loadAddon } from "@backprop/backend-native/addon";
import type { NativeAddon } from "@backprop/backend-native/addon";

const unaryCodes: Record<UnaryOp, number> = {
  neg: 0, abs: 1, sign: 2, exp: 3, log: 4, log1p: 5, expm1: 6, sqrt: 7, rsqrt: 8, square: 9, reciprocal: 10, sin: 11,
  cos: 12, tanh: 13, sigmoid: 14, relu: 15, leakyRelu: 16, elu: 17, gelu: 18, silu: 19, softplus: 20, erf: 21, floor: 22,
  ceil: 23, round: 24, clamp: 25, logicalNot: 26,
};
const binaryCodes: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12,
  logicalAnd: 13, logicalOr: 14, reluBackward: 15,
};
const reduceCodes: Record<ReduceOp, number> = { sum: 0, prod: 1, max: 2, min: 3 };

/** Most axes a view may have (the addon's limit). */
const MAX_RANK = 16;

// View descriptions for the addon, reused across calls: rank, offset, shape, strides per tensor.
const meta = new Float64Array(4 * (2 + 2 * MAX_RANK));
const attrs = new Float64Array(9);

function put(pos: number, shape: readonly number[], strides: readonly number[], offset: number): number {
  if (shape.length > MAX_RANK) throw new ShapeError(`native backend: tensors of rank ${shape.length} are not supported; expected at most ${MAX_RANK} axes`);
  meta[pos++] = shape.length;
  meta[pos++] = offset;
  for (const d of shape) meta[pos++] = d;
  for (const s of strides) meta[pos++] = s;
  return pos;
}

function describe(...tensors: Tensor[]): Float64Array {
  let pos = 0;
  for (const t of tensors) pos = put(pos, t.shape, t.strides, t.offset);
  return meta;
}

/**
 * An addon refusal as the core error class it names in `kind` (ValueError for a view outside
 * its buffer, DTypeError, ShapeError for indices and shapes); a message with "internal:" is
 * our bug and stays as it is.
 */
function named(e: unknown): unknown {
  if (!(e instanceof Error) || e.message.includes("internal:")) return e;
  const kind = (e as { kind?: unknown }).kind;
  const Class = kind === "ValueError" ? ValueError : kind === "DTypeError" ? DTypeError : ShapeError;
  return e instanceof Class ? e : new Class(e.message);
}

/** The addon with every function's refusals rethrown as core's error classes. */
function withNamedErrors(addon: NativeAddon): NativeAddon {
  const out: Record<string, unknown> = { ...addon };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value !== "function") continue;
    const fn = value as (...args: unknown[]) => unknown;
    out[key] = (...args: unknown[]): unknown => {
      try {
        return fn(...args);
      } catch (e) {
        throw named(e);
      }
    };
  }
  return out as unknown as NativeAddon;
}

const boolResult = new Set<string>(["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalNot"]);

/** The addon, or core's RegistryError saying why it does not load here and how to fix it. */
function addonOrThrow(): NativeAddon {
  try {
    return loadAddon();
  } catch (e) {
    throw new RegistryError((e as Error).message, { cause: e });
  }
}

/**
 * What {@link nativeBackendInfo} reports: the binary in use and its GEMM kernel, or why the
 * native backend is unavailable here and how to fix it.
 * @category Backends
 */
export type NativeBackendInfo =
  | { readonly available: true; readonly binary: string; readonly kernel: string }
  | { readonly available: false; readonly reason: string };

/**
 * Whether the native addon loads on this machine: the binary in use (a prebuild from
 * `prebuilds/` or a local build) and the GEMM kernel cpuid chose, or why it does not load and
 * how to fix it (a compiler and Node's headers, then `npm rebuild @backprop/backend-native`).
 * When it does not load, core uses the next backend (wasm, then js).
 * @example
 * ```ts
 * import { nativeBackendInfo } from "@backprop/backend-native";
 * const info = nativeBackendInfo();
 * console.log(info.available ? `native: ${info.kernel}` : info.reason);
 * ```
 * @category Backends
 */
export function nativeBackendInfo(): NativeBackendInfo {
  try {
    const addon = loadAddon();
    return { available: true, binary: addonFile() ?? "", kernel: addon.kernelName() };
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  }
}

/**
 * Creates the native backend. Throws when the addon cannot be loaded on this machine, so
 * core falls back to the next backend.
 * @throws {RegistryError} when no binary of the addon loads here (no prebuild for this platform
 * and no build, or a binary built for another machine), saying why and how to fix it.
 * @example
 * ```ts
 * import { createNativeBackend } from "@backprop/backend-native";
 * const native = createNativeBackend();
 * native.name; // "native"
 * ```
 * @category Backends
 */
export function createNativeBackend(): Backend {
  const addon: NativeAddon = withNamedErrors(addonOrThrow());
  // Buffers start on a cache line: V8 places large ones 16 bytes past one (malloc's header), and
  // then every 64-byte vector of a GEMM tile or a kernel's loop spans two lines (a 1024^3
  // product on one thread ran 8% slower in a C harness, 3% in Node). Small ones are taken as
  // they come.
  const pool = new BufferPool(undefined, (dtype, length) => {
    const Ctor = arrayConstructor(dtype);
    const bytes = Ctor.BYTES_PER_ELEMENT;
    if (length * bytes < 4096 || addon.misalignment === undefined) return new Ctor(length);
    const raw = new Ctor(length + 64 / bytes);
    const off = addon.misalignment(raw);
    const skip = off % bytes === 0 ? ((64 - off) % 64) / bytes : 0;
    return raw.subarray(skip, skip + length);
  });
  const js = createJsBackend();

  const newTensor = (shape: readonly number[], dtype: DType): Tensor => {
    const checked = checkShape(shape, "native backend: result");
    return new Tensor(new ArrayStorage(pool.take(dtype, sizeOf(checked)), dtype, pool), checked);
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

  const sameDType = (kernel: string, a: Tensor, b: Tensor): void => {
    if (a.dtype !== b.dtype) throw new DTypeError(`internal: kernel ${kernel} got operands of dtypes ${a.dtype} and ${b.dtype}`);
  };

  const dense = (t: Tensor): Tensor => (t.isContiguous ? t : copy(t));

  function copy(x: Tensor, out?: Tensor | null): Tensor {
    const o = outputFor("copy", x.shape, x.dtype, out);
    addon.copy(describe(x, o), x.storage.data, o.storage.data);
    return o;
  }

  function adamUpdate(kernel: NonNullable<NativeAddon["adam"]>, param: Tensor, grad: Tensor, m: Tensor, v: Tensor, o: AdamUpdateOptions): void {
    for (const [name, t] of [["grad", grad], ["m", m], ["v", v]] as const) {
      if (!shapesEqual(t.shape, param.shape)) {
        throw new ShapeError(`adamUpdate: ${name} must have the parameter's shape; expected ${formatShape(param.shape)}, got ${formatShape(t.shape)}`);
      }
    }
    const flags = (o.decoupled ? 1 : 0) | (o.maximize ? 2 : 0);
    kernel(describe(param, grad, m, v), param.storage.data, grad.storage.data, m.storage.data, v.storage.data, o.lr, o.beta1, o.beta2,
      o.eps, o.weightDecay, o.step, flags);
  }
  const adam = addon.adam;

  function sgdUpdate(kernel: NonNullable<NativeAddon["sgd"]>, param: Tensor, grad: Tensor, buf: Tensor | null, o: SgdUpdateOptions): void {
    for (const [name, t] of [["grad", grad], ["momentumBuffer", buf]] as const) {
      if (t !== null && !shapesEqual(t.shape, param.shape)) {
        throw new ShapeError(`sgdUpdate: ${name} must have the parameter's shape; expected ${formatShape(param.shape)}, got ${formatShape(t.shape)}`);
      }
    }
    const flags = (o.nesterov ? 1 : 0) | (o.maximize ? 2 : 0) | (o.fresh ? 4 : 0);
    const m = buf === null ? describe(param, grad) : describe(param, grad, buf);
    kernel(m, param.storage.data, grad.storage.data, buf === null ? null : buf.storage.data, o.lr, o.momentum, o.dampening, o.weightDecay, flags);
  }
  const sgd = addon.sgd;

  function linear(kernel: NonNullable<NativeAddon["linear"]>, x: Tensor, w: Tensor, bias: Tensor | null, activation: LinearActivation): Tensor {
    if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[1]) {
      throw new ShapeError(`linear: expected x [M, K] and weight [N, K]; got ${formatShape(x.shape)} and ${formatShape(w.shape)}`);
    }
    if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== w.shape[0])) {
      throw new ShapeError(`linear: bias must be [${w.shape[0]}] for weight ${formatShape(w.shape)}; got ${formatShape(bias.shape)}`);
    }
    for (const [name, t] of [["x", x], ["weight", w], ["bias", bias]] as const) {
      if (t !== null && t.dtype !== "float32") throw new DTypeError(`linear: ${name} must be float32; got ${t.dtype}`);
    }
    if (activation !== "none" && activation !== "relu") throw new ValueError(`linear: unknown activation "${String(activation)}"; expected "none" or "relu"`);
    const out = newTensor([x.shape[0], w.shape[0]], "float32");
    // x and w may have any strides (the GEMM packs them); the epilogue reads bias contiguously.
    const b = bias === null ? null : dense(bias);
    try {
      const m = b === null ? describe(x, w, out) : describe(x, w, out, b);
      kernel(m, x.storage.data, w.storage.data, out.storage.data, b === null ? null : b.storage.data, activation === "relu" ? 1 : 0);
    } finally {
      if (b !== null && bias !== null) release(b, bias);
    }
    return out;
  }
  const linearKernel = addon.linear;

  const unary = {} as Record<UnaryOp, UnaryKernels[UnaryOp]>;
  for (const op of Object.keys(unaryCodes) as UnaryOp[]) {
    const code = unaryCodes[op];
    const resultBool = boolResult.has(op);
    unary[op] = (x: Tensor, out?: Tensor | null, p0 = 0, p1 = 0): Tensor => {
      const o = outputFor(op, x.shape, resultBool ? "bool" : x.dtype, out);
      addon.unary(code, describe(x, o), x.storage.data, o.storage.data, p0, p1);
      return o;
    };
  }

  const binary = {} as Record<BinaryOp, BinaryKernels[BinaryOp]>;
  for (const op of Object.keys(binaryCodes) as BinaryOp[]) {
    const code = binaryCodes[op];
    const resultBool = boolResult.has(op);
    binary[op] = (a: Tensor, b: Tensor, out?: Tensor | null): Tensor => {
      sameDType(op, a, b);
      const o = outputFor(op, a.shape, resultBool ? "bool" : a.dtype, out, b);
      addon.binary(code, describe(a, b, o), a.storage.data, b.storage.data, o.storage.data);
      return o;
    };
  }

  const reduce = {} as Record<ReduceOp, ReduceKernels[ReduceOp]>;
  for (const op of Object.keys(reduceCodes) as ReduceOp[]) {
    const code = reduceCodes[op];
    reduce[op] = (x: Tensor, axes: readonly number[], keepDims: boolean): Tensor => {
      const reduced = x.shape.map((_, i) => axes.includes(i));
      const outShape: number[] = [];
      x.shape.forEach((d, i) => {
        if (!reduced[i]) outShape.push(d);
        else if (keepDims) outShape.push(1);
      });
      const out = newTensor(outShape, x.dtype);
      // The output seen through x's shape: reduced axes have stride 0.
      const strides = new Array<number>(x.rank).fill(0);
      let s = 1;
      for (let i = x.rank - 1; i >= 0; i--) {
        if (!reduced[i]) {
          strides[i] = s;
          s *= x.shape[i];
        }
      }
      const pos = put(0, x.shape, x.strides, x.offset);
      put(pos, x.shape, strides, 0);
      addon.reduce(code, meta, x.storage.data, out.storage.data);
      return out;
    };
  }

  const argReduce = {} as Record<ArgReduceOp, ArgReduceKernels[ArgReduceOp]>;
  for (const op of ["argmax", "argmin"] as const) {
    argReduce[op] = (x: Tensor, axis: number, keepDims: boolean): Tensor => {
      if (!Number.isInteger(axis) || axis < 0 || axis >= x.rank) {
        throw new ShapeError(`internal: kernel ${op} got axis ${axis} for shape ${formatShape(x.shape)}`);
      }
      const outShape = x.shape.flatMap((d, i) => (i !== axis ? [d] : keepDims ? [1] : []));
      const out = newTensor(outShape, "int32");
      if (out.size === 0) return out;
      if (x.shape[axis] === 0) throw new ShapeError(`${op}: cannot reduce an empty axis ${axis} of shape ${formatShape(x.shape)}`);
      const pos = put(0, x.shape, x.strides, x.offset);
      put(pos, [out.size], [1], 0);
      addon.argreduce(op === "argmax" ? 1 : 0, meta, x.storage.data, out.storage.data, axis);
      return out;
    };
  }

  const softmaxKernel = (log: boolean) => (x: Tensor, axis: number): Tensor => {
    if (!Number.isInteger(axis) || axis < 0 || axis >= x.rank) {
      throw new ShapeError(`internal: kernel ${log ? "logSoftmax" : "softmax"} got axis ${axis} for shape ${formatShape(x.shape)}`);
    }
    const out = newTensor(x.shape, x.dtype);
    addon.softmax(log ? 1 : 0, describe(x, out), x.storage.data, out.storage.data, axis);
    return out;
  };

  const convAttrs = (a: Conv2dAttrs): Float64Array => {
    attrs.set([a.stride[0], a.stride[1], a.padding[0], a.padding[1], a.padding[2], a.padding[3], a.dilation[0], a.dilation[1], a.groups]);
    return attrs;
  };
  const convOut = (size: number, k: number, stride: number, before: number, after: number, dilation: number): number =>
    Math.max(Math.floor((size + before + after - dilation * (k - 1) - 1) / stride) + 1, 0);
  const checkConv = (kernel: string, input: readonly number[], weight: readonly number[], groups: number): void => {
    if (input.length !== 4 || weight.length !== 4 || input[1] !== weight[1] * groups || weight[0] % groups !== 0) {
      throw new ShapeError(`internal: kernel ${kernel} got input ${formatShape(input)} and weight ${formatShape(weight)} with ${groups} groups`);
    }
  };

  const poolAttrs = (a: Pool2dAttrs): Float64Array => {
    attrs.set([a.kernel[0], a.kernel[1], a.stride[0], a.stride[1], a.padding[0], a.padding[1], a.dilation[0], a.dilation[1], a.countIncludePad ? 1 : 0]);
    return attrs;
  };
  // PyTorch's formula; a ceil-mode window must start inside the input or the left padding.
  const poolOut = (size: number, k: number, stride: number, pad: number, dilation: number, ceilMode: boolean): number => {
    const span = size + 2 * pad - dilation * (k - 1) - 1;
    let out = Math.floor((span + (ceilMode ? stride - 1 : 0)) / stride) + 1;
    if (ceilMode && (out - 1) * stride >= size + pad) out--;
    return Math.max(out, 0);
  };
  const pooledShape = (kernel: string, x: Tensor, a: Pool2dAttrs): number[] => {
    if (x.rank !== 4) throw new ShapeError(`${kernel}: expected input [N, C, H, W], got ${formatShape(x.shape)}`);
    const ceil = (a as Pool2dAttrs & { ceilMode?: boolean }).ceilMode === true;
    const [n, c, h, w] = x.shape;
    return [n, c, poolOut(h, a.kernel[0], a.stride[0], a.padding[0], a.dilation[0], ceil), poolOut(w, a.kernel[1], a.stride[1], a.padding[1], a.dilation[1], ceil)];
  };
  const release = (t: Tensor, original: Tensor): void => {
    if (t !== original) t.dispose();
  };
  /** conv2d, with bias[o] added per output channel inside the kernel when bias is given. */
  const conv2d = (kernel: string, x: Tensor, w: Tensor, bias: Tensor | null, a: Conv2dAttrs): Tensor => {
    checkConv(kernel, x.shape, w.shape, a.groups);
    sameDType(kernel, x, w);
    if (bias !== null) {
      sameDType(kernel, x, bias);
      if (bias.rank !== 1 || bias.shape[0] !== w.shape[0]) {
        throw new ShapeError(`${kernel}: bias must be [${w.shape[0]}] (one value per output channel); got ${formatShape(bias.shape)}`);
      }
    }
    const oh = convOut(x.shape[2], w.shape[2], a.stride[0], a.padding[0], a.padding[1], a.dilation[0]);
    const ow = convOut(x.shape[3], w.shape[3], a.stride[1], a.padding[2], a.padding[3], a.dilation[1]);
    const out = newTensor([x.shape[0], w.shape[0], oh, ow], x.dtype);
    const xc = dense(x), wc = dense(w), bc = bias === null ? null : dense(bias);
    try {
      if (bc === null) addon.conv(0, describe(xc, wc, out), xc.storage.data, wc.storage.data, out.storage.data, convAttrs(a));
      else addon.conv(0, describe(xc, wc, out, bc), xc.storage.data, wc.storage.data, out.storage.data, convAttrs(a), bc.storage.data);
    } catch (e) {
      out.dispose();
      throw e;
    } finally {
      release(xc, x);
      release(wc, w);
      if (bc !== null && bias !== null) release(bc, bias);
    }
    return out;
  };

  return checkedBackend({
    name: "native",
    alloc: (dtype: DType, length: number): Storage => new ArrayStorage(pool.take(dtype, length), dtype, pool),
    numThreads: () => addon.numThreads(),
    setNumThreads: (n: number): void => {
      if (!Number.isInteger(n) || n < 1) throw new ValueError(`setNumThreads: expected a positive integer, got ${n}`);
      addon.setNumThreads(n);
    },
    ...(unary as UnaryKernels),
    ...(binary as BinaryKernels),
    ...(reduce as ReduceKernels),
    ...(argReduce as ArgReduceKernels),
    where(cond: Tensor, a: Tensor, b: Tensor, out?: Tensor | null): Tensor {
      sameDType("where", a, b);
      const o = outputFor("where", a.shape, a.dtype, out, b, cond);
      addon.where(describe(cond, a, b, o), cond.storage.data, a.storage.data, b.storage.data, o.storage.data);
      return o;
    },
    cast(x: Tensor, dtype: DType): Tensor {
      const o = newTensor(x.shape, dtype);
      addon.copy(describe(x, o), x.storage.data, o.storage.data);
      return o;
    },
    copy,
    fill(out: Tensor, value: number): Tensor {
      addon.fill(describe(out), out.storage.data, value);
      return out;
    },
    // A stale build without the fused kernel leaves adamUpdate undefined (callers then use their own loop).
    ...(adam === undefined ? {} : { adamUpdate: (p: Tensor, g: Tensor, m: Tensor, v: Tensor, o: AdamUpdateOptions): void => { adamUpdate(adam, p, g, m, v, o); } }),
    ...(sgd === undefined ? {} : { sgdUpdate: (p: Tensor, g: Tensor, b: Tensor | null, o: SgdUpdateOptions): void => { sgdUpdate(sgd, p, g, b, o); } }),
    ...(linearKernel === undefined ? {} : {
      linear: (x: Tensor, w: Tensor, b: Tensor | null, act: LinearActivation): Tensor => linear(linearKernel, x, w, b, act),
    }),
    matmul(a: Tensor, b: Tensor): Tensor {
      if (a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1] || a.dtype !== b.dtype) {
        throw new ShapeError(
          `internal: kernel matmul expects [B, M, K] and [B, K, N] of one dtype; got ${a.dtype} ${formatShape(a.shape)} and ${b.dtype} ${formatShape(b.shape)}`,
        );
      }
      const out = newTensor([a.shape[0], a.shape[1], b.shape[2]], a.dtype);
      addon.matmul(describe(a, b, out), a.storage.data, b.storage.data, out.storage.data);
      return out;
    },
    conv2d(x: Tensor, w: Tensor, a: Conv2dAttrs): Tensor {
      return conv2d("conv2d", x, w, null, a);
    },
    conv2dBias(x: Tensor, w: Tensor, bias: Tensor, a: Conv2dAttrs): Tensor {
      return conv2d("conv2dBias", x, w, bias, a);
    },
    conv2dBackwardInput(gy: Tensor, w: Tensor, inputShape: readonly number[], a: Conv2dAttrs): Tensor {
      checkConv("conv2dBackwardInput", inputShape, w.shape, a.groups);
      sameDType("conv2dBackwardInput", gy, w);
      const out = newTensor(inputShape, gy.dtype);
      const gc = dense(gy), wc = dense(w);
      try {
        addon.conv(1, describe(gc, wc, out), gc.storage.data, wc.storage.data, out.storage.data, convAttrs(a));
      } finally {
        release(gc, gy);
        release(wc, w);
      }
      return out;
    },
    conv2dBackwardWeight(x: Tensor, gy: Tensor, weightShape: readonly number[], a: Conv2dAttrs): Tensor {
      checkConv("conv2dBackwardWeight", x.shape, weightShape, a.groups);
      sameDType("conv2dBackwardWeight", x, gy);
      const out = newTensor(weightShape, gy.dtype);
      const xc = dense(x), gc = dense(gy);
      try {
        addon.conv(2, describe(xc, gc, out), xc.storage.data, gc.storage.data, out.storage.data, convAttrs(a));
      } finally {
        release(xc, x);
        release(gc, gy);
      }
      return out;
    },
    maxPool2d(x: Tensor, a: Pool2dAttrs): [Tensor, Tensor] {
      const shape = pooledShape("maxPool2d", x, a);
      const out = newTensor(shape, x.dtype);
      const idx = newTensor(shape, "int32");
      const xc = dense(x);
      try {
        addon.pool(0, describe(xc, out, idx), xc.storage.data, out.storage.data, idx.storage.data, poolAttrs(a));
      } finally {
        release(xc, x);
      }
      return [out, idx];
    },
    maxPool2dBackward(gy: Tensor, indices: Tensor, inputShape: readonly number[]): Tensor {
      const out = newTensor(inputShape, gy.dtype);
      const gc = dense(gy), ic = dense(indices);
      try {
        attrs.set([1, 1, 1, 1, 0, 0, 1, 1, 0]);
        addon.pool(1, describe(gc, ic, out), gc.storage.data, ic.storage.data, out.storage.data, attrs);
      } finally {
        release(gc, gy);
        release(ic, indices);
      }
      return out;
    },
    avgPool2d(x: Tensor, a: Pool2dAttrs): Tensor {
      const out = newTensor(pooledShape("avgPool2d", x, a), x.dtype);
      const xc = dense(x);
      try {
        addon.pool(2, describe(xc, out), xc.storage.data, out.storage.data, poolAttrs(a));
      } finally {
        release(xc, x);
      }
      return out;
    },
    avgPool2dBackward(gy: Tensor, inputShape: readonly number[], a: Pool2dAttrs): Tensor {
      const out = newTensor(inputShape, gy.dtype);
      const gc = dense(gy);
      try {
        addon.pool(3, describe(gc, out), gc.storage.data, out.storage.data, poolAttrs(a));
      } finally {
        release(gc, gy);
      }
      return out;
    },
    softmax: softmaxKernel(false),
    logSoftmax: softmaxKernel(true),
    gather(x: Tensor, axis: number, index: Tensor): Tensor {
      const kernel = addon.gather;
      if (kernel === undefined || index.dtype !== "int32") return js.gather(x, axis, index);
      const out = newTensor(index.shape, x.dtype);
      try {
        kernel(describe(x, index, out), x.storage.data, index.storage.data, out.storage.data, axis);
      } catch (e) {
        out.dispose();
        throw e;
      }
      return out;
    },
    scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
      const kernel = addon.scatterAdd;
      if (kernel === undefined || index.dtype !== "int32" || src.dtype !== x.dtype) return js.scatterAdd(x, axis, index, src);
      const out = copy(x);
      try {
        kernel(describe(x, index, src, out), x.storage.data, index.storage.data, src.storage.data, out.storage.data, axis);
      } catch (e) {
        out.dispose();
        throw e;
      }
      return out;
    },
  });
}
