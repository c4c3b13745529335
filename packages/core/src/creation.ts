/**
 * Creating tensors: from data, filled, ranges and identity matrices.
 * @module
 */
import type { DType, TypedArray } from "./dtype.js";
import { assertDType } from "./dtype.js";
import { kernels } from "./backend/backend.js";
import { Tensor } from "./tensor.js";
import type { NestedArray } from "./tensor.js";
import { ShapeError, ValueError, describeValue, formatShape } from "./errors.js";
import { MAX_RANK, checkShape, sizeOf } from "./shape.js";
import { checkTensor, checkTensorOptions } from "./validate.js";

/**
 * Options shared by the creation functions.
 * @category Creation
 */
export interface TensorOptions {
  /** Element type; float32 unless the data says otherwise (booleans give bool, typed arrays their own). */
  dtype?: DType;
  /** Whether gradients should flow to the new tensor. */
  requiresGrad?: boolean;
}

/**
 * A new uninitialised contiguous tensor (contents unspecified: pooled memory is reused).
 * @throws {ValueError} for negative or fractional sizes.
 * @example
 * ```ts
 * import { empty } from "@backprop/core";
 * const buf = empty([2, 3]); // fill it before reading
 * ```
 * @category Creation
 */
export function empty(shape: readonly number[], options: TensorOptions = {}): Tensor {
  checkTensorOptions(options, "empty");
  const s = checkShape(shape, "empty");
  const dtype = options.dtype ?? "float32";
  assertDType(dtype, "empty");
  const t = new Tensor(kernels().alloc(dtype, sizeOf(s)), s);
  if (options.requiresGrad === true) t.requiresGrad = true;
  return t;
}

function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Uint8Array) return "bool";
  return "float32";
}

function inferShape(data: unknown, where: string): number[] {
  const shape: number[] = [];
  let cur = data;
  while (Array.isArray(cur)) {
    if (shape.length === MAX_RANK) {
      throw new ValueError(`${where}: nested arrays are too deep; expected at most ${MAX_RANK} levels (MAX_RANK), got more`);
    }
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

function fill(flat: TypedArray, data: unknown, shape: number[], axis: number, pos: { i: number }, where: string): void {
  if (axis === shape.length) {
    if (typeof data === "number") flat[pos.i++] = flat instanceof Uint8Array ? +(data !== 0) : data;
    else if (typeof data === "boolean") flat[pos.i++] = data ? 1 : 0;
    else if (Array.isArray(data)) throw new ShapeError(`${where}: nested arrays are ragged; expected a number at depth ${axis} (shape ${formatShape(shape)}), got an array`);
    else throw new ValueError(`${where}: elements must be numbers or booleans; got ${JSON.stringify(data)} at element ${pos.i}`);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[axis]) {
    const got = Array.isArray(data) ? `length ${data.length}` : typeof data;
    throw new ShapeError(`${where}: nested arrays are ragged; expected length ${shape[axis]} at depth ${axis} (shape ${formatShape(shape)}), got ${got}`);
  }
  for (const v of data) fill(flat, v, shape, axis + 1, pos, where);
}

function firstLeaf(data: unknown): unknown {
  let cur = data;
  while (Array.isArray(cur) && cur.length > 0) cur = cur[0];
  return cur;
}

/**
 * A tensor from nested arrays, a typed array (1-D, or reshaped by `shape`) or a number.
 * @throws {ShapeError} for ragged nested arrays or a typed array that does not fit `shape`.
 * @example
 * ```ts
 * import { tensor } from "@backprop/core";
 * const a = tensor([[1, 2, 3], [4, 5, 6]]);           // float32 [2, 3]
 * const b = tensor([0, 2, 1], { dtype: "int32" });    // labels
 * const c = tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] });
 * ```
 * @category Creation
 */
export function tensor(data: NestedArray | TypedArray | readonly NestedArray[], options: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  const where = "tensor";
  checkTensorOptions(options, where);
  if (ArrayBuffer.isView(data)) {
    const arr = data;
    const dtype = options.dtype ?? dtypeOfArray(arr);
    assertDType(dtype, where);
    const shape = options.shape === undefined ? [arr.length] : checkShape(options.shape, where);
    if (sizeOf(shape) !== arr.length) {
      throw new ShapeError(`${where}: ${arr.length} elements do not fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`);
    }
    const t = empty(shape, { dtype });
    // bool storage holds exactly 0 and 1 (a plain copy would wrap 256 to 0 and keep 2 as 2).
    if (dtype === "bool" && !(arr instanceof Uint8Array)) t.storage.data.set(Array.from(arr, (v) => +(v !== 0)));
    else t.storage.data.set(arr);
    if (options.requiresGrad === true) t.requiresGrad = true;
    return t;
  }
  const shape = checkShape(inferShape(data, where), where);
  const leaf = firstLeaf(data);
  const dtype = options.dtype ?? (typeof leaf === "boolean" ? "bool" : "float32");
  assertDType(dtype, where);
  const t = empty(shape, { dtype });
  fill(t.storage.data, data, shape, 0, { i: 0 }, where);
  if (options.shape !== undefined) {
    const target = checkShape(options.shape, where);
    if (sizeOf(target) !== t.size) throw new ShapeError(`${where}: ${t.size} elements do not fill shape ${formatShape(target)}`);
    const r = new Tensor(t.storage, target);
    t.dispose();
    if (options.requiresGrad === true) r.requiresGrad = true;
    return r;
  }
  if (options.requiresGrad === true) t.requiresGrad = true;
  return t;
}

/**
 * A zero-dimensional tensor holding one number.
 * @example
 * ```ts
 * import { scalar } from "@backprop/core";
 * scalar(3).item(); // 3
 * ```
 * @category Creation
 */
export function scalar(value: number | boolean, options: TensorOptions = {}): Tensor {
  return full([], typeof value === "boolean" ? (value ? 1 : 0) : value, { dtype: typeof value === "boolean" ? "bool" : undefined, ...options });
}

/**
 * A tensor with every element equal to `value`.
 * @throws {ValueError} for negative or fractional sizes.
 * @example
 * ```ts
 * import { full } from "@backprop/core";
 * full([2, 2], 7).toArray(); // [[7, 7], [7, 7]]
 * ```
 * @category Creation
 */
export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  checkTensorOptions(options, "full");
  if (typeof value !== "number" && typeof value !== "boolean") throw new ValueError(`full: the fill value is not a number; expected a number, got ${describeValue(value)}`);
  const t = empty(checkShape(shape, "full"), { dtype: options.dtype });
  t.storage.data.fill(options.dtype === "bool" ? +(value !== 0) : value);
  if (options.requiresGrad === true) t.requiresGrad = true;
  return t;
}

/**
 * A tensor of zeros.
 * @example
 * ```ts
 * import { zeros } from "@backprop/core";
 * zeros([2, 3]).shape; // [2, 3]
 * ```
 * @category Creation
 */
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  checkTensorOptions(options, "zeros");
  return full(checkShape(shape, "zeros"), 0, options);
}

/**
 * A tensor of ones.
 * @example
 * ```ts
 * import { ones } from "@backprop/core";
 * ones([3]).toArray(); // [1, 1, 1]
 * ```
 * @category Creation
 */
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  checkTensorOptions(options, "ones");
  return full(checkShape(shape, "ones"), 1, options);
}

/**
 * Zeros with the shape (and, unless overridden, dtype) of another tensor.
 * @example
 * ```ts
 * import { zerosLike, ones } from "@backprop/core";
 * zerosLike(ones([2, 2])).toArray(); // [[0, 0], [0, 0]]
 * ```
 * @category Creation
 */
export function zerosLike(x: Tensor, options: TensorOptions = {}): Tensor {
  checkTensor(x, "zerosLike");
  checkTensorOptions(options, "zerosLike");
  return full(x.shape, 0, { dtype: x.dtype, ...options });
}

/**
 * Ones with the shape and dtype of another tensor.
 * @example
 * ```ts
 * import { onesLike, zeros } from "@backprop/core";
 * onesLike(zeros([2])).toArray(); // [1, 1]
 * ```
 * @category Creation
 */
export function onesLike(x: Tensor, options: TensorOptions = {}): Tensor {
  checkTensor(x, "onesLike");
  checkTensorOptions(options, "onesLike");
  return full(x.shape, 1, { dtype: x.dtype, ...options });
}

/**
 * A constant with the shape and dtype of another tensor.
 * @example
 * ```ts
 * import { fullLike, zeros } from "@backprop/core";
 * fullLike(zeros([2]), 5).toArray(); // [5, 5]
 * ```
 * @category Creation
 */
export function fullLike(x: Tensor, value: number, options: TensorOptions = {}): Tensor {
  checkTensor(x, "fullLike");
  checkTensorOptions(options, "fullLike");
  return full(x.shape, value, { dtype: x.dtype, ...options });
}

/**
 * Values from `start` up to (not including) `end` in steps of `step`, like Python's range.
 * With one argument, counts from 0.
 * @throws {ValueError} for a zero step.
 * @example
 * ```ts
 * import { arange } from "@backprop/core";
 * arange(4).toArray();        // [0, 1, 2, 3]
 * arange(1, 2, 0.25).toArray(); // [1, 1.25, 1.5, 1.75]
 * ```
 * @category Creation
 */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  checkTensorOptions(options, "arange");
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new ValueError(`arange: step must be a finite non-zero number; got ${step}`);
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new ValueError(`arange: start and end must be finite; got ${start} and ${end}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const t = empty(checkShape([n], "arange"), options);
  const d = t.storage.data;
  for (let i = 0; i < n; i++) d[i] = start + i * step;
  if (options.requiresGrad === true) t.requiresGrad = true;
  return t;
}

/**
 * `steps` evenly spaced values from `start` to `end`, both included.
 * @throws {ValueError} for a negative or fractional count.
 * @example
 * ```ts
 * import { linspace } from "@backprop/core";
 * linspace(0, 1, 5).toArray(); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 * @category Creation
 */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  checkTensorOptions(options, "linspace");
  if (!Number.isInteger(steps) || steps < 0) throw new ValueError(`linspace: steps must be a non-negative integer; got ${steps}`);
  if (typeof start !== "number" || typeof end !== "number") throw new ValueError(`linspace: the ends are not numbers; expected two numbers, got ${describeValue(start)} and ${describeValue(end)}`);
  const t = empty(checkShape([steps], "linspace"), options);
  const d = t.storage.data;
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) d[i] = i === steps - 1 && steps > 1 ? end : start + i * delta;
  if (options.requiresGrad === true) t.requiresGrad = true;
  return t;
}

/**
 * An identity matrix with `n` rows and `m` (default `n`) columns.
 * @example
 * ```ts
 * import { eye } from "@backprop/core";
 * eye(2).toArray(); // [[1, 0], [0, 1]]
 * ```
 * @category Creation
 */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  checkTensorOptions(options, "eye");
  const t = zeros(checkShape([n, m], "eye"), { dtype: options.dtype });
  const d = t.storage.data;
  for (let i = 0; i < Math.min(n, m); i++) d[i * m + i] = 1;
  if (options.requiresGrad === true) t.requiresGrad = true;
  return t;
}
