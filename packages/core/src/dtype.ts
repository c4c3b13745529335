/**
 * Element types and their typed-array storage.
 * @module
 */
import { DTypeError } from "./errors.js";

/**
 * The element type of a tensor: `float32` (default), `float64` (gradient checks),
 * `int32` (labels, indices) or `bool` (comparison results, masks).
 * @category Tensors
 */
export type DType = "float32" | "float64" | "int32" | "bool";

/**
 * The typed array that holds a tensor's elements for each dtype.
 * @category Tensors
 */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * Maps each dtype to the typed array that stores it.
 * @category Tensors
 */
export interface DTypeArrayMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

const ctors = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

/**
 * The typed-array constructor for a dtype.
 * @throws {DTypeError} for an unknown dtype name.
 * @example
 * ```ts
 * import { arrayConstructor } from "@backprop/core";
 * const data = new (arrayConstructor("float64"))(4); // Float64Array(4)
 * ```
 * @category Tensors
 */
export function arrayConstructor(dtype: DType): Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor {
  const ctor = (ctors as Record<string, (typeof ctors)[DType] | undefined>)[dtype];
  if (ctor === undefined) throw new DTypeError(`dtype: unknown dtype "${dtype}"; expected one of float32, float64, int32, bool`);
  return ctor;
}

/**
 * Whether a dtype holds floating-point numbers (and so can carry gradients).
 * @example
 * ```ts
 * import { isFloat } from "@backprop/core";
 * isFloat("int32"); // false
 * ```
 * @category Tensors
 */
export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

const rank: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * The dtype two operands promote to in arithmetic: bool < int32 < float32 < float64.
 * @example
 * ```ts
 * import { promoteTypes } from "@backprop/core";
 * promoteTypes("int32", "float32"); // "float32"
 * ```
 * @category Tensors
 */
export function promoteTypes(a: DType, b: DType): DType {
  return rank[a] >= rank[b] ? a : b;
}

/**
 * Checks that a value names a dtype.
 * @throws {DTypeError} when it does not.
 * @example
 * ```ts
 * import { assertDType } from "@backprop/core";
 * assertDType("float32", "zeros"); // passes; "float16" would throw a DTypeError
 * ```
 * @category Tensors
 */
export function assertDType(dtype: unknown, where: string): asserts dtype is DType {
  if (typeof dtype !== "string" || !Object.hasOwn(rank, dtype)) {
    throw new DTypeError(`${where}: unknown dtype ${JSON.stringify(dtype)}; expected one of float32, float64, int32, bool`);
  }
}
