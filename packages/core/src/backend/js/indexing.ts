import type { Tensor } from "../../tensor.js";
export function gather(_x: Tensor, _axis: number, _index: Tensor): Tensor { throw new Error("internal: gather kernel not written yet"); }
export function scatterAdd(_x: Tensor, _axis: number, _index: Tensor, _src: Tensor): Tensor { throw new Error("internal: scatterAdd kernel not written yet"); }
