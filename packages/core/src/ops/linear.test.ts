import { afterAll, describe, expect, it } from "vitest";
import {
  Generator, ShapeError, ValueError, createJsBackend, gradCheck, linear, matmul, randn, registerBackend, relu, setBackend, tensor,
} from "../index.js";
import type { Backend, LinearActivation, Tensor } from "../index.js";

// A JS backend with a fused linear kernel built from its own kernels, so the fused op's forward
// and backward run here exactly as they do on native and wasm.
let fusedCalls = 0;
registerBackend("test-fused-linear", () => {
  const b = createJsBackend();
  const withLinear: Backend = Object.assign(Object.create(b) as Backend, {
    name: "test-fused-linear",
    linear(x: Tensor, w: Tensor, bias: Tensor | null, activation: LinearActivation): Tensor {
      fusedCalls++;
      const z = matmul(x, w.T);
      const y = bias === null ? z : z.add(bias);
      return activation === "relu" ? relu(y) : y;
    },
  });
  return withLinear;
}, -1);

afterAll(() => setBackend("js"));

/** Output and input gradients of linear on the current backend, for fixed values. */
function run(xv: Tensor, wv: Tensor, bv: Tensor | null, activation: LinearActivation): number[][] {
  const x = xv.detach().requiresGrad_(true);
  const w = wv.detach().requiresGrad_(true);
  const b = bv === null ? null : bv.detach().requiresGrad_(true);
  const y = linear(x, w, b, { activation });
  const g = tensor(Array.from({ length: y.size }, (_, i) => Math.sin(i + 1)), { shape: y.shape });
  y.mul(g).sum().backward();
  return [y, x.grad!, w.grad!, ...(b === null ? [] : [b.grad!])].map((t) => Array.from(t.data() as Float32Array));
}

describe("linear", () => {
  it("computes act(x w^T + b) by hand", () => {
    const x = tensor([[1, 2], [-3, 1]]);
    const w = tensor([[1, 0], [0, 1], [1, -1]]);
    const b = tensor([0, 0, 0.5]);
    expect(linear(x, w, b).toArray()).toEqual([[1, 2, -0.5], [-3, 1, -3.5]]);
    expect(linear(x, w, b, { activation: "relu" }).toArray()).toEqual([[1, 2, 0], [0, 1, 0]]);
    expect(linear(x, w).toArray()).toEqual([[1, 2, -1], [-3, 1, -4]]);
    expect(linear(tensor([1, 2]), w, b).toArray()).toEqual([1, 2, -0.5]);
  });

  it("has finite-difference gradients (float64, composed path)", () => {
    const gen = new Generator(3);
    const x = randn([4, 3], { dtype: "float64", generator: gen });
    const w = randn([5, 3], { dtype: "float64", generator: gen });
    const b = randn([5], { dtype: "float64", generator: gen });
    expect(gradCheck((xx, ww, bb) => linear(xx, ww, bb), [x, w, b])).toBe(true);
    expect(gradCheck((xx, ww, bb) => linear(xx, ww, bb, { activation: "relu" }), [x, w, b])).toBe(true);
  });

  it("the fused kernel path gives the composed path's outputs and gradients", () => {
    const gen = new Generator(4);
    for (const shape of [[6, 7], [2, 3, 7], [7]]) {
      const x = randn(shape, { generator: gen });
      const w = randn([5, 7], { generator: gen });
      const b = randn([5], { generator: gen });
      for (const activation of ["none", "relu"] as const) {
        for (const bias of [b, null]) {
          setBackend("js");
          const expected = run(x, w, bias, activation);
          setBackend("test-fused-linear");
          const before = fusedCalls;
          const actual = run(x, w, bias, activation);
          expect(fusedCalls).toBe(before + 1);
          actual.forEach((values, i) => { values.forEach((v, j) => { expect(v).toBeCloseTo(expected[i][j], 5); }); });
        }
      }
    }
    setBackend("js");
  });

  it("matches matmul with the transposed weight plus the bias", () => {
    const gen = new Generator(5);
    const x = randn([3, 4], { generator: gen });
    const w = randn([2, 4], { generator: gen });
    const b = randn([2], { generator: gen });
    const expected = relu(matmul(x, w.T).add(b)).toArray() as number[][];
    (linear(x, w, b, { activation: "relu" }).toArray() as number[][]).forEach((row, i) => { row.forEach((v, j) => { expect(v).toBeCloseTo(expected[i][j], 6); }); });
  });

  it("names the shapes when they do not fit", () => {
    const w = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]]);
    expect(() => linear(tensor([[1, 2, 3, 4, 5]]), w)).toThrow(new ShapeError("linear: cannot apply weight [4, 3] to input [1, 5] (input features 5 vs 3)"));
    expect(() => linear(tensor([[1, 2, 3]]), w, tensor([1, 2]))).toThrow(new ShapeError("linear: bias must be [4] for weight [4, 3]; got [2]"));
    expect(() => linear(tensor([[1, 2, 3]]), tensor([1, 2, 3]))).toThrow(ValueError);
    expect(() => linear(tensor([[1, 2, 3]]), w, null, { activation: "tanh" as LinearActivation })).toThrow(/activation must be "none" or "relu"; got "tanh"/);
  });

});
