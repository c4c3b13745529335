import type { Tensor } from "../../tensor.js";
import type { Pool2dAttrs } from "../kernels.js";
export function maxPool2d(_x: Tensor, _a: Pool2dAttrs): [Tensor, Tensor] { throw new Error("internal: not written yet"); }
export function maxPool2dBackward(_g: Tensor, _i: Tensor, _s: readonly number[]): Tensor { throw new Error("internal: not written yet"); }
export function avgPool2d(_x: Tensor, _a: Pool2dAttrs): Tensor { throw new Error("internal: not written yet"); }
export function avgPool2dBackward(_g: Tensor, _s: readonly number[], _a: Pool2dAttrs): Tensor { throw new Error("internal: not written yet"); }
