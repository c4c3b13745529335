/**
 * Gradient checking: analytic gradients from autograd against central finite differences in
 * float64, the test every differentiable op passes.
 * @module
 */
import { Tensor } from "./tensor.js";
import { isFloat } from "./dtype.js";
import { noGrad, valueAndGrad } from "./autograd.js";
import { Generator } from "./random.js";
import { ValueError, describeValue } from "./errors.js";
import { checkFunction, checkNumber, checkOptions } from "./validate.js";
import { keep, tidy } from "./scope.js";

/**
 * Options of {@link gradCheck}.
 * @category Autograd
 */
export interface GradCheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Also check second derivatives: the gradient itself is gradient-checked (default false). */
  secondOrder?: boolean;
  /** Seed of the random projection of non-scalar outputs (default 0). */
  seed?: number;
}

function coords(index: number, shape: readonly number[]): string {
  const out: number[] = [];
  for (let i = shape.length - 1; i >= 0; i--) {
    out.unshift(index % shape[i]);
    index = Math.floor(index / shape[i]);
  }
  return `[${out.join(", ")}]`;
}

/**
 * Checks autograd's gradients of `fn` at `inputs` against central differences
 * (f(x + eps) - f(x - eps)) / 2 eps, in float64. Floating-point inputs are copied to float64
 * and checked; other inputs (indices, masks) pass through. A non-scalar output is reduced to
 * a scalar by a fixed random projection, so every element of the Jacobian takes part.
 * @returns true when every element agrees within atol + rtol * |numeric|.
 * @throws {ValueError} on the first disagreement (the function's gradient is wrong), naming the input, the element and both values.
 * @example
 * ```ts
 * import { gradCheck, tensor } from "@backprop/core";
 * gradCheck((a, b) => a.mul(b).sin(), [tensor([0.5, 1]), tensor([2, 3])]); // true
 * ```
 * @category Autograd
 */
export function gradCheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradCheckOptions = {}): boolean {
  checkFunction(fn, "gradCheck");
  checkOptions(options, "gradCheck", "{ eps: 1e-6 }");
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  checkNumber(eps, "gradCheck", "eps");
  checkNumber(atol, "gradCheck", "atol");
  checkNumber(rtol, "gradCheck", "rtol");
  const given: unknown = inputs;
  if (!Array.isArray(given) || inputs.some((x) => !(x instanceof Tensor))) {
    throw new ValueError(`gradCheck: inputs are not a list of tensors; expected e.g. [tensor([1, 2])], got ${describeValue(given)}`);
  }
  const xs = inputs.map((x) => (isFloat(x.dtype) ? noGrad(() => x.cast("float64").contiguous().clone()) : x));
  const checked = xs.map((x, i) => isFloat(inputs[i].dtype) && x.size > 0);
  // The projection r is fixed: L(x) = sum(f(x) * r).
  let projection: Tensor | null = null;
  const loss = (...args: Tensor[]): Tensor => {
    const y = fn(...args);
    if (!(y instanceof Tensor)) throw new ValueError("gradCheck: fn must return a tensor");
    if (projection === null) {
      const g = new Generator(options.seed ?? 0);
      projection = keep(noGrad(() => {
        const r = y.detach().cast("float64").mul(0);
        const d = r.storage.data;
        for (let i = 0; i < d.length; i++) d[i] = g.nextFloat() + 0.5;
        return r;
      }));
    }
    return y.cast("float64").mul(projection).sum();
  };
  const diffIndex = xs.map((_, i) => i).filter((i) => checked[i]);
  const analytic = tidy(() => {
    const f = (...vars: Tensor[]): Tensor => {
      const args = xs.slice();
      diffIndex.forEach((k, j) => (args[k] = vars[j]));
      return loss(...args);
    };
    return valueAndGrad(f)(...diffIndex.map((k) => xs[k])).grads.map((g) => g.data());
  });
  diffIndex.forEach((k, j) => {
    const x = xs[k];
    const data = x.storage.data;
    const grad = analytic[j];
    for (let e = 0; e < x.size; e++) {
      const keepValue = data[e];
      data[e] = keepValue + eps;
      const up = noGrad(() => tidy(() => loss(...xs).item()));
      data[e] = keepValue - eps;
      const down = noGrad(() => tidy(() => loss(...xs).item()));
      data[e] = keepValue;
      const numeric = (up - down) / (2 * eps);
      const value = grad[e];
      const ok = Math.abs(value - numeric) <= atol + rtol * Math.abs(numeric) || (Number.isNaN(value) && Number.isNaN(numeric));
      if (!ok) {
        throw new ValueError(
          `gradCheck: input ${k} (${inputs[k].describe()}) element ${coords(e, x.shape)}: analytic ${value}, numeric ${numeric} ` +
            `(|difference| ${Math.abs(value - numeric)} > ${atol} + ${rtol} * |numeric|)`,
        );
      }
    }
  });
  if (options.secondOrder === true && diffIndex.length > 0) {
    // Second derivatives: the gradient of L, projected again, must itself pass the check.
    gradCheck(
      (...vars: Tensor[]) => {
        const args = xs.slice();
        diffIndex.forEach((k, j) => (args[k] = vars[j]));
        const grads = valueAndGrad((...v: Tensor[]) => {
          const a = xs.slice();
          diffIndex.forEach((k, j) => (a[k] = v[j]));
          return loss(...a);
        }, { createGraph: true })(...diffIndex.map((k) => args[k])).grads;
        return grads.map((g) => g.sum()).reduce((s, g) => s.add(g));
      },
      diffIndex.map((k) => xs[k]),
      { ...options, secondOrder: false },
    );
  }
  return true;
}
