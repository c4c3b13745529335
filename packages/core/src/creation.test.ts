import { describe, expect, it } from "vitest";
import { DTypeError, ShapeError, ValueError, arange, empty, eye, full, fullLike, linspace, ones, onesLike, scalar, tensor, zeros, zerosLike } from "./index.js";
import { Generator, normal, rand } from "./index.js";

describe("tensor()", () => {
  it("infers shape and dtype from nested arrays", () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.strides).toEqual([3, 1]);
    expect(t.dtype).toBe("float32");
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor([true, false]).dtype).toBe("bool");
    expect(tensor([[]]).shape).toEqual([1, 0]);
    expect(tensor(5).shape).toEqual([]);
    expect(tensor(5).item()).toBe(5);
  });
  it("bool tensors hold exactly 0 and 1", () => {
    expect(Array.from(tensor([2, 0.5, 0, -1], { dtype: "bool" }).data())).toEqual([1, 1, 0, 1]);
    expect(Array.from(tensor(new Float32Array([256, 0, 2]), { dtype: "bool" }).data())).toEqual([1, 0, 1]);
    expect(Array.from(full([2], 3, { dtype: "bool" }).data())).toEqual([1, 1]);
    expect(tensor([2], { dtype: "bool" }).eq(tensor([true])).item()).toBe(1);
  });
  it("takes typed arrays, dtypes and shapes", () => {
    const t = tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] });
    expect(t.dtype).toBe("float64");
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(tensor([1.7, -1.7], { dtype: "int32" }).toArray()).toEqual([1, -1]);
    expect(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor([0.1], { dtype: "float64" }).item()).toBe(0.1);
    expect(tensor([0.1]).item()).toBe(Math.fround(0.1));
  });
  it("ragged arrays and misfit shapes are ShapeErrors; bad elements and dtypes are refused", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged; expected length 2 at depth 1/);
    expect(() => tensor([[1, 2], 3] as number[][])).toThrow(ShapeError);
    expect(() => tensor([1, [2]] as number[])).toThrow(ShapeError);
    expect(() => tensor(new Float32Array(3), { shape: [2, 2] })).toThrow(ShapeError);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(ShapeError);
    expect(() => tensor(["a"] as unknown as number[])).toThrow(ValueError);
    expect(() => tensor([1], { dtype: "float16" as "float32" })).toThrow(DTypeError);
  });
});

describe("filled tensors and ranges", () => {
  it("zeros, ones, full, empty, the Like forms, scalar", () => {
    expect(zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(ones([2], { dtype: "int32" }).toArray()).toEqual([1, 1]);
    expect(full([2], 7, { dtype: "float64" }).toArray()).toEqual([7, 7]);
    expect(empty([3, 0]).size).toBe(0);
    const x = ones([2, 2], { dtype: "float64" });
    expect(zerosLike(x).dtype).toBe("float64");
    expect(onesLike(x, { dtype: "int32" }).dtype).toBe("int32");
    expect(fullLike(x, 5).toArray()).toEqual([[5, 5], [5, 5]]);
    expect(scalar(true).dtype).toBe("bool");
    expect(ones([2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(zeros([]).shape).toEqual([]);
  });
  it("arange, linspace, eye", () => {
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(arange(3, 1).size).toBe(0);
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(2, 3, 1).toArray()).toEqual([2]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
  });
  it("negative and fractional sizes are ValueErrors", () => {
    expect(() => zeros([-1])).toThrow(ValueError);
    expect(() => zeros([2, 1.5])).toThrow("zeros: sizes must be integers in [0, 2147483647]; got [2, 1.5]");
    expect(() => ones([NaN])).toThrow(ValueError);
    expect(() => empty([-3])).toThrow(ValueError);
    expect(() => full([2.5], 1)).toThrow(ValueError);
    expect(() => eye(-1)).toThrow(ValueError);
    expect(() => linspace(0, 1, 2.5)).toThrow(ValueError);
    expect(() => arange(0, 1, 0)).toThrow(ValueError);
    expect(() => arange(0, Infinity)).toThrow(ValueError);
  });
});

describe("bad arguments raise named errors (issue 16)", () => {
  it("options, fill values, generators and tensors of the wrong type: ValueError (TypeErrors before)", () => {
    expect(() => tensor([1], null as never)).toThrow('tensor: options are not an object; expected e.g. { dtype: "float32", requiresGrad: true }, got null');
    expect(() => zeros([1], { requiresGrad: "yes" as never })).toThrow('zeros: requiresGrad is not a boolean; expected true or false, got "yes"');
    expect(() => zerosLike(undefined as never)).toThrow("zerosLike: input is not a tensor; expected a tensor, got undefined");
    expect(() => full([2], "abc" as never)).toThrow('full: the fill value is not a number; expected a number, got "abc"');
    expect(() => rand([2], { generator: 3 as never })).toThrow("rand: generator is not a Generator; expected e.g. new Generator(0), got 3");
    expect(() => normal([2], "a" as never)).toThrow(ValueError);
    expect(rand([2], { generator: new Generator(1) }).shape).toEqual([2]);
  });
});
