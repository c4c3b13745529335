import type { Tensor } from "../../tensor.js";
import type { Conv2dAttrs } from "../kernels.js";
export function conv2d(_x: Tensor, _w: Tensor, _a: Conv2dAttrs): Tensor { throw new Error("internal: not written yet"); }
export function conv2dBackwardInput(_g: Tensor, _w: Tensor, _s: readonly number[], _a: Conv2dAttrs): Tensor { throw new Error("internal: not written yet"); }
export function conv2dBackwardWeight(_x: Tensor, _g: Tensor, _s: readonly number[], _a: Conv2dAttrs): Tensor { throw new Error("internal: not written yet"); }
