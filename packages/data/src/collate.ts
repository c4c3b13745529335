/**
 * Collation: turning a list of samples into one batch, the way PyTorch's `default_collate`
 * does (tensors stack along a new first axis, numbers become a 1-D tensor, tuples and
 * objects collate field by field).
 * @module
 */
import { DTypeError, ShapeError, Tensor, ValueError, empty, formatShape, tensor } from "@backprop/core";
import { typeName } from "./check.js";

/**
 * The batch type that {@link defaultCollate} makes from samples of type T.
 * @category Data
 */
export type Collated<T> = T extends Tensor | number | boolean
  ? Tensor
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: Collated<T[K]> }
    : T extends object
      ? { [K in keyof T]: Collated<T[K]> }
      : T;

/**
 * Stacks tensors that share shape and dtype along a new first axis, with one copy per tensor.
 * Shape: n tensors `[...s]` give `[n, ...s]`.
 * @throws {ShapeError} for tensors of different shapes; {DTypeError} for different dtypes.
 * @throws {ValueError} for an empty list, or one that is not an array of tensors.
 * @example
 * ```ts
 * import { tensor } from "@backprop/core";
 * import { stackRows } from "@backprop/data";
 * stackRows([tensor([1, 2]), tensor([3, 4])]).toArray(); // [[1, 2], [3, 4]]
 * ```
 * @category Data
 */
export function stackRows(rows: readonly Tensor[]): Tensor {
  const list: unknown = rows;
  if (!Array.isArray(list)) throw new ValueError(`stackRows: expected an array of tensors; got ${typeName(list)}`);
  if (rows.length === 0) throw new ValueError("stackRows: expected at least one tensor; got none");
  rows.forEach((row: unknown, i) => {
    if (!(row instanceof Tensor)) throw new ValueError(`stackRows: sample ${i} is not a Tensor; got ${typeName(row)}`);
  });
  const first = rows[0];
  const out = empty([rows.length, ...first.shape], { dtype: first.dtype });
  const dst = out.storage.data;
  const rowSize = first.size;
  rows.forEach((row, i) => {
    if (row.dtype !== first.dtype) throw new DTypeError(`collate: sample ${i} is ${row.dtype}; expected ${first.dtype} like sample 0`);
    if (row.rank !== first.rank || row.shape.some((d, a) => d !== first.shape[a])) {
      throw new ShapeError(`collate: samples must share one shape to stack; sample 0 is ${formatShape(first.shape)}, sample ${i} is ${formatShape(row.shape)}`);
    }
    const c = row.isContiguous ? row : row.contiguous();
    dst.set(c.storage.data.subarray(c.offset, c.offset + rowSize), i * rowSize);
    if (c !== row) c.dispose();
  });
  return out;
}

/**
 * Makes one batch from a list of samples: tensors stack (`[batch, ...]`), numbers become a 1-D
 * tensor (int32 when every one is an integer, as class labels are, else float32), booleans a
 * bool tensor, arrays and plain objects collate element by element, anything else is
 * returned as a list.
 * @throws {ShapeError} when tensors to stack differ in shape.
 * @throws {ValueError} when tuples differ in length or objects in keys, samples nest more than
 * 64 levels deep (a sample that contains itself), or `samples` is not an array.
 * @example
 * ```ts
 * import { tensor } from "@backprop/core";
 * import { defaultCollate } from "@backprop/data";
 * const [x, y] = defaultCollate([[tensor([1, 2]), 0], [tensor([3, 4]), 1]]);
 * x.shape; // [2, 2]
 * y.dtype; // "int32"
 * ```
 * @category Data
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  const list: unknown = samples;
  if (!Array.isArray(list)) throw new ValueError(`collate: expected an array of samples; got ${typeName(list)}`);
  if (samples.length === 0) throw new ValueError("collate: expected at least one sample; got none");
  return collate(samples, "sample") as Collated<T>;
}

/** How deep samples may nest (arrays in objects in arrays ...): deeper is a sample that holds itself. */
const maxDepth = 64;

function collate(samples: readonly unknown[], where: string, depth = 0): unknown {
  if (depth > maxDepth) throw new ValueError(`collate: ${where.slice(0, 60)}... nests too deep; expected at most ${maxDepth} levels of arrays and objects, got more (does a sample contain itself?)`);
  const first = samples[0];
  if (first instanceof Tensor) {
    samples.forEach((s, i) => {
      if (!(s instanceof Tensor)) throw new ValueError(`collate: ${where} ${i} is not a Tensor like ${where} 0`);
    });
    return stackRows(samples as Tensor[]);
  }
  if (typeof first === "number") {
    const values = samples as number[];
    if (values.some((v) => typeof v !== "number")) throw new ValueError(`collate: ${where} mixes numbers and other values`);
    const integers = values.every((v) => Number.isInteger(v) && Math.abs(v) <= 2147483647);
    return tensor(integers ? Int32Array.from(values) : Float32Array.from(values));
  }
  if (typeof first === "boolean") return tensor(samples as boolean[]);
  if (Array.isArray(first)) {
    const n = first.length;
    samples.forEach((s, i) => {
      if (!Array.isArray(s) || s.length !== n) {
        throw new ValueError(`collate: every ${where} must have ${n} fields like ${where} 0; ${where} ${i} has ${Array.isArray(s) ? s.length : typeof s}`);
      }
    });
    return (first as unknown[]).map((_, k) => collate(samples.map((s) => (s as unknown[])[k]), `${where}[${k}]`, depth + 1));
  }
  if (typeof first === "object" && first !== null && Object.getPrototypeOf(first) === Object.prototype) {
    const keys = Object.keys(first);
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      out[key] = collate(
        samples.map((s, i) => {
          if (typeof s !== "object" || s === null || !(key in s)) throw new ValueError(`collate: ${where} ${i} has no field "${key}" like ${where} 0`);
          return (s as Record<string, unknown>)[key];
        }),
        `${where}.${key}`,
        depth + 1,
      );
    }
    return out;
  }
  return [...samples];
}
