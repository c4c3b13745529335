/**
 * Cross-entropy over classes and the negative log-likelihood, with PyTorch's semantics for
 * class weights, ignored labels and label smoothing.
 * @module
 */
import { DTypeError, ShapeError, Tensor, ValueError, formatShape, gather, logSoftmax, ones, where } from "@backprop/core";
import { checkInput, checkNumber, checkOptions, checkReduction, defineLoss, position } from "./loss.js";
import type { LossOptions } from "./loss.js";

/**
 * Options of {@link nll}.
 * @category Losses
 */
export interface NllOptions extends LossOptions {
  /** A weight per class, shape [C]; "mean" then divides by the sum of the targets' weights. */
  weight?: Tensor;
  /** A label that contributes nothing, to the loss or to the mean's divisor (default -100). */
  ignoreIndex?: number;
}

/**
 * Options of {@link crossEntropy}.
 * @category Losses
 */
export interface CrossEntropyOptions extends NllOptions {
  /** Mixes the target with the uniform distribution: (1 - s) target + s / C (default 0). */
  labelSmoothing?: number;
}

/** The class axis (1, or 0 for one unbatched example) and the number of classes. */
function classAxisOf(x: Tensor, where: string): number {
  if (x.rank === 0) throw new ShapeError(`${where}: expected input [C] or [N, C, ...] with the classes on axis 1, got []`);
  return x.rank === 1 ? 0 : 1;
}

function checkClassWeight(weight: unknown, x: Tensor, classes: number, where: string): Tensor | null {
  if (weight === undefined || weight === null) return null;
  if (!(weight instanceof Tensor)) throw new ValueError(`${where}: weight must be a tensor; got ${typeof weight}`);
  if (weight.rank !== 1 || weight.shape[0] !== classes) throw new ShapeError(`${where}: expected weight [${classes}] (one per class), got ${formatShape(weight.shape)}`);
  return weight.dtype === x.dtype ? weight : weight.cast(x.dtype);
}

/** The per-example negative log-likelihood of int32 class labels, with weights and the ignore mask applied. */
function pickedLoss(
  logp: Tensor,
  target: Tensor,
  axis: number,
  weight: Tensor | null,
  ignoreIndex: number,
  where_: string,
): { loss: Tensor; w: Tensor; mask: Tensor | null } {
  const classes = logp.shape[axis];
  const labels = target.data();
  let ignored = false;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label === ignoreIndex) ignored = true;
    else if (label < 0 || label >= classes) {
      throw new ValueError(`${where_}: label ${label} at index ${position(i, target.shape)} is out of range for ${classes} classes`);
    }
  }
  const mask = ignored ? target.ne(ignoreIndex) : null;
  const safe = mask === null ? target : where(mask, target, 0);
  const picked = gather(logp, axis, safe.unsqueeze(axis)).squeeze(axis);
  let w: Tensor = weight === null ? ones(target.shape, { dtype: logp.dtype }) : gather(weight, 0, safe.reshape([safe.size])).reshape(target.shape);
  if (mask !== null) w = w.mul(mask.cast(w.dtype));
  return { loss: picked.mul(w).neg(), w, mask };
}

function checkIndexTarget(x: Tensor, target: unknown, axis: number, where_: string, allowProbabilities: boolean): "index" | "probability" {
  if (!(target instanceof Tensor)) throw new ValueError(`${where_}: target must be a tensor; got ${target === null ? "null" : typeof target}`);
  const indexShape = x.shape.filter((_, i) => i !== axis);
  const sameAsIndex = formatShape(target.shape) === formatShape(indexShape);
  if (target.dtype === "int32") {
    if (!sameAsIndex) throw new ShapeError(`${where_}: expected target ${formatShape(indexShape)}, got ${formatShape(target.shape)}`);
    return "index";
  }
  if (allowProbabilities && (target.dtype === "float32" || target.dtype === "float64")) {
    if (formatShape(target.shape) === formatShape(x.shape)) return "probability";
    if (sameAsIndex) {
      throw new DTypeError(`${where_}: class-index targets must be int32; got a ${target.describe()} (probability targets have the input's shape ${formatShape(x.shape)})`);
    }
    throw new ShapeError(`${where_}: expected target ${formatShape(indexShape)} (int32 class indices) or ${formatShape(x.shape)} (probabilities), got ${formatShape(target.shape)}`);
  }
  throw new DTypeError(`${where_}: expected int32 class indices${allowProbabilities ? " or float probabilities" : ""} as target, got a ${target.describe()}`);
}

/**
 * Cross-entropy between logits and targets (PyTorch's `cross_entropy`), computed from a
 * log-softmax so that logits of any size give finite losses and gradients. Targets are int32
 * class indices, or float class probabilities of the input's shape. With class indices y,
 * weights w and smoothing s over C classes, per example:
 * l = (1 - s) (-w_y log p_y) + (s / C) sum_c (-w_c log p_c); "mean" divides the summed loss by
 * sum(w_y) over the examples not ignored. With probabilities q: l = -sum_c w_c q_c log p_c and
 * "mean" divides by the number of examples.
 * Shape: input [N, C] or [N, C, d1, ...] (or [C]); target [N] or [N, d1, ...] (or []) as
 * int32, or the input's shape as float; output a scalar, or target's shape for "none".
 * @throws {ShapeError} `crossEntropy: expected target [32], got [32, 10]`
 * @throws {ValueError} `crossEntropy: label 12 at index 3 is out of range for 10 classes`, or a
 * labelSmoothing outside [0, 1].
 * @throws {DTypeError} for float targets of the class-index shape.
 * @example
 * ```ts
 * import { crossEntropy } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * const logits = tensor([[2, 0, 0], [0, 0, 0]]);
 * crossEntropy(logits, tensor([0, 2], { dtype: "int32" })).item(); // (ln(1 + 2 e^-2) + ln 3) / 2 = 0.6691
 * ```
 * @category Losses
 */
export const crossEntropy = defineLoss("crossEntropy", (input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor => {
  const whereName = "crossEntropy";
  checkOptions(options, whereName, ["reduction", "weight", "ignoreIndex", "labelSmoothing"]);
  const x = checkInput(input, whereName);
  const axis = classAxisOf(x, whereName);
  const classes = x.shape[axis];
  const kind = checkIndexTarget(x, target, axis, whereName, true);
  const reduction = checkReduction(options.reduction, whereName);
  const smoothing = checkNumber(whereName, "labelSmoothing", options.labelSmoothing ?? 0, 0, 1);
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new ValueError(`${whereName}: invalid ignoreIndex; expected an integer, got ${String(ignoreIndex)}`);
  const weight = checkClassWeight(options.weight, x, classes, whereName);
  const logp = logSoftmax(x, axis);
  // The class weights as a view that broadcasts along the class axis: [C, 1, ...].
  const classWeight = weight === null ? null : weight.reshape([classes, ...x.shape.slice(axis + 1).map(() => 1)]);

  if (kind === "probability") {
    let q = target.dtype === x.dtype ? target : target.cast(x.dtype);
    if (smoothing > 0) q = q.mul(1 - smoothing).add(smoothing / classes);
    let terms = logp.mul(q);
    if (classWeight !== null) terms = terms.mul(classWeight);
    const loss = terms.sum({ axis }).neg();
    return reduction === "none" ? loss : reduction === "sum" ? loss.sum() : loss.mean();
  }

  const { loss: nllLoss, w, mask } = pickedLoss(logp, target, axis, weight, ignoreIndex, whereName);
  let loss = nllLoss;
  let smooth: Tensor | null = null;
  if (smoothing > 0) {
    smooth = (classWeight === null ? logp : logp.mul(classWeight)).sum({ axis }).neg();
    if (mask !== null) smooth = smooth.mul(mask.cast(smooth.dtype));
  }
  if (reduction === "none") {
    return smooth === null ? loss : loss.mul(1 - smoothing).add(smooth.mul(smoothing / classes));
  }
  const divisor = reduction === "mean" ? w.sum() : null;
  loss = divisor === null ? loss.sum() : loss.sum().div(divisor);
  if (smooth === null) return loss;
  const smoothTotal = divisor === null ? smooth.sum() : smooth.sum().div(divisor);
  return loss.mul(1 - smoothing).add(smoothTotal.mul(smoothing / classes));
});

/**
 * Negative log-likelihood of int32 class labels given log-probabilities (PyTorch's
 * `nll_loss`): l = -w_y input[y], "mean" dividing by sum(w_y) over the examples not ignored.
 * `crossEntropy(x, y)` equals `nll(logSoftmax(x, 1), y)`.
 * Shape: input [N, C] or [N, C, d1, ...] (or [C]); target [N] or [N, d1, ...] (or []), int32.
 * @throws {ShapeError} for a target of the wrong shape, e.g. `nll: expected target [32], got [32, 10]`.
 * @throws {ValueError} for a label out of range, naming it and its index.
 * @throws {DTypeError} for a target that is not int32.
 * @example
 * ```ts
 * import { nll } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * const logp = tensor([[-0.1, -2.3], [-1.2, -0.4]]);
 * nll(logp, tensor([0, 1], { dtype: "int32" })).item(); // (0.1 + 0.4) / 2 = 0.25
 * ```
 * @category Losses
 */
export const nll = defineLoss("nll", (input: Tensor, target: Tensor, options: NllOptions = {}): Tensor => {
  const whereName = "nll";
  checkOptions(options, whereName, ["reduction", "weight", "ignoreIndex"]);
  const x = checkInput(input, whereName);
  const axis = classAxisOf(x, whereName);
  checkIndexTarget(x, target, axis, whereName, false);
  const reduction = checkReduction(options.reduction, whereName);
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new ValueError(`${whereName}: invalid ignoreIndex; expected an integer, got ${String(ignoreIndex)}`);
  const weight = checkClassWeight(options.weight, x, x.shape[axis], whereName);
  const { loss, w } = pickedLoss(x, target, axis, weight, ignoreIndex, whereName);
  if (reduction === "none") return loss;
  return reduction === "sum" ? loss.sum() : loss.sum().div(w.sum());
});
