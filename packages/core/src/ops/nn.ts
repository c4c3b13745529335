/**
 * Neural-network primitives: softmax, convolutions, pooling, dropout, embedding lookup.
 * @module
 */
import { defineOp } from "../defineOp.js";
import { Tensor } from "../tensor.js";
import { kernels } from "../backend/backend.js";
import type { Conv2dAttrs, Pool2dAttrs } from "../backend/kernels.js";
import { isFloat, promoteTypes } from "../dtype.js";
import type { DType } from "../dtype.js";
import { DTypeError, ShapeError, ValueError, describeValue, formatShape } from "../errors.js";
import { checkAxis, checkBoolean, checkOptions, checkTensor } from "../validate.js";
import { checkShape, normalizeAxis, shapesEqual } from "../shape.js";
import { zeros } from "../creation.js";
import { bernoulli } from "../randomTensors.js";
import type { Generator } from "../random.js";
import { broadcastView, unchanged } from "./views.js";
import { gather, reshape, squeeze, unsqueeze } from "./movement.js";
import { sum } from "./reduce.js";

// ---------- shared checks ----------

/** Float inputs stay; integer and bool ones become float32. */
function asFloat(x: Tensor, dtype: DType = x.dtype): Tensor {
  const target = isFloat(dtype) ? dtype : "float32";
  return x.dtype === target ? x : x.cast(target);
}

/**
 * A size given once for both spatial axes or as [height, width].
 * @category Ops
 */
export type Size2d = number | readonly [number, number];

function pair(value: Size2d | undefined, fallback: number, name: string, where: string, min: number): [number, number] {
  const v = value ?? fallback;
  const p: readonly unknown[] = typeof v === "number" ? [v, v] : Array.isArray(v) ? v : [];
  if (p.length !== 2 || !p.every((d) => typeof d === "number" && Number.isInteger(d) && d >= min)) {
    const bound = min === 0 ? "non-negative" : "positive";
    throw new ValueError(`${where}: ${name} must be a ${bound} integer or a pair of them; got ${JSON.stringify(value)}`);
  }
  return [p[0] as number, p[1] as number];
}

/** A list of `n` integers of at least `min` (the geometry the conv and pool ops record). */
function isIntegers(v: unknown, n: number, min: number): boolean {
  return Array.isArray(v) && v.length === n && v.every((d) => Number.isSafeInteger(d) && (d as number) >= min);
}

/** A float tensor of rank `rank`, as the kernels of softmax, convolution and pooling take. */
function checkFloatOperand(x: unknown, rank: number | null, where: string, what = "input"): asserts x is Tensor {
  checkTensor(x, where, what);
  if (rank !== null && x.rank !== rank) throw new ShapeError(`${where}: ${what} has the wrong rank; expected ${rank} axes, got ${formatShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${where}: ${what} is not floating point; expected float32 or float64, got ${x.dtype}`);
}

function checkGroups(groups: unknown, where: string): number {
  const g = groups ?? 1;
  if (typeof g !== "number" || !Number.isInteger(g) || g < 1) throw new ValueError(`${where}: groups must be a positive integer; got ${String(groups)}`);
  return g;
}

// ---------- softmax ----------

// y = softmax(x); dx = y * (g - sum(g * y)) along the axis.
const softmaxOp = defineOp({
  name: "softmax",
  forward: (x: Tensor, axis: number) => {
    checkFloatOperand(x, null, "softmax");
    checkAxis(axis, x.rank, "softmax");
    return kernels().softmax(x, axis);
  },
  backward: (g, [, axis], y) => [y.mul(g.sub(sum(g.mul(y), { axis, keepDims: true }))), null],
});

// y = x - logSumExp(x); dx = g - exp(y) * sum(g) along the axis.
const logSoftmaxOp = defineOp({
  name: "logSoftmax",
  forward: (x: Tensor, axis: number) => {
    checkFloatOperand(x, null, "logSoftmax");
    checkAxis(axis, x.rank, "logSoftmax");
    return kernels().logSoftmax(x, axis);
  },
  backward: (g, [, axis], y) => [g.sub(y.exp().mul(sum(g, { axis, keepDims: true }))), null],
});

/**
 * Softmax along an axis: exp(x_i - max x) / sum_j exp(x_j - max x), computed stably.
 * Integer inputs give float32. As in PyTorch, a row holding +Infinity or NaN, or only
 * -Infinity (fully masked), gives NaN throughout; -Infinity beside finite values gives 0.
 * Shape: same as x.
 * @throws {ShapeError} for an axis out of range.
 * @example
 * ```ts
 * import { softmax, tensor } from "@backprop/core";
 * softmax(tensor([1, 2, 3])).toArray(); // [0.0900, 0.2447, 0.6652]
 * ```
 * @category Ops
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  checkTensor(x, "softmax");
  if (x.rank === 0) return softmaxOp(reshape(asFloat(x), [1]), 0).reshape([]);
  return softmaxOp(asFloat(x), normalizeAxis(axis, x.rank, "softmax"));
}

/**
 * Log-softmax along an axis: x_i - log sum_j exp(x_j), computed stably as
 * (x_i - max x) - log sum_j exp(x_j - max x): no log of a rounded-off 0, and the log term
 * survives huge equal values (`[1e30, 1e30]` gives -log 2 each). Integer inputs give float32.
 * Special values as for {@link softmax}: NaN rows where softmax has them, -Infinity for a
 * -Infinity beside finite values.
 * Shape: same as x.
 * @throws {ShapeError} for an axis out of range.
 * @example
 * ```ts
 * import { logSoftmax, tensor } from "@backprop/core";
 * logSoftmax(tensor([0, 0])).toArray();       // [-0.6931, -0.6931]
 * logSoftmax(tensor([1e30, 1e30])).toArray(); // [-0.6931, -0.6931]
 * ```
 * @category Ops
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkTensor(x, "logSoftmax");
  if (x.rank === 0) return logSoftmaxOp(reshape(asFloat(x), [1]), 0).reshape([]);
  return logSoftmaxOp(asFloat(x), normalizeAxis(axis, x.rank, "logSoftmax"));
}

// ---------- convolution ----------

// The three convolution ops are each other's adjoints, so every derivative of any order is
// one of them: for y = conv(x, w), dx = convInput(g, w) and dw = convWeight(x, g); convInput is
// linear in (g, w) with d/dg = conv(gg, w) and d/dw = convWeight(gg, g); convWeight is linear
// in (x, g) with d/dx = convInput(g, gg) and d/dg = conv(x, gg).
const conv2dOp = defineOp({
  name: "conv2d",
  forward: (x: Tensor, w: Tensor, attrs: Conv2dAttrs) => {
    checkConvOperands(x, w, "conv2d");
    convOutputShape(x.shape, w.shape, attrs, "conv2d");
    return kernels().conv2d(x, w, attrs);
  },
  backward: (g, [x, w, attrs]) => [
    x.requiresGrad ? conv2dInputOp(g, w, x.shape, attrs) : null,
    w.requiresGrad ? conv2dWeightOp(x, g, w.shape, attrs) : null,
    null,
  ],
});

// conv2d + bias in one kernel where the backend has it; the bias gradient is g summed over
// every axis but the channel one.
const conv2dBiasOp = defineOp({
  name: "conv2dBias",
  forward: (x: Tensor, w: Tensor, b: Tensor, attrs: Conv2dAttrs) => {
    checkConvOperands(x, w, "conv2dBias");
    const shape = convOutputShape(x.shape, w.shape, attrs, "conv2dBias");
    checkFloatOperand(b, 1, "conv2dBias", "bias");
    if (b.shape[0] !== shape[1]) throw new ShapeError(`conv2dBias: bias does not fit the weight ${formatShape(w.shape)}; expected [${shape[1]}], got ${formatShape(b.shape)}`);
    if (b.dtype !== x.dtype) throw new DTypeError(`conv2dBias: bias differs in dtype from the input; expected ${x.dtype}, got ${b.dtype}`);
    if (kernels().conv2dBias !== undefined) return kernels().conv2dBias!(x, w, b, attrs);
    // The registry's op on a backend without the fused kernel: the same maths in two kernels.
    const y = kernels().conv2d(x, w, attrs);
    const bias = broadcastView(b.reshape([1, shape[1], 1, 1]), shape);
    const out = kernels().add(y, bias, y);
    bias.dispose();
    return out;
  },
  backward: (g, [x, w, b, attrs]) => [
    x.requiresGrad ? conv2dInputOp(g, w, x.shape, attrs) : null,
    w.requiresGrad ? conv2dWeightOp(x, g, w.shape, attrs) : null,
    b.requiresGrad ? sum(g, { axis: [0, 2, 3] }) : null,
    null,
  ],
});

const conv2dInputOp: (gy: Tensor, w: Tensor, inputShape: readonly number[], attrs: Conv2dAttrs) => Tensor = defineOp({
  name: "conv2dBackwardInput",
  forward: (gy: Tensor, w: Tensor, inputShape: readonly number[], attrs: Conv2dAttrs) => {
    checkConvOperands(gy, w, "conv2dBackwardInput", "gradient");
    checkGradientShape(gy, convOutputShape(checkShape(inputShape, "conv2dBackwardInput"), w.shape, attrs, "conv2dBackwardInput"), "conv2dBackwardInput");
    return kernels().conv2dBackwardInput(gy, w, inputShape, attrs);
  },
  backward: (gg, [gy, w, , attrs]) => [
    gy.requiresGrad ? conv2dOp(gg, w, attrs) : null,
    w.requiresGrad ? conv2dWeightOp(gg, gy, w.shape, attrs) : null,
    null,
    null,
  ],
});

const conv2dWeightOp: (x: Tensor, gy: Tensor, weightShape: readonly number[], attrs: Conv2dAttrs) => Tensor = defineOp({
  name: "conv2dBackwardWeight",
  forward: (x: Tensor, gy: Tensor, weightShape: readonly number[], attrs: Conv2dAttrs) => {
    checkConvOperands(x, gy, "conv2dBackwardWeight", "input", "gradient");
    checkGradientShape(gy, convOutputShape(x.shape, checkShape(weightShape, "conv2dBackwardWeight"), attrs, "conv2dBackwardWeight"), "conv2dBackwardWeight");
    return kernels().conv2dBackwardWeight(x, gy, weightShape, attrs);
  },
  backward: (gg, [x, gy, , attrs]) => [
    x.requiresGrad ? conv2dInputOp(gy, gg, x.shape, attrs) : null,
    gy.requiresGrad ? conv2dOp(x, gg, attrs) : null,
    null,
    null,
  ],
});

/**
 * Options of {@link conv2d}.
 * @category Ops
 */
export interface Conv2dOptions {
  /** Added to each output channel, shape [O]. */
  bias?: Tensor | null;
  /** Step between windows (default 1). */
  stride?: Size2d;
  /**
   * Zero padding on both sides of each axis (default 0), or "same" (output as large as the
   * input; stride 1 only; an odd total puts the extra row and column at the bottom and right,
   * like PyTorch), or "valid" (none).
   */
  padding?: Size2d | "same" | "valid";
  /** Spacing between kernel taps (default 1). */
  dilation?: Size2d;
  /** Channel groups: input and output channels split into this many independent convolutions (default 1). */
  groups?: number;
}

/** Two 4-D operands of one float dtype, as the convolution kernels take them. */
function checkConvOperands(a: Tensor, b: Tensor, where: string, aName = "input", bName = "weight"): void {
  checkFloatOperand(a, 4, where, aName);
  checkFloatOperand(b, 4, where, bName);
  if (a.dtype !== b.dtype) throw new DTypeError(`${where}: ${aName} and ${bName} differ in dtype; expected one dtype, got ${a.dtype} and ${b.dtype}`);
}

/** A backward op's incoming gradient must have its forward's output shape. */
function checkGradientShape(g: Tensor, expected: readonly number[], where: string): void {
  if (!shapesEqual(g.shape, expected)) throw new ShapeError(`${where}: the gradient does not have the output's shape; expected ${formatShape(expected)}, got ${formatShape(g.shape)}`);
}

/**
 * Checks the geometry of a 2-D convolution (the attrs the conv ops record, against an input
 * [N, C, H, W] and a weight [O, C/groups, kH, kW]) and returns the output shape; `shown` are
 * the shapes the caller gave, for messages.
 */
function convOutputShape(input: readonly number[], weight: readonly number[], attrs: Conv2dAttrs, where: string, shown: [readonly number[], readonly number[]] = [input, weight]): number[] {
  const a = (typeof attrs === "object" && attrs !== null ? attrs : {}) as Partial<Conv2dAttrs>;
  if (!isIntegers(a.stride, 2, 1) || !isIntegers(a.padding, 4, 0) || !isIntegers(a.dilation, 2, 1) || !Number.isSafeInteger(a.groups) || a.groups! < 1) {
    throw new ValueError(`${where}: the geometry is malformed; expected { stride: [sh, sw], padding: [top, bottom, left, right], dilation: [dh, dw], groups } of integers (stride, dilation, groups >= 1; padding >= 0), got ${describeValue(attrs)}`);
  }
  if (input.length !== 4 || weight.length !== 4) throw new ShapeError(`${where}: expected input [N, C, H, W] and weight [O, C/groups, kH, kW], got ${formatShape(shown[0])} and ${formatShape(shown[1])}`);
  const { stride, padding, dilation, groups } = a as Conv2dAttrs;
  const [xs, ws] = shown;
  const [n, c, h, wd] = input;
  const [o, cg, kh, kw] = weight;
  if (c % groups !== 0) {
    throw new ShapeError(`${where}: input channels must be divisible by groups (${groups}); got input ${formatShape(xs)} with ${c} channels`);
  }
  if (o % groups !== 0) {
    throw new ShapeError(`${where}: output channels must be divisible by groups (${groups}); got weight ${formatShape(ws)} with ${o} output channels`);
  }
  if (cg * groups !== c) {
    throw new ShapeError(
      `${where}: weight ${formatShape(ws)} with groups ${groups} expects ${cg * groups} input channels; got input ${formatShape(xs)} with ${c}`,
    );
  }
  const eh = dilation[0] * (kh - 1) + 1;
  const ew = dilation[1] * (kw - 1) + 1;
  const hp = h + padding[0] + padding[1];
  const wp = wd + padding[2] + padding[3];
  if (eh > hp || ew > wp) {
    throw new ShapeError(
      `${where}: the kernel (${eh} x ${ew} with dilation) is larger than the padded input (${hp} x ${wp}); got input ${formatShape(xs)} and weight ${formatShape(ws)}`,
    );
  }
  return checkShape([n, o, Math.floor((hp - eh) / stride[0]) + 1, Math.floor((wp - ew) / stride[1]) + 1], where);
}

/** Validates a 2-D convolution and returns its geometry; `shown` are the shapes for messages. */
function convAttrs(x: Tensor, w: Tensor, options: Conv2dOptions, where: string, shown: [readonly number[], readonly number[]]): Conv2dAttrs {
  checkOptions(options, where, "{ stride: 2, padding: 1 }");
  const groups = checkGroups(options.groups, where);
  const stride = pair(options.stride, 1, "stride", where, 1);
  const dilation = pair(options.dilation, 1, "dilation", where, 1);
  const [kh, kw] = w.shape.slice(2);
  let padding: [number, number, number, number];
  const pad = options.padding ?? 0;
  if (pad === "same") {
    if (stride[0] !== 1 || stride[1] !== 1) throw new ValueError(`${where}: padding "same" needs stride 1; got stride ${formatShape(stride)}`);
    const th = dilation[0] * (kh - 1);
    const tw = dilation[1] * (kw - 1);
    padding = [th >> 1, th - (th >> 1), tw >> 1, tw - (tw >> 1)];
  } else if (pad === "valid") {
    padding = [0, 0, 0, 0];
  } else if (typeof pad === "string") {
    throw new ValueError(`${where}: padding must be a number, a pair, "same" or "valid"; got ${JSON.stringify(pad)}`);
  } else {
    const [ph, pw] = pair(pad, 0, "padding", where, 0);
    padding = [ph, ph, pw, pw];
  }
  const attrs: Conv2dAttrs = { stride, padding, dilation, groups };
  convOutputShape(x.shape, w.shape, attrs, where, shown);
  return attrs;
}

/** The bias option of a convolution: null when absent, else a checked [channels] tensor. */
function checkBias(bias: Tensor | null | undefined, channels: number, where: string): Tensor | null {
  if (bias === undefined || bias === null) return null;
  checkTensor(bias, where, "bias");
  if (bias.rank !== 1 || bias.shape[0] !== channels) {
    throw new ShapeError(`${where}: bias must have one value per output channel; expected [${channels}], got ${formatShape(bias.shape)}`);
  }
  return bias;
}

function addBias(y: Tensor, bias: Tensor | null | undefined, channels: number, where: string): Tensor {
  const b = checkBias(bias, channels, where);
  if (b === null) return y;
  const shape = y.shape.map((d, i) => (i === 1 ? d : 1));
  return y.add(reshape(b, shape));
}

/** The shared body of conv1d and conv2d on 4-D operands. */
function convolve(x4: Tensor, w4: Tensor, options: Conv2dOptions, where: string, shown: [readonly number[], readonly number[]]): Tensor {
  const attrs = convAttrs(x4, w4, options, where, shown);
  const dtype = promoteTypes(x4.dtype, w4.dtype);
  const x = asFloat(x4, dtype), w = asFloat(w4, dtype);
  const bias = checkBias(options.bias, w4.shape[0], where);
  // One kernel where the backend fuses the bias and no dtype promotion is needed.
  if (bias !== null && bias.dtype === x.dtype && kernels().conv2dBias !== undefined) return conv2dBiasOp(x, w, bias, attrs);
  return addBias(conv2dOp(x, w, attrs), bias, w4.shape[0], where);
}

/**
 * 2-D convolution (cross-correlation, as in every deep-learning framework):
 * y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] x[n, g(o) C/G + c, i s_h - pad_top + p d_h, j s_w - pad_left + q d_w].
 * Integer inputs give float32.
 *
 * Shape: x [N, C, H, W] (or unbatched [C, H, W]), weight [O, C/groups, kH, kW] ->
 * [N, O, floor((H + padTotal - d(kH - 1) - 1) / s) + 1, ...likewise for W].
 * @throws {ShapeError} for wrong ranks, channels that groups do not divide, a weight whose
 * channels do not match the input, or a kernel larger than the padded input.
 * @throws {ValueError} for bad stride, padding, dilation or groups ("same" needs stride 1).
 * @example
 * ```ts
 * import { conv2d, tensor } from "@backprop/core";
 * const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]); // [1, 1, 3, 3]
 * const w = tensor([[[[1, 0], [0, -1]]]]);                  // [1, 1, 2, 2]
 * conv2d(x, w).toArray(); // [[[[-4, -4], [-4, -4]]]]
 * ```
 * @category Ops
 */
export function conv2d(x: Tensor, weight: Tensor, options: Conv2dOptions = {}): Tensor {
  checkTensor(x, "conv2d");
  checkTensor(weight, "conv2d", "weight");
  if (x.rank !== 3 && x.rank !== 4) throw new ShapeError(`conv2d: expected input [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
  if (weight.rank !== 4) throw new ShapeError(`conv2d: expected weight [O, C/groups, kH, kW], got ${formatShape(weight.shape)}`);
  const x4 = x.rank === 3 ? unsqueeze(x, 0) : x;
  const y = convolve(x4, weight, options, "conv2d", [x.shape, weight.shape]);
  return x.rank === 3 ? squeeze(y, 0) : y;
}

/**
 * Options of {@link conv1d}: as for {@link conv2d}, with single numbers.
 * @category Ops
 */
export interface Conv1dOptions {
  /** Added to each output channel, shape [O]. */
  bias?: Tensor | null;
  /** Step between windows (default 1). */
  stride?: number;
  /** Zero padding on both ends (default 0), "same" (stride 1; extra at the end) or "valid". */
  padding?: number | "same" | "valid";
  /** Spacing between kernel taps (default 1). */
  dilation?: number;
  /** Channel groups (default 1). */
  groups?: number;
}

/**
 * 1-D convolution (cross-correlation), computed as a 2-D one of height 1:
 * y[n, o, i] = b[o] + sum_{c, p} w[o, c, p] x[n, c, i s - pad + p d].
 *
 * Shape: x [N, C, L] (or [C, L]), weight [O, C/groups, K] -> [N, O, floor((L + 2 pad - d(K - 1) - 1) / s) + 1].
 * @throws {ShapeError} as for {@link conv2d}.
 * @throws {ValueError} for bad stride, padding, dilation or groups.
 * @example
 * ```ts
 * import { conv1d, tensor } from "@backprop/core";
 * conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, 1]]])).toArray(); // [[[3, 5, 7]]]
 * ```
 * @category Ops
 */
export function conv1d(x: Tensor, weight: Tensor, options: Conv1dOptions = {}): Tensor {
  checkTensor(x, "conv1d");
  checkTensor(weight, "conv1d", "weight");
  if (x.rank !== 2 && x.rank !== 3) throw new ShapeError(`conv1d: expected input [N, C, L] or [C, L], got ${formatShape(x.shape)}`);
  if (weight.rank !== 3) throw new ShapeError(`conv1d: expected weight [O, C/groups, K], got ${formatShape(weight.shape)}`);
  const scalarOption = (v: unknown, name: string): void => {
    if (v !== undefined && typeof v !== "number") throw new ValueError(`conv1d: ${name} must be a number; got ${JSON.stringify(v)}`);
  };
  scalarOption(options.stride, "stride");
  scalarOption(options.dilation, "dilation");
  if (typeof options.padding !== "string") scalarOption(options.padding, "padding");
  const pad = options.padding ?? 0;
  const x3 = x.rank === 2 ? unsqueeze(x, 0) : x;
  const y = convolve(
    unsqueeze(x3, 2),
    unsqueeze(weight, 2),
    {
      bias: options.bias,
      stride: [1, options.stride ?? 1],
      padding: typeof pad === "string" ? pad : [0, pad],
      dilation: [1, options.dilation ?? 1],
      groups: options.groups,
    },
    "conv1d",
    [x.shape, weight.shape],
  );
  const y3 = squeeze(y, 2);
  return x.rank === 2 ? squeeze(y3, 0) : y3;
}

/**
 * Options of {@link convTranspose2d}.
 * @category Ops
 */
export interface ConvTranspose2dOptions {
  /** Added to each output channel, shape [Cout]. */
  bias?: Tensor | null;
  /** Stride of the convolution this one transposes (default 1). */
  stride?: Size2d;
  /** Padding of the convolution this one transposes: trimmed from the output (default 0). */
  padding?: Size2d;
  /** Extra rows and columns at the bottom and right of the output, less than the stride (default 0). */
  outputPadding?: Size2d;
  /** Spacing between kernel taps (default 1). */
  dilation?: Size2d;
  /** Channel groups (default 1). */
  groups?: number;
}

/**
 * Transposed 2-D convolution ("deconvolution"): the gradient of {@link conv2d} with respect to
 * its input, used to upsample. PyTorch semantics.
 *
 * Shape: x [N, Cin, H, W] (or [Cin, H, W]), weight [Cin, Cout/groups, kH, kW] ->
 * [N, Cout, (H - 1) s - 2 pad + d (kH - 1) + outputPadding + 1, ...likewise for W].
 * @throws {ShapeError} for wrong ranks, channels that groups do not divide, or an empty output.
 * @throws {ValueError} for bad options (outputPadding must be below the stride).
 * @example
 * ```ts
 * import { convTranspose2d, ones } from "@backprop/core";
 * convTranspose2d(ones([1, 1, 2, 2]), ones([1, 1, 2, 2]), { stride: 2 }).shape; // [1, 1, 4, 4]
 * ```
 * @category Ops
 */
export function convTranspose2d(x: Tensor, weight: Tensor, options: ConvTranspose2dOptions = {}): Tensor {
  const where = "convTranspose2d";
  checkTensor(x, where);
  checkTensor(weight, where, "weight");
  if (x.rank !== 3 && x.rank !== 4) throw new ShapeError(`${where}: expected input [N, Cin, H, W] or [Cin, H, W], got ${formatShape(x.shape)}`);
  if (weight.rank !== 4) throw new ShapeError(`${where}: expected weight [Cin, Cout/groups, kH, kW], got ${formatShape(weight.shape)}`);
  const groups = checkGroups(options.groups, where);
  const stride = pair(options.stride, 1, "stride", where, 1);
  const padding = pair(options.padding, 0, "padding", where, 0);
  const outputPadding = pair(options.outputPadding, 0, "outputPadding", where, 0);
  const dilation = pair(options.dilation, 1, "dilation", where, 1);
  if (outputPadding[0] >= stride[0] || outputPadding[1] >= stride[1]) {
    throw new ValueError(`${where}: outputPadding must be smaller than the stride; expected below ${formatShape(stride)}, got ${formatShape(outputPadding)}`);
  }
  const x4 = x.rank === 3 ? unsqueeze(x, 0) : x;
  const [n, cin, h, wd] = x4.shape;
  const [wc, coutPerGroup, kh, kw] = weight.shape;
  if (wc !== cin) {
    throw new ShapeError(`${where}: weight ${formatShape(weight.shape)} expects ${wc} input channels; got input ${formatShape(x.shape)} with ${cin}`);
  }
  if (cin % groups !== 0) {
    throw new ShapeError(`${where}: input channels must be divisible by groups (${groups}); got input ${formatShape(x.shape)} with ${cin} channels`);
  }
  const oh = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + outputPadding[0] + 1;
  const ow = (wd - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + outputPadding[1] + 1;
  if (oh < 1 || ow < 1 || h < 1 || wd < 1) {
    throw new ShapeError(`${where}: the output would be empty (${oh} x ${ow}); got input ${formatShape(x.shape)}, weight ${formatShape(weight.shape)} and padding ${formatShape(padding)}`);
  }
  const cout = coutPerGroup * groups;
  checkShape([n, cout, oh, ow], where);
  const attrs: Conv2dAttrs = { stride, padding: [padding[0], padding[0], padding[1], padding[1]], dilation, groups };
  const dtype = promoteTypes(x4.dtype, weight.dtype);
  const y = conv2dInputOp(asFloat(x4, dtype), asFloat(weight, dtype), [n, cout, oh, ow], attrs);
  const out = addBias(y, options.bias, cout, where);
  return x.rank === 3 ? squeeze(out, 0) : out;
}

// ---------- pooling ----------

/** Pool2dAttrs plus the rounding mode the JS kernels read (see the report on kernels.ts). */
type PoolAttrs = Pool2dAttrs & { ceilMode: boolean };

function poolOutputSize(size: number, k: number, stride: number, pad: number, dilation: number, ceilMode: boolean): number {
  const span = size + 2 * pad - dilation * (k - 1) - 1;
  let out = Math.floor((span + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  // A ceil-mode window must start inside the input or its left padding.
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

interface PoolOptionsBase {
  kernelSize: Size2d;
  stride?: Size2d;
  padding?: Size2d;
  ceilMode?: boolean;
}

function poolAttrs(x: Tensor, options: PoolOptionsBase & { dilation?: Size2d; countIncludePad?: boolean }, where: string): PoolAttrs {
  if (x.rank !== 3 && x.rank !== 4) throw new ShapeError(`${where}: expected input [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
  if (typeof options !== "object" || options === null) throw new ValueError(`${where}: options with a kernelSize are missing; expected e.g. { kernelSize: 2 }, got ${describeValue(options)}`);
  const kernel = pair(options.kernelSize, 0, "kernelSize", where, 1);
  const stride = pair(options.stride ?? kernel, 1, "stride", where, 1);
  const padding = pair(options.padding, 0, "padding", where, 0);
  const dilation = pair(options.dilation, 1, "dilation", where, 1);
  const ceilMode = options.ceilMode ?? false;
  const countIncludePad = options.countIncludePad ?? true;
  checkBoolean(ceilMode, where, "ceilMode");
  checkBoolean(countIncludePad, where, "countIncludePad");
  const attrs = { kernel, stride, padding, dilation, countIncludePad, ceilMode };
  poolOutputShape(x.rank === 4 ? x.shape : [1, ...x.shape], attrs, where, x.shape);
  return attrs;
}

/**
 * Checks the geometry of a 2-D pooling (the attrs the pool ops record, against an input
 * [N, C, H, W]) and returns the output shape; `shown` is the input shape the caller gave.
 */
function poolOutputShape(input: readonly number[], attrs: PoolAttrs, where: string, shown: readonly number[] = input): number[] {
  const a = (typeof attrs === "object" && attrs !== null ? attrs : {}) as Partial<PoolAttrs>;
  if (!isIntegers(a.kernel, 2, 1) || !isIntegers(a.stride, 2, 1) || !isIntegers(a.padding, 2, 0) || !isIntegers(a.dilation, 2, 1) ||
    typeof a.countIncludePad !== "boolean" || (a.ceilMode !== undefined && typeof a.ceilMode !== "boolean")) {
    throw new ValueError(`${where}: the geometry is malformed; expected { kernel, stride, padding, dilation: pairs of integers (padding >= 0, the others >= 1), countIncludePad, ceilMode: booleans }, got ${describeValue(attrs)}`);
  }
  if (input.length !== 4) throw new ShapeError(`${where}: expected input [N, C, H, W], got ${formatShape(shown)}`);
  const { kernel, stride, padding, dilation } = a as PoolAttrs;
  const ceilMode = a.ceilMode === true;
  for (let i = 0; i < 2; i++) {
    if (2 * padding[i] > kernel[i]) {
      throw new ValueError(`${where}: padding must be at most half the kernel size; got padding ${formatShape(padding)} for kernel ${formatShape(kernel)}`);
    }
  }
  const oh = poolOutputSize(input[2], kernel[0], stride[0], padding[0], dilation[0], ceilMode);
  const ow = poolOutputSize(input[3], kernel[1], stride[1], padding[1], dilation[1], ceilMode);
  if (oh < 1 || ow < 1) {
    throw new ShapeError(
      `${where}: the kernel ${formatShape(kernel)} (dilation ${formatShape(dilation)}) is larger than the padded input; got input ${formatShape(shown)} with padding ${formatShape(padding)}`,
    );
  }
  return checkShape([input[0], input[1], oh, ow], where);
}

/** Picks, per output cell, the input element at its recorded flat index (the adjoint of maxPool2dBackward). */
function gatherAtIndices(x: Tensor, indices: Tensor): Tensor {
  const [n, c, h, w] = x.shape;
  const flatIndex = reshape(indices, [n, c, indices.size / Math.max(n * c, 1)]);
  return reshape(gather(reshape(x, [n, c, h * w]), 2, flatIndex), indices.shape);
}

// y = max over each window; dx routes g to the argmax (recorded at forward time) of each window.
const maxPool2dOp = defineOp({
  name: "maxPool2d",
  forward: (x: Tensor, attrs: PoolAttrs) => {
    checkTensor(x, "maxPool2d");
    poolOutputShape(x.shape, attrs, "maxPool2d");
    const [output, indices] = kernels().maxPool2d(x, attrs);
    return { output, saved: indices };
  },
  backward: (g, [x], _y, indices) => [maxPool2dBackwardOp(g, indices as Tensor, x.shape), null],
});

// Linear in g: its adjoint reads each window's argmax back out (a gather).
const maxPool2dBackwardOp: (g: Tensor, indices: Tensor, inputShape: readonly number[]) => Tensor = defineOp({
  name: "maxPool2dBackward",
  forward: (g: Tensor, indices: Tensor, inputShape: readonly number[]) => {
    checkFloatOperand(g, 4, "maxPool2dBackward", "gradient");
    checkTensor(indices, "maxPool2dBackward", "indices");
    if (indices.dtype !== "int32") throw new DTypeError(`maxPool2dBackward: indices are not int32; expected the int32 indices of maxPool2d, got ${indices.dtype}`);
    checkGradientShape(g, indices.shape, "maxPool2dBackward");
    const shape = checkShape(inputShape, "maxPool2dBackward");
    if (shape.length !== 4 || shape[0] !== g.shape[0] || shape[1] !== g.shape[1]) {
      throw new ShapeError(`maxPool2dBackward: the input shape does not fit the gradient ${formatShape(g.shape)}; expected [${g.shape[0]}, ${g.shape[1]}, H, W], got ${formatShape(shape)}`);
    }
    return kernels().maxPool2dBackward(g, indices, inputShape);
  },
  backward: (gg, [, indices]) => [gatherAtIndices(gg, indices), null, null],
});

// y = mean over each window; both directions are linear maps and each other's adjoints.
const avgPool2dOp: (x: Tensor, attrs: PoolAttrs) => Tensor = defineOp({
  name: "avgPool2d",
  forward: (x: Tensor, attrs: PoolAttrs) => {
    checkFloatOperand(x, 4, "avgPool2d");
    poolOutputShape(x.shape, attrs, "avgPool2d");
    return kernels().avgPool2d(x, attrs);
  },
  backward: (g, [x, attrs]) => [avgPool2dBackwardOp(g, x.shape, attrs), null],
});

const avgPool2dBackwardOp = defineOp({
  name: "avgPool2dBackward",
  forward: (g: Tensor, inputShape: readonly number[], attrs: PoolAttrs) => {
    checkFloatOperand(g, 4, "avgPool2dBackward", "gradient");
    checkGradientShape(g, poolOutputShape(checkShape(inputShape, "avgPool2dBackward"), attrs, "avgPool2dBackward"), "avgPool2dBackward");
    return kernels().avgPool2dBackward(g, inputShape, attrs);
  },
  backward: (gg, [, , attrs]) => [avgPool2dOp(gg, attrs), null, null],
});

/**
 * Options of {@link maxPool2d}.
 * @category Ops
 */
export interface MaxPool2dOptions {
  /** Window size. */
  kernelSize: Size2d;
  /** Step between windows (default: the window size). */
  stride?: Size2d;
  /** Implicit -Infinity padding on both sides, at most half the window (default 0). */
  padding?: Size2d;
  /** Spacing between window taps (default 1). */
  dilation?: Size2d;
  /** Round the output size up, so a partial window at the end still counts (default false). */
  ceilMode?: boolean;
}

/**
 * 2-D max pooling: each output is the largest input in its window. The gradient goes to that
 * element (the first one on ties).
 *
 * Shape: [N, C, H, W] (or [C, H, W]) -> [N, C, floor((H + 2 pad - d (k - 1) - 1) / s) + 1, ...]
 * (ceil instead of floor under ceilMode).
 * @throws {ShapeError} for a wrong rank or a window larger than the padded input.
 * @throws {ValueError} for bad sizes or padding over half the window.
 * @example
 * ```ts
 * import { maxPool2d, tensor } from "@backprop/core";
 * const x = tensor([[[[1, 2], [3, 4]]]]);
 * maxPool2d(x, { kernelSize: 2 }).toArray(); // [[[[4]]]]
 * ```
 * @category Ops
 */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  checkTensor(x, "maxPool2d");
  const attrs = poolAttrs(x, options, "maxPool2d");
  const x4 = x.rank === 3 ? unsqueeze(x, 0) : x;
  const y = maxPool2dOp(x4, attrs);
  return x.rank === 3 ? squeeze(y, 0) : y;
}

/**
 * Options of {@link avgPool2d}.
 * @category Ops
 */
export interface AvgPool2dOptions {
  /** Window size. */
  kernelSize: Size2d;
  /** Step between windows (default: the window size). */
  stride?: Size2d;
  /** Implicit zero padding on both sides, at most half the window (default 0). */
  padding?: Size2d;
  /** Round the output size up (default false). */
  ceilMode?: boolean;
  /** Whether padded zeros count in the divisor (default true, as in PyTorch). */
  countIncludePad?: boolean;
}

/**
 * 2-D average pooling: each output is the mean of its window. Integer inputs give float32.
 *
 * Shape: [N, C, H, W] (or [C, H, W]) -> [N, C, floor((H + 2 pad - k) / s) + 1, ...] (ceil under ceilMode).
 * @throws {ShapeError} for a wrong rank or a window larger than the padded input.
 * @throws {ValueError} for bad sizes or padding over half the window.
 * @example
 * ```ts
 * import { avgPool2d, tensor } from "@backprop/core";
 * avgPool2d(tensor([[[[1, 2], [3, 6]]]]), { kernelSize: 2 }).toArray(); // [[[[3]]]]
 * ```
 * @category Ops
 */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  checkTensor(x, "avgPool2d");
  const attrs = poolAttrs(x, { ...options, dilation: 1 }, "avgPool2d");
  const x4 = x.rank === 3 ? unsqueeze(x, 0) : x;
  const y = avgPool2dOp(asFloat(x4), attrs);
  return x.rank === 3 ? squeeze(y, 0) : y;
}

// ---------- dropout ----------

/**
 * Options of {@link dropout}.
 * @category Ops
 */
export interface DropoutOptions {
  /** Probability of zeroing each element (default 0.5). */
  p?: number;
  /** Dropout acts only in training; otherwise x passes through (default true). */
  training?: boolean;
  /** Where the mask comes from (the global generator by default). */
  generator?: Generator;
}

/**
 * Inverted dropout: zeroes each element with probability p and scales the rest by 1 / (1 - p),
 * so the expected value is unchanged and evaluation needs no rescaling. p = 1 gives zeros; out
 * of training it is the identity.
 *
 * Shape: same as x.
 * @throws {ValueError} for p outside [0, 1].
 * @example
 * ```ts
 * import { dropout, ones, Generator } from "@backprop/core";
 * dropout(ones([4]), { p: 0.5, generator: new Generator(0) }).toArray(); // e.g. [2, 0, 2, 2]
 * ```
 * @category Ops
 */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  checkTensor(x, "dropout");
  checkOptions(options, "dropout", "{ p: 0.5 }");
  const p = options.p ?? 0.5;
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`dropout: p must be in [0, 1]; got ${String(p)}`);
  if (options.training !== undefined) checkBoolean(options.training, "dropout", "training");
  if (options.training === false || p === 0) return unchanged(x, "dropout");
  const xf = asFloat(x);
  if (p === 1) return xf.mul(0);
  const mask = bernoulli(x.shape, 1 - p, { dtype: xf.dtype, generator: options.generator });
  const scaled = mask.mul(1 / (1 - p));
  mask.dispose();
  return xf.mul(scaled);
}

// ---------- embedding ----------

/** [n] indices as an [n, d] view (stride 0 along d), the index shape gather and scatterAdd want. */
function rowIndex(indices: Tensor, d: number): Tensor {
  return broadcastView(reshape(indices, [indices.size, 1]), [indices.size, d]);
}

/** The operands the embedding ops record: a table [V, D], flat int32 indices, a row in [-1, V) (-1: none). */
function checkLookup(table: Tensor, indices: Tensor, vocab: unknown, paddingIdx: unknown, where: string, what: string): void {
  checkTensor(table, where, what);
  checkTensor(indices, where, "indices");
  if (table.rank !== 2) throw new ShapeError(`${where}: ${what} is not a matrix; expected [V, D], got ${formatShape(table.shape)}`);
  if (indices.dtype !== "int32" || indices.rank !== 1) throw new ShapeError(`${where}: indices are not a flat int32 list; expected an int32 tensor [n], got a ${indices.describe()}`);
  if (!Number.isSafeInteger(vocab) || (vocab as number) < 0) throw new ValueError(`${where}: the vocabulary size is not a size; expected a non-negative integer, got ${describeValue(vocab)}`);
  if (!Number.isInteger(paddingIdx) || (paddingIdx as number) < -1 || (paddingIdx as number) >= (vocab as number)) {
    throw new ValueError(`${where}: paddingIdx is not a row; expected -1 (none) or a row in [0, ${vocab as number}), got ${describeValue(paddingIdx)}`);
  }
}

// out[i] = weight[index[i]]; d weight = sum of g rows per index (none for paddingIdx).
const embeddingOp: (weight: Tensor, indices: Tensor, paddingIdx: number) => Tensor = defineOp({
  name: "embedding",
  forward: (weight: Tensor, indices: Tensor, paddingIdx: number) => {
    checkTensor(weight, "embedding", "weight");
    checkLookup(weight, indices, weight.shape[0], paddingIdx, "embedding", "weight");
    const index = rowIndex(indices, weight.shape[1]);
    const out = kernels().gather(weight, 0, index);
    index.dispose();
    return out;
  },
  backward: (g, [weight, indices, paddingIdx]) => [embeddingGradOp(g, indices, weight.shape[0], paddingIdx), null, null],
});

// Scatter-add of rows; linear in g, its adjoint is the lookup with the padding row zeroed.
const embeddingGradOp = defineOp({
  name: "embeddingBackward",
  forward: (g: Tensor, indices: Tensor, vocab: number, paddingIdx: number) => {
    checkLookup(g, indices, vocab, paddingIdx, "embeddingBackward", "gradient");
    if (g.shape[0] !== indices.size) throw new ShapeError(`embeddingBackward: the gradient does not have one row per index; expected [${indices.size}, D], got ${formatShape(g.shape)}`);
    checkShape([vocab, g.shape[1]], "embeddingBackward");
    const d = g.shape[1];
    const base = zeros([vocab, d], { dtype: g.dtype });
    const index = rowIndex(indices, d);
    const out = kernels().scatterAdd(base, 0, index, g);
    index.dispose();
    base.dispose();
    if (paddingIdx >= 0) {
      const row = new Tensor(out.storage, [d], [1], out.offset + paddingIdx * d);
      kernels().fill(row, 0);
      row.dispose();
    }
    return out;
  },
  backward: (gg, [, indices, vocab, paddingIdx]) => {
    let table = gg;
    if (paddingIdx >= 0) {
      const keepRow = zeros([vocab, 1], { dtype: gg.dtype });
      kernels().fill(keepRow, 1);
      keepRow.storage.data[paddingIdx] = 0;
      table = gg.mul(keepRow);
    }
    return [embeddingOp(table, indices, -1), null, null, null];
  },
});

/**
 * Options of {@link embedding}.
 * @category Ops
 */
export interface EmbeddingOptions {
  /** A row that gets no gradient (e.g. the padding token); negative counts from the end. */
  paddingIdx?: number | null;
}

/**
 * Embedding lookup: row `indices[...]` of `weight` for each index. The gradient of weight sums
 * the output gradients of every occurrence of a row, except the paddingIdx row.
 *
 * Shape: indices int32 [...], weight [V, D] -> [..., D].
 * @throws {DTypeError} for non-int32 indices.
 * @throws {ShapeError} for a weight that is not 2-D or an index outside [0, V).
 * @throws {ValueError} for a paddingIdx outside [-V, V).
 * @example
 * ```ts
 * import { embedding, tensor } from "@backprop/core";
 * const table = tensor([[0, 0], [1, 1], [2, 2]]);
 * embedding(tensor([2, 0], { dtype: "int32" }), table).toArray(); // [[2, 2], [0, 0]]
 * ```
 * @category Ops
 */
export function embedding(indices: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  checkTensor(indices, "embedding", "indices");
  checkTensor(weight, "embedding", "weight");
  if (indices.dtype !== "int32") throw new DTypeError(`embedding: indices must be int32; got a ${indices.describe()}`);
  if (weight.rank !== 2) throw new ShapeError(`embedding: expected weight [V, D], got ${formatShape(weight.shape)}`);
  const [vocab, d] = weight.shape;
  const flat = reshape(indices, [indices.size]).contiguous();
  const data = flat.storage.data;
  for (let i = 0; i < flat.size; i++) {
    const v = data[flat.offset + i];
    if (v < 0 || v >= vocab) {
      throw new ShapeError(`embedding: index ${v} is out of range for a table of ${vocab} rows; expected indices in [0, ${vocab - 1}]`);
    }
  }
  let paddingIdx = -1;
  if (options.paddingIdx !== undefined && options.paddingIdx !== null) {
    const p = options.paddingIdx;
    if (!Number.isInteger(p) || p < -vocab || p >= vocab) throw new ValueError(`embedding: paddingIdx must be in [${-vocab}, ${vocab - 1}]; got ${p}`);
    paddingIdx = p < 0 ? p + vocab : p;
  }
  const rows = embeddingOp(weight, flat, paddingIdx);
  return reshape(rows, [...indices.shape, d]);
}
