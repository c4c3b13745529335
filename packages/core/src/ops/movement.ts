/**
 * Movement ops: reshaping, transposing, broadcasting, slicing, joining and indexing.
 * Views share storage where the strides allow; everything else copies.
 * @module
 */
import { checkTensorView } from "../backend/checkedBackend.js";
import { defineOp } from "../defineOp.js";
import { Tensor } from "../tensor.js";
import { kernels } from "../backend/backend.js";
import { DTypeError, ShapeError, ValueError, describeValue, formatShape } from "../errors.js";
import { checkAxis, checkNumber, checkTensor, checkTensorList } from "../validate.js";
import { checkShape, normalizeAxis, shapesEqual, sizeOf } from "../shape.js";
import { promoteTypes } from "../dtype.js";
import { empty, full } from "../creation.js";
import { broadcastView, permuteView, reshapeView, sliceView, unchanged } from "./views.js";
import type { AxisRange } from "./views.js";
import { sumTo } from "./reduce.js";
import { cast } from "./elementwise.js";

/** Resolves a target shape with at most one -1 against a size. */
function resolveShape(shape: readonly number[], size: number, from: readonly number[]): number[] {
  const out = [...shape];
  let infer = -1;
  for (let i = 0; i < out.length; i++) {
    const d = out[i];
    if (d === -1) {
      if (infer >= 0) throw new ShapeError(`reshape: only one size can be -1; got ${formatShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ValueError(`reshape: sizes must be non-negative integers or -1; got ${formatShape(shape)}`);
    }
  }
  if (infer >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== infer));
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(shape)}`);
    }
    out[infer] = size / known;
  }
  if (sizeOf(out) !== size) {
    throw new ShapeError(`reshape: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(shape)} (${sizeOf(out)} elements)`);
  }
  return out;
}

const reshapeOp = defineOp({
  name: "reshape",
  forward: (x: Tensor, shape: number[]) => {
    checkTensor(x, "reshape");
    // A view op reads no element, so no kernel checks its input: a forged view is refused here.
    checkTensorView(x, "reshape");
    const target = checkShape(shape, "reshape");
    if (sizeOf(target) !== x.size) {
      throw new ShapeError(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(target)}; expected a shape of ${x.size} elements`);
    }
    const view = reshapeView(x, target);
    if (view !== null) return view;
    const c = kernels().copy(x);
    const r = reshapeView(c, target)!;
    c.dispose();
    return r;
  },
  backward: (g, [x]) => [reshape(g, x.shape), null],
});

/**
 * The same elements in a new shape, in row-major order; a view when the strides allow, a copy
 * otherwise. One size may be -1 (inferred).
 * Shape: `shape`.
 * @throws {ShapeError} when the element counts differ or more than one size is -1.
 * @throws {ValueError} for a negative or fractional size.
 * @example
 * ```ts
 * import { reshape, arange } from "@backprop/core";
 * reshape(arange(6), [2, -1]).toArray(); // [[0, 1, 2], [3, 4, 5]]
 * ```
 * @category Ops
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, "reshape");
  if (!Array.isArray(shape)) throw new ValueError(`reshape: shape must be an array of sizes; got ${describeValue(shape)}`);
  const target = checkShape(resolveShape(shape, x.size, x.shape), "reshape");
  // Handing back the input reads nothing, so no kernel checks its view: check it here.
  if (shapesEqual(target, x.shape)) return unchanged(x, "reshape");
  return reshapeOp(x, target);
}

/**
 * Flattens axes `startAxis` through `endAxis` into one.
 * Shape: e.g. [N, C, H, W] -> [N, C*H*W] with startAxis 1.
 * @throws {ShapeError} for an out-of-range axis or startAxis after endAxis.
 * @example
 * ```ts
 * import { flatten, zeros } from "@backprop/core";
 * flatten(zeros([2, 3, 4]), 1).shape; // [2, 12]
 * ```
 * @category Ops
 */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  checkTensor(x, "flatten");
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeAxis(startAxis, x.rank, "flatten");
  const e = normalizeAxis(endAxis, x.rank, "flatten");
  if (s > e) throw new ShapeError(`flatten: startAxis ${startAxis} comes after endAxis ${endAxis} for a tensor of rank ${x.rank}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

const permuteOp: (x: Tensor, axes: number[]) => Tensor = defineOp({
  name: "permute",
  forward: (x: Tensor, axes: number[]) => {
    checkTensor(x, "permute");
    checkTensorView(x, "permute");
    checkPermutation(axes, x.rank, "permute");
    return permuteView(x, axes);
  },
  backward: (g, [, axes]): [Tensor, null] => {
    const inverse = new Array<number>(axes.length);
    axes.forEach((a, i) => (inverse[a] = i));
    return [permuteOp(g, inverse), null];
  },
});

/**
 * Reorders the axes; a view.
 * Shape: `[x.shape[axes[0]], x.shape[axes[1]], ...]`.
 * @throws {ShapeError} when `axes` is not a permutation of the axes.
 * @example
 * ```ts
 * import { permute, zeros } from "@backprop/core";
 * permute(zeros([2, 3, 4]), [2, 0, 1]).shape; // [4, 2, 3]
 * ```
 * @category Ops
 */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  checkTensor(x, "permute");
  if (!isList(axes)) throw new ValueError(`permute: axes are not a list; expected a permutation of the ${x.rank} axes, got ${describeValue(axes)}`);
  if (axes.length !== x.rank) {
    throw new ShapeError(`permute: expected ${x.rank} axes for a tensor of shape ${formatShape(x.shape)}; got [${axes.join(", ")}]`);
  }
  const norm = axes.map((a) => normalizeAxis(a, x.rank, "permute"));
  if (new Set(norm).size !== norm.length) throw new ShapeError(`permute: axes must not repeat; got [${axes.join(", ")}]`);
  if (norm.every((a, i) => a === i)) return unchanged(x, "permute");
  return permuteOp(x, norm);
}

/**
 * Swaps two axes (the last two by default); a view.
 * Shape: x's shape with the two sizes swapped.
 * @throws {ShapeError} for an out-of-range axis.
 * @example
 * ```ts
 * import { transpose, tensor } from "@backprop/core";
 * transpose(tensor([[1, 2, 3]])).toArray(); // [[1], [2], [3]]
 * ```
 * @category Ops
 */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  checkTensor(x, "transpose");
  if (x.rank < 2 && axis0 === -2 && axis1 === -1) return unchanged(x, "transpose");
  const a = normalizeAxis(axis0, x.rank, "transpose");
  const b = normalizeAxis(axis1, x.rank, "transpose");
  const axes = x.shape.map((_, i) => i);
  axes[a] = b;
  axes[b] = a;
  return permute(x, axes);
}

/** Checks axes in the form permute records: a permutation of [0, rank). */
function checkPermutation(axes: unknown, rank: number, where: string): void {
  // rank distinct integers in [0, rank) (ranks are small: no allocation on this hot path).
  let ok = Array.isArray(axes) && axes.length === rank;
  for (let i = 0; ok && i < rank; i++) {
    const a: unknown = (axes as unknown[])[i];
    ok = typeof a === "number" && Number.isInteger(a) && a >= 0 && a < rank;
    for (let j = 0; ok && j < i; j++) ok = (axes as unknown[])[j] !== a;
  }
  if (!ok) throw new ShapeError(`${where}: axes are not a permutation of the ${rank} axes; expected each of 0 to ${rank - 1} once, got ${describeValue(axes)}`);
}

const expandOp = defineOp({
  name: "expand",
  forward: (x: Tensor, shape: number[]) => {
    checkTensor(x, "expand");
    checkTensorView(x, "expand");
    return broadcastView(x, checkShape(shape, "expand"));
  },
  backward: (g, [x]) => [sumTo(g, x.shape), null],
});

/**
 * Broadcasts to a larger shape without copying (size-1 and missing leading axes repeat);
 * -1 keeps a size.
 * Shape: `shape`.
 * @throws {ShapeError} when x does not broadcast to `shape`.
 * @example
 * ```ts
 * import { expand, tensor } from "@backprop/core";
 * expand(tensor([[1], [2]]), [2, 3]).toArray(); // [[1, 1, 1], [2, 2, 2]]
 * ```
 * @category Ops
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, "expand");
  if (!isList(shape)) throw new ValueError(`expand: shape must be an array of sizes; got ${describeValue(shape)}`);
  const lead = shape.length - x.rank;
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  checkShape(target, "expand");
  if (shapesEqual(target, x.shape)) return unchanged(x, "expand");
  return expandOp(x, target);
}

/**
 * Removes axes of length 1: the given ones, or all of them.
 * Shape: x's shape without those axes.
 * @throws {ShapeError} when a given axis is not of length 1.
 * @example
 * ```ts
 * import { squeeze, zeros } from "@backprop/core";
 * squeeze(zeros([1, 3, 1])).shape; // [3]
 * ```
 * @category Ops
 */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  checkTensor(x, "squeeze");
  let axes: number[];
  if (axis === undefined) axes = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  else if (typeof axis !== "number" && !isList(axis)) {
    throw new ValueError(`squeeze: axis must be an axis, a list of axes or undefined (all axes of size 1); got ${describeValue(axis)}`);
  } else {
    axes = (typeof axis === "number" ? [axis] : [...axis]).map((a) => normalizeAxis(a, x.rank, "squeeze"));
    for (const a of axes) {
      if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} has size ${x.shape[a]}, not 1, in ${formatShape(x.shape)}`);
    }
  }
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Inserts an axis of length 1 at `axis` (negative counts from the end of the result).
 * Shape: x's shape with a 1 inserted.
 * @throws {ShapeError} for an axis outside [-(rank + 1), rank].
 * @example
 * ```ts
 * import { unsqueeze, zeros } from "@backprop/core";
 * unsqueeze(zeros([3]), 0).shape; // [1, 3]
 * ```
 * @category Ops
 */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  checkTensor(x, "unsqueeze");
  const a = normalizeAxis(axis, x.rank + 1, "unsqueeze");
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

const copyOp = defineOp({
  name: "copy",
  forward: (x: Tensor) => {
    checkTensor(x, "copy");
    return kernels().copy(x);
  },
  backward: (g) => [g],
});

/**
 * This tensor if it is already contiguous, otherwise a contiguous copy (in the graph).
 * Shape: same as x.
 * @example
 * ```ts
 * import { contiguous, zeros } from "@backprop/core";
 * contiguous(zeros([2, 3]).transpose()).isContiguous; // true
 * ```
 * @category Ops
 */
export function contiguous(x: Tensor): Tensor {
  checkTensor(x, "contiguous");
  if (!x.isContiguous) return copyOp(x);
  return unchanged(x, "contiguous");
}

/**
 * A contiguous copy of x that stays in the autograd graph (gradient flows through unchanged).
 * Shape: same as x.
 * @example
 * ```ts
 * import { clone, tensor } from "@backprop/core";
 * clone(tensor([1, 2])).toArray(); // [1, 2]
 * ```
 * @category Ops
 */
export function clone(x: Tensor): Tensor {
  checkTensor(x, "clone");
  return copyOp(x);
}

/**
 * One axis of basic indexing: an index (the axis is dropped), a `[start, end, step]` range
 * (any part may be omitted or null; negatives count from the end), or null for the whole axis.
 * @category Ops
 */
export type SliceSpec = number | null | readonly [start?: number | null, end?: number | null, step?: number | null];

const notInteger = (v: unknown): boolean => typeof v !== "number" || !Number.isInteger(v);
// Array.isArray narrows a readonly array to any[]; this keeps the element type for the checks.
const isList = <T>(v: readonly T[]): boolean => Array.isArray(v);

/** Resolves slice specs against a shape, Python-style (clamped ranges, negative steps). */
function resolveSlice(shape: readonly number[], specs: readonly SliceSpec[]): AxisRange[] {
  if (!Array.isArray(specs)) throw new ValueError(`slice: specs must be an array with one entry per axis; got ${String(specs)}`);
  if (specs.length > shape.length) {
    throw new ShapeError(`slice: too many specs for a tensor of shape ${formatShape(shape)}; expected at most ${shape.length}, got ${specs.length}`);
  }
  return shape.map((n, axis): AxisRange => {
    const spec = specs[axis] as SliceSpec | undefined;
    if (spec === undefined || spec === null) return { start: 0, step: 1, count: n, drop: false };
    if (typeof spec === "number") {
      if (!Number.isInteger(spec)) throw new ValueError(`slice: axis ${axis}: an index must be an integer; got ${spec}`);
      if (spec < -n || spec >= n) {
        throw new ShapeError(`slice: index ${spec} is out of range for axis ${axis} of size ${n} in ${formatShape(shape)}; expected an index in [${-n}, ${n - 1}]`);
      }
      return { start: spec < 0 ? spec + n : spec, step: 1, count: 1, drop: true };
    }
    if (!Array.isArray(spec)) throw new ValueError(`slice: axis ${axis}: expected an index, a [start, end, step] range or null; got ${String(spec)}`);
    if (spec.length > 3) throw new ValueError(`slice: axis ${axis}: a range has at most 3 parts [start, end, step]; got ${spec.length}`);
    const [start, end, step] = spec as readonly (number | null | undefined)[];
    for (const v of [start, end, step]) {
      if (v !== null && v !== undefined && notInteger(v)) {
        throw new ValueError(`slice: axis ${axis}: range parts must be integers or null; got [${spec.map(String).join(", ")}]`);
      }
    }
    const st = step ?? 1;
    if (st === 0) throw new ValueError(`slice: axis ${axis}: step must not be 0`);
    // Python's slice.indices: negatives count from the end, then clamp to the valid range.
    const bound = (v: number | null | undefined, fallback: number, lo: number, hi: number): number => {
      if (v === null || v === undefined) return fallback;
      const w = v < 0 ? v + n : v;
      return Math.min(Math.max(w, lo), hi);
    };
    if (st > 0) {
      const b = bound(start, 0, 0, n);
      const e = bound(end, n, 0, n);
      return { start: b, step: st, count: Math.max(0, Math.ceil((e - b) / st)), drop: false };
    }
    const b = bound(start, n - 1, -1, n - 1);
    const e = bound(end, -1, -1, n - 1);
    return { start: b, step: st, count: Math.max(0, Math.ceil((b - e) / -st)), drop: false };
  });
}

/**
 * Checks resolved ranges (the form slice and sliceScatter record) against a shape: one range per
 * axis, each inside its axis; returns the shape of the window they describe.
 */
function checkRanges(shape: readonly number[], ranges: unknown, where: string): number[] {
  if (!Array.isArray(ranges) || ranges.length !== shape.length) {
    throw new ValueError(`${where}: ranges are not one { start, step, count, drop } per axis of ${formatShape(shape)}; got ${describeValue(ranges)}`);
  }
  const window: number[] = [];
  ranges.forEach((r: unknown, axis) => {
    const { start, step, count, drop } = (typeof r === "object" && r !== null ? r : {}) as Partial<AxisRange>;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(step) || step === 0 || !Number.isSafeInteger(count) || count! < 0 || typeof drop !== "boolean" || (drop && count !== 1)) {
      throw new ValueError(`${where}: axis ${axis}: the range is malformed; expected { start, step, count, drop } with integer start, step (not 0) and count (>= 0), and drop only for a count of 1, got ${describeValue(r)}`);
    }
    const n = shape[axis];
    const last = start! + (count! - 1) * step!;
    if (count! > 0 && (start! < 0 || start! >= n || last < 0 || last >= n)) {
      throw new ShapeError(`${where}: axis ${axis}: the range (start ${start}, step ${step}, count ${count}) reaches index ${start! < 0 || start! >= n ? start : last}; expected every index inside the axis of size ${n} in ${formatShape(shape)}`);
    }
    if (!drop) window.push(count!);
  });
  return window;
}

const sliceOp: (x: Tensor, ranges: AxisRange[]) => Tensor = defineOp({
  name: "slice",
  forward: (x: Tensor, ranges: AxisRange[]) => {
    checkTensor(x, "slice");
    checkTensorView(x, "slice");
    checkRanges(x.shape, ranges, "slice");
    return sliceView(x, ranges);
  },
  // The adjoint of taking a window is placing g back into zeros of x's shape.
  backward: (g, [x, ranges]) => [sliceScatterOp(g, x.shape as number[], ranges, 0), null],
});

// Places x into a new tensor of `shape` filled with `value`, at the window `ranges`
// describes: the backward of slice and the forward of pad.
const sliceScatterOp: (x: Tensor, shape: number[], ranges: AxisRange[], value: number) => Tensor = defineOp({
  name: "sliceScatter",
  forward: (x: Tensor, shape: number[], ranges: AxisRange[], value: number) => {
    checkTensor(x, "sliceScatter");
    const window = checkRanges(checkShape(shape, "sliceScatter"), ranges, "sliceScatter");
    if (!shapesEqual(window, x.shape)) {
      throw new ShapeError(`sliceScatter: the window ${formatShape(window)} does not fit the input; expected the input's shape ${formatShape(x.shape)}, got ${formatShape(window)}`);
    }
    checkNumber(value, "sliceScatter", "value");
    const out = full(shape, value, { dtype: x.dtype });
    const view = sliceView(out, ranges);
    kernels().copy(x, view);
    view.dispose();
    return out;
  },
  backward: (g, [, , ranges]) => [sliceOp(g, ranges), null, null, null],
});

/**
 * Basic indexing, like NumPy's `x[1, 2:5, ::-1]`: per axis an integer index (drops the axis;
 * negative counts from the end), a `[start, end, step]` range (parts optional or null,
 * negatives count from the end, clamped like Python, negative steps allowed) or null for the
 * whole axis; axes without a spec are taken whole. A view: no data is copied.
 * Shape: x's shape with indexed axes removed and ranged axes shortened.
 * @throws {ShapeError} for an index out of range (naming the axis, index and size) or more specs than axes.
 * @throws {ValueError} for a zero step or a non-integer part.
 * @example
 * ```ts
 * import { slice, arange } from "@backprop/core";
 * const x = arange(12).reshape([3, 4]);
 * slice(x, [1]).toArray();                   // [4, 5, 6, 7]
 * slice(x, [null, [1, 3]]).toArray();        // [[1, 2], [5, 6], [9, 10]]
 * slice(x, [[null, null, -1], -1]).toArray(); // [11, 7, 3]
 * ```
 * @category Ops
 */
export function slice(x: Tensor, specs: readonly SliceSpec[]): Tensor {
  checkTensor(x, "slice");
  const ranges = resolveSlice(x.shape, specs);
  if (ranges.every((r, i) => !r.drop && r.start === 0 && r.step === 1 && r.count === x.shape[i])) return unchanged(x, "slice");
  return sliceOp(x, ranges);
}

/** A whole-axes window except [start, start + count) on one axis. */
function axisWindow(shape: readonly number[], axis: number, start: number, count: number): SliceSpec[] {
  return shape.map((_, i) => (i === axis ? [start, start + count] : null));
}

/**
 * Splits x along an axis: into pieces of `sizes` elements (the last one may be smaller, as in
 * `torch.split`), or into pieces of the listed sizes, which must add up to the axis length.
 * Each piece is a view.
 * Shape: x's shape with the axis length replaced by each piece's size.
 * @throws {ValueError} for a non-positive piece size or a negative listed size.
 * @throws {ShapeError} when listed sizes do not add up to the axis length.
 * @example
 * ```ts
 * import { split, arange } from "@backprop/core";
 * split(arange(5), 2).map((t) => t.toArray());      // [[0, 1], [2, 3], [4]]
 * split(arange(5), [1, 4]).map((t) => t.toArray()); // [[0], [1, 2, 3, 4]]
 * ```
 * @category Ops
 */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  checkTensor(x, "split");
  const a = normalizeAxis(axis, x.rank, "split");
  const n = x.shape[a];
  let pieces: number[];
  if (typeof sizes === "number") {
    if (!Number.isInteger(sizes) || sizes <= 0) throw new ValueError(`split: a piece size must be a positive integer; got ${sizes}`);
    pieces = [];
    for (let at = 0; at < n; at += sizes) pieces.push(Math.min(sizes, n - at));
    if (n === 0) pieces.push(0);
  } else {
    if (!isList(sizes)) throw new ValueError(`split: sizes must be a number or an array of numbers; got ${String(sizes)}`);
    if (sizes.some((d) => notInteger(d) || d < 0)) {
      throw new ValueError(`split: sizes must be non-negative integers; got [${sizes.join(", ")}]`);
    }
    const total = sizes.reduce((s, d) => s + d, 0);
    if (total !== n) {
      throw new ShapeError(`split: sizes [${sizes.join(", ")}] add up to ${total}; expected the length ${n} of axis ${a} of ${formatShape(x.shape)}`);
    }
    pieces = [...sizes];
  }
  let at = 0;
  return pieces.map((d) => {
    const piece = slice(x, axisWindow(x.shape, a, at, d));
    at += d;
    return piece;
  });
}

/**
 * Splits x into `n` pieces along an axis as `torch.chunk` does: pieces of ceil(length / n)
 * elements, the last one smaller, so there may be fewer than n pieces. Each piece is a view.
 * Shape: x's shape with the axis length replaced by each piece's size.
 * @throws {ValueError} when n is not a positive integer.
 * @example
 * ```ts
 * import { chunk, arange } from "@backprop/core";
 * chunk(arange(5), 2).map((t) => t.toArray()); // [[0, 1, 2], [3, 4]]
 * ```
 * @category Ops
 */
export function chunk(x: Tensor, n: number, axis = 0): Tensor[] {
  checkTensor(x, "chunk");
  if (!Number.isInteger(n) || n <= 0) throw new ValueError(`chunk: the number of chunks must be a positive integer; got ${n}`);
  const a = normalizeAxis(axis, x.rank, "chunk");
  return split(x, Math.max(1, Math.ceil(x.shape[a] / n)), a);
}

/**
 * Constant padding, like `np.pad(x, pads, constant_values=value)`: one `[before, after]`
 * pair per axis starting from the FIRST axis; axes after the last pair are not padded.
 * Negative amounts crop instead. The gradient is the slice of g over the original window.
 * Shape: `[x.shape[i] + before_i + after_i, ...]`.
 * @throws {ShapeError} for more pairs than axes or a crop larger than the axis.
 * @throws {ValueError} for a malformed pair.
 * @example
 * ```ts
 * import { pad, tensor } from "@backprop/core";
 * pad(tensor([[1, 2]]), [[1, 0], [0, 1]]).toArray(); // [[0, 0, 0], [1, 2, 0]]
 * ```
 * @category Ops
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  checkTensor(x, "pad");
  if (!isList(pads)) throw new ValueError(`pad: pads must be an array of [before, after] pairs; got ${String(pads)}`);
  if (pads.length > x.rank) {
    throw new ShapeError(`pad: too many pairs for a tensor of shape ${formatShape(x.shape)}; expected at most ${x.rank}, got ${pads.length}`);
  }
  const pairs = x.shape.map((_, i): readonly [number, number] => (i < pads.length ? pads[i] : [0, 0]));
  pairs.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || notInteger(p[0]) || notInteger(p[1])) {
      throw new ValueError(`pad: axis ${i}: expected a [before, after] pair of integers; got ${JSON.stringify(p)}`);
    }
    if (x.shape[i] + Math.min(p[0], 0) + Math.min(p[1], 0) < 0) {
      throw new ShapeError(`pad: axis ${i}: cannot crop [${p.join(", ")}] from size ${x.shape[i]} in ${formatShape(x.shape)}`);
    }
  });
  // Crops first (a view), then pads what remains.
  const cropped = slice(x, pairs.map(([b, e], i) => [Math.max(-b, 0), x.shape[i] - Math.max(-e, 0)]));
  if (pairs.every(([b, e]) => b <= 0 && e <= 0)) return cropped;
  const shape = checkShape(cropped.shape.map((d, i) => d + Math.max(pairs[i][0], 0) + Math.max(pairs[i][1], 0)), "pad");
  const ranges = cropped.shape.map((d, i): AxisRange => ({ start: Math.max(pairs[i][0], 0), step: 1, count: d, drop: false }));
  return sliceScatterOp(cropped, shape, ranges, value);
}

const listShapes = (xs: readonly Tensor[]): string => xs.map((t) => formatShape(t.shape)).join(", ");

/** Checks that tensors match except along one axis (of the first one's rank). */
function checkConcatShapes(xs: readonly Tensor[], axis: number, where: string): void {
  const first = xs[0];
  for (const t of xs) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw new ShapeError(`${where}: shapes must match except on axis ${axis}; got ${listShapes(xs)}`);
    }
  }
}

const concatOp = defineOp({
  name: "concat",
  forward: (xs: Tensor[], axis: number) => {
    checkTensorList(xs, "concat");
    checkAxis(axis, xs[0].rank, "concat");
    checkConcatShapes(xs, axis, "concat");
    const dtype = xs[0].dtype;
    const other = xs.find((t) => t.dtype !== dtype);
    if (other !== undefined) throw new DTypeError(`concat: tensors of several dtypes; expected one dtype (${dtype}), got ${other.dtype} too`);
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((s, t) => s + t.shape[axis], 0);
    checkShape(shape, "concat");
    const out = empty(shape, { dtype: xs[0].dtype });
    let at = 0;
    for (const t of xs) {
      const window = sliceView(out, shape.map((d, i): AxisRange => (i === axis ? { start: at, step: 1, count: t.shape[axis], drop: false } : { start: 0, step: 1, count: d, drop: false })));
      kernels().copy(t, window);
      window.dispose();
      at += t.shape[axis];
    }
    return out;
  },
  // Each input gets back its own window of g.
  backward: (g, [xs, axis]) => [split(g, xs.map((t) => t.shape[axis]), axis), null],
});

/**
 * Joins tensors along an existing axis; dtypes are promoted to a common one.
 * Shape: the common shape with the axis lengths added up.
 * @throws {ShapeError} when the shapes differ off the axis (listing every shape).
 * @throws {ValueError} for an empty list.
 * @example
 * ```ts
 * import { concat, tensor } from "@backprop/core";
 * concat([tensor([[1, 2]]), tensor([[3, 4]])]).toArray();    // [[1, 2], [3, 4]]
 * concat([tensor([[1, 2]]), tensor([[3]])], 1).toArray();    // [[1, 2, 3]]
 * ```
 * @category Ops
 */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  checkTensorList(xs, "concat");
  const a = normalizeAxis(axis, xs[0].rank, "concat");
  checkConcatShapes(xs, a, "concat");
  const dtype = xs.map((t) => t.dtype).reduce(promoteTypes);
  const inputs = xs.map((t) => (t.dtype === dtype ? t : cast(t, dtype)));
  if (inputs.length === 1) return unchanged(inputs[0], "concat");
  return concatOp(inputs, a);
}

/**
 * Joins tensors of one shape along a new axis.
 * Shape: the common shape with `xs.length` inserted at `axis`.
 * @throws {ShapeError} when the shapes differ (listing every shape).
 * @throws {ValueError} for an empty list.
 * @example
 * ```ts
 * import { stack, tensor } from "@backprop/core";
 * stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(); // [[1, 3], [2, 4]]
 * ```
 * @category Ops
 */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  checkTensorList(xs, "stack");
  if (xs.some((t) => !shapesEqual(t.shape, xs[0].shape))) throw new ShapeError(`stack: every tensor must have the same shape; got ${listShapes(xs)}`);
  const a = normalizeAxis(axis, xs[0].rank + 1, "stack");
  return concat(xs.map((t) => unsqueeze(t, a)), a);
}

/** Checks an index tensor for gather/scatterAdd: int32 and of x's rank. */
function checkIndex(where: string, x: Tensor, index: unknown, axis: number): number {
  checkTensor(index, where, "index");
  if (index.dtype !== "int32") throw new DTypeError(`${where}: index must be int32; got a ${index.describe()}`);
  if (index.rank !== x.rank) {
    throw new ShapeError(`${where}: index must have the rank of x; expected ${x.rank} axes, got index ${formatShape(index.shape)} for x ${formatShape(x.shape)}`);
  }
  const a = normalizeAxis(axis, x.rank, where);
  index.shape.forEach((d, i) => {
    if (i !== a && d > x.shape[i]) {
      throw new ShapeError(`${where}: index ${formatShape(index.shape)} is larger than x ${formatShape(x.shape)} on axis ${i}`);
    }
  });
  return a;
}

const gatherOp: (x: Tensor, axis: number, index: Tensor) => Tensor = defineOp({
  name: "gather",
  forward: (x: Tensor, axis: number, index: Tensor) => {
    checkTensor(x, "gather");
    checkAxis(axis, x.rank, "gather");
    checkIndex("gather", x, index, axis);
    return kernels().gather(x, axis, index);
  },
  // Each picked element sends its gradient back to where it came from; repeats add up.
  backward: (g, [x, axis, index]) => [scatterAddOp(full(x.shape, 0, { dtype: g.dtype }), axis, index, g), null, null],
});

const scatterAddOp: (x: Tensor, axis: number, index: Tensor, src: Tensor) => Tensor = defineOp({
  name: "scatterAdd",
  forward: (x: Tensor, axis: number, index: Tensor, src: Tensor) => {
    checkTensor(x, "scatterAdd");
    checkAxis(axis, x.rank, "scatterAdd");
    checkScatter(x, axis, index, src);
    return kernels().scatterAdd(x, axis, index, src);
  },
  // out = x + S(src) with S linear: dx = g, dsrc = S^T g = gather(g).
  backward: (g, [, axis, index]) => [g, null, null, gatherOp(g, axis, index)],
});

/**
 * Picks elements along an axis, as `torch.gather`: for axis 0,
 * out[i][j] = x[index[i][j]][j]. index is int32 of x's rank, no larger than x off the axis.
 * Shape: index's shape.
 * @throws {ShapeError} for an index out of range (naming it and the axis size) or a bad index shape.
 * @throws {DTypeError} for an index that is not int32.
 * @example
 * ```ts
 * import { gather, tensor } from "@backprop/core";
 * const x = tensor([[1, 2], [3, 4]]);
 * gather(x, 1, tensor([[1], [0]], { dtype: "int32" })).toArray(); // [[2], [3]]
 * ```
 * @category Ops
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  checkTensor(x, "gather");
  const a = checkIndex("gather", x, index, axis);
  return gatherOp(x, a, index);
}

/**
 * Out-of-place scatter-add, as `torch.scatter_add`: a copy of x with, for axis 0,
 * src[i][j] added at [index[i][j]][j]. Repeated indices add up.
 * Shape: x's shape.
 * @throws {ShapeError} for an index out of range or index larger than src.
 * @throws {DTypeError} for an index that is not int32 or src of another dtype than x.
 * @example
 * ```ts
 * import { scatterAdd, zeros, tensor } from "@backprop/core";
 * const index = tensor([0, 2, 0], { dtype: "int32" });
 * scatterAdd(zeros([3]), 0, index, tensor([1, 2, 3])).toArray(); // [4, 0, 2]
 * ```
 * @category Ops
 */
export function scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  checkTensor(x, "scatterAdd");
  return scatterAddOp(x, checkScatter(x, axis, index, src), index, src);
}

/** Checks the operands of scatterAdd; returns the axis, normalized. */
function checkScatter(x: Tensor, axis: number, index: Tensor, src: Tensor): number {
  checkTensor(x, "scatterAdd");
  checkTensor(src, "scatterAdd", "src");
  const a = checkIndex("scatterAdd", x, index, axis);
  if (src.dtype !== x.dtype) throw new DTypeError(`scatterAdd: src must have x's dtype; expected ${x.dtype}, got ${src.dtype}`);
  if (src.rank !== index.rank || index.shape.some((d, i) => d > src.shape[i])) {
    throw new ShapeError(`scatterAdd: index ${formatShape(index.shape)} must be no larger than src ${formatShape(src.shape)} on any axis`);
  }
  return a;
}

/**
 * Picks whole slices along an axis by a 1-D int32 index (repeats allowed), like
 * `torch.index_select`; the gradient adds up over repeats.
 * Shape: x's shape with the axis length replaced by index's length.
 * @throws {ShapeError} for an index out of range or an index that is not 1-D.
 * @throws {DTypeError} for an index that is not int32.
 * @example
 * ```ts
 * import { indexSelect, tensor } from "@backprop/core";
 * const x = tensor([[1, 2], [3, 4], [5, 6]]);
 * indexSelect(x, 0, tensor([2, 0], { dtype: "int32" })).toArray(); // [[5, 6], [1, 2]]
 * ```
 * @category Ops
 */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  checkTensor(x, "indexSelect");
  checkTensor(index, "indexSelect", "index");
  if (index.dtype !== "int32") throw new DTypeError(`indexSelect: index must be int32; got a ${index.describe()}`);
  if (index.rank !== 1) throw new ShapeError(`indexSelect: index must be 1-D; got ${formatShape(index.shape)}`);
  const a = normalizeAxis(axis, x.rank, "indexSelect");
  const shape = x.shape.map((d, i) => (i === a ? index.size : d));
  // One index per output element through a stride-0 view: no index copy.
  const column = reshape(index, x.shape.map((_, i) => (i === a ? index.size : 1)));
  const wide = broadcastView(column, shape);
  if (column !== index) column.dispose();
  return gatherOp(x, a, wide);
}

/**
 * Repeats x along each axis, like `np.tile` (and `torch.Tensor.repeat`): reps longer than
 * the rank adds leading axes; shorter reps repeat the trailing axes.
 * Shape: `[reps[i] * x.shape[i], ...]` after aligning both to the right.
 * @throws {ValueError} for a negative or fractional repeat count.
 * @example
 * ```ts
 * import { tile, tensor } from "@backprop/core";
 * tile(tensor([1, 2]), [2, 2]).toArray(); // [[1, 2, 1, 2], [1, 2, 1, 2]]
 * ```
 * @category Ops
 */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  checkTensor(x, "tile");
  if (!isList(reps) || reps.some((r) => notInteger(r) || r < 0)) {
    throw new ValueError(`tile: reps must be non-negative integers; got ${isList(reps) ? `[${reps.join(", ")}]` : String(reps)}`);
  }
  const n = Math.max(reps.length, x.rank);
  const r = [...new Array<number>(n - reps.length).fill(1), ...reps];
  const d = [...new Array<number>(n - x.rank).fill(1), ...x.shape];
  checkShape(d.map((s, i) => s * r[i]), "tile");
  // [d0, d1] -> [1, d0, 1, d1] -> expand to [r0, d0, r1, d1] -> merge pairs.
  const spread = reshape(x, d.flatMap((s) => [1, s]));
  const wide = expand(spread, d.flatMap((s, i) => [r[i], s]));
  return reshape(wide, d.map((s, i) => s * r[i]));
}

/**
 * One-hot encoding of int32 class labels.
 * Shape: `[...indices.shape, numClasses]`, float32.
 * @throws {ValueError} for a label outside [0, numClasses) (naming it) or a bad numClasses.
 * @throws {DTypeError} for labels that are not int32.
 * @example
 * ```ts
 * import { oneHot, tensor } from "@backprop/core";
 * oneHot(tensor([2, 0], { dtype: "int32" }), 3).toArray(); // [[0, 0, 1], [1, 0, 0]]
 * ```
 * @category Ops
 */
export function oneHot(indices: Tensor, numClasses: number): Tensor {
  checkTensor(indices, "oneHot");
  if (indices.dtype !== "int32") throw new DTypeError(`oneHot: labels must be int32; got a ${indices.describe()}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ValueError(`oneHot: numClasses must be a positive integer; got ${numClasses}`);
  checkShape([...indices.shape, numClasses], "oneHot");
  const labels = indices.data();
  for (const label of labels) {
    if (label < 0 || label >= numClasses) {
      throw new ValueError(`oneHot: label ${label} is out of range; expected labels in [0, ${numClasses - 1}] for numClasses ${numClasses}`);
    }
  }
  const out = full([...indices.shape, numClasses], 0);
  const od = out.storage.data;
  labels.forEach((label, i) => (od[i * numClasses + label] = 1));
  return out;
}
