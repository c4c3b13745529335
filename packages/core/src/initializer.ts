/**
 * The shape of a parameter initializer; the stock ones live in `@backprop/layers`.
 * @module
 */
import type { DType } from "./dtype.js";
import type { Generator } from "./random.js";
import type { Tensor } from "./tensor.js";

/**
 * Options an initializer receives besides the shape.
 * @category Registry
 */
export interface InitializerOptions {
  /** Element type of the new tensor (float32 by default). */
  dtype?: DType;
  /** Random generator; the global one when absent. */
  generator?: Generator;
  /** Fan-in and fan-out, when the caller knows them better than the shape does. */
  fanIn?: number;
  fanOut?: number;
}

/**
 * Makes a new tensor of the given shape, e.g. Kaiming-uniform weights.
 * @category Registry
 */
export type Initializer = (shape: readonly number[], options?: InitializerOptions) => Tensor;
