import type { Tensor } from "../../tensor.js";
export function matmul(_a: Tensor, _b: Tensor): Tensor { throw new Error("internal: matmul kernel not written yet"); }
