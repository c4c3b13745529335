/**
 * Regression losses on the difference d = input - target: squared, absolute, smooth L1 and Huber.
 * @module
 */
import { abs, where } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { checkInput, checkNumber, checkOptions, defineLoss, reduce, sameShapeTarget } from "./loss.js";
import type { LossOptions } from "./loss.js";

/**
 * Mean squared error: mean((input - target)^2).
 * Shape: input and target alike, any shape; a scalar (or the input's shape for reduction "none").
 * @throws {ShapeError} when target's shape differs from input's.
 * @throws {DTypeError} for a non-float input.
 * @example
 * ```ts
 * import { mse } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * mse(tensor([1, 2]), tensor([0, 4])).item(); // (1 + 4) / 2 = 2.5
 * ```
 * @category Losses
 */
export const mse = defineLoss("mse", (input: Tensor, target: Tensor, options: LossOptions = {}): Tensor => {
  checkOptions(options, "mse", ["reduction"]);
  const x = checkInput(input, "mse");
  const y = sameShapeTarget(x, target, "mse");
  return reduce(x.sub(y).square(), options.reduction, "mse");
});

/**
 * Mean absolute error: mean(|input - target|).
 * Shape: input and target alike; a scalar (or the input's shape for reduction "none").
 * @throws {ShapeError} when target's shape differs from input's.
 * @throws {DTypeError} for a non-float input.
 * @example
 * ```ts
 * import { l1 } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * l1(tensor([1, 2]), tensor([0, 4])).item(); // (1 + 2) / 2 = 1.5
 * ```
 * @category Losses
 */
export const l1 = defineLoss("l1", (input: Tensor, target: Tensor, options: LossOptions = {}): Tensor => {
  checkOptions(options, "l1", ["reduction"]);
  const x = checkInput(input, "l1");
  const y = sameShapeTarget(x, target, "l1");
  return reduce(abs(x.sub(y)), options.reduction, "l1");
});

/**
 * Options of {@link smoothL1}.
 * @category Losses
 */
export interface SmoothL1Options extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 gives the L1 loss). */
  beta?: number;
}

/**
 * Smooth L1 loss (PyTorch's SmoothL1Loss): with d = |input - target|, 0.5 d^2 / beta where
 * d < beta, d - 0.5 beta elsewhere.
 * Shape: input and target alike; a scalar (or the input's shape for reduction "none").
 * @throws {ShapeError} when target's shape differs from input's.
 * @throws {ValueError} for a negative beta.
 * @example
 * ```ts
 * import { smoothL1 } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * smoothL1(tensor([0.5, 3]), tensor([0, 0])).item(); // (0.125 + 2.5) / 2 = 1.3125
 * ```
 * @category Losses
 */
export const smoothL1 = defineLoss("smoothL1", (input: Tensor, target: Tensor, options: SmoothL1Options = {}): Tensor => {
  checkOptions(options, "smoothL1", ["reduction", "beta"]);
  const x = checkInput(input, "smoothL1");
  const y = sameShapeTarget(x, target, "smoothL1");
  const beta = checkNumber("smoothL1", "beta", options.beta ?? 1, 0);
  const d = abs(x.sub(y));
  const loss = beta === 0 ? d : where(d.lt(beta), d.square().mul(0.5 / beta), d.sub(0.5 * beta));
  return reduce(loss, options.reduction, "smoothL1");
});

/**
 * Options of {@link huber}.
 * @category Losses
 */
export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1, > 0). */
  delta?: number;
}

/**
 * Huber loss (PyTorch's HuberLoss): with d = |input - target|, 0.5 d^2 where d < delta,
 * delta (d - 0.5 delta) elsewhere; smoothL1 scaled by delta.
 * Shape: input and target alike; a scalar (or the input's shape for reduction "none").
 * @throws {ShapeError} when target's shape differs from input's.
 * @throws {ValueError} for a delta that is not positive.
 * @example
 * ```ts
 * import { huber } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * huber(tensor([0.5, 3]), tensor([0, 0]), { delta: 2 }).item(); // (0.125 + 4) / 2 = 2.0625
 * ```
 * @category Losses
 */
export const huber = defineLoss("huber", (input: Tensor, target: Tensor, options: HuberOptions = {}): Tensor => {
  checkOptions(options, "huber", ["reduction", "delta"]);
  const x = checkInput(input, "huber");
  const y = sameShapeTarget(x, target, "huber");
  const delta = checkNumber("huber", "delta", options.delta ?? 1, 0, Infinity, true);
  const d = abs(x.sub(y));
  return reduce(where(d.lt(delta), d.square().mul(0.5), d.sub(0.5 * delta).mul(delta)), options.reduction, "huber");
});
