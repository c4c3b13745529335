/**
 * Option checks and parameter helpers shared by the layers (not exported from the package).
 * @module
 */
import { ValueError, assertDType } from "@backprop/core";
import type { DType, Size2d, Tensor } from "@backprop/core";
import { Parameter } from "./Parameter.js";

/** The options object itself; a layer without one gets a clear error instead of a TypeError. */
export function optionsOf<T extends object>(options: T | undefined, where: string, required: string): T {
  if (options === null || typeof options !== "object") throw new ValueError(`${where}: expected an options object with ${required}; got ${String(options)}`);
  return options;
}

/** A positive (or, with min 0, non-negative) integer option. */
export function integer(value: unknown, name: string, where: string, min = 1): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ValueError(`${where}: ${name} must be ${min === 1 ? "a positive integer" : min === 0 ? "a non-negative integer" : "an integer"}; got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A number option within [low, high]. */
export function inRange(value: unknown, name: string, where: string, low: number, high: number): number {
  if (typeof value !== "number" || !(value >= low && value <= high)) throw new ValueError(`${where}: ${name} must be a number in [${low}, ${high}]; got ${JSON.stringify(value)}`);
  return value;
}

/** A size given once or per spatial axis, as a pair. */
export function pairOf(value: Size2d | undefined, fallback: number, name: string, where: string, min = 1): [number, number] {
  const v = value ?? fallback;
  const p: readonly unknown[] = typeof v === "number" ? [v, v] : Array.isArray(v) ? v : [];
  if (p.length !== 2) throw new ValueError(`${where}: ${name} must be an integer or a pair of integers; got ${JSON.stringify(value)}`);
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
