/**
 * What every loss shares: the `reduction` option, input checks with clear messages, and the
 * registry kind "loss".
 * @module
 */
import { DTypeError, ShapeError, Tensor, ValueError, formatShape, isFloat, register } from "@backprop/core";

declare module "@backprop/core" {
  interface Registry {
    /** Loss functions: `resolve("loss", "crossEntropy")(logits, labels)`. */
    loss: LossFn;
  }
}

/**
 * How a loss combines its per-element values: their mean (the default), their sum, or none
 * (the unreduced tensor).
 * @category Losses
 */
export type Reduction = "mean" | "sum" | "none";

/**
 * Options every loss takes.
 * @category Losses
 */
export interface LossOptions {
  /** "mean" (default), "sum" or "none". */
  reduction?: Reduction;
}

/**
 * A loss as registered under the kind "loss": `(input, target, options) => loss`. Options are
 * each loss's own (checked when it runs), so a loss resolved by name takes them too.
 * @category Losses
 */
// The method form compares option types bivariantly, so every loss's options fit one type.
export type LossFn = { loss(input: Tensor, target: Tensor, options?: LossOptions & Record<string, unknown>): Tensor }["loss"];

/**
 * Registers a loss under the kind "loss" and returns it, so that a custom loss is used by name
 * exactly like the built-in ones.
 * @throws {RegistryError} when the name is taken.
 * @example
 * ```ts
 * import { defineLoss, reduce } from "@backprop/losses";
 * import type { LossOptions } from "@backprop/losses";
 * import type { Tensor } from "@backprop/core";
 * const cubic = defineLoss("example/cubic", (input: Tensor, target: Tensor, options: LossOptions = {}) =>
 *   reduce(input.sub(target).abs().pow(3), options.reduction, "cubic"));
 * ```
 * @category Losses
 */
export function defineLoss<F extends LossFn>(name: string, fn: F): F {
  register("loss", name, fn);
  return fn;
}

/**
 * Applies a reduction to per-element losses.
 * Shape: a scalar for "mean" and "sum"; the input's shape for "none".
 * @throws {ValueError} for an unknown reduction.
 * @example
 * ```ts
 * import { reduce } from "@backprop/losses";
 * import { tensor } from "@backprop/core";
 * reduce(tensor([1, 2, 3]), "mean", "example").item(); // 2
 * ```
 * @category Losses
 */
export function reduce(loss: Tensor, reduction: Reduction | undefined, where: string): Tensor {
  const r = checkReduction(reduction, where);
  if (r === "none") return loss;
  return r === "sum" ? loss.sum() : loss.mean();
}

/** @internal Validates a reduction name (and extra ones a loss allows, like "batchmean"). */
export function checkReduction<R extends string = Reduction>(reduction: R | undefined, where: string, allowed: readonly string[] = ["mean", "sum", "none"]): R {
  const r = reduction ?? ("mean" as R);
  if (!allowed.includes(r)) {
    throw new ValueError(`${where}: invalid reduction; expected ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(reduction)}`);
  }
  return r;
}

/** @internal Checks that x is a floating-point tensor. */
export function checkInput(x: unknown, where: string, name = "input"): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${where}: ${name} must be a tensor; got ${x === null ? "null" : typeof x}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${where}: ${name} must be float32 or float64; got a ${x.describe()}`);
  return x;
}

/** @internal Checks a target of the input's shape and returns it in the input's dtype. */
export function sameShapeTarget(input: Tensor, target: unknown, where: string, name = "target"): Tensor {
  if (!(target instanceof Tensor)) throw new ValueError(`${where}: ${name} must be a tensor; got ${target === null ? "null" : typeof target}`);
  if (formatShape(target.shape) !== formatShape(input.shape)) {
    throw new ShapeError(`${where}: expected ${name} ${formatShape(input.shape)} (the input's shape), got ${formatShape(target.shape)}`);
  }
  return target.dtype === input.dtype ? target : target.cast(input.dtype);
}

/** @internal Checks an optional weight that must broadcast to the input's shape. */
export function broadcastWeight(input: Tensor, weight: unknown, where: string, name: string): Tensor | null {
  if (weight === undefined || weight === null) return null;
  if (!(weight instanceof Tensor)) throw new ValueError(`${where}: ${name} must be a tensor; got ${typeof weight}`);
  const ok = weight.rank <= input.rank && weight.shape.every((d, i) => d === 1 || d === input.shape[input.rank - weight.rank + i]);
  if (!ok) {
    throw new ShapeError(`${where}: ${name} ${formatShape(weight.shape)} does not broadcast to the input ${formatShape(input.shape)}`);
  }
  return weight.dtype === input.dtype ? weight : weight.cast(input.dtype);
}

/** @internal Where an element sits, for messages: `3` in a vector, `[1, 2]` otherwise. */
export function position(flat: number, shape: readonly number[]): string {
  if (shape.length <= 1) return String(flat);
  const out: number[] = [];
  for (let i = shape.length - 1; i >= 0; i--) {
    out.unshift(flat % shape[i]);
    flat = Math.floor(flat / shape[i]);
  }
  return `[${out.join(", ")}]`;
}

/** @internal Checks that every element of a target is -1 or 1. */
export function checkSigns(target: Tensor, where: string): void {
  const data = target.data();
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 1 && data[i] !== -1) {
      throw new ValueError(`${where}: target ${data[i]} at index ${position(i, target.shape)} is not -1 or 1 (map {0, 1} labels with 2 y - 1)`);
    }
  }
}

/** @internal Checks a numeric option. */
export function checkNumber(where: string, name: string, value: unknown, min: number, max = Infinity, minExclusive = false): number {
  if (typeof value !== "number" || !(minExclusive ? value > min : value >= min) || !(value <= max)) {
    const range = max === Infinity ? `${minExclusive ? ">" : ">="} ${min}` : `in [${min}, ${max}]`;
    throw new ValueError(`${where}: invalid ${name}; expected a number ${range}, got ${String(value)}`);
  }
  return value;
}

/** @internal Checks that options is an object (or undefined) with known keys only: a misspelt option must not be ignored. */
export function checkOptions(options: unknown, where: string, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object") throw new ValueError(`${where}: options must be an object; got ${options === null ? "null" : typeof options}`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new ValueError(`${where}: unknown option "${key}"; known: ${known.join(", ")}`);
  }
}
