import type { Tensor } from "../../tensor.js";
export function softmax(_x: Tensor, _axis: number): Tensor { throw new Error("internal: not written yet"); }
export function logSoftmax(_x: Tensor, _axis: number): Tensor { throw new Error("internal: not written yet"); }
