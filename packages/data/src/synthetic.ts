/**
 * Seeded synthetic data sets for toy problems and tests: xor, moons, circles, spirals and
 * linear regression. The same options and seed give the same tensors on every machine.
 * @module
 */
import { Generator, ValueError, empty } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { optionalGenerator, optionsOf } from "./check.js";

/** The most numbers a synthetic x may hold (256 MiB of float32), checked before allocating. */
const maxNumbers = 2 ** 26;

/**
 * Options shared by the synthetic data sets.
 * @category Datasets
 */
export interface SyntheticOptions {
  /** Number of samples; x may hold at most 2^26 numbers (33,554,432 samples of 2 features). */
  samples?: number;
  /** Standard deviation of Gaussian noise added to every coordinate. */
  noise?: number;
  /** Seed of the generator (default 0). */
  seed?: number;
  /** A generator to draw from instead (overrides seed). */
  generator?: Generator;
}

function setup(options: SyntheticOptions, where: string, defaultN: number, defaultNoise: number, minN = 1, features = 2): { n: number; noise: number; g: Generator } {
  const { samples: n = defaultN, noise = defaultNoise, generator, seed = 0 } = optionsOf(options, where);
  const maxN = Math.floor(maxNumbers / features);
  if (!Number.isInteger(n) || n < minN || n > maxN) throw new ValueError(`${where}: samples must be an integer in [${minN}, ${maxN}] (x holds at most 2^26 numbers); got ${n}`);
  if (!Number.isFinite(noise) || noise < 0) throw new ValueError(`${where}: noise must be a non-negative number; got ${noise}`);
  return { n, noise, g: optionalGenerator(generator, where) ?? new Generator(seed) };
}

/** Fills x [n, 2] and y [n] from a point function, shuffling the sample order with g. */
function points(n: number, g: Generator, noise: number, shuffle: boolean, at: (i: number) => [number, number, number]): [Tensor, Tensor] {
  const x = empty([n, 2]);
  const y = empty([n], { dtype: "int32" });
  const xd = x.storage.data;
  const yd = y.storage.data;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (shuffle) {
    for (let i = n - 1; i > 0; i--) {
      const j = g.nextInt(0, i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  for (let i = 0; i < n; i++) {
    const [a, b, label] = at(i);
    const k = order[i];
    xd[2 * k] = a + (noise > 0 ? noise * g.nextNormal() : 0);
    xd[2 * k + 1] = b + (noise > 0 ? noise * g.nextNormal() : 0);
    yd[k] = label;
  }
  return [x, y];
}

/**
 * The XOR problem: sample i sits on corner i mod 4 of the unit square, in the order
 * (0,0), (0,1), (1,0), (1,1), with label `x0 XOR x1`; noise jitters the corners. With the default
 * 4 samples it is exactly the truth table.
 * Shape: x float32 `[samples, 2]`, y int32 `[samples]`.
 * @throws {ValueError} for a bad sample count or noise.
 * @example
 * ```ts
 * import { xor } from "@backprop/data";
 * const [x, y] = xor();
 * y.toArray(); // [0, 1, 1, 0]
 * ```
 * @category Datasets
 */
export function xor(options: SyntheticOptions = {}): [x: Tensor, y: Tensor] {
  const { n, noise, g } = setup(options, "xor", 4, 0);
  return points(n, g, noise, false, (i) => {
    const a = (i >> 1) & 1;
    const b = i & 1;
    return [a, b, a ^ b];
  });
}

/**
 * Two interleaving half circles (scikit-learn's `make_moons`): class 0 is
 * `(cos t, sin t)`, class 1 is `(1 - cos t, 0.5 - sin t)`, t evenly spaced in [0, pi];
 * floor(samples / 2) of them in class 0, samples shuffled.
 * Shape: x float32 `[samples, 2]`, y int32 `[samples]`.
 * @throws {ValueError} for a bad sample count or noise.
 * @example
 * ```ts
 * import { moons } from "@backprop/data";
 * const [x, y] = moons({ samples: 200, noise: 0.1, seed: 1 });
 * x.shape; // [200, 2]
 * ```
 * @category Datasets
 */
export function moons(options: SyntheticOptions = {}): [x: Tensor, y: Tensor] {
  const { n, noise, g } = setup(options, "moons", 100, 0, 2);
  const outer = Math.floor(n / 2);
  const inner = n - outer;
  return points(n, g, noise, true, (i) => {
    if (i < outer) {
      const t = outer > 1 ? (Math.PI * i) / (outer - 1) : 0;
      return [Math.cos(t), Math.sin(t), 0];
    }
    const j = i - outer;
    const t = inner > 1 ? (Math.PI * j) / (inner - 1) : 0;
    return [1 - Math.cos(t), 0.5 - Math.sin(t), 1];
  });
}

/**
 * Options of {@link circles}.
 * @category Datasets
 */
export interface CirclesOptions extends SyntheticOptions {
  /** Radius of the inner circle relative to the outer one, in (0, 1) (default 0.8). */
  factor?: number;
}

/**
 * A small circle inside a large one (scikit-learn's `make_circles`): class 0 on the unit
 * circle, class 1 on a circle of radius `factor`; floor(samples / 2) of them in class 0, angles
 * evenly spaced, samples shuffled.
 * Shape: x float32 `[samples, 2]`, y int32 `[samples]`.
 * @throws {ValueError} for a bad sample count, noise or factor.
 * @example
 * ```ts
 * import { circles } from "@backprop/data";
 * const [x, y] = circles({ samples: 100, factor: 0.5, noise: 0.05, seed: 2 });
 * ```
 * @category Datasets
 */
export function circles(options: CirclesOptions = {}): [x: Tensor, y: Tensor] {
  const { n, noise, g } = setup(options, "circles", 100, 0, 2);
  const { factor = 0.8 } = options;
  if (!(factor > 0 && factor < 1)) throw new ValueError(`circles: factor must be in (0, 1); got ${factor}`);
  const outer = Math.floor(n / 2);
  const inner = n - outer;
  return points(n, g, noise, true, (i) => {
    const inOuter = i < outer;
    const t = (2 * Math.PI * (inOuter ? i : i - outer)) / (inOuter ? outer : inner);
    const r = inOuter ? 1 : factor;
    return [r * Math.cos(t), r * Math.sin(t), inOuter ? 0 : 1];
  });
}

/**
 * Options of {@link spirals}.
 * @category Datasets
 */
export interface SpiralsOptions extends SyntheticOptions {
  /** Number of arms, one class each (default 3). */
  classes?: number;
}

/**
 * Interleaved spiral arms (the CS231n spiral): arm k has radius r from 0 to 1 and angle
 * `4k + 4r` radians plus Gaussian noise on the angle, point `(r sin t, r cos t)`; samples are
 * shared out as evenly as possible among the arms, then shuffled.
 * Shape: x float32 `[samples, 2]`, y int32 `[samples]`.
 * @throws {ValueError} for a bad sample count, noise or number of classes.
 * @example
 * ```ts
 * import { spirals } from "@backprop/data";
 * const [x, y] = spirals({ samples: 300, classes: 3, seed: 0 }); // y in {0, 1, 2}
 * ```
 * @category Datasets
 */
export function spirals(options: SpiralsOptions = {}): [x: Tensor, y: Tensor] {
  const { classes = 3 } = optionsOf(options, "spirals");
  if (!Number.isInteger(classes) || classes < 2) throw new ValueError(`spirals: classes must be an integer >= 2; got ${classes}`);
  const { n, noise, g } = setup(options, "spirals", 300, 0.2, classes);
  const base = Math.floor(n / classes);
  const extra = n % classes;
  const starts: number[] = [];
  for (let k = 0, s = 0; k < classes; k++) {
    starts.push(s);
    s += base + (k < extra ? 1 : 0);
  }
  // Noise goes on the angle (as in CS231n), so the per-coordinate noise of `points` is off.
  return points(n, g, 0, true, (i) => {
    let k = classes - 1;
    while (starts[k] > i) k--;
    const count = base + (k < extra ? 1 : 0);
    const r = count > 1 ? (i - starts[k]) / (count - 1) : 0;
    const t = 4 * k + 4 * r + (noise > 0 ? noise * g.nextNormal() : 0);
    return [r * Math.sin(t), r * Math.cos(t), k];
  });
}

/**
 * Options of {@link linearRegression}.
 * @category Datasets
 */
export interface LinearRegressionOptions extends SyntheticOptions {
  /** The true weights, one per feature (default [2, -3.4]). */
  weights?: readonly number[];
  /** The true bias (default 4.2). */
  bias?: number;
}

/**
 * Data for linear regression: `y = x . w + b + noise * e`, with x and e standard normal.
 * Shape: x float32 `[samples, weights.length]`, y float32 `[samples, 1]`.
 * @throws {ValueError} for a bad sample count, noise or weights.
 * @example
 * ```ts
 * import { linearRegression } from "@backprop/data";
 * const [x, y] = linearRegression({ samples: 1000, weights: [2, -3.4], bias: 4.2, noise: 0.01, seed: 0 });
 * y.shape; // [1000, 1]
 * ```
 * @category Datasets
 */
export function linearRegression(options: LinearRegressionOptions = {}): [x: Tensor, y: Tensor] {
  const { weights: w = [2, -3.4], bias: b = 4.2 } = optionsOf(options, "linearRegression");
  if (!Array.isArray(w) || w.length === 0 || w.some((v) => !Number.isFinite(v))) {
    throw new ValueError(`linearRegression: weights must be a non-empty array of finite numbers; got ${JSON.stringify(w).slice(0, 80)}`);
  }
  const { n, noise, g } = setup(options, "linearRegression", 100, 0.01, 1, w.length);
  if (!Number.isFinite(b)) throw new ValueError(`linearRegression: bias must be a finite number; got ${b}`);
  const f = w.length;
  const x = empty([n, f]);
  const y = empty([n, 1]);
  const xd = x.storage.data;
  const yd = y.storage.data;
  for (let i = 0; i < n; i++) {
    let sum = b;
    for (let j = 0; j < f; j++) {
      // Round through float32 first so that y matches the stored x exactly.
      const v = Math.fround(g.nextNormal());
      xd[i * f + j] = v;
      sum += v * w[j];
    }
    yd[i] = sum + (noise > 0 ? noise * g.nextNormal() : 0);
  }
  return [x, y];
}
