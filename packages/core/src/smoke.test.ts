import { describe, expect, it } from "vitest";
import { tensor, tidy, getBackend, gradCheck, randn, Generator } from "./index.js";

describe("smoke", () => {
  it("adds, multiplies, sums and backprops", () => {
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const b = tensor([1, -1], { requiresGrad: true });
    const loss = w.mul(w).add(b).sum();
    loss.backward();
    expect(loss.item()).toBe(30);
    expect(w.grad!.toArray()).toEqual([[2, 4], [6, 8]]);
    expect(b.grad!.toArray()).toEqual([2, 2]);
    expect(getBackend().name).toBe("js");
    const y = tidy(() => w.mul(3).sum({ axis: 0 }));
    expect(y.toArray()).toEqual([12, 18]);
  });
  it("gradChecks first and second order", () => {
    const g = new Generator(1);
    expect(gradCheck((a, b) => a.mul(b).sin().add(a.exp()), [randn([2, 3], { generator: g }), randn([3], { generator: g })], { secondOrder: true })).toBe(true);
    expect(() => gradCheck((a) => a.sign().mul(a), [tensor([0.5])] , {})).not.toThrow();
  });
});
