/**
 * Gradient clipping, in place: by the total norm of all gradients, or elementwise by value.
 * @module
 */
import { Tensor, ValueError, kernels, noGrad } from "@backprop/core";

function gradients(params: Iterable<Tensor> | Tensor, where: string): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new ValueError(`${where}: parameter ${i} is not a tensor; got ${String(p)}`);
  });
  return list.filter((p) => p.grad !== null).map((p) => p.grad!);
}

/** Applies f to every element of g in place (copying through a contiguous temporary for views). */
function mapInPlace(g: Tensor, f: (x: number) => number): void {
  const c = g.isContiguous ? g : kernels().copy(g);
  const d = c.storage.data;
  const end = c.offset + c.size;
  for (let i = c.offset; i < end; i++) d[i] = f(d[i]);
  if (c !== g) {
    kernels().copy(c, g);
    c.dispose();
  }
}

/** Visits every element of g. */
function forEachElement(g: Tensor, f: (x: number) => void): void {
  const c = g.isContiguous ? g : kernels().copy(g);
  const d = c.storage.data;
  const end = c.offset + c.size;
  for (let i = c.offset; i < end; i++) f(d[i]);
  if (c !== g) c.dispose();
}

/**
 * Options of {@link clipGradNorm}.
 * @category Optimizers
 */
export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite, instead of scaling by it (default false). */
  errorIfNonfinite?: boolean;
}

/**
 * Scales all gradients together so that their total norm is at most `maxNorm`, as PyTorch's
 * `clip_grad_norm_`: total = (sum over all elements |g|^p)^(1/p) (max |g| for p = Infinity),
 * and when total > maxNorm every gradient is multiplied by maxNorm / (total + 1e-6).
 * Parameters without a gradient are skipped.
 * @returns The total norm before clipping.
 * @throws {ValueError} for a negative maxNorm, a normType that is not positive, or (with
 * `errorIfNonfinite`) a non-finite total norm.
 * @example
 * ```ts
 * import { clipGradNorm } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const w = tensor([3, 4], { requiresGrad: true });
 * w.square().sum().mul(0.5).backward(); // grad = w = [3, 4], norm 5
 * clipGradNorm([w], 1);                 // 5; w.grad is now about [0.6, 0.8]
 * ```
 * @category Optimizers
 */
export function clipGradNorm(params: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2, options: ClipGradNormOptions = {}): number {
  const where = "clipGradNorm";
  if (typeof maxNorm !== "number" || !(maxNorm >= 0)) throw new ValueError(`${where}: invalid maxNorm; expected a number >= 0, got ${String(maxNorm)}`);
  if (typeof normType !== "number" || !(normType > 0)) throw new ValueError(`${where}: invalid normType; expected a number > 0 or Infinity, got ${String(normType)}`);
  const grads = gradients(params, where);
  if (grads.length === 0) return 0;
  return noGrad(() => {
    let total = 0;
    if (normType === Infinity) {
      for (const g of grads) forEachElement(g, (x) => (total = Math.max(total, Number.isNaN(x) ? NaN : Math.abs(x))));
    } else {
      let acc = 0;
      for (const g of grads) forEachElement(g, (x) => (acc += normType === 2 ? x * x : Math.abs(x) ** normType));
      total = normType === 2 ? Math.sqrt(acc) : acc ** (1 / normType);
    }
    if (!Number.isFinite(total) && options.errorIfNonfinite === true) {
      throw new ValueError(`${where}: the total norm of order ${normType} of the gradients is ${total}; expected a finite norm`);
    }
    const coef = maxNorm / (total + 1e-6);
    // As in PyTorch, a NaN or infinite norm still scales (giving NaN or zero gradients), which shows up.
    if (!(coef >= 1)) for (const g of grads) mapInPlace(g, (x) => x * coef);
    return total;
  });
}

/**
 * Clamps every gradient element into [-value, value], in place (PyTorch's `clip_grad_value_`).
 * @throws {ValueError} for a negative value.
 * @example
 * ```ts
 * import { clipGradValue } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const w = tensor([1, 2], { requiresGrad: true });
 * w.mul(tensor([5, -0.1])).sum().backward();
 * clipGradValue([w], 1);
 * w.grad!.toArray(); // [1, -0.1]
 * ```
 * @category Optimizers
 */
export function clipGradValue(params: Iterable<Tensor> | Tensor, value: number): void {
  const where = "clipGradValue";
  if (typeof value !== "number" || !(value >= 0)) throw new ValueError(`${where}: invalid value; expected a number >= 0, got ${String(value)}`);
  const grads = gradients(params, where);
  noGrad(() => {
    for (const g of grads) mapInPlace(g, (x) => (x > value ? value : x < -value ? -value : x));
  });
}
