/**
 * Parameter initializers, registered under the "initializer" kind. Each takes a shape and
 * options and returns a new tensor; fans are computed PyTorch's way: for a weight
 * [out, in, ...kernel], fanIn = in * prod(kernel) and fanOut = out * prod(kernel).
 * @module
 */
import { ValueError, defaultGenerator, empty, full, normal, uniform } from "@backprop/core";
import type { InitializerOptions, Tensor } from "@backprop/core";

/**
 * Fan-in and fan-out of a weight shape (or the overrides in options).
 * @throws {ValueError} for a scalar shape without explicit fans.
 * @example
 * ```ts
 * import { computeFans } from "@backprop/layers";
 * computeFans([8, 3, 5, 5]); // { fanIn: 75, fanOut: 200 }
 * ```
 * @category Initializers
 */
export function computeFans(shape: readonly number[], options: InitializerOptions = {}): { fanIn: number; fanOut: number } {
  let fanIn = options.fanIn;
  let fanOut = options.fanOut;
  if (fanIn === undefined || fanOut === undefined) {
    if (shape.length === 0) throw new ValueError("computeFans: a scalar has no fan-in or fan-out; pass fanIn and fanOut");
    const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
    fanIn ??= shape.length === 1 ? shape[0] : shape[1] * receptive;
    fanOut ??= shape[0] * receptive;
  }
  return { fanIn, fanOut };
}

/**
 * Nonlinearities with a recommended gain.
 * @category Initializers
 */
export type Nonlinearity = "linear" | "sigmoid" | "tanh" | "relu" | "leakyRelu" | "selu";

/**
 * The recommended gain for a nonlinearity (PyTorch's `calculate_gain`): relu sqrt(2),
 * leakyRelu sqrt(2 / (1 + slope^2)), tanh 5/3, selu 3/4, linear and sigmoid 1.
 * @throws {ValueError} for an unknown nonlinearity.
 * @example
 * ```ts
 * import { calculateGain } from "@backprop/layers";
 * calculateGain("relu"); // 1.414...
 * ```
 * @category Initializers
 */
export function calculateGain(nonlinearity: Nonlinearity, slope = 0.01): number {
  switch (nonlinearity) {
    case "linear":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leakyRelu":
      return Math.sqrt(2 / (1 + slope * slope));
    case "selu":
      return 0.75;
    default:
      throw new ValueError(`calculateGain: unknown nonlinearity ${JSON.stringify(nonlinearity)}; expected linear, sigmoid, tanh, relu, leakyRelu or selu`);
  }
}

/**
 * All zeros.
 * @example
 * ```ts
 * import { zerosInit } from "@backprop/layers";
 * zerosInit([2, 2]).toArray(); // [[0, 0], [0, 0]]
 * ```
 * @category Initializers
 */
export function zerosInit(shape: readonly number[], options: InitializerOptions = {}): Tensor {
  return full(shape, 0, { dtype: options.dtype });
}

/**
 * All ones.
 * @example
 * ```ts
 * import { onesInit } from "@backprop/layers";
 * onesInit([2]).toArray(); // [1, 1]
 * ```
 * @category Initializers
 */
export function onesInit(shape: readonly number[], options: InitializerOptions = {}): Tensor {
  return full(shape, 1, { dtype: options.dtype });
}

/**
 * Options of {@link constantInit}.
 * @category Initializers
 */
export interface ConstantInitOptions extends InitializerOptions {
  /** The value (default 0). */
  value?: number;
}

/**
 * Every element equal to `value`.
 * @example
 * ```ts
 * import { constantInit } from "@backprop/layers";
 * constantInit([2], { value: 0.5 }).toArray(); // [0.5, 0.5]
 * ```
 * @category Initializers
 */
export function constantInit(shape: readonly number[], options: ConstantInitOptions = {}): Tensor {
  return full(shape, options.value ?? 0, { dtype: options.dtype });
}

/**
 * Options of {@link uniformInit}.
 * @category Initializers
 */
export interface UniformInitOptions extends InitializerOptions {
  /** Lower bound (default 0). */
  low?: number;
  /** Upper bound (default 1). */
  high?: number;
}

/**
 * Uniform numbers in [low, high).
 * @throws {ValueError} when low > high.
 * @example
 * ```ts
 * import { uniformInit } from "@backprop/layers";
 * uniformInit([3], { low: -1, high: 1 }).shape; // [3]
 * ```
 * @category Initializers
 */
export function uniformInit(shape: readonly number[], options: UniformInitOptions = {}): Tensor {
  return uniform(shape, options.low ?? 0, options.high ?? 1, { dtype: options.dtype, generator: options.generator });
}

/**
 * Options of {@link normalInit} and {@link truncatedNormalInit}.
 * @category Initializers
 */
export interface NormalInitOptions extends InitializerOptions {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation (default 1). */
  std?: number;
}

/**
 * Normal numbers N(mean, std^2).
 * @example
 * ```ts
 * import { normalInit } from "@backprop/layers";
 * normalInit([3], { std: 0.02 }).shape; // [3]
 * ```
 * @category Initializers
 */
export function normalInit(shape: readonly number[], options: NormalInitOptions = {}): Tensor {
  return normal(shape, options.mean ?? 0, options.std ?? 1, { dtype: options.dtype, generator: options.generator });
}

/**
 * Options of {@link truncatedNormalInit}.
 * @category Initializers
 */
export interface TruncatedNormalInitOptions extends NormalInitOptions {
  /** Smallest value, absolute (default -2, as in PyTorch's trunc_normal_). */
  low?: number;
  /** Largest value, absolute (default 2). */
  high?: number;
}

/**
 * Normal numbers N(mean, std^2) redrawn until they fall in [low, high].
 * @throws {ValueError} when the interval is empty or more than 6 standard deviations from the mean (redrawing would take forever).
 * @example
 * ```ts
 * import { truncatedNormalInit } from "@backprop/layers";
 * truncatedNormalInit([4], { std: 0.02, low: -0.04, high: 0.04 }).shape; // [4]
 * ```
 * @category Initializers
 */
export function truncatedNormalInit(shape: readonly number[], options: TruncatedNormalInitOptions = {}): Tensor {
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  const low = options.low ?? -2;
  const high = options.high ?? 2;
  if (!(low < high) || !(std > 0)) throw new ValueError(`truncatedNormal: expected low < high and std > 0; got low ${low}, high ${high}, std ${std}`);
  if (high < mean - 6 * std || low > mean + 6 * std) {
    throw new ValueError(`truncatedNormal: [${low}, ${high}] lies more than 6 standard deviations from the mean ${mean}; expected an interval near the mean`);
  }
  const g = options.generator ?? defaultGenerator();
  const t = empty(shape, { dtype: options.dtype });
  const d = t.storage.data;
  for (let i = 0; i < d.length; i++) {
    let v: number;
    do v = mean + std * g.nextNormal();
    while (v < low || v > high);
    d[i] = v;
  }
  return t;
}

/**
 * Options of the Xavier (Glorot) initializers.
 * @category Initializers
 */
export interface XavierInitOptions extends InitializerOptions {
  /** Scale factor (default 1; see {@link calculateGain}). */
  gain?: number;
}

/**
 * Xavier/Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)).
 * @example
 * ```ts
 * import { xavierUniform } from "@backprop/layers";
 * xavierUniform([256, 784]).shape; // [256, 784]
 * ```
 * @category Initializers
 */
export function xavierUniform(shape: readonly number[], options: XavierInitOptions = {}): Tensor {
  const { fanIn, fanOut } = computeFans(shape, options);
  const a = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, -a, a, { dtype: options.dtype, generator: options.generator });
}

/**
 * Xavier/Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)).
 * @example
 * ```ts
 * import { xavierNormal } from "@backprop/layers";
 * xavierNormal([256, 784]).shape; // [256, 784]
 * ```
 * @category Initializers
 */
export function xavierNormal(shape: readonly number[], options: XavierInitOptions = {}): Tensor {
  const { fanIn, fanOut } = computeFans(shape, options);
  return normal(shape, 0, (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), { dtype: options.dtype, generator: options.generator });
}

/**
 * Options of the Kaiming (He) initializers.
 * @category Initializers
 */
export interface KaimingInitOptions extends InitializerOptions {
  /** Negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  /** Keep the variance of activations ("fanIn", default) or of gradients ("fanOut"). */
  mode?: "fanIn" | "fanOut";
  /** The nonlinearity that follows (default "leakyRelu" with slope a, as in PyTorch). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(shape: readonly number[], options: KaimingInitOptions): number {
  const fans = computeFans(shape, options);
  const fan = (options.mode ?? "fanIn") === "fanIn" ? fans.fanIn : fans.fanOut;
  return calculateGain(options.nonlinearity ?? "leakyRelu", options.a ?? 0) / Math.sqrt(fan);
}

/**
 * Kaiming/He uniform: U(-b, b) with b = gain * sqrt(3 / fan). With `a: Math.sqrt(5)` it is
 * PyTorch's default for Linear and Conv weights, b = 1 / sqrt(fanIn).
 * @example
 * ```ts
 * import { kaimingUniform } from "@backprop/layers";
 * kaimingUniform([64, 3, 3, 3], { nonlinearity: "relu" }).shape; // [64, 3, 3, 3]
 * ```
 * @category Initializers
 */
export function kaimingUniform(shape: readonly number[], options: KaimingInitOptions = {}): Tensor {
  const b = Math.sqrt(3) * kaimingStd(shape, options);
  return uniform(shape, -b, b, { dtype: options.dtype, generator: options.generator });
}

/**
 * Kaiming/He normal: N(0, std^2) with std = gain / sqrt(fan).
 * @example
 * ```ts
 * import { kaimingNormal } from "@backprop/layers";
 * kaimingNormal([128, 64], { nonlinearity: "relu" }).shape; // [128, 64]
 * ```
 * @category Initializers
 */
export function kaimingNormal(shape: readonly number[], options: KaimingInitOptions = {}): Tensor {
  return normal(shape, 0, kaimingStd(shape, options), { dtype: options.dtype, generator: options.generator });
}

/**
 * Options of {@link orthogonal}.
 * @category Initializers
 */
export interface OrthogonalInitOptions extends InitializerOptions {
  /** Scale factor (default 1). */
  gain?: number;
}

/**
 * A (semi-)orthogonal matrix, reshaped: the Q of the QR decomposition of a normal matrix
 * [shape[0], prod(rest)], signs fixed by R's diagonal so the result is uniformly distributed;
 * rows (or columns, whichever are fewer) are orthonormal, times gain.
 * @throws {ValueError} for fewer than 2 axes.
 * @example
 * ```ts
 * import { orthogonal } from "@backprop/layers";
 * const q = orthogonal([3, 3]);
 * q.matmul(q.T); // identity, up to rounding
 * ```
 * @category Initializers
 */
export function orthogonal(shape: readonly number[], options: OrthogonalInitOptions = {}): Tensor {
  if (shape.length < 2) throw new ValueError(`orthogonal: expected a shape with at least 2 axes, got [${shape.join(", ")}]`);
  const rows = shape[0];
  const cols = shape.slice(1).reduce((a, b) => a * b, 1);
  const g = options.generator ?? defaultGenerator();
  // Gram-Schmidt on the columns of a tall matrix (m x n, m >= n); transposed back when wide.
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const q = new Float64Array(m * n);
  for (let i = 0; i < q.length; i++) q[i] = g.nextNormal();
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[i * n + k] * q[i * n + j];
        for (let i = 0; i < m; i++) q[i * n + j] -= dot * q[i * n + k];
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[i * n + j] ** 2;
    norm = Math.sqrt(norm);
    // Dividing by the norm is R's positive diagonal, which is what makes Q uniformly distributed.
    for (let i = 0; i < m; i++) q[i * n + j] /= norm;
  }
  const gain = options.gain ?? 1;
  const t = empty(shape, { dtype: options.dtype });
  const d = t.storage.data;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) d[r * cols + c] = gain * (rows >= cols ? q[r * n + c] : q[c * n + r]);
  return t;
}
