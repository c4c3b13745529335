import { describe, expect, it } from "vitest";
import { ShapeError, ValueError, gradCheck, resolve, stack, tensor } from "@backprop/core";
import { cosineEmbedding, hinge, marginRanking } from "./index.js";

const f64 = (v: number[] | number[][]) => tensor(v, { dtype: "float64" });

describe("hinge", () => {
  it("averages max(0, margin - y x)", () => {
    expect(hinge(f64([0.3, -2, 0.5, -0.2]), f64([1, -1, -1, 1])).item()).toBeCloseTo((0.7 + 0 + 1.5 + 1.2) / 4, 12);
    expect(hinge(f64([0.3, -2]), f64([1, -1]), { margin: 3, reduction: "none" }).toArray()).toEqual([2.7, 1]);
    expect(gradCheck((x) => hinge(x, f64([1, -1, -1])), [f64([0.3, -2, 0.5])])).toBe(true);
  });

  it("rejects labels other than -1 and 1", () => {
    expect(() => hinge(f64([0.3, 1]), f64([1, 0]))).toThrow("hinge: target 0 at index 1 is not -1 or 1");
  });
});

describe("marginRanking", () => {
  it("averages max(0, -y (x1 - x2) + margin)", () => {
    const x1 = f64([1, 2, 0]);
    const x2 = f64([2, 0, 0.2]);
    const y = f64([1, 1, -1]);
    // -1 * (1 - 2) + 0.5 = 1.5; -(2) + 0.5 < 0; (0 - 0.2) + 0.5 = 0.3
    expect(marginRanking(x1, x2, y, { margin: 0.5 }).item()).toBeCloseTo((1.5 + 0 + 0.3) / 3, 12);
    expect(marginRanking(stack([x1, x2]), y, { margin: 0.5, reduction: "sum" }).item()).toBeCloseTo(1.8, 12);
    expect(resolve("loss", "marginRanking")(stack([x1, x2]), y).item()).toBeCloseTo(1 / 3, 12);
    expect(gradCheck((a, b) => marginRanking(a, b, y, { margin: 0.5 }), [x1, x2])).toBe(true);
  });

  it("rejects mismatched shapes", () => {
    expect(() => marginRanking(f64([1, 2]), f64([1]), f64([1, 1]))).toThrow("marginRanking: expected input2 [2] (the input's shape), got [1]");
    expect(() => marginRanking(f64([1, 2, 3]), f64([1, 2, 3]))).toThrow("marginRanking: expected the two inputs stacked on a first axis of 2, [2, ...]; got [3]");
  });
});

describe("cosineEmbedding", () => {
  const a = f64([[1, 0], [1, 0], [3, 4]]);
  const b = f64([[0, 1], [1, 1], [3, 4]]);
  const y = f64([1, -1, -1]);

  it("gives 1 - cos for similar pairs and max(0, cos - margin) for dissimilar ones", () => {
    // cosines 0, 1/sqrt 2, 1
    const plain = cosineEmbedding(a, b, y, { reduction: "none" }).toArray() as number[];
    [1, Math.SQRT1_2, 1].forEach((v, i) => { expect(plain[i]).toBeCloseTo(v, 10); });
    const none = cosineEmbedding(a, b, y, { margin: 0.5, reduction: "none" }).toArray() as number[];
    [1, Math.SQRT1_2 - 0.5, 0.5].forEach((v, i) => { expect(none[i]).toBeCloseTo(v, 10); });
    expect(cosineEmbedding(stack([a, b]), y).item()).toBeCloseTo((1 + Math.SQRT1_2 + 1) / 3, 10);
    expect(cosineEmbedding(f64([1, 1]), f64([1, 1]), tensor(1, { dtype: "float64" })).item()).toBeCloseTo(0, 10);
  });

  it("passes gradCheck", () => {
    expect(gradCheck((p, q) => cosineEmbedding(p, q, f64([1, -1, -1]), { margin: 0.1 }), [f64([[1, 0.2], [1, 0.5], [3, 4]]), f64([[0.1, 1], [1, 1], [3, 2]])])).toBe(true);
  });

  it("rejects bad targets and margins", () => {
    expect(() => cosineEmbedding(a, b, f64([1, -1]))).toThrow("cosineEmbedding: expected target [3], got [2]");
    expect(() => cosineEmbedding(a, b, y, { margin: 2 })).toThrow(ValueError);
    expect(() => cosineEmbedding(a, f64([[1, 2]]), y)).toThrow(ShapeError);
  });
});
