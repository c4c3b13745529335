import { describe, expect, it } from "vitest";
import { ShapeError, ValueError, oneHot as coreOneHot, tensor } from "@backprop/core";
import { minMax, oneHot, standardize } from "./index.js";

describe("standardize", () => {
  it("fits the per-feature mean and population std and applies them", () => {
    // column 0: mean 2, std sqrt(8/3); column 1: constant, std falls back to 1
    const x = tensor([[0, 5], [2, 5], [4, 5]]);
    const s = standardize(x);
    expect(Array.from(s.shift.data())).toEqual([2, 5]);
    expect(s.scale.data()[0]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(s.scale.data()[1]).toBe(1);
    const z = s.apply(x).toArray() as number[][];
    expect(z[0][0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
    expect(z[2][0]).toBeCloseTo(2 / Math.sqrt(8 / 3), 6);
    expect(z.map((r) => r[1])).toEqual([0, 0, 0]);
    const back = s.invert(s.apply(tensor([[7, 1]]))).toArray() as number[][];
    expect(back[0][0]).toBeCloseTo(7, 5);
    expect(back[0][1]).toBeCloseTo(1, 5);
  });

  it("works per element for images and checks shapes", () => {
    const s = standardize(tensor([[[1, 2]], [[3, 6]]])); // [2, 1, 2]
    expect(s.shift.shape).toEqual([1, 2]);
    expect(s.shift.toArray()).toEqual([[2, 4]]);
    expect(s.scale.toArray()).toEqual([[1, 2]]);
    expect(() => s.apply(tensor([[1, 2, 3]]))).toThrow(ShapeError);
    expect(() => s.apply(tensor([[1, 2, 3]]))).toThrow("standardize: expected input [n, 1, 2] like the fitted data, got [1, 3]");
    expect(() => standardize(tensor(1))).toThrow(ShapeError);
  });
});

describe("minMax", () => {
  it("maps each feature's range onto [min, max]", () => {
    const x = tensor([[0, -1], [5, 1], [10, 3]]);
    const m = minMax(x);
    expect(m.apply(x).toArray()).toEqual([[0, 0], [0.5, 0.5], [1, 1]]);
    const wide = minMax(x, { min: -1, max: 1 });
    expect(wide.apply(x).toArray()).toEqual([[-1, -1], [0, 0], [1, 1]]);
    expect(wide.invert(tensor([[0, 0]])).toArray()).toEqual([[5, 1]]);
    expect(minMax(tensor([[3], [3]])).apply(tensor([[3]])).toArray()).toEqual([[0]]);
    expect(() => minMax(x, { min: 1, max: 1 })).toThrow(ValueError);
  });
});

describe("misuse of scalers", () => {
  it("gives named errors for what is not a tensor and for bad options", () => {
    const scaler = standardize(tensor([[1], [3]]));
    expect(() => scaler.apply(5 as never)).toThrow("standardize: expected a Tensor; got number");
    expect(() => scaler.invert(null as never)).toThrow(ValueError);
    expect(() => minMax(tensor([[1], [2]]), null as never)).toThrow("minMax: expected an options object; got null");
  });
});

describe("oneHot", () => {
  it("is core's one-hot encoding", () => {
    expect(oneHot).toBe(coreOneHot);
    expect(oneHot(tensor([1, 0], { dtype: "int32" }), 3).toArray()).toEqual([[0, 1, 0], [1, 0, 0]]);
  });
});
