/**
 * @backprop/losses: loss functions `(input, target, options) => Tensor` with PyTorch's
 * semantics, each registered by name under the kind "loss".
 * @packageDocumentation
 */
export { defineLoss, reduce } from "./loss.js";
export type { LossFn, LossOptions, Reduction } from "./loss.js";
export * from "./regression.js";
export * from "./binaryCrossEntropy.js";
export * from "./crossEntropy.js";
export * from "./klDiv.js";
export * from "./margin.js";
