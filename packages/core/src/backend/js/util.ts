/**
 * Allocation and argument checks shared by the JS kernels.
 * @module
 */
import type { DType } from "../../dtype.js";
import { BufferPool, ArrayStorage } from "../storage.js";
import { Tensor } from "../../tensor.js";
import { ShapeError, DTypeError, formatShape } from "../../errors.js";
import { checkShape, shapesEqual, sizeOf } from "../../shape.js";

/** The JS backend's pool of exact-size buffers. */
export const jsPool = new BufferPool();

/** A new contiguous tensor from the JS pool (contents unspecified). */
export function newTensor(shape: readonly number[], dtype: DType): Tensor {
  const checked = checkShape(shape, "js backend: result");
  return new Tensor(new ArrayStorage(jsPool.take(dtype, sizeOf(checked)), dtype, jsPool), checked);
}

/**
 * Checks that operands share the output shape and returns `out` (checked) or a new tensor.
 * Kernels are reached through the ops, which broadcast first, so a mismatch is our bug.
 */
export function outputFor(kernel: string, shape: readonly number[], dtype: DType, out?: Tensor | null, ...others: Tensor[]): Tensor {
  for (const t of others) {
    if (!shapesEqual(t.shape, shape)) {
      throw new ShapeError(`internal: kernel ${kernel} got operands of shapes ${formatShape(shape)} and ${formatShape(t.shape)}`);
    }
  }
  if (out === undefined || out === null) return newTensor(shape, dtype);
  if (!shapesEqual(out.shape, shape)) {
    throw new ShapeError(`${kernel}: out must have the result's shape; expected ${formatShape(shape)}, got ${formatShape(out.shape)}`);
  }
  if (out.dtype !== dtype) throw new DTypeError(`${kernel}: out must have the result's dtype; expected ${dtype}, got ${out.dtype}`);
  return out;
}
