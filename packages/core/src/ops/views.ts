/**
 * Raw views: new tensors over the same storage with other shape, strides or offset. No
 * autograd here; the movement ops wrap these in `defineOp`.
 * @module
 */
import { Tensor } from "../tensor.js";
import { ShapeError, formatShape } from "../errors.js";
import { contiguousStrides } from "../shape.js";
import { checkTensorView } from "../backend/checkedBackend.js";

/** A view of x broadcast to `shape` (NumPy rules; new and size-1 axes get stride 0). */
export function broadcastView(x: Tensor, shape: readonly number[]): Tensor {
  const n = shape.length;
  const lead = n - x.rank;
  if (lead < 0) throw new ShapeError(`expand: cannot expand ${formatShape(x.shape)} to fewer axes ${formatShape(shape)}`);
  const strides = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    if (i < lead) {
      strides[i] = 0;
      continue;
    }
    const d = x.shape[i - lead];
    if (d === shape[i]) strides[i] = x.strides[i - lead];
    else if (d === 1) strides[i] = 0;
    else throw new ShapeError(`expand: cannot expand ${formatShape(x.shape)} to ${formatShape(shape)} (axis ${i}: ${d} vs ${shape[i]})`);
  }
  return new Tensor(x.storage, [...shape], strides, x.offset);
}

/** A view of x with its axes reordered (axes must be a permutation, already checked). */
export function permuteView(x: Tensor, axes: readonly number[]): Tensor {
  return new Tensor(
    x.storage,
    axes.map((a) => x.shape[a]),
    axes.map((a) => x.strides[a]),
    x.offset,
  );
}

/**
 * A view of x in a new shape of the same size, or null when the strides cannot express it
 * without a copy.
 */
export function reshapeView(x: Tensor, shape: readonly number[]): Tensor | null {
  // Without elements any strides will do (and the chunk walk below assumes non-zero sizes).
  if (x.isContiguous || x.size === 0) return new Tensor(x.storage, [...shape], contiguousStrides(shape), x.offset);
  // Split and merge runs of axes whose strides chain; bail out when a merge would cross a gap.
  const newStrides = new Array<number>(shape.length);
  const oldShape = x.shape.filter((d) => d !== 1);
  const oldStrides = x.strides.filter((_, i) => x.shape[i] !== 1);
  let oi = 0;
  let ni = 0;
  while (ni < shape.length) {
    if (shape[ni] === 1) {
      newStrides[ni++] = 0;
      continue;
    }
    if (oi >= oldShape.length) return null;
    // gather one chunk of old axes and one of new axes with equal products
    let oldSize = oldShape[oi];
    let newSize = shape[ni];
    const oStart = oi;
    const nStart = ni;
    while (oldSize !== newSize) {
      if (oldSize < newSize) oldSize *= oldShape[++oi];
      else newSize *= shape[++ni];
    }
    for (let k = oStart; k < oi; k++) if (oldStrides[k] !== oldStrides[k + 1] * oldShape[k + 1]) return null;
    let stride = oldStrides[oi];
    for (let k = ni; k >= nStart; k--) {
      if (shape[k] === 1) {
        newStrides[k] = 0;
        continue;
      }
      newStrides[k] = stride;
      stride *= shape[k];
    }
    oi++;
    ni++;
  }
  return new Tensor(x.storage, [...shape], newStrides, x.offset);
}

/**
 * One axis of a resolved slice: `count` elements from `start` in steps of `step`, or, when
 * `drop` is set, the single element at `start` with the axis removed.
 */
export interface AxisRange {
  start: number;
  step: number;
  count: number;
  drop: boolean;
}

/** A view of x over the resolved ranges (one per axis of x). */
export function sliceView(x: Tensor, ranges: readonly AxisRange[]): Tensor {
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = x.offset;
  ranges.forEach((r, i) => {
    // An empty range never reads, so its start may sit past the end; keep the offset in bounds.
    if (r.count > 0) offset += r.start * x.strides[i];
    if (r.drop) return;
    shape.push(r.count);
    strides.push(r.count > 1 ? x.strides[i] * r.step : x.strides[i]);
  });
  return new Tensor(x.storage, shape, strides, offset);
}

/**
 * The input handed back as an op's result (a reshape to its own shape, an identity
 * permutation): no kernel reads it, so its view is checked here, as kernels check operands.
 */
export function unchanged(x: Tensor, where: string): Tensor {
  checkTensorView(x, where);
  return x;
}
