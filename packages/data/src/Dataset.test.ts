import { describe, expect, it } from "vitest";
import { ShapeError, ValueError, arange, tensor } from "@backprop/core";
import { IterableDataset, Subset, TensorDataset, isDataset } from "./index.js";

describe("TensorDataset", () => {
  it("gives row i of every tensor", () => {
    const ds = new TensorDataset(tensor([[1, 2], [3, 4], [5, 6]]), tensor([7, 8, 9], { dtype: "int32" }));
    expect(ds.length).toBe(3);
    const [x, y] = ds.get(2);
    expect(x.toArray()).toEqual([5, 6]);
    expect(y.item()).toBe(9);
    expect(y.dtype).toBe("int32");
  });

  it("rejects tensors with different sample counts, naming both counts", () => {
    expect(() => new TensorDataset(arange(0, 6).reshape([3, 2]), arange(0, 4))).toThrow(ShapeError);
    expect(() => new TensorDataset(arange(0, 6).reshape([3, 2]), arange(0, 4))).toThrow(/tensor 0 \[3, 2\] has 3, tensor 1 \[4\] has 4/);
  });

  it("rejects scalars, no tensors and bad indices", () => {
    expect(() => new TensorDataset(tensor(1))).toThrow(ShapeError);
    expect(() => new TensorDataset()).toThrow(ValueError);
    const ds = new TensorDataset(arange(0, 3));
    expect(() => ds.get(3)).toThrow(/index 3 is out of range; expected an integer in \[0, 2\]/);
    expect(() => ds.get(1.5)).toThrow(ValueError);
  });

  it("makes non-contiguous inputs contiguous", () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]).transpose(0, 1); // [3, 2]
    const ds = new TensorDataset(t);
    expect(ds.tensors[0].isContiguous).toBe(true);
    expect(ds.get(1)[0].toArray()).toEqual([2, 5]);
  });
});

describe("Subset and isDataset", () => {
  it("maps indices into the parent", () => {
    const parent = { length: 5, get: (i: number) => i * 10 };
    const sub = new Subset(parent, [4, 1]);
    expect(sub.length).toBe(2);
    expect(sub.get(0)).toBe(40);
    expect(sub.get(1)).toBe(10);
    expect(() => sub.get(2)).toThrow(ValueError);
    expect(() => new Subset(parent, [5])).toThrow(/index 5 at position 0 is out of range/);
    expect(isDataset(parent)).toBe(true);
    expect(isDataset([1, 2])).toBe(false);
  });
});

describe("misuse of datasets", () => {
  it("gives named errors for a bad parent, bad indices and streams that are not iterable", () => {
    const letters = { length: 3, get: (i: number) => "abc"[i] };
    expect(() => new Subset(null as never, [0])).toThrow("Subset: expected a dataset (length and get); got null");
    expect(() => new Subset(letters, null as never)).toThrow("Subset: indices must be an array of integers; got null");
    expect(() => new Subset(letters, 5 as never)).toThrow(ValueError);
    expect(() => new Subset(letters, [2 ** 32])).toThrow("Subset: index 4294967296 at position 0 is out of range; expected an integer in [0, 2]");
    const stream = new IterableDataset(() => null as never);
    expect(() => stream.isSync).toThrow("IterableDataset: the stream function returned null; expected an iterable or async iterable");
    expect(() => [...stream]).toThrow(ValueError);
  });
});

describe("IterableDataset", () => {
  it("restarts the stream on every iteration", async () => {
    const ds = new IterableDataset(function* () {
      yield* [1, 2, 3];
    });
    expect([...ds]).toEqual([1, 2, 3]);
    expect([...ds]).toEqual([1, 2, 3]);
    const seen: number[] = [];
    for await (const v of ds) seen.push(v);
    expect(seen).toEqual([1, 2, 3]);
    expect(ds.isSync).toBe(true);
  });

  it("refuses sync iteration of an async stream", async () => {
    const ds = new IterableDataset(async function* () {
      await Promise.resolve();
      yield 1;
    });
    expect(ds.isSync).toBe(false);
    expect(() => [...ds]).toThrow(/asynchronous/);
    const seen: number[] = [];
    for await (const v of ds) seen.push(v);
    expect(seen).toEqual([1]);
  });
});
