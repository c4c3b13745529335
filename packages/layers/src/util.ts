/**
 * Option checks and parameter helpers shared by the layers (not exported from the package).
 * @module
 */
import { FormatError, ValueError, assertDType } from "@backprop/core";
import type { DType, Size2d, Tensor } from "@backprop/core";
import { Parameter } from "./Parameter.js";
import { layerLimits } from "./limits.js";
import type { LayerLimits } from "./limits.js";

/** The options object itself; a layer without one gets a clear error instead of a TypeError. */
export function optionsOf<T extends object>(options: T | undefined, where: string, required: string): T {
  if (options === null || typeof options !== "object") throw new ValueError(`${where}: expected an options object with ${required}; got ${String(options)}`);
  return options;
}

/**
 * A positive (or, with min 0, non-negative) integer option, at most the given limit
 * (layerLimits.maxSize unless said otherwise).
 */
export function integer(value: unknown, name: string, where: string, min = 1, limit: keyof LayerLimits = "maxSize"): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ValueError(`${where}: ${name} must be ${min === 1 ? "a positive integer" : min === 0 ? "a non-negative integer" : "an integer"}; got ${shown(value)}`);
  }
  const max = layerLimits[limit];
  if (Math.abs(value) > max) throw new ValueError(`${where}: ${name} is too large; expected at most ${max} (layerLimits.${limit}), got ${value}`);
  return value;
}

/** A boolean option: `undefined` gives the default; anything but true or false is an error. */
export function flag(value: unknown, name: string, where: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new ValueError(`${where}: ${name} must be true or false; got ${shown(value)}`);
  return value;
}

/** A value for a message: its JSON cut to 80 characters, or its type when it has none (or nests too deep to print). */
export function shown(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `a 1, b 2 and c [3, 3]`: the options behind a count, for messages. */
export function described(options: Record<string, unknown>): string {
  const parts = Object.entries(options).map(([k, v]) => `${k} ${Array.isArray(v) ? `[${v.join(", ")}]` : String(v)}`);
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/** What the weights file being loaded holds, while loadModel builds the model from its config. */
let budget: { left: number; total: number; source: string } | null = null;

/**
 * Runs `build` with the parameter elements that layers may allocate capped at `total` (what a
 * weights file holds) plus 2^20, so a config cannot make loading allocate much more than the
 * file's size, while a config that is only a little off still reaches the shape checks, whose
 * messages say which weight differs.
 */
export function withParameterBudget<T>(total: number, source: string, build: () => T): T {
  const outer = budget;
  budget = { left: total + 2 ** 20, total, source };
  try {
    return build();
  } finally {
    budget = outer;
  }
}

/**
 * Checks the parameter (and buffer) elements a layer's options imply, before it allocates them:
 * at most layerLimits.maxParameters, and within what the weights file being loaded holds
 * (`reserve` false: a total whose parts reserve their own). `options` are the options behind
 * the count, for the message.
 */
export function checkParameters(where: string, count: number, options: Record<string, unknown>, reserve = true): void {
  if (!(count <= layerLimits.maxParameters)) {
    throw new ValueError(`${where}: ${described(options)} imply ${count} parameters; expected at most ${layerLimits.maxParameters} (layerLimits.maxParameters)`);
  }
  if (budget === null || !reserve) return;
  if (count > budget.left) {
    throw new FormatError(`${where}: ${described(options)} imply ${count} parameters, far more than ${budget.source} holds (${budget.total} values in all); expected a config that matches its weights`);
  }
  budget.left -= count;
}

let depth = 0;

/**
 * Runs `fn` one nesting level deeper (a container building, running or printing a child),
 * refusing to go past layerLimits.maxDepth: a named error instead of a stack overflow.
 */
export function nested<T>(where: string | (() => string), fn: () => T, ErrorClass: new (message: string) => Error = ValueError): T {
  if (depth >= layerLimits.maxDepth) throw new ErrorClass(tooDeep(typeof where === "string" ? where : where()));
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

/** The message of a too-deep nesting. */
export function tooDeep(where: string): string {
  return `${where}: modules nest too deep; expected at most ${layerLimits.maxDepth} levels (layerLimits.maxDepth), got more`;
}

/** A number option within [low, high]. */
export function inRange(value: unknown, name: string, where: string, low: number, high: number): number {
  if (typeof value !== "number" || !(value >= low && value <= high)) throw new ValueError(`${where}: ${name} must be a number in [${low}, ${high}]; got ${shown(value)}`);
  return value;
}

/** A size given once or per spatial axis, as a pair. */
export function pairOf(value: Size2d | undefined, fallback: number, name: string, where: string, min = 1): [number, number] {
  const v = value ?? fallback;
  const p: readonly unknown[] = typeof v === "number" ? [v, v] : Array.isArray(v) ? v : [];
  if (p.length !== 2) throw new ValueError(`${where}: ${name} must be an integer or a pair of integers; got ${shown(value)}`);
  return [integer(p[0], name, where, min), integer(p[1], name, where, min)];
}

/** A float dtype option (float32 by default). */
export function floatDType(dtype: DType | undefined, where: string): DType {
  const d = dtype ?? "float32";
  assertDType(d, where);
  if (d !== "float32" && d !== "float64") throw new ValueError(`${where}: parameters must be float32 or float64; got dtype ${d}`);
  return d;
}

/** A Parameter made from a freshly initialised tensor, which is then released. */
export function param(t: Tensor): Parameter {
  const p = new Parameter(t);
  t.dispose();
  return p;
}

/** `{ dtype }` when it is not the default, for configs. */
export function dtypeConfig(dtype: DType): { dtype?: DType } {
  return dtype === "float32" ? {} : { dtype };
}

/** A pair as its config form: the number when both sides are equal. */
export function pairConfig(p: readonly [number, number]): number | [number, number] {
  return p[0] === p[1] ? p[0] : [p[0], p[1]];
}
