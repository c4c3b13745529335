/**
 * Random tensors drawn from a {@link Generator} (the global one by default).
 * @module
 */
import type { Tensor } from "./tensor.js";
import type { TensorOptions } from "./creation.js";
import { empty } from "./creation.js";
import { Generator, defaultGenerator } from "./random.js";
import { ValueError, describeValue } from "./errors.js";
import { checkNumber, checkTensor, checkTensorOptions } from "./validate.js";
import { checkShape } from "./shape.js";

/**
 * Options of the random creation functions.
 * @category Random
 */
export interface RandomOptions extends TensorOptions {
  /** Where the numbers come from; the global generator by default. */
  generator?: Generator;
}

/** The generator of a random function's options: the given one, checked, or the global one. */
function generatorOf(options: RandomOptions, where: string): Generator {
  checkTensorOptions(options, where);
  const g = options.generator ?? defaultGenerator();
  if (!(g instanceof Generator)) throw new ValueError(`${where}: generator is not a Generator; expected e.g. new Generator(0), got ${describeValue(g)}`);
  return g;
}

function fillWith(shape: readonly number[], options: RandomOptions, where: string, draw: (g: Generator) => number): Tensor {
  const g = generatorOf(options, where);
  const t = empty(checkShape(shape, where), { dtype: options.dtype });
  const d = t.storage.data;
  for (let i = 0; i < d.length; i++) d[i] = draw(g);
  if (options.requiresGrad === true) t.requiresGrad = true;
  return t;
}

/**
 * Uniform numbers in [0, 1).
 * @example
 * ```ts
 * import { rand, Generator } from "@backprop/core";
 * rand([2, 3], { generator: new Generator(7) }).shape; // [2, 3]
 * ```
 * @category Random
 */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return fillWith(shape, options, "rand", (g) => g.nextFloat());
}

/**
 * Standard normal numbers (mean 0, standard deviation 1).
 * @example
 * ```ts
 * import { randn } from "@backprop/core";
 * randn([1000]).mean().item(); // close to 0
 * ```
 * @category Random
 */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return fillWith(shape, options, "randn", (g) => g.nextNormal());
}

/**
 * Uniform numbers in [low, high).
 * @throws {ValueError} when low > high.
 * @example
 * ```ts
 * import { uniform } from "@backprop/core";
 * uniform([3], -1, 1).shape; // [3]
 * ```
 * @category Random
 */
export function uniform(shape: readonly number[], low = 0, high = 1, options: RandomOptions = {}): Tensor {
  checkNumber(low, "uniform", "low");
  checkNumber(high, "uniform", "high");
  if (!(low <= high)) throw new ValueError(`uniform: low must not exceed high; got low ${low}, high ${high}`);
  return fillWith(shape, options, "uniform", (g) => low + (high - low) * g.nextFloat());
}

/**
 * Normal numbers with a given mean and standard deviation.
 * @throws {ValueError} for a negative standard deviation.
 * @example
 * ```ts
 * import { normal } from "@backprop/core";
 * normal([3], 10, 0.1).shape; // [3]
 * ```
 * @category Random
 */
export function normal(shape: readonly number[], mean = 0, std = 1, options: RandomOptions = {}): Tensor {
  checkNumber(mean, "normal", "mean");
  checkNumber(std, "normal", "std");
  if (!(std >= 0)) throw new ValueError(`normal: std must be non-negative; got ${std}`);
  return fillWith(shape, options, "normal", (g) => mean + std * g.nextNormal());
}

/**
 * Uniform integers in [low, high), int32 by default.
 * @throws {ValueError} unless low < high are integers.
 * @example
 * ```ts
 * import { randint } from "@backprop/core";
 * randint([5], 0, 10).dtype; // "int32"
 * ```
 * @category Random
 */
export function randint(shape: readonly number[], low: number, high: number, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || low >= high) {
    throw new ValueError(`randint: need integers low < high; got low ${low}, high ${high}`);
  }
  return fillWith(shape, { dtype: "int32", ...options }, "randint", (g) => g.nextInt(low, high));
}

/**
 * 1 with probability p, else 0 (float32 by default).
 * @throws {ValueError} when p is outside [0, 1].
 * @example
 * ```ts
 * import { bernoulli } from "@backprop/core";
 * bernoulli([4], 1).toArray(); // [1, 1, 1, 1]
 * ```
 * @category Random
 */
export function bernoulli(shape: readonly number[], p = 0.5, options: RandomOptions = {}): Tensor {
  checkNumber(p, "bernoulli", "p");
  if (!(p >= 0 && p <= 1)) throw new ValueError(`bernoulli: p must be in [0, 1]; got ${p}`);
  return fillWith(shape, options, "bernoulli", (g) => (g.nextFloat() < p ? 1 : 0));
}

/**
 * A random permutation of 0..n-1 (Fisher-Yates), int32.
 * @throws {ValueError} for a negative or fractional n.
 * @example
 * ```ts
 * import { permutation } from "@backprop/core";
 * permutation(5).shape; // [5]
 * ```
 * @category Random
 */
export function permutation(n: number, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`permutation: n must be a non-negative integer; got ${n}`);
  const g = generatorOf(options, "permutation");
  const t = empty([n], { dtype: options.dtype ?? "int32" });
  const d = t.storage.data;
  for (let i = 0; i < n; i++) d[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.nextInt(0, i + 1);
    const tmp = d[i];
    d[i] = d[j];
    d[j] = tmp;
  }
  return t;
}

/**
 * Uniform [0, 1) numbers shaped like another tensor.
 * @example
 * ```ts
 * import { randLike, zeros } from "@backprop/core";
 * randLike(zeros([2])).shape; // [2]
 * ```
 * @category Random
 */
export function randLike(x: Tensor, options: RandomOptions = {}): Tensor {
  checkTensor(x, "randLike");
  checkTensorOptions(options, "randLike");
  return rand(x.shape, { dtype: x.dtype, ...options });
}

/**
 * Standard normal numbers shaped like another tensor.
 * @example
 * ```ts
 * import { randnLike, zeros } from "@backprop/core";
 * randnLike(zeros([2])).shape; // [2]
 * ```
 * @category Random
 */
export function randnLike(x: Tensor, options: RandomOptions = {}): Tensor {
  checkTensor(x, "randnLike");
  checkTensorOptions(options, "randnLike");
  return randn(x.shape, { dtype: x.dtype, ...options });
}
