/**
 * Normalization layers: BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm and RMSNorm.
 * @module
 */
import { ShapeError, formatShape, noGrad } from "@backprop/core";
import type { DType, Tensor } from "@backprop/core";
import { Module } from "./Module.js";
import type { JsonObject } from "./Module.js";
import { BufferTensor, Parameter, assignInPlace } from "./Parameter.js";
import { onesInit, zerosInit } from "./initializers.js";
import { checkParameters, dtypeConfig, flag, floatDType, inRange, integer, optionsOf, param } from "./util.js";

/**
 * Options of {@link BatchNorm1d} and {@link BatchNorm2d}.
 * @category Layers
 */
export interface BatchNormOptions {
  /** Channels C of the input, at most {@link layerLimits}.maxSize. */
  numFeatures: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of the newest batch in the running statistics (default 0.1). */
  momentum?: number;
  /** Learned per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them batch statistics are always used. */
  trackRunningStats?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
}

/** Shared body of BatchNorm1d and BatchNorm2d. */
abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly dtype: DType;
  weight: Parameter | null;
  bias: Parameter | null;
  runningMean: BufferTensor | null;
  runningVar: BufferTensor | null;

  constructor(options: BatchNormOptions, where: string) {
    super();
    const o = optionsOf(options, where, "numFeatures");
    this.numFeatures = integer(o.numFeatures, "numFeatures", where);
    this.eps = inRange(o.eps ?? 1e-5, "eps", where, 0, Infinity);
    this.momentum = inRange(o.momentum ?? 0.1, "momentum", where, 0, 1);
    this.dtype = floatDType(o.dtype, where);
    const c = [this.numFeatures];
    const affine = flag(o.affine, "affine", where, true);
    const track = flag(o.trackRunningStats, "trackRunningStats", where, true);
    checkParameters(where, ((affine ? 2 : 0) + (track ? 2 : 0)) * this.numFeatures, { numFeatures: this.numFeatures });
    this.weight = affine ? param(onesInit(c, { dtype: this.dtype })) : null;
    this.bias = affine ? param(zerosInit(c, { dtype: this.dtype })) : null;
    this.runningMean = track ? new BufferTensor(zerosInit(c, { dtype: this.dtype })) : null;
    this.runningVar = track ? new BufferTensor(onesInit(c, { dtype: this.dtype })) : null;
  }

  /** The input ranks this layer takes and how to print them. */
  protected abstract expected(): [number[], string];

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    const [ranks, text] = this.expected();
    if (!ranks.includes(x.rank) || x.shape[1] !== this.numFeatures) this.badInput(text, x);
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const perChannel = x.size / this.numFeatures;
    const view = x.shape.map((d, i) => (i === 1 ? d : 1));
    return this.guard(() => {
      let mean: Tensor;
      let variance: Tensor;
      if (this.training || this.runningMean === null || this.runningVar === null) {
        if (this.training && perChannel <= 1) {
          throw new ShapeError(`${this.where()}: expected more than 1 value per channel when training, got input ${formatShape(x.shape)}`);
        }
        mean = x.mean({ axis: axes, keepDims: true });
        variance = x.variance({ axis: axes, keepDims: true, correction: 0 });
        const rm = this.runningMean;
        const rv = this.runningVar;
        if (this.training && rm !== null && rv !== null) {
          // Running variance is unbiased (n / (n - 1)), as in PyTorch; the normalization uses the biased one.
          const m = this.momentum;
          noGrad(() => {
            assignInPlace(rm, rm.mul(1 - m).add(mean.reshape([this.numFeatures]).mul(m)));
            assignInPlace(rv, rv.mul(1 - m).add(variance.reshape([this.numFeatures]).mul((m * perChannel) / (perChannel - 1))));
          });
        }
      } else {
        mean = this.runningMean.reshape(view);
        variance = this.runningVar.reshape(view);
      }
      let y = x.sub(mean).div(variance.add(this.eps).sqrt());
      if (this.weight !== null) y = y.mul(this.weight.reshape(view));
      if (this.bias !== null) y = y.add(this.bias.reshape(view));
      return y;
    });
  }

  override config(): JsonObject {
    return {
      numFeatures: this.numFeatures,
      eps: this.eps,
      momentum: this.momentum,
      affine: this.weight !== null,
      trackRunningStats: this.runningMean !== null,
      ...dtypeConfig(this.dtype),
    };
  }
}

/**
 * Batch normalization over [N, C] or [N, C, L]: y = (x - mean) / sqrt(var + eps) * gamma + beta
 * per channel. Training uses the batch's statistics (biased variance) and updates the running
 * ones: running = (1 - momentum) running + momentum batch (unbiased variance). Evaluation uses
 * the running statistics.
 *
 * Shape: [N, C] or [N, C, L] -> same.
 * @throws {ShapeError} in forward for a wrong rank or channel count, or one value per channel in training.
 * @example
 * ```ts
 * import { BatchNorm1d } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * const bn = new BatchNorm1d({ numFeatures: 16 });
 * bn.forward(randn([8, 16])).shape; // [8, 16]
 * ```
 * @category Layers
 */
export class BatchNorm1d extends BatchNorm {
  static override typeName = "BatchNorm1d";
  constructor(options: BatchNormOptions) {
    super(options, "BatchNorm1d");
  }
  protected expected(): [number[], string] {
    return [[2, 3], `[N, ${this.numFeatures}] or [N, ${this.numFeatures}, L]`];
  }
}

/**
 * Batch normalization over [N, C, H, W], per channel, as {@link BatchNorm1d} describes.
 *
 * Shape: [N, C, H, W] -> same.
 * @throws {ShapeError} in forward for a wrong rank or channel count, or one value per channel in training.
 * @example
 * ```ts
 * import { BatchNorm2d } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * new BatchNorm2d({ numFeatures: 3 }).forward(randn([2, 3, 4, 4])).shape; // [2, 3, 4, 4]
 * ```
 * @category Layers
 */
export class BatchNorm2d extends BatchNorm {
  static override typeName = "BatchNorm2d";
  constructor(options: BatchNormOptions) {
    super(options, "BatchNorm2d");
  }
  protected expected(): [number[], string] {
    return [[4], `[N, ${this.numFeatures}, H, W]`];
  }
}

/**
 * Options of {@link LayerNorm}.
 * @category Layers
 */
export interface LayerNormOptions {
  /** The trailing shape normalized over (a number for the last axis); each size at most {@link layerLimits}.maxSize. */
  normalizedShape: number | readonly number[];
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learned elementwise scale (and shift) of that shape (default true). */
  elementwiseAffine?: boolean;
  /** Whether the affine part has a shift (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
}

function shapeOption(value: unknown, where: string): number[] {
  const list = typeof value === "number" ? [value] : Array.isArray(value) ? (value as unknown[]) : null;
  if (list === null || list.length === 0) throw new ShapeError(`${where}: normalizedShape must be a positive integer or a non-empty array of them; got ${JSON.stringify(value)}`);
  return list.map((d) => integer(d, "normalizedShape", where));
}

function trailing(x: Tensor, shape: readonly number[]): boolean {
  return x.rank >= shape.length && shape.every((d, i) => x.shape[x.rank - shape.length + i] === d);
}

/**
 * Layer normalization over the trailing `normalizedShape` axes of each sample:
 * y = (x - mean) / sqrt(var + eps) * gamma + beta (biased variance).
 *
 * Shape: [..., *normalizedShape] -> same.
 * @throws {ShapeError} in forward when the trailing axes differ, naming the layer.
 * @example
 * ```ts
 * import { LayerNorm } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * new LayerNorm({ normalizedShape: 64 }).forward(randn([2, 10, 64])).shape; // [2, 10, 64]
 * ```
 * @category Layers
 */
export class LayerNorm extends Module {
  static override typeName = "LayerNorm";
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly dtype: DType;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(options: LayerNormOptions) {
    super();
    const o = optionsOf(options, "LayerNorm", "normalizedShape");
    this.normalizedShape = shapeOption(o.normalizedShape, "LayerNorm");
    this.eps = inRange(o.eps ?? 1e-5, "eps", "LayerNorm", 0, Infinity);
    this.dtype = floatDType(o.dtype, "LayerNorm");
    const affine = flag(o.elementwiseAffine, "elementwiseAffine", "LayerNorm", true);
    const bias = affine && flag(o.bias, "bias", "LayerNorm", true);
    const size = this.normalizedShape.reduce((a, b) => a * b, 1);
    checkParameters("LayerNorm", ((affine ? 1 : 0) + (bias ? 1 : 0)) * size, { normalizedShape: this.normalizedShape });
    this.weight = affine ? param(onesInit(this.normalizedShape, { dtype: this.dtype })) : null;
    this.bias = bias ? param(zerosInit(this.normalizedShape, { dtype: this.dtype })) : null;
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    if (!trailing(x, this.normalizedShape)) this.badInput(`[..., ${this.normalizedShape.join(", ")}]`, x);
    const axes = this.normalizedShape.map((_, i) => i - this.normalizedShape.length);
    return this.guard(() => {
      const mean = x.mean({ axis: axes, keepDims: true });
      const variance = x.variance({ axis: axes, keepDims: true, correction: 0 });
      let y = x.sub(mean).div(variance.add(this.eps).sqrt());
      if (this.weight !== null) y = y.mul(this.weight);
      if (this.bias !== null) y = y.add(this.bias);
      return y;
    });
  }

  override config(): JsonObject {
    return { normalizedShape: [...this.normalizedShape], eps: this.eps, elementwiseAffine: this.weight !== null, bias: this.bias !== null, ...dtypeConfig(this.dtype) };
  }
}

/**
 * Options of {@link GroupNorm}.
 * @category Layers
 */
export interface GroupNormOptions {
  /** Groups the channels are split into; must divide numChannels. */
  numGroups: number;
  /** Channels C of the input, at most {@link layerLimits}.maxSize. */
  numChannels: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learned per-channel scale and shift (default true). */
  affine?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
}

/**
 * Group normalization: channels split into numGroups groups, each sample normalized over its
 * group's channels and positions, then a per-channel scale and shift.
 *
 * Shape: [N, C, *] -> same.
 * @throws {ShapeError} for groups that do not divide the channels, or in forward for a wrong input, naming the layer.
 * @example
 * ```ts
 * import { GroupNorm } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * new GroupNorm({ numGroups: 2, numChannels: 4 }).forward(randn([2, 4, 5, 5])).shape; // [2, 4, 5, 5]
 * ```
 * @category Layers
 */
export class GroupNorm extends Module {
  static override typeName = "GroupNorm";
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly dtype: DType;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(options: GroupNormOptions) {
    super();
    const o = optionsOf(options, "GroupNorm", "numGroups and numChannels");
    this.numGroups = integer(o.numGroups, "numGroups", "GroupNorm");
    this.numChannels = integer(o.numChannels, "numChannels", "GroupNorm");
    if (this.numChannels % this.numGroups !== 0) {
      throw new ShapeError(`GroupNorm: numChannels must be divisible by numGroups; got ${this.numChannels} channels and ${this.numGroups} groups`);
    }
    this.eps = inRange(o.eps ?? 1e-5, "eps", "GroupNorm", 0, Infinity);
    this.dtype = floatDType(o.dtype, "GroupNorm");
    const affine = flag(o.affine, "affine", "GroupNorm", true);
    checkParameters("GroupNorm", (affine ? 2 : 0) * this.numChannels, { numChannels: this.numChannels });
    this.weight = affine ? param(onesInit([this.numChannels], { dtype: this.dtype })) : null;
    this.bias = affine ? param(zerosInit([this.numChannels], { dtype: this.dtype })) : null;
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    const c = this.numChannels;
    if (x.rank < 2 || x.shape[1] !== c) this.badInput(`[N, ${c}, *]`, x);
    const view = x.shape.map((d, i) => (i === 1 ? d : 1));
    return this.guard(() => {
      const g = x.reshape([x.shape[0], this.numGroups, -1]);
      const mean = g.mean({ axis: -1, keepDims: true });
      const variance = g.variance({ axis: -1, keepDims: true, correction: 0 });
      let y = g.sub(mean).div(variance.add(this.eps).sqrt()).reshape(x.shape);
      if (this.weight !== null) y = y.mul(this.weight.reshape(view));
      if (this.bias !== null) y = y.add(this.bias.reshape(view));
      return y;
    });
  }

  override config(): JsonObject {
    return { numGroups: this.numGroups, numChannels: this.numChannels, eps: this.eps, affine: this.weight !== null, ...dtypeConfig(this.dtype) };
  }
}

/**
 * Options of {@link RMSNorm}.
 * @category Layers
 */
export interface RMSNormOptions {
  /** The trailing shape normalized over; each size at most {@link layerLimits}.maxSize. */
  normalizedShape: number | readonly number[];
  /** Added to the mean square (default: the machine epsilon of the input's dtype, as in PyTorch). */
  eps?: number | null;
  /** Learned elementwise scale (default true). */
  elementwiseAffine?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
}

/**
 * Root-mean-square normalization: y = x / sqrt(mean(x^2) + eps) * gamma over the trailing
 * `normalizedShape` axes (no centring).
 *
 * Shape: [..., *normalizedShape] -> same.
 * @throws {ShapeError} in forward when the trailing axes differ, naming the layer.
 * @example
 * ```ts
 * import { RMSNorm } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * new RMSNorm({ normalizedShape: 8 }).forward(randn([4, 8])).shape; // [4, 8]
 * ```
 * @category Layers
 */
export class RMSNorm extends Module {
  static override typeName = "RMSNorm";
  readonly normalizedShape: number[];
  readonly eps: number | null;
  readonly dtype: DType;
  weight: Parameter | null;

  constructor(options: RMSNormOptions) {
    super();
    const o = optionsOf(options, "RMSNorm", "normalizedShape");
    this.normalizedShape = shapeOption(o.normalizedShape, "RMSNorm");
    this.eps = o.eps === undefined || o.eps === null ? null : inRange(o.eps, "eps", "RMSNorm", 0, Infinity);
    this.dtype = floatDType(o.dtype, "RMSNorm");
    const affine = flag(o.elementwiseAffine, "elementwiseAffine", "RMSNorm", true);
    checkParameters("RMSNorm", affine ? this.normalizedShape.reduce((a, b) => a * b, 1) : 0, { normalizedShape: this.normalizedShape });
    this.weight = affine ? param(onesInit(this.normalizedShape, { dtype: this.dtype })) : null;
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    if (!trailing(x, this.normalizedShape)) this.badInput(`[..., ${this.normalizedShape.join(", ")}]`, x);
    const axes = this.normalizedShape.map((_, i) => i - this.normalizedShape.length);
    const eps = this.eps ?? (x.dtype === "float64" ? Number.EPSILON : 2 ** -23);
    return this.guard(() => {
      const y = x.mul(x.square().mean({ axis: axes, keepDims: true }).add(eps).rsqrt());
      return this.weight === null ? y : y.mul(this.weight);
    });
  }

  override config(): JsonObject {
    return { normalizedShape: [...this.normalizedShape], eps: this.eps, elementwiseAffine: this.weight !== null, ...dtypeConfig(this.dtype) };
  }
}
