/**
 * Parameter and BufferTensor: the tensors a Module owns and finds on its fields.
 * @module
 */
import { DTypeError, ShapeError, Tensor, formatShape, kernels, noGrad } from "@backprop/core";

/** A contiguous copy in fresh storage, so the owner may write into it in place. */
function ownCopy(data: Tensor, where: string): Tensor {
  if (!(data instanceof Tensor)) throw new TypeError(`${where}: expected a tensor, got ${data === null ? "null" : typeof data}`);
  return noGrad(() => data.clone());
}

/**
 * A trainable tensor of a {@link Module}: a Tensor (so every op takes it) that requires
 * gradients, owns contiguous storage (so optimizers and loadStateDict update it in place) and
 * survives every memory scope. The data is copied from the given tensor.
 * @throws {DTypeError} for a non-float tensor that should require gradients.
 * @example
 * ```ts
 * import { Parameter } from "@backprop/layers";
 * import { zeros } from "@backprop/core";
 * const w = new Parameter(zeros([3, 2]));
 * w.requiresGrad; // true
 * ```
 * @category Modules
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    const copy = ownCopy(data, "Parameter");
    super(copy.storage, copy.shape);
    copy.dispose();
    if (requiresGrad && data.dtype !== "float32" && data.dtype !== "float64") {
      throw new DTypeError(`Parameter: only float32 and float64 tensors can be trained; got a ${data.describe()} (pass requiresGrad false to freeze it)`);
    }
    this.requiresGrad = requiresGrad;
    this.markKept();
  }
}

/**
 * Non-trainable state of a {@link Module} that belongs in its state dict (batch-norm running
 * statistics): a Tensor without gradients that owns its storage and survives memory scopes.
 * @example
 * ```ts
 * import { BufferTensor } from "@backprop/layers";
 * import { ones } from "@backprop/core";
 * const runningVar = new BufferTensor(ones([8]));
 * runningVar.requiresGrad; // false
 * ```
 * @category Modules
 */
export class BufferTensor extends Tensor {
  constructor(data: Tensor) {
    const copy = ownCopy(data, "BufferTensor");
    super(copy.storage, copy.shape);
    copy.dispose();
    this.markKept();
  }
}

/**
 * Writes `value`'s elements into `target`'s storage in place (converting the dtype), without
 * recording gradients. Parameters and buffers keep their identity, so optimizers holding them
 * see the new values.
 * @throws {ShapeError} when the shapes differ.
 * @example
 * ```ts
 * import { Parameter, assignInPlace } from "@backprop/layers";
 * import { ones, zeros } from "@backprop/core";
 * const p = new Parameter(zeros([2]));
 * assignInPlace(p, ones([2])); // p is now [1, 1]
 * ```
 * @category Modules
 */
export function assignInPlace(target: Parameter | BufferTensor, value: Tensor): void {
  if (target.shape.length !== value.shape.length || target.shape.some((d, i) => d !== value.shape[i])) {
    throw new ShapeError(`assignInPlace: shapes differ; expected ${formatShape(target.shape)}, got ${formatShape(value.shape)}`);
  }
  // Same dtype: the backend copies straight into the storage (no temporary array per call).
  if (value.dtype === target.dtype) kernels().copy(value, target);
  else target.storage.data.set(value.data());
}
