/**
 * Binary cross-entropy on probabilities, and on logits in the stable log-sum-exp form.
 * @module
 */
import { ValueError, defineOp, softplus } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { broadcastWeight, checkInput, checkOptions, defineLoss, position, reduce, sameShapeTarget } from "./loss.js";
import type { LossOptions } from "./loss.js";

/**
 * Options of {@link binaryCrossEntropy}.
 * @category Losses
 */
export interface BinaryCrossEntropyOptions extends LossOptions {
  /** A rescaling weight per element, broadcast to the input's shape. */
  weight?: Tensor;
}

// PyTorch clamps each log at -100 so that a probability of exactly 0 or 1 gives a finite loss,
// and divides its gradient by max(x (1 - x), 1e-12) so that the gradient stays finite too.
const bceOp = defineOp({
  name: "losses/binaryCrossEntropy",
  forward: (x: Tensor, y: Tensor) => {
    const logX = x.log().clamp(-100, null);
    const log1mX = x.neg().log1p().clamp(-100, null);
    return y.mul(logX).add(y.neg().add(1).mul(log1mX)).neg();
  },
  backward: (g, [x, y]) => [
    g.mul(x.sub(y)).div(x.mul(x.neg().add(1)).clamp(1e-12, null)),
    y.requiresGrad ? g.mul(x.neg().log1p().clamp(-100, null).sub(x.log().clamp(-100, null))) : null,
  ],
});

/**
 * Binary cross-entropy between probabilities and targets in [0, 1] (PyTorch's BCELoss):
 * -w (y log x + (1 - y) log(1 - x)), each log clamped at -100. Prefer
 * {@link binaryCrossEntropyWithLogits} on raw scores: it is more accurate.
 * Shape: input and target alike; weight broadcasts to them.
 * @throws {ShapeError} when target's shape differs or weight does not broadcast.
 * @throws {ValueError} for an input outside [0, 1].
 * @example
 * ```ts
 * import { binaryCrossEntropy } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * binaryCrossEntropy(tensor([0.8, 0.4]), tensor([1, 0])).item(); // -(ln 0.8 + ln 0.6) / 2 = 0.3670
 * ```
 * @category Losses
 */
export const binaryCrossEntropy = defineLoss("binaryCrossEntropy", (input: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor => {
  const where = "binaryCrossEntropy";
  checkOptions(options, where, ["reduction", "weight"]);
  const x = checkInput(input, where);
  const y = sameShapeTarget(x, target, where);
  const w = broadcastWeight(x, options.weight, where, "weight");
  const values = x.data();
  for (let i = 0; i < values.length; i++) {
    if (!(values[i] >= 0 && values[i] <= 1)) {
      throw new ValueError(`${where}: input ${values[i]} at index ${position(i, x.shape)} is not a probability; expected values in [0, 1] (use binaryCrossEntropyWithLogits on raw scores)`);
    }
  }
  const loss = bceOp(x, y);
  return reduce(w === null ? loss : loss.mul(w), options.reduction, where);
});

/**
 * Options of {@link binaryCrossEntropyWithLogits}.
 * @category Losses
 */
export interface BinaryCrossEntropyWithLogitsOptions extends LossOptions {
  /** A rescaling weight per element, broadcast to the input's shape. */
  weight?: Tensor;
  /** Weight of the positive examples, per class (broadcast along the last axis), to trade recall for precision. */
  posWeight?: Tensor;
}

/**
 * Binary cross-entropy on logits (PyTorch's BCEWithLogitsLoss), in the stable form
 * (1 - y) x + (1 + (p - 1) y) softplus(-x), which equals
 * -w (p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))) without overflow for any x.
 * Shape: input and target alike; weight and posWeight broadcast to them.
 * @throws {ShapeError} when target's shape differs or a weight does not broadcast.
 * @example
 * ```ts
 * import { binaryCrossEntropyWithLogits } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * binaryCrossEntropyWithLogits(tensor([0]), tensor([1])).item(); // ln 2 = 0.6931
 * ```
 * @category Losses
 */
export const binaryCrossEntropyWithLogits = defineLoss(
  "binaryCrossEntropyWithLogits",
  (input: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions = {}): Tensor => {
    const where = "binaryCrossEntropyWithLogits";
    checkOptions(options, where, ["reduction", "weight", "posWeight"]);
    const x = checkInput(input, where);
    const y = sameShapeTarget(x, target, where);
    const w = broadcastWeight(x, options.weight, where, "weight");
    const pw = broadcastWeight(x, options.posWeight, where, "posWeight");
    const logWeight = pw === null ? null : pw.sub(1).mul(y).add(1);
    const sp = softplus(x.neg());
    let loss = y.neg().add(1).mul(x).add(logWeight === null ? sp : logWeight.mul(sp));
    if (w !== null) loss = loss.mul(w);
    return reduce(loss, options.reduction, where);
  },
);
