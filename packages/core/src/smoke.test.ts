import { describe, expect, it } from "vitest";
import { tensor, tidy, getBackend } from "./index.js";

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
});
