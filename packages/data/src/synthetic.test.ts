import { describe, expect, it } from "vitest";
import { Generator, ValueError } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { circles, linearRegression, moons, spirals, xor } from "./index.js";

const rowsOf = (x: Tensor): number[][] => x.toArray() as number[][];

describe("xor", () => {
  it("is the truth table by default, and repeats the corners for larger n", () => {
    const [x, y] = xor();
    expect(x.toArray()).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(y.toArray()).toEqual([0, 1, 1, 0]);
    expect(y.dtype).toBe("int32");
    const [xs, ys] = xor({ samples: 8, noise: 0.1, seed: 1 });
    expect(xs.shape).toEqual([8, 2]);
    expect(Array.from(ys.data())).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
    rowsOf(xs).forEach((p, i) => {
      expect(Math.abs(p[0] - ((i >> 1) & 1))).toBeLessThan(0.5);
      expect(Math.abs(p[1] - (i & 1))).toBeLessThan(0.5);
    });
  });
});

describe("moons and circles", () => {
  it("puts noiseless points exactly on their curves, half per class", () => {
    const [x, y] = moons({ samples: 101, seed: 3 });
    expect(x.shape).toEqual([101, 2]);
    const labels = Array.from(y.data());
    expect(labels.filter((l) => l === 0).length).toBe(50);
    rowsOf(x).forEach(([a, b], i) => {
      // class 0: unit circle, upper half; class 1: unit circle centred at (1, 0.5), lower half
      if (labels[i] === 0) expect(Math.hypot(a, b)).toBeCloseTo(1, 5);
      else expect(Math.hypot(a - 1, b - 0.5)).toBeCloseTo(1, 5);
    });
    const [cx, cy] = circles({ samples: 40, factor: 0.5, seed: 3 });
    const cl = Array.from(cy.data());
    rowsOf(cx).forEach(([a, b], i) => { expect(Math.hypot(a, b)).toBeCloseTo(cl[i] === 0 ? 1 : 0.5, 5); });
    expect(cl.filter((l) => l === 1).length).toBe(20);
  });

  it("is reproducible for a seed and differs between seeds", () => {
    const a = moons({ samples: 50, noise: 0.1, seed: 5 });
    const b = moons({ samples: 50, noise: 0.1, generator: new Generator(5) });
    const c = moons({ samples: 50, noise: 0.1, seed: 6 });
    expect(a[0].toArray()).toEqual(b[0].toArray());
    expect(a[1].toArray()).toEqual(b[1].toArray());
    expect(a[0].toArray()).not.toEqual(c[0].toArray());
    expect(circles({ samples: 30, noise: 0.05, seed: 2 })[0].toArray()).toEqual(circles({ samples: 30, noise: 0.05, seed: 2 })[0].toArray());
  });

  it("rejects bad options", () => {
    expect(() => moons({ samples: 0 })).toThrow(ValueError);
    expect(() => moons({ samples: 2.5 })).toThrow("moons: samples must be an integer in [2, 33554432] (x holds at most 2^26 numbers); got 2.5");
    // Sizes are checked before anything is allocated.
    expect(() => xor({ samples: 1e12 })).toThrow("xor: samples must be an integer in [1, 33554432] (x holds at most 2^26 numbers); got 1000000000000");
    expect(() => xor({ samples: 3e8 })).toThrow(ValueError);
    expect(() => spirals({ classes: 1e9, samples: 1e9 })).toThrow(ValueError);
    expect(() => linearRegression({ weights: new Array<number>(1e5).fill(1), samples: 1e5 })).toThrow(
      "linearRegression: samples must be an integer in [1, 671] (x holds at most 2^26 numbers); got 100000",
    );
    expect(() => xor(null as never)).toThrow("xor: expected an options object; got null");
    expect(() => moons({ generator: 5 as never, noise: 0.1 })).toThrow("moons: generator must be a Generator from @backprop/core; got number");
    expect(() => circles({ factor: 1 })).toThrow(/factor must be in \(0, 1\)/);
    expect(() => xor({ noise: -1 })).toThrow(/noise must be a non-negative number/);
  });
});

describe("spirals", () => {
  it("shares samples among the arms, with radius growing along each arm", () => {
    const [x, y] = spirals({ samples: 301, classes: 3, noise: 0, seed: 0 });
    expect(x.shape).toEqual([301, 2]);
    const labels = Array.from(y.data());
    expect([0, 1, 2].map((k) => labels.filter((l) => l === k).length)).toEqual([101, 100, 100]);
    const radii = rowsOf(x).map(([a, b]) => Math.hypot(a, b));
    expect(Math.max(...radii)).toBeCloseTo(1, 5);
    // Noiseless arm k at radius r sits at angle 4k + 4r: check every point against that.
    rowsOf(x).forEach(([a, b], i) => {
      const r = radii[i];
      const t = 4 * labels[i] + 4 * r;
      expect(a).toBeCloseTo(r * Math.sin(t), 5);
      expect(b).toBeCloseTo(r * Math.cos(t), 5);
    });
    expect(spirals({ seed: 4 })[0].toArray()).toEqual(spirals({ seed: 4 })[0].toArray());
    expect(() => spirals({ classes: 1 })).toThrow(ValueError);
  });
});

describe("linearRegression", () => {
  it("follows y = x . w + b exactly without noise", () => {
    const [x, y] = linearRegression({ samples: 50, weights: [2, -3.4], bias: 4.2, noise: 0, seed: 1 });
    expect(x.shape).toEqual([50, 2]);
    expect(y.shape).toEqual([50, 1]);
    const ys = y.toArray() as number[][];
    rowsOf(x).forEach(([a, b], i) => { expect(ys[i][0]).toBeCloseTo(2 * a - 3.4 * b + 4.2, 5); });
  });

  it("adds noise of the requested size, reproducibly", () => {
    const [x, y] = linearRegression({ samples: 2000, weights: [1], bias: 0, noise: 0.5, seed: 2 });
    const xs = x.data();
    const ys = y.data();
    let sq = 0;
    for (let i = 0; i < 2000; i++) sq += (ys[i] - xs[i]) ** 2;
    expect(Math.sqrt(sq / 2000)).toBeGreaterThan(0.45);
    expect(Math.sqrt(sq / 2000)).toBeLessThan(0.55);
    expect(linearRegression({ seed: 9 })[1].toArray()).toEqual(linearRegression({ seed: 9 })[1].toArray());
    expect(() => linearRegression({ weights: [] })).toThrow(ValueError);
  });
});
