/**
 * Movement ops: reshaping, transposing, broadcasting, slicing, joining and indexing.
 * Views share storage where the strides allow; everything else copies.
 * @module
 */
import { defineOp } from "../defineOp.js";
import { Tensor } from "../tensor.js";
import { kernels } from "../backend/backend.js";
import { ShapeError, ValueError, formatShape } from "../errors.js";
import { checkShape, normalizeAxis, shapesEqual, sizeOf } from "../shape.js";
import { broadcastView, permuteView, reshapeView } from "./views.js";
import { sumTo } from "./reduce.js";

function checkTensor(x: unknown, where: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${where}: expected a tensor; got ${x === null ? "null" : typeof x}`);
}

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
    const view = reshapeView(x, shape);
    if (view !== null) return view;
    const c = kernels().copy(x);
    const r = reshapeView(c, shape)!;
    c.dispose();
    return r;
  },
  backward: (g, [x]) => [reshape(g, x.shape), null],
});

/**
 * The same elements in a new shape, in row-major order; a view when the strides allow, a copy
 * otherwise. One size may be -1 (inferred).
 * Shape: `shape`.
 * @throws {ShapeError} when the element counts differ.
 * @example
 * ```ts
 * import { reshape, arange } from "@backprop/core";
 * reshape(arange(6), [2, -1]).toArray(); // [[0, 1, 2], [3, 4, 5]]
 * ```
 * @category Ops
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, "reshape");
  if (!Array.isArray(shape)) throw new ValueError(`reshape: shape must be an array of sizes; got ${String(shape)}`);
  const target = resolveShape(shape, x.size, x.shape);
  if (shapesEqual(target, x.shape)) return x;
  return reshapeOp(x, target);
}

/**
 * Flattens axes `startAxis` through `endAxis` into one.
 * Shape: e.g. [N, C, H, W] -> [N, C*H*W] with startAxis 1.
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
  forward: (x: Tensor, axes: number[]) => permuteView(x, axes),
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
  if (axes.length !== x.rank) {
    throw new ShapeError(`permute: expected ${x.rank} axes for a tensor of shape ${formatShape(x.shape)}; got [${axes.join(", ")}]`);
  }
  const norm = axes.map((a) => normalizeAxis(a, x.rank, "permute"));
  if (new Set(norm).size !== norm.length) throw new ShapeError(`permute: axes must not repeat; got [${axes.join(", ")}]`);
  if (norm.every((a, i) => a === i)) return x;
  return permuteOp(x, norm);
}

/**
 * Swaps two axes (the last two by default); a view.
 * Shape: x's shape with the two sizes swapped.
 * @example
 * ```ts
 * import { transpose, tensor } from "@backprop/core";
 * transpose(tensor([[1, 2, 3]])).toArray(); // [[1], [2], [3]]
 * ```
 * @category Ops
 */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  checkTensor(x, "transpose");
  if (x.rank < 2 && axis0 === -2 && axis1 === -1) return x;
  const a = normalizeAxis(axis0, x.rank, "transpose");
  const b = normalizeAxis(axis1, x.rank, "transpose");
  const axes = x.shape.map((_, i) => i);
  axes[a] = b;
  axes[b] = a;
  return permute(x, axes);
}

const expandOp = defineOp({
  name: "expand",
  forward: (x: Tensor, shape: number[]) => broadcastView(x, shape),
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
  const lead = shape.length - x.rank;
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  checkShape(target, "expand");
  if (shapesEqual(target, x.shape)) return x;
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
  else {
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
  forward: (x: Tensor) => kernels().copy(x),
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
  return x.isContiguous ? x : copyOp(x);
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

const notYet = (name: string) => new Error(`internal: ${name} is not written yet`);
/** @category Ops */
export function slice(_x: Tensor, _specs: readonly SliceSpec[]): Tensor { throw notYet("slice"); }
/** @category Ops */
export function split(_x: Tensor, _sizes: number | readonly number[], _axis = 0): Tensor[] { throw notYet("split"); }
/** @category Ops */
export function chunk(_x: Tensor, _n: number, _axis = 0): Tensor[] { throw notYet("chunk"); }
/** @category Ops */
export function pad(_x: Tensor, _pads: readonly (readonly [number, number])[], _value = 0): Tensor { throw notYet("pad"); }
/** @category Ops */
export function gather(_x: Tensor, _axis: number, _index: Tensor): Tensor { throw notYet("gather"); }
/** @category Ops */
export function indexSelect(_x: Tensor, _axis: number, _index: Tensor): Tensor { throw notYet("indexSelect"); }
/** @category Ops */
export function scatterAdd(_x: Tensor, _axis: number, _index: Tensor, _src: Tensor): Tensor { throw notYet("scatterAdd"); }
/** @category Ops */
export function tile(_x: Tensor, _reps: readonly number[]): Tensor { throw notYet("tile"); }
/** @category Ops */
export function concat(_xs: readonly Tensor[], _axis = 0): Tensor { throw notYet("concat"); }
/** @category Ops */
export function stack(_xs: readonly Tensor[], _axis = 0): Tensor { throw notYet("stack"); }
/** @category Ops */
export function oneHot(_indices: Tensor, _numClasses: number): Tensor { throw notYet("oneHot"); }
