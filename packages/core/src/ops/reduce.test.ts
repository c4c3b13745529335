import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  ShapeError,
  all,
  any,
  arange,
  argmax,
  argmin,
  gradCheck,
  logSumExp,
  max,
  mean,
  min,
  prod,
  slice,
  std,
  sum,
  sumTo,
  tensor,
  variance,
  zeros,
} from "../index.js";
import type { Tensor } from "../index.js";
import { ValueError, resolve } from "../index.js";

function det(shape: number[], seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + seed) * 2);
  return tensor(data, { dtype: "float64" }).reshape(shape);
}

const close = (t: Tensor, expected: number[] | number, digits = 5) => {
  const got = t.toArray();
  if (typeof expected === "number") expect(got as number).toBeCloseTo(expected, digits);
  else (got as number[]).forEach((v, i) => {
    expect(v).toBeCloseTo(expected[i], digits);
  });
};

describe("sum, mean, prod", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  it("reduces over chosen axes with keepDims", () => {
    expect(sum(x).item()).toBe(21);
    expect(sum(x, 0).toArray()).toEqual([5, 7, 9]);
    expect(sum(x, -1).toArray()).toEqual([6, 15]);
    expect(sum(x, { axis: 1, keepDims: true }).toArray()).toEqual([[6], [15]]);
    expect(sum(x, { axis: [0, 1], keepDims: true }).toArray()).toEqual([[21]]);
    expect(sum(x, []).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(mean(x, 0).toArray()).toEqual([2.5, 3.5, 4.5]);
    expect(mean(tensor([1, 2], { dtype: "int32" })).dtype).toBe("float32");
    expect(prod(x, 1).toArray()).toEqual([6, 120]);
    expect(prod(x, { axis: 0, keepDims: true }).toArray()).toEqual([[4, 10, 18]]);
  });
  it("reduces over several axes of a 3-D view", () => {
    const t = arange(24).reshape([2, 3, 4]);
    expect(sum(t, [0, 2]).toArray()).toEqual([60, 92, 124]);
    expect(sum(t.transpose(0, 2), [0, 2]).toArray()).toEqual([60, 92, 124]);
    expect(max(t, [1, 2]).toArray()).toEqual([11, 23]);
    expect(min(slice(t, [null, null, [null, null, -1]]), [0, 1]).toArray()).toEqual([0, 1, 2, 3].reverse());
  });
  it("sums bool as counts and integers exactly", () => {
    expect(sum(tensor([true, false, true])).item()).toBe(2);
    expect(sum(tensor([1, 2, 3], { dtype: "int32" })).dtype).toBe("int32");
  });
  it("handles empty axes: sum 0, prod 1, mean NaN, max throws", () => {
    const e = zeros([0, 3]);
    expect(sum(e, 0).toArray()).toEqual([0, 0, 0]);
    expect(sum(e, 1).shape).toEqual([0]);
    expect(prod(e, 0).toArray()).toEqual([1, 1, 1]);
    expect(Number.isNaN(mean(e).item())).toBe(true);
    expect(() => max(e, 0)).toThrow(ShapeError);
    expect(() => min(e)).toThrow(ShapeError);
    expect(max(e, 1).shape).toEqual([0]);
    expect(() => argmax(e, 0)).toThrow(ShapeError);
    expect(logSumExp(e, 0).toArray()).toEqual([-Infinity, -Infinity, -Infinity]);
  });
  it("propagates NaN", () => {
    const n = tensor([[1, NaN, 3], [4, 5, 6]]);
    expect(Number.isNaN(sum(n).item())).toBe(true);
    expect(sum(n, 0).toArray()).toEqual([5, NaN, 9]);
    expect(max(n, 1).toArray()).toEqual([NaN, 6]);
    expect(min(n, 1).toArray()).toEqual([NaN, 4]);
    expect(max(tensor([NaN, 1])).item()).toBeNaN();
    expect(max(tensor([1, NaN])).item()).toBeNaN();
    expect(prod(n, 1).toArray()).toEqual([NaN, 120]);
    expect(argmax(tensor([1, NaN, 5])).item()).toBe(1);
    expect(argmin(tensor([1, NaN, -5])).item()).toBe(1);
    expect((logSumExp(n, 1).toArray() as number[])[0]).toBeNaN();
  });
  it("sum over all axes equals the sum of the data (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 }), fc.integer({ min: 1, max: 99 }), (shape, seed) => {
        const t = det(shape, seed);
        const expected = Array.from(t.data()).reduce((a, b) => a + b, 0);
        expect(sum(t).item()).toBeCloseTo(expected, 10);
        if (shape.length > 1) expect(sum(t.transpose()).item()).toBeCloseTo(expected, 10);
      }),
    );
  });
  it("rejects out-of-range and repeated axes", () => {
    expect(() => sum(tensor([1, 2]), 1)).toThrow("axis 1 is out of range for a tensor of rank 1");
    expect(() => sum(tensor([1, 2]), [0, -1])).toThrow("repeated");
    expect(() => mean(tensor(1), 0)).toThrow(ShapeError);
    expect(() => argmax(tensor([[1]]), 2)).toThrow(ShapeError);
    expect(() => sumTo(zeros([2, 3]), [4, 3])).toThrow(ShapeError);
  });
  it("sums a broadcast gradient back with sumTo", () => {
    expect(sumTo(arange(6).reshape([2, 3]), [3]).toArray()).toEqual([3, 5, 7]);
    expect(sumTo(arange(6).reshape([2, 3]), [2, 1]).toArray()).toEqual([[3], [12]]);
  });
});

describe("max, min, argmax, argmin", () => {
  it("work on integer tensors, negatives included", () => {
    const i = tensor([[-5, -2], [-7, -9]], { dtype: "int32" });
    expect(max(i, 1).toArray()).toEqual([-2, -7]);
    expect(max(i).item()).toBe(-2);
    expect(min(tensor([5, 7], { dtype: "int32" })).item()).toBe(5);
    expect(max(tensor([false, true])).item()).toBe(1);
  });
  it("pick the first of ties", () => {
    expect(argmax(tensor([[1, 9, 9], [8, 2, 8]]), 1).toArray()).toEqual([1, 0]);
    expect(argmin(tensor([[1, 9, 1], [8, 2, 2]]), { axis: 1, keepDims: true }).toArray()).toEqual([[0], [1]]);
    expect(argmax(tensor([[1, 9], [10, 2]])).item()).toBe(2);
    expect(argmax(tensor([[1, 9], [10, 2]]), 0).dtype).toBe("int32");
    expect(argmax(tensor([[1, 9], [10, 2]]).transpose(), 1).toArray()).toEqual([1, 0]);
  });
  it("share the gradient among ties", () => {
    const a = tensor([1, 3, 3], { requiresGrad: true });
    max(a).backward();
    expect(a.grad!.toArray()).toEqual([0, 0.5, 0.5]);
  });
});

describe("variance, std, logSumExp, all, any", () => {
  it("match the published formulas", () => {
    close(variance(tensor([1, 2, 3, 4])), 5 / 3);
    close(variance(tensor([1, 2, 3, 4]), { correction: 0 }), 1.25);
    close(std(tensor([2, 4, 4, 4, 5, 5, 7, 9]), { correction: 0 }), 2);
    close(variance(tensor([[1, 3], [2, 6]]), { axis: 1, keepDims: true }).reshape([2]), [2, 8]);
    close(variance(tensor([[1, 3], [2, 6]]), 0), [0.5, 4.5]);
    expect(variance(tensor([5])).item()).toBeNaN();
  });
  it("logSumExp is stable: [1000, 1000] is finite", () => {
    close(logSumExp(tensor([1000, 1000])), 1000 + Math.log(2), 3);
    close(logSumExp(tensor([-1000, -1000])), -1000 + Math.log(2), 3);
    close(logSumExp(tensor([[0, Math.log(3)], [1, 1]]), 1), [Math.log(4), 1 + Math.log(2)]);
    expect(logSumExp(tensor([[1, 2]]), { axis: 1, keepDims: true }).shape).toEqual([1, 1]);
    expect(logSumExp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(logSumExp(tensor([Infinity, 1])).item()).toBe(Infinity);
  });
  it("all and any with axes and keepDims", () => {
    const b = tensor([[true, false], [true, true]]);
    expect(all(b).toArray()).toBe(false);
    expect(all(b, 0).toArray()).toEqual([true, false]);
    expect(any(b, { axis: 1, keepDims: true }).toArray()).toEqual([[true], [true]]);
    expect(any(tensor([0, 0, 0])).toArray()).toBe(false);
    expect(all(tensor([1, 2, -1])).toArray()).toBe(true);
    expect(all(zeros([0])).toArray()).toBe(true);
    expect(any(zeros([0])).toArray()).toBe(false);
    expect(all(tensor([NaN])).toArray()).toBe(true);
  });
});

describe("gradients", () => {
  it("sum, mean, max, min over axes, views and broadcasts", () => {
    gradCheck((a) => sum(a), [det([2, 3])]);
    gradCheck((a) => sum(a, { axis: [0, 2], keepDims: true }), [det([2, 3, 2])]);
    gradCheck((a) => sum(a.transpose(), 0), [det([3, 4])]);
    gradCheck((a, b) => sum(a.add(b), 1), [det([2, 3]), det([3], 2)]);
    gradCheck((a) => mean(slice(a, [[null, null, 2]]), 1), [det([5, 3])]);
    gradCheck((a) => max(a, 1), [det([3, 4])]);
    gradCheck((a) => min(a.transpose(), { axis: [0, 1] }), [det([3, 4])]);
    gradCheck((a) => sumTo(a, [1, 3]), [det([4, 3])]);
    gradCheck((a) => sum(a.square(), 0), [det([3, 2])], { secondOrder: true });
  });
  it("prod, with zeros present", () => {
    gradCheck((a) => prod(a, 1), [det([3, 4])]);
    gradCheck((a) => prod(a), [tensor([[2, 0.5], [3, 0]], { dtype: "float64" })]);
    gradCheck((a) => prod(a, 0), [tensor([[0, 0.5], [3, 0], [0, 2]], { dtype: "float64" })]);
    gradCheck((a) => prod(a, 0), [tensor([[1.5, 0.5], [3, -2]], { dtype: "float64" })], { secondOrder: true });
    const a = tensor([2, 0, 3], { requiresGrad: true });
    prod(a).backward();
    expect(a.grad!.toArray()).toEqual([0, 6, 0]);
    const b = tensor([0, 0, 3], { requiresGrad: true });
    prod(b).backward();
    expect(b.grad!.toArray()).toEqual([0, 0, 0]);
  });
  it("variance, std, logSumExp", () => {
    gradCheck((a) => variance(a, 1), [det([3, 4])]);
    gradCheck((a) => std(a, { axis: 0, correction: 0 }), [det([3, 4])]);
    gradCheck((a) => logSumExp(a, 1), [det([2, 5])]);
    gradCheck((a) => logSumExp(a.mul(300)), [det([4])], { rtol: 1e-2 });
    gradCheck((a) => logSumExp(a, { axis: 0, keepDims: true }), [det([3, 2])], { secondOrder: true });
  });
});

describe("bad arguments raise named errors (issue 16)", () => {
  const op = (name: string) => resolve("op", name).apply;
  it("the registry's reductions check their axes and keepDims (TypeErrors 'axes is not iterable' before)", () => {
    expect(() => op("min")(tensor([[1, 2]]), tensor([1]), false)).toThrow(ValueError);
    expect(() => op("min")(tensor([[1, 2]]), tensor([1]), false)).toThrow("min: axes are not a list; expected increasing axes in [0, 2), got a float32 tensor [1]");
    expect(() => op("prod")(tensor([1]), () => 1, true)).toThrow("prod: axes are not a list; expected increasing axes in [0, 1), got a function");
    expect(() => op("sum")(tensor([[1, 2]]), [1, 0], false)).toThrow(ShapeError);
    expect(() => op("sum")(tensor([[1, 2]]), [0], "yes")).toThrow('sum: keepDims is not a boolean; expected true or false, got "yes"');
    expect(() => op("argmax")(tensor([1]), "sum", false)).toThrow('argmax: axis is not an integer; expected an axis in [0, 1), got "sum"');
    // The recorded form still works through the registry.
    expect(op("sum")(tensor([[1, 2], [3, 4]]), [1], false).toArray()).toEqual([3, 7]);
  });
  it("options that are not an axis, a list or an object: ValueError (TypeError 'reading axis' before)", () => {
    expect(() => sum(tensor([1]), null as never)).toThrow("sum: options are not an object; expected e.g. 0, [0, 1] or { axis: 0, keepDims: true }, got null");
    expect(() => std(tensor([1, 2]), null as never)).toThrow(ValueError);
    expect(() => sum(tensor([1]), { keepDims: "yes" as never })).toThrow('sum: keepDims is not a boolean; expected true or false, got "yes"');
    expect(() => variance(tensor([1, 2]), { correction: "a" as never })).toThrow('variance: correction is not a number; expected a number, got "a"');
    expect(() => sum(tensor([1]), { axis: {} as never })).toThrow("sum: the axes are not an axis or a list of axes; expected e.g. 0 or [0, 2], got an empty object {}");
  });
});
