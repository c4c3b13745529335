/**
 * Linear (Dense): the fully connected layer.
 * @module
 */
import { ValueError, linear } from "@backprop/core";
import type { DType, Generator, LinearActivation, Tensor } from "@backprop/core";
import { Module } from "./Module.js";
import type { JsonObject } from "./Module.js";
import type { Parameter } from "./Parameter.js";
import { kaimingUniform, uniformInit } from "./initializers.js";
import { checkParameters, dtypeConfig, flag, floatDType, integer, optionsOf, param } from "./util.js";

/**
 * Options of {@link Linear}.
 * @category Layers
 */
export interface LinearOptions {
  /** Size of each input's last axis, at most {@link layerLimits}.maxSize. */
  inFeatures: number;
  /** Size of each output's last axis, at most {@link layerLimits}.maxSize. */
  outFeatures: number;
  /** Whether to add a learned bias (default true). */
  bias?: boolean;
  /**
   * Activation applied to the output, Keras's `Dense(..., activation="relu")`: "none" (default)
   * or "relu". Fused into the matrix product on the native and wasm backends.
   */
  activation?: LinearActivation;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Generator for the initial weights (the global one by default). */
  generator?: Generator;
}

/**
 * Fully connected layer: y = x W^T + b, with W [outFeatures, inFeatures], optionally followed
 * by a relu (`activation: "relu"`). Initialised as in PyTorch: W and b uniform in
 * [-1/sqrt(inFeatures), 1/sqrt(inFeatures)]. The forward is core's {@link linear} op: one fused
 * kernel on the native and wasm backends.
 *
 * Shape: [..., inFeatures] -> [..., outFeatures].
 * @throws {ValueError} for sizes that are not positive integers within {@link layerLimits}, a non-boolean bias or an unknown activation.
 * @throws {ShapeError} in forward: `Linear(fc1): expected input [..., 784], got [32, 28, 28]`.
 * @example
 * ```ts
 * import { Linear } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * const fc = new Linear({ inFeatures: 784, outFeatures: 256 });
 * fc.forward(randn([32, 784])).shape; // [32, 256]
 * ```
 * @category Layers
 */
export class Linear extends Module {
  static override typeName = "Linear";
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly dtype: DType;
  readonly activation: LinearActivation;
  weight: Parameter;
  bias: Parameter | null;

  constructor(options: LinearOptions) {
    super();
    const o = optionsOf(options, "Linear", "inFeatures and outFeatures");
    this.inFeatures = integer(o.inFeatures, "inFeatures", "Linear");
    this.outFeatures = integer(o.outFeatures, "outFeatures", "Linear");
    this.dtype = floatDType(o.dtype, "Linear");
    const activation = o.activation ?? "none";
    if (activation !== "none" && activation !== "relu") {
      throw new ValueError(`Linear: activation must be "none" or "relu"; got ${JSON.stringify(activation)}`);
    }
    this.activation = activation;
    const bias = flag(o.bias, "bias", "Linear", true);
    checkParameters("Linear", this.outFeatures * this.inFeatures + (bias ? this.outFeatures : 0), { inFeatures: this.inFeatures, outFeatures: this.outFeatures });
    const bound = 1 / Math.sqrt(this.inFeatures);
    const init = { dtype: this.dtype, generator: o.generator };
    // kaiming uniform with a = sqrt(5) is PyTorch's default: bound 1/sqrt(fanIn).
    this.weight = param(kaimingUniform([this.outFeatures, this.inFeatures], { ...init, a: Math.sqrt(5) }));
    this.bias = !bias ? null : param(uniformInit([this.outFeatures], { ...init, low: -bound, high: bound }));
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) this.badInput(`[..., ${this.inFeatures}]`, x);
    return this.guard(() => linear(x, this.weight, this.bias, { activation: this.activation }));
  }

  override config(): JsonObject {
    const config: JsonObject = { inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null };
    // Written only when set, so model.json files stay as they were for plain layers.
    if (this.activation !== "none") config.activation = this.activation;
    return { ...config, ...dtypeConfig(this.dtype) };
  }
}

/**
 * Keras's name for {@link Linear}.
 * @example
 * ```ts
 * import { Dense } from "@backprop/layers";
 * const layer = new Dense({ inFeatures: 4, outFeatures: 2 });
 * ```
 * @category Layers
 */
export const Dense = Linear;
export type Dense = Linear;
