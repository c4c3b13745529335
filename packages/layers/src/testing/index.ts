/**
 * The layer conformance suite: the checks every layer passes (built-in and third-party):
 * output shape, parameter count, gradients by finite differences in float64, state-dict round
 * trip (also through safetensors), config -> registry -> an equal layer, the train/eval
 * difference where there is one, and a clear error naming the layer for each bad input.
 * @module
 */
import { describe, expect, it } from "vitest";
import { Generator, Tensor, decodeSafetensors, encodeSafetensors, gradCheck, isFloat, keep, noGrad, tensor, tidy } from "@backprop/core";
import type { DType } from "@backprop/core";
import type { AnyModule } from "../Module.js";
import { layerFromSpec, layerSpec } from "../serialize.js";
import type { LayerSpec } from "../serialize.js";

/**
 * One layer under test.
 * @category Testing
 */
export interface LayerCase {
  /** Label of the test group. */
  name: string;
  /** Builds a fresh instance with parameters of the given dtype. */
  make: (dtype: DType) => AnyModule;
  /** A small sample input in the given float dtype (index inputs ignore it). */
  input: (dtype: DType) => Tensor;
  /** Expected output shape for the sample input. */
  outputShape: readonly number[];
  /** Expected number of parameter elements. */
  parameterCount: number;
  /** Whether training and evaluation outputs differ (dropout, batch norm). */
  trainEvalDiffer?: boolean;
  /** Mode the gradients are checked in (default "train"; "eval" for random layers). */
  gradMode?: "train" | "eval";
  /** Inputs that must be refused, each with a pattern the message must match. */
  badInputs?: readonly { input: () => Tensor; error: RegExp }[];
  /** Tolerances of the gradient check. */
  atol?: number;
  rtol?: number;
}

function forward(m: AnyModule, x: Tensor): Tensor {
  return (m as { forward(x: Tensor): Tensor }).forward(x);
}

/**
 * Checks the gradients of every parameter of a float64 module against central differences of
 * L = sum(forward(x) * r) for a fixed random r, perturbing the parameter storage in place.
 * @throws {Error} on the first disagreement, naming the parameter and element.
 * @example
 * ```ts
 * import { Linear } from "@backprop/layers";
 * import { checkParameterGradients } from "@backprop/layers/testing";
 * import { randn } from "@backprop/core";
 * checkParameterGradients(new Linear({ inFeatures: 3, outFeatures: 2, dtype: "float64" }), randn([4, 3], { dtype: "float64" }));
 * ```
 * @category Testing
 */
export function checkParameterGradients(m: AnyModule, x: Tensor, options: { eps?: number; atol?: number; rtol?: number } = {}): void {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  let r: Tensor | null = null;
  const loss = (): Tensor => {
    const y = forward(m, x).cast("float64");
    if (r === null) {
      const g = new Generator(7);
      const data = new Float64Array(y.size).map(() => g.nextFloat() + 0.5);
      r = keep(tensor(data, { shape: y.shape }));
    }
    return y.mul(r).sum();
  };
  if (!m.parameters().some((p) => p.requiresGrad)) return;
  m.zeroGrad();
  tidy(() => { loss().backward(); });
  for (const [name, p] of m.namedParameters()) {
    if (!p.requiresGrad) continue;
    const analytic = p.grad === null ? new Float64Array(p.size) : p.grad.data();
    const data = p.storage.data;
    for (let e = 0; e < p.size; e++) {
      const saved = data[e];
      data[e] = saved + eps;
      const up = noGrad(() => tidy(() => loss().item()));
      data[e] = saved - eps;
      const down = noGrad(() => tidy(() => loss().item()));
      data[e] = saved;
      const numeric = (up - down) / (2 * eps);
      if (!(Math.abs(analytic[e] - numeric) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`checkParameterGradients: ${name} element ${e}: analytic ${analytic[e]}, numeric ${numeric}`);
      }
    }
  }
  m.zeroGrad();
}

function sameValues(a: Tensor, b: Tensor): void {
  expect(a.shape).toEqual(b.shape);
  expect(Array.from(a.data())).toEqual(Array.from(b.data()));
}

/**
 * Registers vitest tests for each case: the shared conformance checks every layer passes.
 * @example
 * ```ts
 * import { Linear } from "@backprop/layers";
 * import { runLayerConformance } from "@backprop/layers/testing";
 * import { randn } from "@backprop/core";
 * runLayerConformance([{
 *   name: "Linear",
 *   make: (dtype) => new Linear({ inFeatures: 3, outFeatures: 2, dtype }),
 *   input: (dtype) => randn([4, 3], { dtype }),
 *   outputShape: [4, 2],
 *   parameterCount: 8,
 * }]);
 * ```
 * @category Testing
 */
export function runLayerConformance(cases: readonly LayerCase[]): void {
  for (const c of cases) {
    describe(`${c.name} conformance`, () => {
      it("gives the documented output shape and parameter count", () => {
        const m = c.make("float32");
        const x = c.input("float32");
        expect(forward(m, x).shape).toEqual(c.outputShape);
        expect(m.countParameters()).toBe(c.parameterCount);
        expect(m.parameters().reduce((n, p) => n + p.size, 0)).toBe(c.parameterCount);
      });

      it("has gradients that match finite differences (float64)", () => {
        const m = c.make("float64");
        if (c.gradMode === "eval") m.eval();
        const x = c.input("float64");
        const tol = { atol: c.atol ?? 1e-5, rtol: c.rtol ?? 1e-3 };
        if (isFloat(x.dtype)) expect(gradCheck((v) => forward(m, v), [x], tol)).toBe(true);
        checkParameterGradients(m, x, tol);
      });

      it("round-trips its state dict (directly and through safetensors)", () => {
        const a = c.make("float32").eval();
        const b = c.make("float32").eval();
        const x = c.input("float32");
        const keys = Object.keys(a.stateDict());
        expect(b.loadStateDict(a.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
        sameValues(forward(b, x), forward(a, x));
        const d = c.make("float32").eval();
        const decoded = decodeSafetensors(encodeSafetensors(a.stateDict())).tensors;
        expect(Object.keys(decoded)).toEqual(keys);
        d.loadStateDict(decoded);
        sameValues(forward(d, x), forward(a, x));
      });

      it("rebuilds an equal layer from config through the registry", () => {
        const a = c.make("float32").eval();
        const spec = JSON.parse(JSON.stringify(layerSpec(a))) as LayerSpec;
        const b = layerFromSpec(spec).eval();
        expect(b.constructor).toBe(a.constructor);
        expect(b.config()).toEqual(a.config());
        expect(b.toString()).toBe(a.toString());
        expect(b.namedParameters().map(([k, p]) => [k, p.shape])).toEqual(a.namedParameters().map(([k, p]) => [k, p.shape]));
        b.loadStateDict(a.stateDict());
        const x = c.input("float32");
        sameValues(forward(b, x), forward(a, x));
      });

      it(c.trainEvalDiffer === true ? "behaves differently in training and evaluation" : "behaves the same in training and evaluation", () => {
        const m = c.make("float32");
        const x = c.input("float32");
        const train = forward(m.train(), x).data();
        const evaluation = forward(m.eval(), x).data();
        expect(m.modules().every((mod) => !mod.training)).toBe(true);
        if (c.trainEvalDiffer === true) expect(Array.from(train)).not.toEqual(Array.from(evaluation));
        else expect(Array.from(train)).toEqual(Array.from(evaluation));
      });

      if (c.badInputs !== undefined && c.badInputs.length > 0) {
        it("refuses bad input with a message naming the layer", () => {
          const m = c.make("float32");
          for (const bad of c.badInputs ?? []) {
            let message = "";
            try {
              forward(m, bad.input());
            } catch (e) {
              message = (e as Error).message;
            }
            expect(message).toMatch(bad.error);
            expect(m.modules().some((mod) => message.startsWith(mod.typeName))).toBe(true);
          }
        });
      }
    });
  }
}
