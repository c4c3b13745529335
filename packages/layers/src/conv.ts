/**
 * Convolution layers: Conv1d, Conv2d and ConvTranspose2d.
 * @module
 */
import { ValueError, conv1d, conv2d, convTranspose2d } from "@backprop/core";
import type { DType, Generator, Size2d, Tensor } from "@backprop/core";
import { Module } from "./Module.js";
import type { JsonObject } from "./Module.js";
import type { Parameter } from "./Parameter.js";
import { kaimingUniform, uniformInit } from "./initializers.js";
import { checkParameters, dtypeConfig, flag, floatDType, integer, optionsOf, pairConfig, pairOf, param } from "./util.js";

/**
 * Options of {@link Conv2d}.
 * @category Layers
 */
export interface Conv2dLayerOptions {
  /**
   * Channels of the input. Every size option here (channels, kernel size, stride, padding,
   * dilation, groups) is at most {@link layerLimits}.maxSize.
   */
  inChannels: number;
  /** Channels of the output (number of filters). */
  outChannels: number;
  /** Window size, once or as [height, width]. */
  kernelSize: Size2d;
  /** Step between windows (default 1). */
  stride?: Size2d;
  /** Zero padding per side (default 0), or "same" (stride 1) or "valid". */
  padding?: Size2d | "same" | "valid";
  /** Spacing between kernel taps (default 1). */
  dilation?: Size2d;
  /** Channel groups (default 1); both channel counts must be divisible by it. */
  groups?: number;
  /** Whether to add a learned bias per output channel (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Generator for the initial weights. */
  generator?: Generator;
}

/**
 * Options of {@link Conv1d}: as for Conv2d with single numbers.
 * @category Layers
 */
export interface Conv1dLayerOptions extends Omit<Conv2dLayerOptions, "kernelSize" | "stride" | "padding" | "dilation"> {
  kernelSize: number;
  stride?: number;
  padding?: number | "same" | "valid";
  dilation?: number;
}

/**
 * Options of {@link ConvTranspose2d}.
 * @category Layers
 */
export interface ConvTranspose2dLayerOptions extends Omit<Conv2dLayerOptions, "padding"> {
  /** Padding of the convolution this one transposes, trimmed from the output (default 0). */
  padding?: Size2d;
  /** Extra rows and columns at the bottom and right, below the stride (default 0). */
  outputPadding?: Size2d;
}

function checkPadding(p: unknown, where: string): asserts p is Size2d | "same" | "valid" | undefined {
  if (typeof p === "string" && p !== "same" && p !== "valid") throw new ValueError(`${where}: padding must be a number, a pair, "same" or "valid"; got "${p}"`);
}

/** Shared option checks; returns [in, out, groups]. */
function channels(o: { inChannels: number; outChannels: number; groups?: number }, where: string): [number, number, number] {
  const cin = integer(o.inChannels, "inChannels", where);
  const cout = integer(o.outChannels, "outChannels", where);
  const groups = integer(o.groups ?? 1, "groups", where);
  if (cin % groups !== 0 || cout % groups !== 0) {
    throw new ValueError(`${where}: inChannels and outChannels must be divisible by groups; got inChannels ${cin}, outChannels ${cout}, groups ${groups}`);
  }
  return [cin, cout, groups];
}

/**
 * PyTorch's default: kaiming uniform with a = sqrt(5) (bound 1/sqrt(fanIn)), bias within the
 * same bound. The count is checked first (unless the caller did: null); `options` name what implies it.
 */
function convParams(shape: number[], fanIn: number, bias: boolean, dtype: DType, generator: Generator | undefined, where: string, options: Record<string, unknown> | null): [Parameter, Parameter | null] {
  if (options !== null) checkParameters(where, shape.reduce((a, b) => a * b, 1) + (bias ? shape[0] : 0), options);
  const init = { dtype, generator };
  const weight = param(kaimingUniform(shape, { ...init, a: Math.sqrt(5), fanIn }));
  const bound = 1 / Math.sqrt(fanIn);
  const b = bias ? param(uniformInit([shape[0]], { ...init, low: -bound, high: bound })) : null;
  return [weight, b];
}

/**
 * 2-D convolution layer (cross-correlation) with weight [outChannels, inChannels/groups, kH, kW]
 * and an optional bias per output channel, initialised as in PyTorch.
 *
 * Shape: [N, inChannels, H, W] (or [inChannels, H, W]) -> [N, outChannels, H', W'] with
 * H' = floor((H + 2 padding - dilation (kH - 1) - 1) / stride) + 1.
 * @throws {ValueError} for bad options.
 * @throws {ShapeError} in forward for a wrong rank or channel count, naming the layer.
 * @example
 * ```ts
 * import { Conv2d } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * const conv = new Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3, padding: 1 });
 * conv.forward(randn([2, 1, 28, 28])).shape; // [2, 8, 28, 28]
 * ```
 * @category Layers
 */
export class Conv2d extends Module {
  static override typeName = "Conv2d";
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | "same" | "valid";
  readonly dilation: [number, number];
  readonly groups: number;
  readonly dtype: DType;
  weight: Parameter;
  bias: Parameter | null;

  constructor(options: Conv2dLayerOptions) {
    super();
    const where = "Conv2d";
    const o = optionsOf(options, where, "inChannels, outChannels and kernelSize");
    [this.inChannels, this.outChannels, this.groups] = channels(o, where);
    this.kernelSize = pairOf(o.kernelSize, 0, "kernelSize", where);
    this.stride = pairOf(o.stride, 1, "stride", where);
    checkPadding(o.padding, where);
    this.padding = typeof o.padding === "string" ? o.padding : pairOf(o.padding, 0, "padding", where, 0);
    if (this.padding === "same" && (this.stride[0] !== 1 || this.stride[1] !== 1)) throw new ValueError(`${where}: padding "same" needs stride 1; got stride ${JSON.stringify(o.stride)}`);
    this.dilation = pairOf(o.dilation, 1, "dilation", where);
    this.dtype = floatDType(o.dtype, where);
    const [kh, kw] = this.kernelSize;
    const cg = this.inChannels / this.groups;
    const implied = { inChannels: this.inChannels, outChannels: this.outChannels, groups: this.groups, kernelSize: this.kernelSize };
    [this.weight, this.bias] = convParams([this.outChannels, cg, kh, kw], cg * kh * kw, flag(o.bias, "bias", where, true), this.dtype, o.generator, where, implied);
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    const c = this.inChannels;
    if ((x.rank !== 4 && x.rank !== 3) || x.shape[x.rank - 3] !== c) this.badInput(`[N, ${c}, H, W] or [${c}, H, W]`, x);
    return this.guard(() =>
      conv2d(x, this.weight, { bias: this.bias, stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups }),
    );
  }

  override config(): JsonObject {
    return {
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: pairConfig(this.kernelSize),
      stride: pairConfig(this.stride),
      padding: typeof this.padding === "string" ? this.padding : pairConfig(this.padding),
      dilation: pairConfig(this.dilation),
      groups: this.groups,
      bias: this.bias !== null,
      ...dtypeConfig(this.dtype),
    };
  }
}

/**
 * 1-D convolution layer with weight [outChannels, inChannels/groups, kernelSize], initialised as in PyTorch.
 *
 * Shape: [N, inChannels, L] (or [inChannels, L]) -> [N, outChannels, floor((L + 2 padding - dilation (k - 1) - 1) / stride) + 1].
 * @throws {ValueError} for bad options.
 * @throws {ShapeError} in forward for a wrong rank or channel count, naming the layer.
 * @example
 * ```ts
 * import { Conv1d } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * new Conv1d({ inChannels: 2, outChannels: 4, kernelSize: 3 }).forward(randn([1, 2, 10])).shape; // [1, 4, 8]
 * ```
 * @category Layers
 */
export class Conv1d extends Module {
  static override typeName = "Conv1d";
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | "same" | "valid";
  readonly dilation: number;
  readonly groups: number;
  readonly dtype: DType;
  weight: Parameter;
  bias: Parameter | null;

  constructor(options: Conv1dLayerOptions) {
    super();
    const where = "Conv1d";
    const o = optionsOf(options, where, "inChannels, outChannels and kernelSize");
    [this.inChannels, this.outChannels, this.groups] = channels(o, where);
    this.kernelSize = integer(o.kernelSize, "kernelSize", where);
    this.stride = integer(o.stride ?? 1, "stride", where);
    checkPadding(o.padding, where);
    this.padding = typeof o.padding === "string" ? o.padding : integer(o.padding ?? 0, "padding", where, 0);
    if (this.padding === "same" && this.stride !== 1) throw new ValueError(`${where}: padding "same" needs stride 1; got stride ${this.stride}`);
    this.dilation = integer(o.dilation ?? 1, "dilation", where);
    this.dtype = floatDType(o.dtype, where);
    const cg = this.inChannels / this.groups;
    const implied = { inChannels: this.inChannels, outChannels: this.outChannels, groups: this.groups, kernelSize: this.kernelSize };
    [this.weight, this.bias] = convParams([this.outChannels, cg, this.kernelSize], cg * this.kernelSize, flag(o.bias, "bias", where, true), this.dtype, o.generator, where, implied);
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    const c = this.inChannels;
    if ((x.rank !== 3 && x.rank !== 2) || x.shape[x.rank - 2] !== c) this.badInput(`[N, ${c}, L] or [${c}, L]`, x);
    return this.guard(() =>
      conv1d(x, this.weight, { bias: this.bias, stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups }),
    );
  }

  override config(): JsonObject {
    return {
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      bias: this.bias !== null,
      ...dtypeConfig(this.dtype),
    };
  }
}

/**
 * Transposed 2-D convolution layer (learned upsampling) with weight
 * [inChannels, outChannels/groups, kH, kW], initialised as in PyTorch (fanIn = outChannels/groups * kH * kW).
 *
 * Shape: [N, inChannels, H, W] (or [inChannels, H, W]) -> [N, outChannels, H', W'] with
 * H' = (H - 1) stride - 2 padding + dilation (kH - 1) + outputPadding + 1.
 * @throws {ValueError} for bad options (outputPadding must be below the stride).
 * @throws {ShapeError} in forward for a wrong rank or channel count, naming the layer.
 * @example
 * ```ts
 * import { ConvTranspose2d } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * const up = new ConvTranspose2d({ inChannels: 8, outChannels: 4, kernelSize: 2, stride: 2 });
 * up.forward(randn([1, 8, 7, 7])).shape; // [1, 4, 14, 14]
 * ```
 * @category Layers
 */
export class ConvTranspose2d extends Module {
  static override typeName = "ConvTranspose2d";
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly dtype: DType;
  weight: Parameter;
  bias: Parameter | null;

  constructor(options: ConvTranspose2dLayerOptions) {
    super();
    const where = "ConvTranspose2d";
    const o = optionsOf(options, where, "inChannels, outChannels and kernelSize");
    [this.inChannels, this.outChannels, this.groups] = channels(o, where);
    this.kernelSize = pairOf(o.kernelSize, 0, "kernelSize", where);
    this.stride = pairOf(o.stride, 1, "stride", where);
    this.padding = pairOf(o.padding, 0, "padding", where, 0);
    this.outputPadding = pairOf(o.outputPadding, 0, "outputPadding", where, 0);
    this.dilation = pairOf(o.dilation, 1, "dilation", where);
    if (this.outputPadding[0] >= this.stride[0] || this.outputPadding[1] >= this.stride[1]) {
      throw new ValueError(`${where}: outputPadding must be smaller than the stride; expected below ${JSON.stringify(this.stride)}, got ${JSON.stringify(this.outputPadding)}`);
    }
    this.dtype = floatDType(o.dtype, where);
    const [kh, kw] = this.kernelSize;
    const og = this.outChannels / this.groups;
    const bias = flag(o.bias, "bias", where, true);
    const implied = { inChannels: this.inChannels, outChannels: this.outChannels, groups: this.groups, kernelSize: this.kernelSize };
    checkParameters(where, this.inChannels * og * kh * kw + (bias ? this.outChannels : 0), implied);
    const [weight] = convParams([this.inChannels, og, kh, kw], og * kh * kw, false, this.dtype, o.generator, where, null);
    this.weight = weight;
    const bound = 1 / Math.sqrt(og * kh * kw);
    this.bias = !bias ? null : param(uniformInit([this.outChannels], { dtype: this.dtype, generator: o.generator, low: -bound, high: bound }));
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    const c = this.inChannels;
    if ((x.rank !== 4 && x.rank !== 3) || x.shape[x.rank - 3] !== c) this.badInput(`[N, ${c}, H, W] or [${c}, H, W]`, x);
    return this.guard(() =>
      convTranspose2d(x, this.weight, {
        bias: this.bias,
        stride: this.stride,
        padding: this.padding,
        outputPadding: this.outputPadding,
        dilation: this.dilation,
        groups: this.groups,
      }),
    );
  }

  override config(): JsonObject {
    return {
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: pairConfig(this.kernelSize),
      stride: pairConfig(this.stride),
      padding: pairConfig(this.padding),
      outputPadding: pairConfig(this.outputPadding),
      dilation: pairConfig(this.dilation),
      groups: this.groups,
      bias: this.bias !== null,
      ...dtypeConfig(this.dtype),
    };
  }
}
