import { describe, expect, it } from "vitest";
import { DTypeError, Tensor, ValueError, createJsBackend, getBackend, ones, tensor } from "./index.js";

describe("Tensor", () => {
  it("shape, strides, size, rank, dtype and describe", () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.strides).toEqual([3, 1]);
    expect(t.offset).toBe(0);
    expect(t.size).toBe(6);
    expect(t.rank).toBe(2);
    expect(t.isContiguous).toBe(true);
    expect(t.describe()).toBe("float32 tensor [2, 3]");
    expect(t.T.isContiguous).toBe(false);
    expect(t.T.shape).toEqual([3, 2]);
  });
  it("a tensor over explicit strides and offset reads its view", () => {
    const storage = createJsBackend().alloc("float64", 7);
    storage.data.set([9, 1, 2, 3, 4, 5, 6]);
    const v = new Tensor(storage, [3, 2], [1, 3], 1);
    expect(v.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(Array.from(v.data())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(v.isContiguous).toBe(false);
    const b = new Tensor(storage, [2, 3], [0, 1], 4);
    expect(b.toArray()).toEqual([[4, 5, 6], [4, 5, 6]]);
  });
  it("item, toArray, data per dtype", () => {
    expect(tensor([[2.5]]).item()).toBe(2.5);
    expect(() => tensor([1, 2]).item()).toThrow(ValueError);
    expect(tensor([true, false]).toArray()).toEqual([true, false]);
    expect(tensor([1, 2], { dtype: "int32" }).data()).toBeInstanceOf(Int32Array);
    expect(tensor([true]).data()).toBeInstanceOf(Uint8Array);
    expect(tensor(3).toArray()).toBe(3);
    // data() is a copy.
    const t = tensor([1, 2]);
    t.data()[0] = 100;
    expect(t.toArray()).toEqual([1, 2]);
  });
  it("requiresGrad rules", () => {
    const t = ones([2]);
    expect(t.requiresGrad).toBe(false);
    expect(t.requiresGrad_()).toBe(t);
    expect(t.requiresGrad).toBe(true);
    expect(() => ones([2], { dtype: "int32" }).requiresGrad_()).toThrow(DTypeError);
    expect(() => ones([2], { dtype: "int32" }).requiresGrad_()).toThrow("requiresGrad: only float32 and float64 tensors can require gradients; got a int32 tensor [2]");
    const y = t.mul(2);
    expect(() => (y.requiresGrad = false)).toThrow(/use detach\(\) instead/);
  });
  it("chainable methods match the functional ops", () => {
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const b = tensor([1, -1], { requiresGrad: true });
    const loss = w.mul(w).add(b).sum();
    loss.backward();
    expect(loss.item()).toBe(30);
    expect(w.grad!.toArray()).toEqual([[2, 4], [6, 8]]);
    expect(b.grad!.toArray()).toEqual([2, 2]);
    expect(getBackend().name).toBe("js");
    expect(w.sum({ axis: 0 }).toArray()).toEqual([4, 6]);
    expect(tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]])).toArray()).toEqual([[3], [7]]);
    expect(tensor([-1, 2]).relu().exp().log().toArray()).toEqual([0, 2]);
    expect(tensor([3, 1, 2]).argmax().item()).toBe(0);
  });
  it("using disposes at the end of the block", () => {
    let t: Tensor;
    {
      using x = ones([2]);
      t = x;
      expect(t.isDisposed).toBe(false);
    }
    expect(t.isDisposed).toBe(true);
  });
  it("ids are unique and names are free labels", () => {
    const a = ones([1]);
    const b = ones([1]);
    expect(a.id).not.toBe(b.id);
    a.name = "weight";
    expect(a.name).toBe("weight");
  });
});
