/**
 * Shape arithmetic: sizes, strides, broadcasting and axis normalisation.
 * @module
 */
import { ShapeError, ValueError, describeValue, formatShape } from "./errors.js";

/**
 * A tensor's shape: one non-negative integer per axis.
 * @category Tensors
 */
export type Shape = readonly number[];

// Array.isArray narrows a readonly array to any[]; this keeps the element type.
const isList = (v: unknown): boolean => Array.isArray(v);

function notAShape(value: unknown, where: string): never {
  throw new ValueError(`${where}: the shape is not a list of sizes; expected e.g. [2, 3], got ${describeValue(value)}`);
}

/**
 * Number of elements in a shape (1 for a scalar).
 * @example
 * ```ts
 * import { sizeOf } from "@backprop/core";
 * sizeOf([2, 3]); // 6
 * ```
 * @category Tensors
 */
export function sizeOf(shape: Shape): number {
  if (!isList(shape)) notAShape(shape, "sizeOf");
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Row-major (C-order) strides of a shape, in elements.
 * @example
 * ```ts
 * import { contiguousStrides } from "@backprop/core";
 * contiguousStrides([2, 3, 4]); // [12, 4, 1]
 * ```
 * @category Tensors
 */
export function contiguousStrides(shape: Shape): number[] {
  if (!isList(shape)) notAShape(shape, "contiguousStrides");
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Whether strides describe row-major contiguous data for a shape (axes of length 1 may have any stride).
 * @example
 * ```ts
 * import { isContiguous } from "@backprop/core";
 * isContiguous([2, 3], [3, 1]); // true
 * isContiguous([2, 3], [1, 2]); // false
 * ```
 * @category Tensors
 */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  if (!isList(shape)) notAShape(shape, "isContiguous");
  if (!isList(strides)) throw new ValueError(`isContiguous: the strides are not a list; expected e.g. [3, 1], got ${describeValue(strides)}`);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

/**
 * Most elements one tensor may have: 2^31 - 1 (2,147,483,647). V8 in Node 20 holds at most
 * 2^32 elements in one typed array; the bound below that keeps every element index an int32,
 * as the wasm kernels' view descriptions need. Every size is checked against it before
 * anything is allocated (creation functions, reshape, expand, broadcasting, the backends' alloc).
 * @example
 * ```ts
 * import { MAX_TENSOR_SIZE, ValueError, zeros } from "@backprop/core";
 * try { zeros([MAX_TENSOR_SIZE + 1]); } catch (e) { console.log(e instanceof ValueError); } // true
 * ```
 * @category Tensors
 */
export const MAX_TENSOR_SIZE = 2 ** 31 - 1;

/**
 * Most axes one tensor may have: 64, as in NumPy 2 (deeper nesting is a mistake, and code that
 * walks axes recursively stays far from the stack limit).
 * @example
 * ```ts
 * import { MAX_RANK, ValueError, zeros } from "@backprop/core";
 * try { zeros(new Array<number>(MAX_RANK + 1).fill(1)); } catch (e) { console.log(e instanceof ValueError); } // true
 * ```
 * @category Tensors
 */
export const MAX_RANK = 64;

/**
 * Most numbers and nested arrays together that {@link Tensor.toArray} builds: 2^22 (4,194,304).
 * A [2^22, 1] tensor already makes 4 million small arrays (about 800 MB of JS heap); larger
 * tensors are read with `data()`, a typed array.
 * @example
 * ```ts
 * import { MAX_TO_ARRAY_VALUES, ValueError, zeros } from "@backprop/core";
 * try { zeros([MAX_TO_ARRAY_VALUES + 1]).toArray(); } catch (e) { console.log(e instanceof ValueError); } // true
 * ```
 * @category Tensors
 */
export const MAX_TO_ARRAY_VALUES = 2 ** 22;

/** The number of elements of a shape after checking it; throws ValueError for a bad one. */
function checkedSize(shape: unknown, where: string): number {
  if (!Array.isArray(shape)) throw new ValueError(`${where}: shape must be an array of sizes; got ${String(shape)}`);
  if (shape.length > MAX_RANK) throw new ValueError(`${where}: too many axes; expected at most ${MAX_RANK} (MAX_RANK), got ${shape.length}`);
  let n = 1;
  for (const d of shape as unknown[]) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0 || d > MAX_TENSOR_SIZE) {
      throw new ValueError(`${where}: sizes must be integers in [0, ${MAX_TENSOR_SIZE}]; got ${formatShape(shape as number[])}`);
    }
    n *= d;
  }
  if (n > MAX_TENSOR_SIZE) {
    throw new ValueError(
      `${where}: shape ${formatShape(shape as number[])} has ${n} elements; expected at most ${MAX_TENSOR_SIZE} (MAX_TENSOR_SIZE)`,
    );
  }
  return n;
}

/**
 * The size of a view that {@link checkView} accepts, else -1: its fast path (every tensor and
 * every kernel operand goes through it), with no strings and no closures.
 */
function viewSize(shape: readonly number[], strides: readonly number[], offset: number, length: number): number {
  if (!Array.isArray(shape) || !Array.isArray(strides) || !Number.isSafeInteger(offset) || offset < 0) return -1;
  const rank = shape.length;
  if (rank > MAX_RANK || strides.length !== rank) return -1;
  let size = 1;
  let lo = offset;
  let hi = offset;
  for (let i = 0; i < rank; i++) {
    const d: unknown = shape[i];
    const s: unknown = strides[i];
    if (typeof d !== "number" || typeof s !== "number" || !Number.isInteger(d) || d < 0 || d > MAX_TENSOR_SIZE || !Number.isSafeInteger(s)) return -1;
    size *= d;
    const span = (d - 1) * s;
    if (span < 0) lo += span;
    else hi += span;
  }
  if (size > MAX_TENSOR_SIZE) return -1;
  if (size === 0) return 0;
  return lo < 0 || hi >= length ? -1 : size;
}

/**
 * Checks that a shape has at most {@link MAX_RANK} axes, that every size is a non-negative
 * integer, and that it holds at most {@link MAX_TENSOR_SIZE} elements. Returns a copy.
 * @throws {ValueError} naming the caller and the bad shape.
 * @example
 * ```ts
 * import { checkShape } from "@backprop/core";
 * checkShape([2, 3], "zeros"); // returns [2, 3]
 * ```
 * @category Tensors
 */
export function checkShape(shape: unknown, where: string): number[] {
  if (typeof shape === "number") shape = [shape];
  checkedSize(shape, where);
  return [...(shape as number[])];
}

/**
 * Checks a view of a storage of `length` elements: a shape as {@link checkShape} wants it, one
 * safe-integer stride per axis, a non-negative safe-integer offset, and every element index
 * `offset + sum(i_k * strides_k)` inside [0, length). A view of zero elements may start anywhere.
 * Returns the number of elements.
 * @throws {ValueError} naming the caller and the view.
 * @example
 * ```ts
 * import { checkView } from "@backprop/core";
 * checkView([2, 3], [1, 2], 0, 6, "transpose"); // 6
 * ```
 * @category Tensors
 */
export function checkView(shape: readonly number[], strides: readonly number[], offset: number, length: number, where: string): number {
  const fits = viewSize(shape, strides, offset, length);
  if (fits >= 0) return fits;
  const size = checkedSize(shape, where);
  if (!Array.isArray(strides) || strides.length !== shape.length || !strides.every((s) => Number.isSafeInteger(s))) {
    const got = Array.isArray(strides) ? formatShape(strides) : String(strides);
    throw new ValueError(`${where}: strides must be one safe integer per axis of ${formatShape(shape)}; got ${got}`);
  }
  if (!Number.isSafeInteger(offset) || offset < 0) throw new ValueError(`${where}: offset must be a non-negative safe integer; got ${offset}`);
  if (size === 0) return 0;
  let lo = offset;
  let hi = offset;
  for (let i = 0; i < shape.length; i++) {
    const span = (shape[i] - 1) * strides[i];
    if (span < 0) lo += span;
    else hi += span;
  }
  if (lo < 0 || hi >= length) {
    throw new ValueError(
      `${where}: view ${formatShape(shape)} (strides ${formatShape(strides)}, offset ${offset}) reaches elements ${lo} to ${hi}; ` +
        `expected every element inside its storage of ${length}, [0, ${length})`,
    );
  }
  return size;
}

/**
 * The shape two shapes broadcast to under NumPy rules (align right; sizes equal or one of them 1).
 * @throws {ShapeError} `mul: cannot broadcast [2, 3] with [2, 4] (axis 1: 3 vs 4)`.
 * @example
 * ```ts
 * import { broadcastShapes } from "@backprop/core";
 * broadcastShapes([4, 1, 3], [5, 1], "add"); // [4, 5, 3]
 * ```
 * @category Tensors
 */
export function broadcastShapes(a: Shape, b: Shape, where: string): number[] {
  if (!isList(a)) notAShape(a, where);
  if (!isList(b)) notAShape(b, where);
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
    const db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${where}: cannot broadcast ${formatShape(a)} with ${formatShape(b)} (axis ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  checkedSize(out, where);
  return out;
}

/**
 * Turns a possibly negative axis into its index in `[0, rank)`.
 * @throws {ShapeError} when the axis is out of range.
 * @example
 * ```ts
 * import { normalizeAxis } from "@backprop/core";
 * normalizeAxis(-1, 3, "sum"); // 2
 * ```
 * @category Tensors
 */
export function normalizeAxis(axis: number, rank: number, where: string): number {
  if (typeof axis !== "number") throw new ValueError(`${where}: the axis is not a number; expected an integer axis, got ${describeValue(axis)}`);
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    const range = rank === 0 ? "none (the tensor is a scalar)" : `[${-rank}, ${rank - 1}]`;
    throw new ShapeError(`${where}: axis ${axis} is out of range for a tensor of rank ${rank}; expected an axis in ${range}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Normalises a list of axes (or all axes when undefined), sorted and without repeats.
 * @throws {ShapeError} when an axis is out of range or repeated.
 * @example
 * ```ts
 * import { normalizeAxes } from "@backprop/core";
 * normalizeAxes([-1, 0], 3, "sum"); // [0, 2]
 * ```
 * @category Tensors
 */
export function normalizeAxes(axes: number | readonly number[] | undefined, rank: number, where: string): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axes !== "number" && !isList(axes)) {
    throw new ValueError(`${where}: the axes are not an axis or a list of axes; expected e.g. 0 or [0, 2], got ${describeValue(axes)}`);
  }
  const list = typeof axes === "number" ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(a, rank, where));
  const sorted = [...out].sort((x, y) => x - y);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) throw new ShapeError(`${where}: axis ${sorted[i]} is repeated in [${list.join(", ")}]`);
  }
  return sorted;
}

/**
 * Whether two shapes are equal.
 * @example
 * ```ts
 * import { shapesEqual } from "@backprop/core";
 * shapesEqual([2, 3], [2, 3]); // true
 * ```
 * @category Tensors
 */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (!isList(a)) notAShape(a, "shapesEqual");
  if (!isList(b)) notAShape(b, "shapesEqual");
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Merges the axes that every operand lays out contiguously into one another, and drops axes of
 * size 1: strided kernels then walk fewer, longer rows. Axis i and i + 1 merge when, in every
 * operand, stride[i] = stride[i + 1] * shape[i + 1]. A shape of only size-1 axes gives [].
 * @param shape The shape all operands are viewed at (broadcast operands carry stride 0).
 * @param stridesList One stride list per operand, each as long as `shape`.
 * @returns The merged shape and, per operand, its strides over the merged axes.
 * @example
 * ```ts
 * import { collapseAxes } from "@backprop/core";
 * collapseAxes([2, 3, 4], [[12, 4, 1]]); // [[24], [[1]]]
 * collapseAxes([2, 3, 4], [[12, 4, 1], [0, 4, 1]]); // [[2, 12], [[12, 1], [0, 1]]]
 * ```
 * @category Tensors
 */
export function collapseAxes(shape: Shape, stridesList: readonly (readonly number[])[]): [number[], number[][]] {
  if (!isList(shape) || !isList(stridesList) || !stridesList.every((s) => isList(s) && s.length === shape.length)) {
    throw new ValueError(`collapseAxes: expected a shape and one stride list per operand, each as long as the shape; got ${JSON.stringify(shape) ?? String(shape)} and ${JSON.stringify(stridesList) ?? String(stridesList)}`.slice(0, 300));
  }
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let axis = 0; axis < shape.length; axis++) {
    const n = shape[axis];
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && stridesList.every((s, k) => outStrides[k][last] === s[axis] * n)) {
      outShape[last] *= n;
      stridesList.forEach((s, k) => (outStrides[k][last] = s[axis]));
      continue;
    }
    outShape.push(n);
    stridesList.forEach((s, k) => outStrides[k].push(s[axis]));
  }
  return [outShape, outStrides];
}
