/**
 * Feature scaling fitted on training data and applied to any data: standardization (zero
 * mean, unit variance) and min-max scaling. Statistics are per feature, over axis 0.
 * @module
 */
import { ShapeError, Tensor, ValueError, formatShape, keep, tensor } from "@backprop/core";
import { optionsOf, typeName } from "./check.js";

/**
 * A fitted scaler: `apply` maps data the way the training data was mapped, `invert` undoes it.
 * `apply(x) = (x - shift) / scale` per feature.
 * @category Transforms
 */
export interface Scaler {
  /** What is subtracted from each feature. Shape: `x.shape.slice(1)`. */
  readonly shift: Tensor;
  /** What each feature is divided by after the shift. Shape: `x.shape.slice(1)`. */
  readonly scale: Tensor;
  /** `(x - shift) / scale`. @throws {ShapeError} when x's features differ from the fitted ones. */
  apply(x: Tensor): Tensor;
  /** `x * scale + shift`. @throws {ShapeError} when x's features differ from the fitted ones. */
  invert(x: Tensor): Tensor;
}

/** Per-feature float64 statistics over axis 0 of a rank >= 1 tensor. */
function columns(x: Tensor, where: string): { n: number; features: number; data: ArrayLike<number> } {
  if (!(x instanceof Tensor)) throw new ValueError(`${where}: expected a Tensor; got ${typeName(x)}`);
  if (x.rank === 0 || x.shape[0] === 0) throw new ShapeError(`${where}: expected a tensor [n, ...] with n >= 1; got ${formatShape(x.shape)}`);
  if (x.dtype === "bool") throw new ValueError(`${where}: expected a numeric tensor; got a ${x.describe()}`);
  return { n: x.shape[0], features: x.size / x.shape[0], data: x.data() };
}

function makeScaler(where: string, featureShape: readonly number[], shift: Float32Array, scale: Float32Array): Scaler {
  // A scaler outlives the scope it was fitted in (it is applied to test data later).
  const shiftT = keep(tensor(shift, { shape: featureShape }));
  const scaleT = keep(tensor(scale, { shape: featureShape }));
  const check = (x: Tensor): void => {
    if (!(x instanceof Tensor)) throw new ValueError(`${where}: expected a Tensor; got ${typeName(x)}`);
    const s = x.shape.slice(1);
    if (x.rank === 0 || s.length !== featureShape.length || s.some((d, i) => d !== featureShape[i])) {
      throw new ShapeError(`${where}: expected input [n, ${featureShape.join(", ")}] like the fitted data, got ${formatShape(x.shape)}`);
    }
  };
  return {
    shift: shiftT,
    scale: scaleT,
    apply: (x) => (check(x), x.sub(shiftT).div(scaleT)),
    invert: (x) => (check(x), x.mul(scaleT).add(shiftT)),
  };
}

/**
 * Fits per-feature standardization on x (scikit-learn's `StandardScaler`):
 * `mean_j = sum_i x_ij / n`, `std_j = sqrt(sum_i (x_ij - mean_j)^2 / n)`, and
 * `apply(x) = (x - mean) / std`. A constant feature gets std 1, so it maps to 0 instead of NaN.
 * Shape: x `[n, ...features]`; shift and scale `[...features]`.
 * @throws {ShapeError} for a 0-D or empty x.
 * @example
 * ```ts
 * import { tensor } from "@backprop/core";
 * import { standardize } from "@backprop/data";
 * const scaler = standardize(tensor([[1, 10], [3, 10]]));
 * scaler.apply(tensor([[1, 10], [3, 10]])).toArray(); // [[-1, 0], [1, 0]]
 * ```
 * @category Transforms
 */
export function standardize(x: Tensor): Scaler {
  const { n, features, data } = columns(x, "standardize");
  const mean = new Float64Array(features);
  const sq = new Float64Array(features);
  for (let i = 0; i < n; i++) for (let j = 0; j < features; j++) mean[j] += data[i * features + j];
  for (let j = 0; j < features; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < features; j++) {
      const d = data[i * features + j] - mean[j];
      sq[j] += d * d;
    }
  }
  const std = sq.map((s) => Math.sqrt(s / n) || 1);
  return makeScaler("standardize", x.shape.slice(1), Float32Array.from(mean), Float32Array.from(std));
}

/**
 * Options of {@link minMax}.
 * @category Transforms
 */
export interface MinMaxOptions {
  /** Lower end of the target range (default 0). */
  min?: number;
  /** Upper end of the target range (default 1). */
  max?: number;
}

/**
 * Fits per-feature min-max scaling on x (scikit-learn's `MinMaxScaler`): each feature's
 * [lo_j, hi_j] on x maps linearly onto [min, max]. A constant feature maps to `min`.
 * Shape: x `[n, ...features]`; shift and scale `[...features]`.
 * @throws {ShapeError} for a 0-D or empty x.
 * @throws {ValueError} for min >= max.
 * @example
 * ```ts
 * import { tensor } from "@backprop/core";
 * import { minMax } from "@backprop/data";
 * minMax(tensor([[0], [5], [10]])).apply(tensor([[5]])).toArray(); // [[0.5]]
 * ```
 * @category Transforms
 */
export function minMax(x: Tensor, options: MinMaxOptions = {}): Scaler {
  const { min: lo = 0, max: hi = 1 } = optionsOf(options, "minMax");
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new ValueError(`minMax: expected finite min < max; got min ${lo}, max ${hi}`);
  const { n, features, data } = columns(x, "minMax");
  const fmin = new Float64Array(features).fill(Infinity);
  const fmax = new Float64Array(features).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < features; j++) {
      const v = data[i * features + j];
      if (v < fmin[j]) fmin[j] = v;
      if (v > fmax[j]) fmax[j] = v;
    }
  }
  // (x - fmin) * (hi - lo) / range + lo  ==  (x - shift) / scale with the values below.
  const scale = new Float32Array(features);
  const shift = new Float32Array(features);
  for (let j = 0; j < features; j++) {
    const range = fmax[j] - fmin[j] || 1;
    scale[j] = range / (hi - lo);
    shift[j] = fmin[j] - lo * scale[j];
  }
  return makeScaler("minMax", x.shape.slice(1), shift, scale);
}
