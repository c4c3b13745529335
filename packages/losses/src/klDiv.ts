/**
 * Kullback-Leibler divergence with PyTorch's argument order and reductions.
 * @module
 */
import { where } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { checkInput, checkOptions, checkReduction, defineLoss, sameShapeTarget } from "./loss.js";
import type { Reduction } from "./loss.js";

/**
 * Options of {@link klDiv}.
 * @category Losses
 */
export interface KlDivOptions {
  /** "mean" (default, over all elements), "batchmean" (sum / batch size: the true KL divergence), "sum" or "none". */
  reduction?: Reduction | "batchmean";
  /** Whether the target is given as log-probabilities (default false). */
  logTarget?: boolean;
}

/**
 * KL divergence KL(target || model) with the input as log-probabilities (PyTorch's
 * `kl_div`): per element q (log q - input), with 0 where q = 0; with `logTarget`,
 * e^t (t - input). Use reduction "batchmean" for the mathematical KL divergence.
 * Shape: input and target alike; a scalar, or the input's shape for "none".
 * @throws {ShapeError} when target's shape differs from input's.
 * @throws {ValueError} for an unknown reduction.
 * @example
 * ```ts
 * import { klDiv } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * const logp = tensor([Math.log(0.5), Math.log(0.5)]);
 * klDiv(logp, tensor([1, 0]), { reduction: "sum" }).item(); // ln 2 = 0.6931
 * ```
 * @category Losses
 */
export const klDiv = defineLoss("klDiv", (input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor => {
  const whereName = "klDiv";
  checkOptions(options, whereName, ["reduction", "logTarget"]);
  const x = checkInput(input, whereName);
  const t = sameShapeTarget(x, target, whereName);
  const reduction = checkReduction(options.reduction, whereName, ["mean", "batchmean", "sum", "none"]);
  let loss: Tensor;
  if (options.logTarget === true) {
    loss = t.exp().mul(t.sub(x));
  } else {
    // q log q is 0 at q = 0 (its limit); log is taken of 1 there so no NaN reaches the gradient.
    const zero = t.eq(0);
    loss = t.mul(where(zero, 1, t).log().sub(x));
  }
  if (reduction === "none") return loss;
  if (reduction === "sum") return loss.sum();
  if (reduction === "batchmean") return x.rank === 0 ? loss.sum() : loss.sum().div(x.shape[0]);
  return loss.mean();
});
