/**
 * Layers that only move data: Identity, Flatten and Reshape.
 * @module
 */
import { ValueError, formatShape } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { Module } from "./Module.js";
import type { JsonObject } from "./Module.js";
import { integer } from "./util.js";

/**
 * Returns its input unchanged (a placeholder, e.g. for a removed layer).
 * Shape: same as x.
 * @example
 * ```ts
 * import { Identity } from "@backprop/layers";
 * import { ones } from "@backprop/core";
 * new Identity().forward(ones([2])).toArray(); // [1, 1]
 * ```
 * @category Layers
 */
export class Identity extends Module {
  static override typeName = "Identity";

  constructor(_options: Record<string, never> = {}) {
    super();
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    return x;
  }
}

/**
 * Options of {@link Flatten}.
 * @category Layers
 */
export interface FlattenOptions {
  /** First axis to flatten (default 1, keeping the batch axis). */
  startAxis?: number;
  /** Last axis to flatten (default -1). */
  endAxis?: number;
}

/**
 * Flattens axes startAxis..endAxis into one (by default all but the batch axis).
 * Shape: [N, C, H, W] -> [N, C*H*W] by default.
 * @throws {ShapeError} in forward when the input has too few axes, naming the layer.
 * @example
 * ```ts
 * import { Flatten } from "@backprop/layers";
 * import { zeros } from "@backprop/core";
 * new Flatten().forward(zeros([32, 1, 28, 28])).shape; // [32, 784]
 * ```
 * @category Layers
 */
export class Flatten extends Module {
  static override typeName = "Flatten";
  readonly startAxis: number;
  readonly endAxis: number;

  constructor(options: FlattenOptions = {}) {
    super();
    this.startAxis = integer(options.startAxis ?? 1, "startAxis", "Flatten", -Infinity);
    this.endAxis = integer(options.endAxis ?? -1, "endAxis", "Flatten", -Infinity);
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    const s = this.startAxis < 0 ? this.startAxis + x.rank : this.startAxis;
    const e = this.endAxis < 0 ? this.endAxis + x.rank : this.endAxis;
    if (s < 0 || e >= x.rank || s > e) this.badInput(`with axes ${this.startAxis}..${this.endAxis} (at least ${Math.max(this.startAxis + 1, -this.endAxis, 1)} axes)`, x);
    return this.guard(() => x.flatten(s, e));
  }

  override config(): JsonObject {
    return { startAxis: this.startAxis, endAxis: this.endAxis };
  }
}

/**
 * Options of {@link Reshape}.
 * @category Layers
 */
export interface ReshapeOptions {
  /** The shape of each sample, without the batch axis; one size may be -1. */
  shape: readonly number[];
}

/**
 * Reshapes each sample, keeping the batch axis (as Keras's Reshape does).
 * Shape: [N, ...] -> [N, ...shape].
 * @throws {ValueError} for a bad target shape.
 * @throws {ShapeError} in forward when the sample size does not fit, naming the layer.
 * @example
 * ```ts
 * import { Reshape } from "@backprop/layers";
 * import { zeros } from "@backprop/core";
 * new Reshape({ shape: [1, 28, 28] }).forward(zeros([32, 784])).shape; // [32, 1, 28, 28]
 * ```
 * @category Layers
 */
export class Reshape extends Module {
  static override typeName = "Reshape";
  readonly shape: number[];

  constructor(options: ReshapeOptions) {
    super();
    const shape: unknown = options?.shape;
    if (!Array.isArray(shape) || !shape.every((d) => d === -1 || (Number.isInteger(d) && (d as number) >= 0)) || shape.filter((d) => d === -1).length > 1) {
      throw new ValueError(`Reshape: shape must be an array of non-negative integers with at most one -1; got ${JSON.stringify(shape)}`);
    }
    this.shape = [...(shape as number[])];
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    const known = this.shape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const sample = x.rank === 0 ? -1 : x.shape.slice(1).reduce((a, b) => a * b, 1);
    const fits = x.rank > 0 && (this.shape.includes(-1) ? known > 0 && sample % known === 0 : sample === known);
    if (!fits) this.badInput(`[N, ...] with ${this.shape.includes(-1) ? `a multiple of ${known}` : known} elements per sample to reshape to [N, ${formatShape(this.shape).slice(1)}`, x);
    return this.guard(() => x.reshape([x.shape[0], ...this.shape]));
  }

  override config(): JsonObject {
    return { shape: [...this.shape] };
  }
}
