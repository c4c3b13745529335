/**
 * Backpropagation by hand: the error signals of a two-layer sigmoid network computed with the
 * textbook recurrences must equal what autograd finds.
 */
import { describe, expect, it } from "vitest";
import { Generator, Tensor, noGrad, randn } from "./index.js";

const sigmoidPrime = (z: Tensor): Tensor => z.sigmoid().mul(z.sigmoid().neg().add(1));

function expectClose(actual: Tensor, expected: Tensor): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.data();
  const e = expected.data();
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(e[i], 10);
}

describe("backpropagation of a two-layer sigmoid network", () => {
  it("hand-derived error signals equal autograd's gradients", () => {
    const g = new Generator(2024);
    const opts = { dtype: "float64" as const, generator: g };
    const x = randn([4, 3], opts);
    const y = randn([4, 2], opts);
    const W1 = randn([3, 5], opts).requiresGrad_();
    const b1 = randn([5], opts).requiresGrad_();
    const W2 = randn([5, 2], opts).requiresGrad_();
    const b2 = randn([2], opts).requiresGrad_();

    // Forward: z1 = x W1 + b1, a1 = sigma(z1), z2 = a1 W2 + b2, a2 = sigma(z2), L = mean((a2 - y)^2).
    const z1 = x.matmul(W1).add(b1);
    const a1 = z1.sigmoid();
    const z2 = a1.matmul(W2).add(b2);
    const a2 = z2.sigmoid();
    const loss = a2.sub(y).square().mean();
    loss.backward();

    noGrad(() => {
      // dL/da2 = 2 (a2 - y) / N, N = number of elements averaged by mean.
      const dLda2 = a2.sub(y).mul(2 / a2.size);
      // delta_L = dL/da_L * sigma'(z_L)
      const delta2 = dLda2.mul(sigmoidPrime(z2));
      // delta_l = (delta_{l+1} W_{l+1}^T) * sigma'(z_l)
      const delta1 = delta2.matmul(W2.transpose(0, 1)).mul(sigmoidPrime(z1));
      // dL/dW_l = a_{l-1}^T delta_l; dL/db_l = sum over the batch of delta_l
      expectClose(W2.grad!, a1.transpose(0, 1).matmul(delta2));
      expectClose(b2.grad!, delta2.sum({ axis: 0 }));
      expectClose(W1.grad!, x.transpose(0, 1).matmul(delta1));
      expectClose(b1.grad!, delta1.sum({ axis: 0 }));
    });
    // The gradients are not trivially zero.
    expect(Math.max(...Array.from(W1.grad!.data(), Math.abs))).toBeGreaterThan(1e-4);
  });
});
