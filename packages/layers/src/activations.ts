/**
 * Activation layers: ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Softmax and LogSoftmax.
 * Each wraps the op of the same name from core; none has parameters.
 * @module
 */
import { ValueError, logSoftmax, softmax, where } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { Module } from "./Module.js";
import type { JsonObject } from "./Module.js";
import { inRange, integer } from "./util.js";

/** Shared body: checks the input is a tensor and names the layer in op errors. */
abstract class Activation extends Module {
  protected abstract apply1(x: Tensor): Tensor;
  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    return this.guard(() => this.apply1(x));
  }
}

/**
 * max(x, 0) elementwise.
 * Shape: same as x.
 * @example
 * ```ts
 * import { ReLU } from "@backprop/layers";
 * import { tensor } from "@backprop/core";
 * new ReLU().forward(tensor([-1, 2])).toArray(); // [0, 2]
 * ```
 * @category Activations
 */
export class ReLU extends Activation {
  static override typeName = "ReLU";
  constructor(_options: Record<string, never> = {}) {
    super();
  }
  protected apply1(x: Tensor): Tensor {
    return x.relu();
  }
}

/**
 * Options of {@link LeakyReLU}.
 * @category Activations
 */
export interface LeakyReLUOptions {
  /** Slope for negative inputs (default 0.01). */
  negativeSlope?: number;
}

/**
 * x for x > 0, negativeSlope * x otherwise.
 * Shape: same as x.
 * @throws {ValueError} for a non-finite slope.
 * @example
 * ```ts
 * import { LeakyReLU } from "@backprop/layers";
 * import { tensor } from "@backprop/core";
 * new LeakyReLU({ negativeSlope: 0.1 }).forward(tensor([-10, 10])).toArray(); // [-1, 10]
 * ```
 * @category Activations
 */
export class LeakyReLU extends Activation {
  static override typeName = "LeakyReLU";
  readonly negativeSlope: number;
  constructor(options: LeakyReLUOptions = {}) {
    super();
    this.negativeSlope = inRange(options.negativeSlope ?? 0.01, "negativeSlope", "LeakyReLU", -Number.MAX_VALUE, Number.MAX_VALUE);
  }
  protected apply1(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }
  override config(): JsonObject {
    return { negativeSlope: this.negativeSlope };
  }
}

/**
 * Options of {@link ELU}.
 * @category Activations
 */
export interface ELUOptions {
  /** Scale of the negative part (default 1). */
  alpha?: number;
}

/**
 * x for x > 0, alpha (e^x - 1) otherwise.
 * Shape: same as x.
 * @throws {ValueError} for a non-finite alpha.
 * @example
 * ```ts
 * import { ELU } from "@backprop/layers";
 * import { tensor } from "@backprop/core";
 * new ELU().forward(tensor([0, 1])).toArray(); // [0, 1]
 * ```
 * @category Activations
 */
export class ELU extends Activation {
  static override typeName = "ELU";
  readonly alpha: number;
  constructor(options: ELUOptions = {}) {
    super();
    this.alpha = inRange(options.alpha ?? 1, "alpha", "ELU", -Number.MAX_VALUE, Number.MAX_VALUE);
  }
  protected apply1(x: Tensor): Tensor {
    return x.elu(this.alpha);
  }
  override config(): JsonObject {
    return { alpha: this.alpha };
  }
}

/**
 * Options of {@link GELU}.
 * @category Activations
 */
export interface GELUOptions {
  /** "none" for x Phi(x) exactly (default), "tanh" for the tanh approximation. */
  approximate?: "none" | "tanh";
}

/**
 * GELU: x Phi(x), Phi the standard normal CDF (or its tanh approximation).
 * Shape: same as x.
 * @throws {ValueError} for an unknown approximation.
 * @example
 * ```ts
 * import { GELU } from "@backprop/layers";
 * import { tensor } from "@backprop/core";
 * new GELU().forward(tensor([0])).toArray(); // [0]
 * ```
 * @category Activations
 */
export class GELU extends Activation {
  static override typeName = "GELU";
  readonly approximate: "none" | "tanh";
  constructor(options: GELUOptions = {}) {
    super();
    const a = options.approximate ?? "none";
    if (a !== "none" && a !== "tanh") throw new ValueError(`GELU: approximate must be "none" or "tanh"; got ${JSON.stringify(a)}`);
    this.approximate = a;
  }
  protected apply1(x: Tensor): Tensor {
    return x.gelu(this.approximate);
  }
  override config(): JsonObject {
    return { approximate: this.approximate };
  }
}

/**
 * SiLU (swish): x sigmoid(x).
 * Shape: same as x.
 * @example
 * ```ts
 * import { SiLU } from "@backprop/layers";
 * import { tensor } from "@backprop/core";
 * new SiLU().forward(tensor([0])).toArray(); // [0]
 * ```
 * @category Activations
 */
export class SiLU extends Activation {
  static override typeName = "SiLU";
  constructor(_options: Record<string, never> = {}) {
    super();
  }
  protected apply1(x: Tensor): Tensor {
    return x.silu();
  }
}

/**
 * 1 / (1 + e^-x).
 * Shape: same as x.
 * @example
 * ```ts
 * import { Sigmoid } from "@backprop/layers";
 * import { tensor } from "@backprop/core";
 * new Sigmoid().forward(tensor([0])).toArray(); // [0.5]
 * ```
 * @category Activations
 */
export class Sigmoid extends Activation {
  static override typeName = "Sigmoid";
  constructor(_options: Record<string, never> = {}) {
    super();
  }
  protected apply1(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/**
 * tanh x.
 * Shape: same as x.
 * @example
 * ```ts
 * import { Tanh } from "@backprop/layers";
 * import { tensor } from "@backprop/core";
 * new Tanh().forward(tensor([0])).toArray(); // [0]
 * ```
 * @category Activations
 */
export class Tanh extends Activation {
  static override typeName = "Tanh";
  constructor(_options: Record<string, never> = {}) {
    super();
  }
  protected apply1(x: Tensor): Tensor {
    return x.tanh();
  }
}

/**
 * Options of {@link Softplus}.
 * @category Activations
 */
export interface SoftplusOptions {
  /** Sharpness (default 1). */
  beta?: number;
  /** Above beta x > threshold the output is x itself, for stability (default 20). */
  threshold?: number;
}

/**
 * Softplus: (1 / beta) ln(1 + e^(beta x)), and x where beta x > threshold (PyTorch's form).
 * Shape: same as x.
 * @throws {ValueError} for a non-positive beta.
 * @example
 * ```ts
 * import { Softplus } from "@backprop/layers";
 * import { tensor } from "@backprop/core";
 * new Softplus().forward(tensor([0])).toArray(); // [0.6931]
 * ```
 * @category Activations
 */
export class Softplus extends Activation {
  static override typeName = "Softplus";
  readonly beta: number;
  readonly threshold: number;
  constructor(options: SoftplusOptions = {}) {
    super();
    this.beta = inRange(options.beta ?? 1, "beta", "Softplus", Number.MIN_VALUE, Number.MAX_VALUE);
    this.threshold = inRange(options.threshold ?? 20, "threshold", "Softplus", -Number.MAX_VALUE, Number.MAX_VALUE);
  }
  protected apply1(x: Tensor): Tensor {
    const bx = this.beta === 1 ? x : x.mul(this.beta);
    const soft = this.beta === 1 ? bx.softplus() : bx.softplus().div(this.beta);
    return where(bx.gt(this.threshold), x, soft);
  }
  override config(): JsonObject {
    return { beta: this.beta, threshold: this.threshold };
  }
}

/**
 * Options of {@link Softmax} and {@link LogSoftmax}.
 * @category Activations
 */
export interface SoftmaxOptions {
  /** The axis that sums to one (default -1). */
  axis?: number;
}

/**
 * Softmax along an axis: exp(x_i) / sum_j exp(x_j), computed stably.
 * Shape: same as x.
 * @throws {ShapeError} in forward for an axis out of range, naming the layer.
 * @example
 * ```ts
 * import { Softmax } from "@backprop/layers";
 * import { tensor } from "@backprop/core";
 * new Softmax().forward(tensor([0, 0])).toArray(); // [0.5, 0.5]
 * ```
 * @category Activations
 */
export class Softmax extends Activation {
  static override typeName = "Softmax";
  readonly axis: number;
  constructor(options: SoftmaxOptions = {}) {
    super();
    this.axis = integer(options.axis ?? -1, "axis", "Softmax", -Infinity);
  }
  protected apply1(x: Tensor): Tensor {
    return softmax(x, this.axis);
  }
  override config(): JsonObject {
    return { axis: this.axis };
  }
}

/**
 * Log-softmax along an axis: x_i - log sum_j exp(x_j), computed stably (pairs with the nll loss).
 * Shape: same as x.
 * @throws {ShapeError} in forward for an axis out of range, naming the layer.
 * @example
 * ```ts
 * import { LogSoftmax } from "@backprop/layers";
 * import { tensor } from "@backprop/core";
 * new LogSoftmax().forward(tensor([0, 0])).toArray(); // [-0.6931, -0.6931]
 * ```
 * @category Activations
 */
export class LogSoftmax extends Activation {
  static override typeName = "LogSoftmax";
  readonly axis: number;
  constructor(options: SoftmaxOptions = {}) {
    super();
    this.axis = integer(options.axis ?? -1, "axis", "LogSoftmax", -Infinity);
  }
  protected apply1(x: Tensor): Tensor {
    return logSoftmax(x, this.axis);
  }
  override config(): JsonObject {
    return { axis: this.axis };
  }
}
