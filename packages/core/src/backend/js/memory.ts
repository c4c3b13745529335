/**
 * Copy, fill and cast kernels of the JS backend.
 * @module
 */
import type { DType } from "../../dtype.js";
import type { Tensor } from "../../tensor.js";
import { forEachRow } from "./loops.js";
import { newTensor, outputFor } from "./util.js";

/** Copies x into `out` (any view of x's shape and dtype) or a new contiguous tensor. */
export function copy(x: Tensor, out?: Tensor | null): Tensor {
  const o = outputFor("copy", x.shape, x.dtype, out);
  const xd = x.storage.data;
  const od = o.storage.data;
  forEachRow(x.shape, [x.strides, o.strides], [x.offset, o.offset], (n, [xo, oo], [xs, os]) => {
    if (xs === 1 && os === 1) od.set(xd.subarray(xo, xo + n), oo);
    else for (let i = 0; i < n; i++) od[oo + i * os] = xd[xo + i * xs];
  });
  return o;
}

/** Writes `value` into every element of `out`. */
export function fill(out: Tensor, value: number): Tensor {
  const od = out.storage.data;
  forEachRow(out.shape, [out.strides], [out.offset], (n, [oo], [os]) => {
    if (os === 1) od.fill(value, oo, oo + n);
    else for (let i = 0; i < n; i++) od[oo + i * os] = value;
  });
  return out;
}

/** Converts to another dtype: to int32 truncates toward zero, to bool tests non-zero. */
export function cast(x: Tensor, dtype: DType): Tensor {
  const o = newTensor(x.shape, dtype);
  const xd = x.storage.data;
  const od = o.storage.data;
  const toBool = dtype === "bool";
  forEachRow(x.shape, [x.strides, o.strides], [x.offset, o.offset], (n, [xo, oo], [xs, os]) => {
    if (toBool) for (let i = 0; i < n; i++) od[oo + i * os] = xd[xo + i * xs] !== 0 ? 1 : 0;
    else for (let i = 0; i < n; i++) od[oo + i * os] = xd[xo + i * xs];
  });
  return o;
}
