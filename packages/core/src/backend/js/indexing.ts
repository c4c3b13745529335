/**
 * Indexing kernels of the JS backend: gather and scatterAdd along one axis, over strided
 * operands (a broadcast index with stride 0 needs no copy).
 * @module
 */
import type { Tensor } from "../../tensor.js";
import { ShapeError, formatShape } from "../../errors.js";
import { copy } from "./memory.js";
import { forEachRow } from "./loops.js";
import { newTensor } from "./util.js";

function outOfRange(kernel: string, value: number, axis: number, x: Tensor): ShapeError {
  const n = x.shape[axis];
  return new ShapeError(
    `${kernel}: index ${value} is out of range for axis ${axis} of size ${n} in ${formatShape(x.shape)}; expected indices in [0, ${n - 1}]`,
  );
}

/** x's strides with the indexed axis zeroed: the index supplies that coordinate. */
function offAxis(strides: readonly number[], axis: number): number[] {
  return strides.map((s, i) => (i === axis ? 0 : s));
}

/**
 * out[i][j] = x[index[i][j]][j] for axis 0 (likewise for other axes); out has index's shape,
 * and index may be smaller than x off the axis.
 * @throws {ShapeError} for an index outside [0, x.shape[axis]).
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const out = newTensor(index.shape, x.dtype);
  const xd = x.storage.data;
  const id = index.storage.data;
  const od = out.storage.data;
  const n = x.shape[axis];
  const step = x.strides[axis];
  try {
    forEachRow(index.shape, [index.strides, offAxis(x.strides, axis), out.strides], [index.offset, x.offset, out.offset], (m, [io, xo, oo], [is, xs, os]) => {
      for (let k = 0; k < m; k++) {
        const j = id[io + k * is];
        if (j < 0 || j >= n) throw outOfRange("gather", j, axis, x);
        od[oo + k * os] = xd[xo + k * xs + j * step];
      }
    });
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}

/**
 * A contiguous copy of x with src[i][j] added at [index[i][j]][j] for axis 0 (likewise for
 * other axes); repeated indices accumulate. src may be larger than index (the extra is unused).
 * @throws {ShapeError} for an index outside [0, x.shape[axis]).
 */
export function scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  const out = copy(x);
  const sd = src.storage.data;
  const id = index.storage.data;
  const od = out.storage.data;
  const n = x.shape[axis];
  const step = out.strides[axis];
  try {
    forEachRow(index.shape, [index.strides, src.strides, offAxis(out.strides, axis)], [index.offset, src.offset, out.offset], (m, [io, so, oo], [is, ss, os]) => {
      for (let k = 0; k < m; k++) {
        const j = id[io + k * is];
        if (j < 0 || j >= n) throw outOfRange("scatterAdd", j, axis, x);
        od[oo + k * os + j * step] += sd[so + k * ss];
      }
    });
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}
