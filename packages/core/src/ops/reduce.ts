/**
 * Reductions over any set of axes, with keepDims.
 * @module
 */
import { defineOp } from "../defineOp.js";
import { Tensor } from "../tensor.js";
import { kernels } from "../backend/backend.js";
import { isFloat } from "../dtype.js";
import { normalizeAxes, normalizeAxis, shapesEqual } from "../shape.js";
import { ShapeError, ValueError, describeValue, formatShape } from "../errors.js";
import { checkAxis, checkAxisList, checkBoolean, checkNumber, checkOptions, checkTensor } from "../validate.js";
import { expand, pad, permute, reshape } from "./movement.js";
import { where } from "./elementwise.js";
import { scalar } from "../creation.js";
import { unchanged } from "./views.js";

/**
 * Which axes to reduce: a number or list (all axes when omitted), or an options object.
 * @category Ops
 */
export type ReduceOptions = number | readonly number[] | { axis?: number | readonly number[]; keepDims?: boolean };

/**
 * Options of argmax and argmin: one axis (the flattened tensor when omitted).
 * @category Ops
 */
export type ArgReduceOptions = number | { axis?: number; keepDims?: boolean };

/**
 * Options of variance and std: axes, keepDims and the degrees-of-freedom correction
 * (1, Bessel's, by default as in PyTorch; 0 for the population variance as in NumPy).
 * @category Ops
 */
export type VarianceOptions = number | readonly number[] | { axis?: number | readonly number[]; keepDims?: boolean; correction?: number };

function parse(x: Tensor, options: ReduceOptions | VarianceOptions | undefined, where: string): { axes: number[]; keepDims: boolean } {
  checkTensor(x, where);
  if (options === undefined || typeof options === "number" || Array.isArray(options)) {
    return { axes: normalizeAxes(options as number | number[] | undefined, x.rank, where), keepDims: false };
  }
  checkOptions(options, where, reduceExample);
  const o = options as { axis?: number | readonly number[]; keepDims?: boolean };
  const keepDims = o.keepDims ?? false;
  checkBoolean(keepDims, where, "keepDims");
  return { axes: normalizeAxes(o.axis, x.rank, where), keepDims };
}

const reduceExample = "0, [0, 1] or { axis: 0, keepDims: true }";

/** The arguments of a reduction in the form its op records: checked here for the registry's op. */
function checkReduction(x: Tensor, axes: number[], keepDims: boolean, where: string): void {
  checkTensor(x, where);
  checkAxisList(axes, x.rank, where);
  checkBoolean(keepDims, where, "keepDims");
}

/** The shape with reduced axes set to 1 (for broadcasting a gradient back). */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Numeric dtype for sums and products: bool counts as int32. */
function numeric(x: Tensor): Tensor {
  return x.dtype === "bool" ? kernels().cast(x, "int32") : x;
}

const sumOp = defineOp({
  name: "sum",
  forward: (x: Tensor, axes: number[], keepDims: boolean) => {
    checkReduction(x, axes, keepDims, "sum");
    const input = numeric(x);
    const out = kernels().sum(input, axes, keepDims);
    if (input !== x) input.dispose();
    return out;
  },
  // d(sum x)/dx_i = 1: the gradient is broadcast back over the reduced axes.
  backward: (g, [x, axes]) => [expand(reshape(g, keptShape(x.shape, axes)), x.shape), null, null],
});

/**
 * Sum over axes (all by default).
 * Shape: x's shape without the reduced axes (or with 1s there under keepDims).
 * @throws {ShapeError} for an out-of-range or repeated axis.
 * @example
 * ```ts
 * import { sum, tensor } from "@backprop/core";
 * const x = tensor([[1, 2], [3, 4]]);
 * sum(x).item();                                  // 10
 * sum(x, 0).toArray();                            // [4, 6]
 * sum(x, { axis: 1, keepDims: true }).toArray();  // [[3], [7]]
 * ```
 * @category Ops
 */
export function sum(x: Tensor, options?: ReduceOptions): Tensor {
  const { axes, keepDims } = parse(x, options, "sum");
  return sumOp(x, axes, keepDims);
}

/**
 * Sums a broadcast gradient back to a shape it was broadcast from: the adjoint of broadcasting.
 * Shape: `shape`.
 * @throws {ShapeError} when `shape` does not broadcast to x's shape.
 * @example
 * ```ts
 * import { sumTo, ones } from "@backprop/core";
 * sumTo(ones([4, 3]), [3]).toArray(); // [4, 4, 4]
 * ```
 * @category Ops
 */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, "sumTo");
  if (!Array.isArray(shape)) throw new ValueError(`sumTo: shape is not a list of sizes; expected e.g. [3], got ${describeValue(shape)}`);
  if (shapesEqual(x.shape, shape)) return unchanged(x, "sumTo");
  const lead = x.rank - shape.length;
  if (lead < 0) throw new ShapeError(`sumTo: cannot sum ${formatShape(x.shape)} to the larger shape ${formatShape(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && x.shape[i] !== 1) axes.push(i);
    else if (shape[i - lead] !== x.shape[i]) {
      throw new ShapeError(`sumTo: ${formatShape(shape)} does not broadcast to ${formatShape(x.shape)} (axis ${i})`);
    }
  }
  const s = sumOp(x, axes, true);
  return shapesEqual(s.shape, shape) ? s : reshape(s, shape);
}

/**
 * Mean over axes (all by default). Integer tensors give float32.
 * Shape: as for {@link sum}.
 * @throws {ShapeError} for an out-of-range or repeated axis.
 * @example
 * ```ts
 * import { mean, tensor } from "@backprop/core";
 * mean(tensor([1, 2, 3, 4])).item(); // 2.5
 * ```
 * @category Ops
 */
export function mean(x: Tensor, options?: ReduceOptions): Tensor {
  const { axes, keepDims } = parse(x, options, "mean");
  let count = 1;
  for (const a of axes) count *= x.shape[a];
  const input = isFloat(x.dtype) ? x : x.cast("float32");
  return sumOp(input, axes, keepDims).div(count);
}

function extremum(kind: "max" | "min") {
  const op = defineOp({
    name: kind,
    forward: (x: Tensor, axes: number[], keepDims: boolean) => {
      checkReduction(x, axes, keepDims, kind);
      // Reducing non-empty axes of an empty tensor is fine (an empty result); an empty axis has no extreme.
      if (x.size === 0 && axes.length === x.rank) throw new ShapeError(`${kind}: cannot reduce an empty ${x.describe()}`);
      for (const a of axes) {
        if (x.shape[a] === 0) throw new ShapeError(`${kind}: cannot reduce axis ${a} of length 0 in ${x.describe()}`);
      }
      const input = numeric(x);
      const out = kernels()[kind](input, axes, keepDims);
      if (input !== x) input.dispose();
      return out;
    },
    // The gradient goes to the elements equal to the extreme, shared evenly among ties.
    backward: (g, [x, axes], out) => {
      const shape = keptShape(x.shape, axes);
      const hit = x.eq(expand(reshape(out, shape), x.shape)).cast(g.dtype);
      const count = sumOp(hit, axes, true);
      return [hit.div(count).mul(expand(reshape(g, shape), x.shape)), null, null];
    },
  });
  return (x: Tensor, options?: ReduceOptions): Tensor => {
    const { axes, keepDims } = parse(x, options, kind);
    return op(x, axes, keepDims);
  };
}

/**
 * Largest value over axes (NaN wins); ties share the gradient.
 * Shape: as for {@link sum}.
 * @throws {ShapeError} for an axis of length 0 among the reduced ones, or an out-of-range axis.
 * @example
 * ```ts
 * import { max, tensor } from "@backprop/core";
 * max(tensor([[1, 5], [7, 2]]), 1).toArray(); // [5, 7]
 * ```
 * @category Ops
 */
export const max = extremum("max");

/**
 * Smallest value over axes (NaN wins); ties share the gradient.
 * Shape: as for {@link sum}.
 * @throws {ShapeError} for an axis of length 0 among the reduced ones, or an out-of-range axis.
 * @example
 * ```ts
 * import { min, tensor } from "@backprop/core";
 * min(tensor([[1, 5], [7, 2]]), 1).toArray(); // [1, 2]
 * ```
 * @category Ops
 */
export const min = extremum("min");

/**
 * For each element, the product of the other elements of its group over `axes`: the group is
 * moved to a last axis of length n, where the products before and after each element come
 * from doubling scans (log2 n steps of multiplying by a shifted copy, ones shifted in), as
 * PyTorch's zero-safe prod backward does with exclusive cumprods (its usual path divides, and
 * shares the underflow bug). Differentiable ops only, so higher orders work.
 */
function othersProduct(x: Tensor, axes: number[]): Tensor {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  if (x.size === 0) return x.mul(0);
  const order = [...kept, ...axes];
  const identity = order.every((a, i) => a === i);
  const moved = identity ? x : permute(x, order);
  const rows = reshape(moved, [...kept.map((a) => x.shape[a]), n]);
  // shift(t, s): t_i <- t_{i-s} along the last axis (s < 0 shifts the other way), ones shifted in.
  const lead = kept.map((): [number, number] => [0, 0]);
  const shift = (t: Tensor, s: number): Tensor => pad(t, [...lead, [s, -s]], 1);
  let before = shift(rows, 1);
  let after = shift(rows, -1);
  for (let s = 1; s < n; s *= 2) {
    before = before.mul(shift(before, s));
    after = after.mul(shift(after, -s));
  }
  const others = reshape(before.mul(after), moved.shape);
  if (identity) return others;
  const inverse = new Array<number>(order.length);
  order.forEach((a, i) => (inverse[a] = i));
  return permute(others, inverse);
}

const prodOp = defineOp({
  name: "prod",
  forward: (x: Tensor, axes: number[], keepDims: boolean) => {
    checkReduction(x, axes, keepDims, "prod");
    const input = numeric(x);
    const out = kernels().prod(input, axes, keepDims);
    if (input !== x) input.dispose();
    return out;
  },
  // d(prod x)/dx_i = prod_{j != i} x_j, the product of the others, as a product and never as
  // prod / x_i: dividing breaks when the product underflows (1e-30 * 1e-20 is 0 in float32, the
  // gradients 1e-20 and 1e-30 are not), overflows, or a factor is 0 or infinite.
  backward: (g, [x, axes]) => {
    const shape = keptShape(x.shape, axes);
    return [expand(reshape(g, shape), x.shape).mul(othersProduct(x, axes)), null, null];
  },
});

/**
 * Product over axes (all by default), rounded to the dtype at every step as in PyTorch.
 * Its gradient is the product of the other elements, never prod / x: right with zeros present
 * and when the product underflows or overflows.
 * Shape: as for {@link sum}.
 * @throws {ShapeError} for an out-of-range or repeated axis.
 * @example
 * ```ts
 * import { grad, prod, tensor } from "@backprop/core";
 * prod(tensor([1, 2, 3, 4])).item(); // 24
 * grad((x) => prod(x))(tensor([1e-30, 1e-20, 3]))[0].toArray(); // [3e-20, 3e-30, 0]; the product is 0 in float32
 * ```
 * @category Ops
 */
export function prod(x: Tensor, options?: ReduceOptions): Tensor {
  const { axes, keepDims } = parse(x, options, "prod");
  return prodOp(x, axes, keepDims);
}

function argReduce(kind: "argmax" | "argmin") {
  const op = defineOp({
    name: kind,
    forward: (x: Tensor, axis: number, keepDims: boolean) => {
      checkTensor(x, kind);
      checkAxis(axis, x.rank, kind);
      checkBoolean(keepDims, kind, "keepDims");
      if (x.shape[axis] === 0) throw new ShapeError(`${kind}: cannot reduce axis ${axis} of length 0 in ${x.describe()}`);
      return kernels()[kind](x, axis, keepDims);
    },
  });
  return (x: Tensor, options?: ArgReduceOptions): Tensor => {
    checkTensor(x, kind);
    if (options !== undefined && typeof options !== "number") checkOptions(options, kind, "0 or { axis: 0, keepDims: true }");
    const o = typeof options === "number" ? { axis: options } : (options ?? {});
    if (o.axis === undefined) {
      if (x.size === 0) throw new ShapeError(`${kind}: cannot reduce an empty ${x.describe()}`);
      const flat = reshape(x, [x.size]);
      const r = op(flat, 0, false);
      return o.keepDims === true ? reshape(r, x.shape.map(() => 1)) : r;
    }
    return op(x, normalizeAxis(o.axis, x.rank, kind), o.keepDims ?? false);
  };
}

/**
 * Index of the largest value along an axis (over the flattened tensor when no axis is given),
 * as int32; the first one wins ties. Not differentiable.
 * Shape: x's shape without that axis.
 * @throws {ShapeError} for an out-of-range axis or an empty axis.
 * @example
 * ```ts
 * import { argmax, tensor } from "@backprop/core";
 * argmax(tensor([[1, 9, 3], [8, 2, 4]]), 1).toArray(); // [1, 0]
 * ```
 * @category Ops
 */
export const argmax = argReduce("argmax");

/**
 * Index of the smallest value along an axis, as int32; the first one wins ties.
 * Shape: x's shape without that axis.
 * @throws {ShapeError} for an out-of-range axis or an empty axis.
 * @example
 * ```ts
 * import { argmin, tensor } from "@backprop/core";
 * argmin(tensor([3, 1, 2])).item(); // 1
 * ```
 * @category Ops
 */
export const argmin = argReduce("argmin");

/**
 * Variance over axes: sum((x - mean)^2) / (n - correction), correction 1 by default.
 * Shape: as for {@link sum}.
 * @throws {ShapeError} for an out-of-range or repeated axis.
 * @example
 * ```ts
 * import { variance, tensor } from "@backprop/core";
 * variance(tensor([1, 2, 3, 4])).item();                    // 1.6667 (unbiased)
 * variance(tensor([1, 2, 3, 4]), { correction: 0 }).item(); // 1.25
 * ```
 * @category Ops
 */
export function variance(x: Tensor, options?: VarianceOptions): Tensor {
  const { axes, keepDims } = parse(x, options, "variance");
  const correction = typeof options === "object" && !Array.isArray(options) ? ((options as { correction?: number }).correction ?? 1) : 1;
  checkNumber(correction, "variance", "correction");
  let count = 1;
  for (const a of axes) count *= x.shape[a];
  const input = isFloat(x.dtype) ? x : x.cast("float32");
  const centred = input.sub(mean(input, { axis: axes, keepDims: true }));
  return sum(centred.square(), { axis: axes, keepDims }).div(Math.max(count - correction, 0));
}

/**
 * Standard deviation over axes: sqrt(variance).
 * Shape: as for {@link sum}.
 * @throws {ShapeError} for an out-of-range or repeated axis.
 * @example
 * ```ts
 * import { std, tensor } from "@backprop/core";
 * std(tensor([2, 4, 4, 4, 5, 5, 7, 9]), { correction: 0 }).item(); // 2
 * ```
 * @category Ops
 */
export function std(x: Tensor, options?: VarianceOptions): Tensor {
  return variance(x, options).sqrt();
}

/**
 * log(sum(exp(x))) over axes, computed as m + log(sum(exp(x - m))) with m the maximum, so it
 * neither overflows nor underflows.
 * Shape: as for {@link sum}.
 * @throws {ShapeError} for an out-of-range or repeated axis.
 * @example
 * ```ts
 * import { logSumExp, tensor } from "@backprop/core";
 * logSumExp(tensor([1000, 1000])).item(); // 1000.6931
 * ```
 * @category Ops
 */
export function logSumExp(x: Tensor, options?: ReduceOptions): Tensor {
  const { axes, keepDims } = parse(x, options, "logSumExp");
  // m is a constant shift: its gradient cancels, so it is detached.
  // Over an empty axis there is no maximum: shift by 0 and the sum of nothing gives -Infinity.
  const empty = axes.some((a) => x.shape[a] === 0);
  const mx = empty ? scalar(0, { dtype: x.dtype }) : max(x.detach(), { axis: axes, keepDims: true });
  const shift = where(mx.abs().lt(Infinity), mx, 0);
  const s = sum(x.sub(shift).exp(), { axis: axes, keepDims: true }).log().add(shift);
  return keepDims ? s : reshape(s, x.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Whether every element is non-zero, over axes, as bool.
 * Shape: as for {@link sum}.
 * @throws {ShapeError} for an out-of-range or repeated axis.
 * @example
 * ```ts
 * import { all, tensor } from "@backprop/core";
 * all(tensor([true, false])).toArray(); // false
 * ```
 * @category Ops
 */
export function all(x: Tensor, options?: ReduceOptions): Tensor {
  const { axes, keepDims } = parse(x, options, "all");
  return sum(x.eq(0), { axis: axes, keepDims }).eq(0);
}

/**
 * Whether any element is non-zero, over axes, as bool.
 * Shape: as for {@link sum}.
 * @throws {ShapeError} for an out-of-range or repeated axis.
 * @example
 * ```ts
 * import { any, tensor } from "@backprop/core";
 * any(tensor([false, true])).toArray(); // true
 * ```
 * @category Ops
 */
export function any(x: Tensor, options?: ReduceOptions): Tensor {
  const { axes, keepDims } = parse(x, options, "any");
  return sum(x.ne(0), { axis: axes, keepDims }).gt(0);
}
