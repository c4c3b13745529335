import { describe, expect, it } from "vitest";
import { Generator, ValueError, isRegistered, resolve } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import {
  calculateGain,
  computeFans,
  constantInit,
  kaimingNormal,
  kaimingUniform,
  normalInit,
  onesInit,
  orthogonal,
  truncatedNormalInit,
  uniformInit,
  xavierNormal,
  xavierUniform,
  zerosInit,
} from "./index.js";

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const d = Array.from(t.data());
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return { mean, std, min: Math.min(...d), max: Math.max(...d) };
}

const g = (): Generator => new Generator(5);

describe("initializers", () => {
  it("are registered under their names", () => {
    for (const name of ["zeros", "ones", "constant", "uniform", "normal", "truncatedNormal", "xavierUniform", "xavierNormal", "kaimingUniform", "kaimingNormal", "orthogonal"]) {
      expect(isRegistered("initializer", name)).toBe(true);
    }
    expect(resolve("initializer", "ones")([2], { dtype: "float64" }).toArray()).toEqual([1, 1]);
  });

  it("computes fans PyTorch's way and gains", () => {
    expect(computeFans([8, 3, 5, 5])).toEqual({ fanIn: 75, fanOut: 200 });
    expect(computeFans([10, 20])).toEqual({ fanIn: 20, fanOut: 10 });
    expect(computeFans([4], { fanIn: 9 })).toEqual({ fanIn: 9, fanOut: 4 });
    expect(() => computeFans([])).toThrow(ValueError);
    expect(calculateGain("relu")).toBeCloseTo(Math.SQRT2, 12);
    expect(calculateGain("leakyRelu", Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(calculateGain("tanh")).toBeCloseTo(5 / 3, 12);
    expect(() => calculateGain("swish" as never)).toThrow(/unknown nonlinearity/);
  });

  it("fill constants", () => {
    expect(zerosInit([2]).toArray()).toEqual([0, 0]);
    expect(onesInit([1, 2]).toArray()).toEqual([[1, 1]]);
    expect(constantInit([2], { value: 0.25 }).toArray()).toEqual([0.25, 0.25]);
  });

  it("draw with the documented distributions", () => {
    const u = stats(uniformInit([20000], { low: -2, high: 4, generator: g() }));
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(4);
    expect(u.mean).toBeCloseTo(1, 1);
    const nrm = stats(normalInit([20000], { mean: 3, std: 0.5, generator: g() }));
    expect(nrm.mean).toBeCloseTo(3, 1);
    expect(nrm.std).toBeCloseTo(0.5, 1);
    const t = stats(truncatedNormalInit([20000], { std: 1, low: -1, high: 1.5, generator: g() }));
    expect(t.min).toBeGreaterThanOrEqual(-1);
    expect(t.max).toBeLessThanOrEqual(1.5);
    expect(() => truncatedNormalInit([2], { low: 50, high: 60 })).toThrow(/6 standard deviations/);
  });

  it("scale Xavier and Kaiming by the fans", () => {
    const shape = [200, 300];
    const xu = stats(xavierUniform(shape, { generator: g() }));
    const a = Math.sqrt(6 / 500);
    expect(xu.max).toBeLessThanOrEqual(a);
    expect(xu.max).toBeGreaterThan(0.95 * a);
    expect(stats(xavierNormal(shape, { generator: g() })).std).toBeCloseTo(Math.sqrt(2 / 500), 2);
    const ku = stats(kaimingUniform(shape, { nonlinearity: "relu", generator: g() }));
    expect(ku.max).toBeLessThanOrEqual(Math.sqrt(6 / 300));
    expect(ku.max).toBeGreaterThan(0.95 * Math.sqrt(6 / 300));
    const kn = stats(kaimingNormal(shape, { nonlinearity: "relu", mode: "fanOut", generator: g() }));
    expect(kn.std).toBeCloseTo(Math.sqrt(2 / 200), 2);
    // PyTorch's Linear default: a = sqrt(5) gives the bound 1/sqrt(fanIn).
    expect(stats(kaimingUniform(shape, { a: Math.sqrt(5), generator: g() })).max).toBeLessThanOrEqual(1 / Math.sqrt(300));
  });

  it("orthogonal gives orthonormal rows or columns, times gain", () => {
    for (const shape of [[4, 4], [3, 6], [6, 3], [2, 2, 3]]) {
      const q = orthogonal(shape, { generator: g(), dtype: "float64", gain: 2 });
      const m = q.reshape([shape[0], -1]);
      const small = m.shape[0] <= m.shape[1] ? m.matmul(m.T) : m.T.matmul(m);
      const got = small.toArray() as number[][];
      got.forEach((row, i) => { row.forEach((v, j) => { expect(v).toBeCloseTo(i === j ? 4 : 0, 10); }); });
    }
    expect(() => orthogonal([3])).toThrow(/at least 2 axes/);
  });

  it("are reproducible from a generator and respect dtype", () => {
    expect(kaimingUniform([3, 3], { generator: new Generator(1) }).toArray()).toEqual(kaimingUniform([3, 3], { generator: new Generator(1) }).toArray());
    expect(xavierNormal([2, 2], { dtype: "float64" }).dtype).toBe("float64");
  });
});
