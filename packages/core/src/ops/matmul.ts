/**
 * Matrix products.
 * @module
 */
import type { Tensor } from "../tensor.js";
/** @category Ops */
export function matmul(_a: Tensor, _b: Tensor): Tensor { throw new Error("internal: matmul is not written yet"); }
