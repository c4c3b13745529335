/** Small helpers shared by the chart functions. @internal @module */
import { ShapeError, type Tensor } from "@backprop/core";

/** The elements of a tensor or array as plain numbers. */
export function numbers(x: Tensor | ArrayLike<number>): number[] {
  return Array.from(isTensor(x) ? x.data() : x, Number);
}

export function isTensor(x: unknown): x is Tensor {
  return x !== null && typeof x === "object" && (x as { __isTensor?: boolean }).__isTensor === true;
}

/** Checks a tensor's rank (and optionally trailing size) at a public entry point. */
export function expectShape(where: string, name: string, t: Tensor, rank: number, expected: string, last?: number): void {
  if (t.rank !== rank || (last !== undefined && t.shape[rank - 1] !== last)) {
    throw new ShapeError(`${where}: ${name} must have shape ${expected}; got [${t.shape.join(", ")}]`);
  }
}

/** Shortest readable form of a number for labels. */
export function formatNumber(v: number, digits = 4): string {
  if (Number.isInteger(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}
