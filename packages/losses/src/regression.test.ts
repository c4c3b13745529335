import { describe, expect, it } from "vitest";
import { ShapeError, ValueError, gradCheck, isRegistered, resolve, tensor } from "@backprop/core";
import { huber, l1, mse, smoothL1 } from "./index.js";

const f64 = (v: number[][]) => tensor(v, { dtype: "float64" });
// differences input - target: 1, 0.25, -2, 3
const X = [[1, 2.25], [3, 4]];
const Y = [[0, 2], [5, 1]];

describe("regression losses", () => {
  it("mse", () => {
    expect(mse(f64(X), f64(Y)).item()).toBeCloseTo((1 + 0.0625 + 4 + 9) / 4, 12);
    expect(mse(f64(X), f64(Y), { reduction: "sum" }).item()).toBeCloseTo(14.0625, 12);
    expect(mse(f64(X), f64(Y), { reduction: "none" }).toArray()).toEqual([[1, 0.0625], [4, 9]]);
  });

  it("l1", () => {
    expect(l1(f64(X), f64(Y)).item()).toBeCloseTo((1 + 0.25 + 2 + 3) / 4, 12);
  });

  it("smoothL1: quadratic below beta, linear above", () => {
    // beta 2: 0.5 * 1 / 2, 0.5 * 0.0625 / 2, 2 - 1, 3 - 1
    expect(smoothL1(f64(X), f64(Y), { beta: 2, reduction: "none" }).toArray()).toEqual([[0.25, 0.015625], [1, 2]]);
    expect(smoothL1(f64(X), f64(Y)).item()).toBeCloseTo((0.5 + 0.03125 + 1.5 + 2.5) / 4, 12);
    expect(smoothL1(f64(X), f64(Y), { beta: 0 }).item()).toBeCloseTo(l1(f64(X), f64(Y)).item(), 12);
  });

  it("huber: quadratic below delta, delta-scaled linear above", () => {
    // delta 2: 0.5, 0.03125, 2 (2 - 1), 2 (3 - 1)
    expect(huber(f64(X), f64(Y), { delta: 2, reduction: "none" }).toArray()).toEqual([[0.5, 0.03125], [2, 4]]);
    expect(huber(f64(X), f64(Y), { delta: 2 }).item()).toBeCloseTo(6.53125 / 4, 12);
  });

  it("pass gradCheck in input and target", () => {
    for (const loss of [mse, l1, smoothL1, huber]) {
      expect(gradCheck((x, y) => loss(x, y), [f64(X), f64(Y)])).toBe(true);
      expect(gradCheck((x, y) => loss(x, y, { reduction: "none" }), [f64(X), f64(Y)])).toBe(true);
    }
    expect(gradCheck((x, y) => smoothL1(x, y, { beta: 2 }), [f64(X), f64(Y)])).toBe(true);
    expect(gradCheck((x, y) => huber(x, y, { delta: 0.5 }), [f64(X), f64(Y)])).toBe(true);
  });

  it("are registered by name", () => {
    for (const n of ["mse", "l1", "smoothL1", "huber"]) expect(isRegistered("loss", n)).toBe(true);
    expect(resolve("loss", "mse")(f64(X), f64(Y)).item()).toBeCloseTo(14.0625 / 4, 12);
  });

  it("reject bad input", () => {
    expect(() => mse(f64(X), tensor([1, 2]))).toThrow("mse: expected target [2, 2] (the input's shape), got [2]");
    expect(() => mse(f64(X), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => mse(tensor([1], { dtype: "int32" }), tensor([1]))).toThrow(/mse: input must be float32 or float64; got a int32 tensor \[1\]/);
    expect(() => l1(f64(X), f64(Y), { reduction: "avg" as never })).toThrow(/l1: invalid reduction; expected "mean", "sum", "none", got "avg"/);
    expect(() => huber(f64(X), f64(Y), { delta: 0 })).toThrow(ValueError);
    expect(() => smoothL1(f64(X), f64(Y), { beta: -1 })).toThrow(ValueError);
  });
});
