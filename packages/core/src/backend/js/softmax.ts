/**
 * Softmax and log-softmax kernels of the JS backend: one pass per row along the axis, shifted
 * by the row maximum so exp never overflows.
 * @module
 */
import type { Tensor } from "../../tensor.js";
import { forEachRow } from "./loops.js";
import { newTensor } from "./util.js";

function rowKernel(log: boolean) {
  return (x: Tensor, axis: number): Tensor => {
    const out = newTensor(x.shape, x.dtype);
    const xd = x.storage.data;
    const od = out.storage.data;
    const n = x.shape[axis];
    const xs = x.strides[axis];
    const os = out.strides[axis];
    if (n === 0 || x.size === 0) return out;
    // Walk every position of the other axes; each is the start of one row along `axis`.
    const outer = x.shape.map((d, i) => (i === axis ? 1 : d));
    forEachRow(outer, [x.strides, out.strides], [x.offset, 0], (m, [xo, oo], [xStep, oStep]) => {
      for (let r = 0; r < m; r++) {
        const xb = xo + r * xStep;
        const ob = oo + r * oStep;
        let mx = -Infinity;
        for (let i = 0; i < n; i++) {
          const v = xd[xb + i * xs];
          if (v > mx || v !== v) mx = v;
        }
        // Shifting by the maximum even when it is not finite gives PyTorch's special values: a
        // row with +Infinity (inf - inf) or NaN, or a row of -Infinity, comes out all NaN.
        let total = 0;
        for (let i = 0; i < n; i++) {
          const e = Math.exp(xd[xb + i * xs] - mx);
          total += e;
          if (!log) od[ob + i * os] = e;
        }
        if (log) {
          // (x - max) - log(total): adding max back to log(total) first would round the log term
          // away next to a large max (1e30 + log 2 is 1e30).
          const lt = Math.log(total);
          for (let i = 0; i < n; i++) od[ob + i * os] = xd[xb + i * xs] - mx - lt;
        } else {
          const inv = 1 / total;
          for (let i = 0; i < n; i++) od[ob + i * os] *= inv;
        }
      }
    });
    return out;
  };
}

/** Softmax along one axis: exp(x - max) / sum(exp(x - max)). */
export const softmax = rowKernel(false);

/** Log-softmax along one axis: x - max - log(sum(exp(x - max))). */
export const logSoftmax = rowKernel(true);
