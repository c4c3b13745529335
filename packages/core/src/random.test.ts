import { describe, expect, it } from "vitest";
import {
  Generator, ValueError, bernoulli, getRngState, manualSeed, normal, permutation, rand, randint, randn, randnLike, setRngState, uniform,
} from "./index.js";

describe("Generator", () => {
  it("the same seed gives the same stream; different seeds differ", () => {
    const a = new Generator(7);
    const b = new Generator(7);
    const xs = Array.from({ length: 5 }, () => a.nextFloat());
    expect(Array.from({ length: 5 }, () => b.nextFloat())).toEqual(xs);
    expect(new Generator(8).nextFloat()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
  it("getState/setState resumes the same stream, normals included", () => {
    const g = new Generator(3);
    g.nextNormal(); // leaves a cached spare
    const state = g.getState();
    const next = [g.nextNormal(), g.nextNormal(), g.nextFloat(), g.nextInt(0, 100)];
    const h = new Generator(99).setState(JSON.parse(JSON.stringify(state)));
    expect([h.nextNormal(), h.nextNormal(), h.nextFloat(), h.nextInt(0, 100)]).toEqual(next);
    expect(() => g.setState({ s: [1, 2, 3], spare: null } as never)).toThrow(ValueError);
    expect(() => new Generator(NaN)).toThrow(ValueError);
  });
  it("nextInt covers its range without bias to speak of", () => {
    const g = new Generator(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[g.nextInt(0, 3)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
    expect(() => g.nextInt(2, 2)).toThrow(ValueError);
  });
});

describe("random tensors", () => {
  it("shapes, dtypes and seeds reproduce", () => {
    expect(rand([2, 3]).shape).toEqual([2, 3]);
    expect(randn([4], { dtype: "float64" }).dtype).toBe("float64");
    expect(randint([5], 0, 10).dtype).toBe("int32");
    manualSeed(11);
    const a = randn([6]).toArray();
    manualSeed(11);
    expect(randn([6]).toArray()).toEqual(a);
    expect(rand([3], { generator: new Generator(2) }).toArray()).toEqual(rand([3], { generator: new Generator(2) }).toArray());
    expect(randnLike(randn([2, 2], { dtype: "float64" })).dtype).toBe("float64");
  });
  it("the global state resumes the same stream", () => {
    manualSeed(5);
    rand([3]);
    const state = getRngState();
    const next = randn([4]).toArray();
    rand([10]);
    setRngState(state);
    expect(randn([4]).toArray()).toEqual(next);
  });
  it("statistics: 1e5 randn have mean 0 and std 1; uniform, normal, bernoulli, randint ranges", () => {
    const g = new Generator(123);
    const x = randn([100_000], { generator: g, dtype: "float64" });
    // Standard error of the mean is 1/sqrt(1e5) = 0.0032; allow 5 of them.
    expect(Math.abs(x.mean().item())).toBeLessThan(0.016);
    expect(Math.abs(x.std().item() - 1)).toBeLessThan(0.012);
    const u = uniform([100_000], -2, 4, { generator: g, dtype: "float64" });
    expect(u.min().item()).toBeGreaterThanOrEqual(-2);
    expect(u.max().item()).toBeLessThan(4);
    expect(Math.abs(u.mean().item() - 1)).toBeLessThan(0.03);
    const n = normal([100_000], 10, 0.5, { generator: g, dtype: "float64" });
    expect(Math.abs(n.mean().item() - 10)).toBeLessThan(0.01);
    expect(Math.abs(n.std().item() - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(bernoulli([100_000], 0.3, { generator: g }).mean().item() - 0.3)).toBeLessThan(0.01);
    const r = randint([10_000], -3, 3, { generator: g });
    expect(r.min().item()).toBe(-3);
    expect(r.max().item()).toBe(2);
  });
  it("permutation is a permutation", () => {
    const p = permutation(50, { generator: new Generator(4) }).toArray() as number[];
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
  it("bad arguments are ValueErrors", () => {
    expect(() => rand([-1])).toThrow(ValueError);
    expect(() => randn([1.5])).toThrow(ValueError);
    expect(() => uniform([2], 3, 1)).toThrow(ValueError);
    expect(() => normal([2], 0, -1)).toThrow(ValueError);
    expect(() => randint([2], 3, 3)).toThrow(ValueError);
    expect(() => randint([2], 0.5, 3)).toThrow(ValueError);
    expect(() => bernoulli([2], 1.5)).toThrow(ValueError);
    expect(() => permutation(-2)).toThrow(ValueError);
  });
});
