/**
 * Dropout: random zeroing in training, identity in evaluation.
 * @module
 */
import { dropout } from "@backprop/core";
import type { Generator, Tensor } from "@backprop/core";
import { Module } from "./Module.js";
import type { JsonObject } from "./Module.js";
import { inRange } from "./util.js";

/**
 * Options of {@link Dropout}.
 * @category Layers
 */
export interface DropoutLayerOptions {
  /** Probability of zeroing each element (default 0.5). */
  p?: number;
  /** Where the masks come from (the global generator by default). */
  generator?: Generator;
}

/**
 * Inverted dropout: in training each element is zeroed with probability p and the rest are
 * scaled by 1 / (1 - p); in evaluation (`eval()`) the input passes unchanged.
 * Shape: same as x.
 * @throws {ValueError} for p outside [0, 1].
 * @example
 * ```ts
 * import { Dropout } from "@backprop/layers";
 * import { ones } from "@backprop/core";
 * const drop = new Dropout({ p: 0.2 });
 * drop.eval().forward(ones([4])).toArray(); // [1, 1, 1, 1]
 * ```
 * @category Layers
 */
export class Dropout extends Module {
  static override typeName = "Dropout";
  readonly p: number;
  private readonly _generator: Generator | undefined;

  constructor(options: DropoutLayerOptions = {}) {
    super();
    this.p = inRange(options.p ?? 0.5, "p", "Dropout", 0, 1);
    this._generator = options.generator;
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    return this.guard(() => dropout(x, { p: this.p, training: this.training, generator: this._generator }));
  }

  override config(): JsonObject {
    return { p: this.p };
  }
}
