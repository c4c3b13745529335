/**
 * Neural-network primitives: softmax, convolutions, pooling, dropout, embedding lookup.
 * @module
 */
import type { Tensor } from "../tensor.js";
/** @category Ops */
export function softmax(_x: Tensor, _axis = -1): Tensor { throw new Error("internal: not written yet"); }
/** @category Ops */
export function logSoftmax(_x: Tensor, _axis = -1): Tensor { throw new Error("internal: not written yet"); }
