import { describe, expect, it } from "vitest";
import { ValueError, tensor } from "@backprop/core";
import { clipGradNorm, clipGradValue } from "./index.js";

function withGrad(values: number[], grad: number[]) {
  const p = tensor(values, { dtype: "float64", requiresGrad: true });
  p.mul(tensor(grad, { dtype: "float64" })).sum().backward(); // grad = the given values
  return p;
}

describe("gradient clipping", () => {
  it("clipGradNorm scales all gradients together and returns the total norm", () => {
    const a = withGrad([0, 0], [3, 0]);
    const b = withGrad([0], [4]);
    const c = tensor([1], { requiresGrad: true }); // no gradient: skipped
    expect(clipGradNorm([a, b, c], 1)).toBeCloseTo(5, 12);
    const k = 1 / (5 + 1e-6);
    expect(Array.from(a.grad!.data())).toEqual([3 * k, 0]);
    expect(Array.from(b.grad!.data())).toEqual([4 * k]);
  });

  it("leaves small gradients alone, and supports other norms", () => {
    const a = withGrad([0, 0], [0.3, -0.4]);
    expect(clipGradNorm([a], 1)).toBeCloseTo(0.5, 12);
    expect(Array.from(a.grad!.data())).toEqual([0.3, -0.4]);
    expect(clipGradNorm([a], 10, Infinity)).toBeCloseTo(0.4, 12);
    expect(clipGradNorm([a], 10, 1)).toBeCloseTo(0.7, 12);
  });

  it("clipGradValue clamps each element", () => {
    const a = withGrad([0, 0, 0], [5, -0.1, -7]);
    clipGradValue(a, 1);
    expect(Array.from(a.grad!.data())).toEqual([1, -0.1, -1]);
  });

  it("rejects bad arguments and, when asked, non-finite norms", () => {
    const a = withGrad([0], [Number.NaN]);
    expect(() => clipGradNorm([a], -1)).toThrow(ValueError);
    expect(() => clipGradNorm([a], 1, 0)).toThrow(ValueError);
    expect(() => clipGradNorm([a], 1, 2, { errorIfNonfinite: true })).toThrow(/total norm of order 2 of the gradients is NaN/);
    expect(() => { clipGradValue([a], -1); }).toThrow(ValueError);
  });
});
