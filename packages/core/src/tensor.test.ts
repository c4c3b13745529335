import { describe, expect, it } from "vitest";
import { DTypeError, MAX_TO_ARRAY_VALUES, StateError, Tensor, ValueError, createJsBackend, getBackend, ones, tensor, zeros } from "./index.js";
import { checkTensorView } from "./index.js";

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
  it("the constructor refuses views that are not safe integers inside their storage", () => {
    const storage = createJsBackend().alloc("float32", 6);
    const refused: [readonly number[], readonly number[] | undefined, number, RegExp][] = [
      [[4], [NaN], 0, /^Tensor: strides must be one safe integer per axis of \[4\]; got \[NaN\]$/],
      [[3], [0.5], 0, /^Tensor: strides must be one safe integer per axis of \[3\]; got \[0.5\]$/],
      [[2, 3], [3], 0, /^Tensor: strides must be one safe integer per axis of \[2, 3\]; got \[3\]$/],
      [[4], [1], NaN, /^Tensor: offset must be a non-negative safe integer; got NaN$/],
      [[4], [1], 0.5, /^Tensor: offset must be a non-negative safe integer; got 0.5$/],
      [[4], [1], -1, /^Tensor: offset must be a non-negative safe integer; got -1$/],
      [[1.5], undefined, 0, /^Tensor: sizes must be integers in \[0, 2147483647\]; got \[1.5\]$/],
      [[-1], undefined, 0, /^Tensor: sizes must be integers in \[0, 2147483647\]/],
      [[7], undefined, 0, /^Tensor: view \[7\] \(strides \[1\], offset 0\) reaches elements 0 to 6; expected every element inside its storage of 6, \[0, 6\)$/],
      [[2, 3], [3, 1], 1, /reaches elements 1 to 6; expected every element inside its storage of 6/],
      [[3], [-1], 1, /reaches elements -1 to 1;/],
      [[2, 2], [2 ** 52, 1], 0, /reaches elements 0 to 4503599627370497;/],
    ];
    for (const [shape, strides, offset, message] of refused) {
      const what = `shape ${JSON.stringify(shape)}, strides ${JSON.stringify(strides)}, offset ${offset}`;
      expect(() => new Tensor(storage, shape, strides, offset), what).toThrow(ValueError);
      expect(() => new Tensor(storage, shape, strides, offset), what).toThrow(message);
    }
    expect(storage.refs).toBe(0);
    // Views of zero elements may start anywhere; negative strides are views too.
    expect(new Tensor(storage, [0, 3], [3, 1], 99).size).toBe(0);
    storage.data.set([0, 1, 2, 3, 4, 5]);
    expect(new Tensor(storage, [3], [-2], 5).toArray()).toEqual([5, 3, 1]);
  });
  it("toArray refuses more than MAX_TO_ARRAY_VALUES numbers and arrays, and points to data()", () => {
    expect(MAX_TO_ARRAY_VALUES).toBe(4194304);
    // [2^21, 1] makes 2^21 numbers, 2^21 inner arrays and the outer one.
    expect(() => zeros([2 ** 21, 1]).toArray()).toThrow(ValueError);
    expect(() => zeros([2 ** 21, 1]).toArray()).toThrow(
      "toArray: a float32 tensor [2097152, 1] makes 4194305 numbers and nested arrays; expected at most 4194304 (use data() for a typed array)",
    );
    // Checked before anything is copied: a broadcast view of 120 million elements (the size
    // that killed the process with a V8 "invalid size" before) allocates nothing.
    expect(() => ones([1]).expand([120000000]).toArray()).toThrow(/use data\(\) for a typed array/);
    expect(zeros([2 ** 20]).toArray()).toHaveLength(2 ** 20);
    expect(zeros([0, 5]).toArray()).toEqual([]);
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
    expect(() => (y.requiresGrad = false)).toThrow(StateError);
    expect(() => (y.requiresGrad = false)).toThrow(/cannot switch off gradients of a tensor computed by "mul"; expected a leaf tensor, got a computed one \(use detach\(\) instead\)/);
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

describe("bad arguments raise named errors (issue 16)", () => {
  it("the gradient bookkeeping is private: setGrad and ownGrad are not on the prototype (TypeError 'reading storage' before)", () => {
    expect(Object.getOwnPropertyNames(Tensor.prototype)).not.toContain("setGrad");
    expect(Object.getOwnPropertyNames(Tensor.prototype)).not.toContain("ownGrad");
    const x = tensor([3], { requiresGrad: true });
    x.square().sum().backward();
    expect(x.grad!.toArray()).toEqual([6]);
  });
  it("replaceStorage, requiresGrad_, registerHook and retainGrad check their arguments and receiver", () => {
    // Before: TypeError "Cannot create property 'refs' on number '1.5'".
    expect(() => { tensor([1]).replaceStorage(1.5 as never); }).toThrow("replaceStorage: the storage is not a float32 storage; expected a backend's storage of dtype float32, got 1.5");
    expect(() => { tensor([1, 2]).replaceStorage(tensor([1]).storage); }).toThrow(ValueError);
    const gone = tensor([1]);
    gone.dispose();
    expect(() => { gone.replaceStorage(tensor([1]).storage); }).toThrow(StateError);
    expect(() => tensor([1]).requiresGrad_("yes" as never)).toThrow('requiresGrad: the flag is not a boolean; expected true or false, got "yes"');
    expect(() => tensor([1]).requiresGrad_().registerHook(3 as never)).toThrow("registerHook: hook is not a function; expected a function, got 3");
    const forged = tensor([1, 2]);
    Object.assign(forged, { shape: [1e300], strides: [1] });
    expect(() => forged.retainGrad()).toThrow(ValueError);
    expect(() => { checkTensorView(undefined as never, "exp: operand 1"); }).toThrow("exp: operand 1: the operand is not a tensor; expected a tensor, got undefined");
  });
});
