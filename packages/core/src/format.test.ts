import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { arange, formatTensor, ones, scalar, tensor, zeros } from "./index.js";
import { ValueError } from "./index.js";

describe("formatTensor", () => {
  it("matrices of integral floats, aligned", () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe("tensor([[1., 2.],\n        [3., 4.]])");
    expect(tensor([[1, -20], [300, 4]]).toString()).toBe("tensor([[  1., -20.],\n        [300.,   4.]])");
  });
  it("fractions with four decimals, scientific notation for wide ranges", () => {
    expect(tensor([[1.5, 2], [3, -4.25]]).toString()).toBe("tensor([[ 1.5000,  2.0000],\n        [ 3.0000, -4.2500]])");
    expect(tensor([1e-5, 1]).toString()).toBe("tensor([1.0000e-05, 1.0000e+00])");
    expect(tensor([1, 2e9]).toString()).toBe("tensor([1.0000e+00, 2.0000e+09])");
    expect(tensor([0.1, 0.25], { dtype: "float64" }).toString()).toBe("tensor([0.1000, 0.2500], dtype=float64)");
  });
  it("scalars, NaN and infinities", () => {
    expect(scalar(3).toString()).toBe("tensor(3.)");
    expect(scalar(-0.5).toString()).toBe("tensor(-0.5000)");
    expect(tensor([NaN, Infinity, -Infinity, 1.5]).toString()).toBe("tensor([   nan,    inf,   -inf, 1.5000])");
    expect(tensor([NaN, 1]).toString()).toBe("tensor([nan, 1.])");
  });
  it("dtypes: int32 and float64 suffixes, bools as True/False", () => {
    expect(tensor([1, -22], { dtype: "int32" }).toString()).toBe("tensor([  1, -22], dtype=int32)");
    expect(tensor([true, false]).toString()).toBe("tensor([ True, False])");
    expect(tensor([true, true]).toString()).toBe("tensor([True, True])");
  });
  it("gradient suffixes", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(x.toString()).toBe("tensor([1., 2.], requiresGrad=true)");
    expect(x.mul(2).toString()).toBe("tensor([2., 4.], gradFn=<mul>)");
    expect(tensor([1], { dtype: "float64", requiresGrad: true }).toString()).toBe("tensor([1.], dtype=float64, requiresGrad=true)");
  });
  it("empty tensors", () => {
    expect(zeros([0]).toString()).toBe("tensor([])");
    expect(zeros([0, 3]).toString()).toBe("tensor([], size=[0, 3])");
  });
  it("3-D tensors separate blocks with a blank line", () => {
    expect(arange(8).reshape([2, 2, 2]).toString()).toBe(
      "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])",
    );
  });
  it("long rows wrap at 80 characters", () => {
    const s = arange(30).toString();
    const lines = s.split("\n");
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lines[1].startsWith("        ")).toBe(true);
  });
  it("summarises more than 1000 elements with 3 edge items per axis", () => {
    expect(arange(1000, 2001).toString()).toBe("tensor([1000., 1001., 1002.,  ..., 1998., 1999., 2000.])");
    // A range wider than 1000x switches to scientific notation, and the row wraps (as in PyTorch).
    expect(arange(2000).toString()).toBe("tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])");
    const s = ones([50, 50]).toString();
    expect(s).toBe(
      "tensor([[1., 1., 1.,  ..., 1., 1., 1.],\n        [1., 1., 1.,  ..., 1., 1., 1.],\n        [1., 1., 1.,  ..., 1., 1., 1.],\n" +
        "        ...,\n        [1., 1., 1.,  ..., 1., 1., 1.],\n        [1., 1., 1.,  ..., 1., 1., 1.],\n        [1., 1., 1.,  ..., 1., 1., 1.]])",
    );
    expect(formatTensor(arange(10), { threshold: 5, edgeItems: 2 })).toBe("tensor([0., 1.,  ..., 8., 9.])");
  });
  it("views print their logical elements", () => {
    expect(tensor([[1, 2], [3, 4]]).transpose(0, 1).toString()).toBe("tensor([[1., 3.],\n        [2., 4.]])");
  });
  it("console.log and util.inspect print the same", () => {
    const t = tensor([1, 2]);
    expect(inspect(t)).toBe("tensor([1., 2.])");
    expect(String(t)).toBe("tensor([1., 2.])");
  });
});

describe("bad arguments raise named errors (issue 16)", () => {
  it("formatTensor checks its tensor, its view and its options (TypeError 't.data is not a function', RangeError from toFixed before)", () => {
    expect(() => formatTensor(null as never)).toThrow("formatTensor: input is not a tensor; expected a tensor, got null");
    expect(() => formatTensor(tensor([1]), { precision: 1e300 })).toThrow("formatTensor: precision is not a number of digits; expected an integer in [0, 100], got 1e+300");
    expect(() => formatTensor(tensor([1]), null as never)).toThrow(ValueError);
    const forged = tensor([1, 2]);
    Object.assign(forged, { shape: [0, 3], strides: [NaN], offset: 0.5, size: 0 });
    expect(() => forged.toString()).toThrow("formatTensor: strides must be one safe integer per axis of [0, 3]; got [NaN]");
  });
});
