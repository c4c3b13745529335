/**
 * Margin losses with targets of -1 or 1: hinge, margin ranking and cosine embedding.
 * @module
 */
import { ShapeError, Tensor, ValueError, formatShape, relu, where } from "@backprop/core";
import { checkInput, checkNumber, checkOptions, checkSigns, defineLoss, reduce, sameShapeTarget } from "./loss.js";
import type { LossOptions } from "./loss.js";

/**
 * Options of {@link hinge}, {@link marginRanking} and {@link cosineEmbedding}.
 * @category Losses
 */
export interface MarginOptions extends LossOptions {
  /** The margin (hinge: default 1; marginRanking and cosineEmbedding: default 0). */
  margin?: number;
}

/**
 * Hinge loss for binary classification with labels -1 and 1 (Keras's `hinge`; an SVM's loss):
 * max(0, margin - y x) with the raw score x, margin 1 by default.
 * Shape: input and target alike; a scalar, or the input's shape for "none".
 * @throws {ShapeError} when target's shape differs from input's.
 * @throws {ValueError} for a target element other than -1 or 1, naming it and its index.
 * @example
 * ```ts
 * import { hinge } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * hinge(tensor([0.3, -2]), tensor([1, -1])).item(); // (0.7 + 0) / 2 = 0.35
 * ```
 * @category Losses
 */
export const hinge = defineLoss("hinge", (input: Tensor, target: Tensor, options: MarginOptions = {}): Tensor => {
  checkOptions(options, "hinge", ["reduction", "margin"]);
  const x = checkInput(input, "hinge");
  const y = sameShapeTarget(x, target, "hinge");
  checkSigns(y, "hinge");
  const margin = checkNumber("hinge", "margin", options.margin ?? 1, -Infinity);
  return reduce(relu(y.mul(x).neg().add(margin)), options.reduction, "hinge");
});

/** Splits a pair stacked on axis 0 ([2, ...]) into its two halves. */
function unstackPair(inputs: Tensor, where_: string): [Tensor, Tensor] {
  const x = checkInput(inputs, where_, "inputs");
  if (x.rank === 0 || x.shape[0] !== 2) {
    throw new ShapeError(`${where_}: expected the two inputs stacked on a first axis of 2, [2, ...]; got ${formatShape(x.shape)}`);
  }
  return [x.slice([0]), x.slice([1])];
}

function parsePairArgs<O>(args: unknown[], where_: string): [Tensor, Tensor, Tensor, O] {
  if (args[2] instanceof Tensor) return [checkInput(args[0], where_, "input1"), checkInput(args[1], where_, "input2"), args[2], (args[3] ?? {}) as O];
  const [a, b] = unstackPair(args[0] as Tensor, where_);
  if (!(args[1] instanceof Tensor)) throw new ValueError(`${where_}: target must be a tensor; got ${args[1] === null ? "null" : typeof args[1]}`);
  return [a, b, args[1], (args[2] ?? {}) as O];
}

/**
 * Margin ranking loss (PyTorch's MarginRankingLoss): max(0, -y (x1 - x2) + margin), where
 * y = 1 means x1 should rank higher than x2 and y = -1 the opposite. Also callable with the
 * two inputs stacked, `marginRanking(stack([x1, x2]), y)`: the form registered under "loss".
 * Shape: input1, input2 and target alike; a scalar, or their shape for "none".
 * @throws {ShapeError} when the shapes differ.
 * @throws {ValueError} for a target element other than -1 or 1.
 * @example
 * ```ts
 * import { marginRanking } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * marginRanking(tensor([1, 2]), tensor([2, 0]), tensor([1, 1]), { margin: 0.5 }).item(); // (1.5 + 0) / 2 = 0.75
 * ```
 * @category Losses
 */
export function marginRanking(input1: Tensor, input2: Tensor, target: Tensor, options?: MarginOptions): Tensor;
export function marginRanking(inputs: Tensor, target: Tensor, options?: MarginOptions): Tensor;
export function marginRanking(...args: unknown[]): Tensor {
  const where_ = "marginRanking";
  const [x1, x2, target, options] = parsePairArgs<MarginOptions>(args, where_);
  checkOptions(options, where_, ["reduction", "margin"]);
  const b = sameShapeTarget(x1, x2, where_, "input2");
  const y = sameShapeTarget(x1, target, where_);
  checkSigns(y, where_);
  const margin = checkNumber(where_, "margin", options.margin ?? 0, -Infinity);
  return reduce(relu(y.neg().mul(x1.sub(b)).add(margin)), options.reduction, where_);
}
defineLoss("marginRanking", marginRanking);

/**
 * Cosine embedding loss (PyTorch's CosineEmbeddingLoss): with c the cosine similarity of
 * x1 and x2 along the last axis, 1 - c where y = 1 (pull together) and max(0, c - margin)
 * where y = -1 (push apart). Also callable with the two inputs stacked,
 * `cosineEmbedding(stack([x1, x2]), y)`: the form registered under "loss".
 * Shape: input1 and input2 [N, D] (or [D]); target [N] (or []); a scalar, or [N] for "none".
 * @throws {ShapeError} when the inputs differ in shape or target is not [N].
 * @throws {ValueError} for a target element other than -1 or 1, or a margin outside [-1, 1].
 * @example
 * ```ts
 * import { cosineEmbedding } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * const a = tensor([[1, 0], [1, 0]]);
 * const b = tensor([[0, 1], [1, 1]]);
 * cosineEmbedding(a, b, tensor([1, -1])).item(); // (1 - 0 + 0.7071) / 2 = 0.8536
 * ```
 * @category Losses
 */
export function cosineEmbedding(input1: Tensor, input2: Tensor, target: Tensor, options?: MarginOptions): Tensor;
export function cosineEmbedding(inputs: Tensor, target: Tensor, options?: MarginOptions): Tensor;
export function cosineEmbedding(...args: unknown[]): Tensor {
  const where_ = "cosineEmbedding";
  const [x1, x2raw, target, options] = parsePairArgs<MarginOptions>(args, where_);
  checkOptions(options, where_, ["reduction", "margin"]);
  const x2 = sameShapeTarget(x1, x2raw, where_, "input2");
  if (x1.rank !== 1 && x1.rank !== 2) throw new ShapeError(`${where_}: expected inputs [N, D] or [D], got ${formatShape(x1.shape)}`);
  const batch = x1.shape.slice(0, -1);
  if (!(target instanceof Tensor) || formatShape(target.shape) !== formatShape(batch)) {
    throw new ShapeError(`${where_}: expected target ${formatShape(batch)}, got ${target instanceof Tensor ? formatShape(target.shape) : typeof target}`);
  }
  checkSigns(target, where_);
  const margin = checkNumber(where_, "margin", options.margin ?? 0, -1, 1);
  // PyTorch adds 1e-12 to each squared norm, so zero vectors give a cosine of 0, not NaN.
  const dot = x1.mul(x2).sum({ axis: -1 });
  const norms = x1.square().sum({ axis: -1 }).add(1e-12).mul(x2.square().sum({ axis: -1 }).add(1e-12)).sqrt();
  const cos = dot.div(norms);
  const loss = where(target.eq(1), cos.neg().add(1), relu(cos.sub(margin)));
  return reduce(loss, options.reduction, where_);
}
defineLoss("cosineEmbedding", cosineEmbedding);
