import { describe, expect, it } from "vitest";
import { BufferPool, Tensor, dispose, getBackend, keep, noGrad, ones, startScope, tensor, tidy, zeros } from "./index.js";
import { jsPool } from "./backend/js/util.js";
import { ValueError } from "./index.js";

describe("tidy", () => {
  it("disposes temporaries and keeps the result", () => {
    let temp: Tensor | null = null;
    const y = tidy(() => {
      temp = tensor([1, 2]).mul(3);
      return temp.add(1);
    });
    expect(temp!.isDisposed).toBe(true);
    expect(y.isDisposed).toBe(false);
    expect(y.toArray()).toEqual([4, 7]);
  });
  it("keeps results in arrays and objects, and tensors created outside", () => {
    const outside = ones([2]);
    const { a, b } = tidy(() => ({ a: outside.mul(2), b: [outside.add(1)] }));
    expect(a.toArray()).toEqual([2, 2]);
    expect(b[0].toArray()).toEqual([2, 2]);
    expect(outside.isDisposed).toBe(false);
  });
  it("keeps what the result's graph needs, so backward works after tidy", () => {
    const w = tensor([1, 2], { dtype: "float64", requiresGrad: true });
    const loss = tidy(() => w.mul(w).mul(3).sum());
    loss.backward();
    expect(w.grad!.toArray()).toEqual([6, 12]);
  });
  it("nested tidy hands kept tensors to the outer scope", () => {
    let inner: Tensor | null = null;
    const outer = tidy(() => {
      inner = tidy(() => ones([2]).mul(2));
      expect(inner.isDisposed).toBe(false);
      return inner.sum();
    });
    expect(inner!.isDisposed).toBe(true);
    expect(outer.item()).toBe(4);
  });
  it("keep() protects tensors from every scope", () => {
    let w = zeros([1]);
    tidy(() => {
      w = keep(ones([3]));
    });
    expect(w.isDisposed).toBe(false);
    expect(w.toArray()).toEqual([1, 1, 1]);
  });
  it("refuses async functions", () => {
    expect(() => tidy(() => Promise.resolve(1))).toThrow(/returned a promise/);
  });
  it("disposes temporaries when fn throws", () => {
    let temp: Tensor | null = null;
    expect(() =>
      tidy(() => {
        temp = ones([2]);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(temp!.isDisposed).toBe(true);
  });
});

describe("using scopes", () => {
  it("disposes at the end of the block except what is kept", () => {
    let a: Tensor;
    let b: Tensor;
    {
      using scope = startScope();
      a = ones([2]).mul(2);
      b = scope.keep(ones([2]).mul(3));
    }
    expect(a.isDisposed).toBe(true);
    expect(b.isDisposed).toBe(false);
    expect(b.toArray()).toEqual([3, 3]);
  });
});

describe("disposal", () => {
  it("using a disposed tensor is a clear error; disposing twice is harmless", () => {
    const t = tensor([1, 2]);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.add(1)).toThrow(/float32 tensor \[2\] was disposed/);
    expect(() => t.toArray()).toThrow(/was disposed/);
    expect(t.toString()).toBe("tensor(<disposed float32 tensor [2]>)");
  });
  it("a view keeps the storage alive until the last user is disposed", () => {
    const t = tensor([[1, 2], [3, 4]]);
    const v = t.transpose(0, 1);
    t.dispose();
    expect(v.toArray()).toEqual([[1, 3], [2, 4]]);
    dispose([v]);
    expect(v.isDisposed).toBe(true);
  });
});

describe("the buffer pool", () => {
  it("reuses buffers across identical steps", () => {
    const step = (): number => tidy(() => ones([123, 7]).mul(2).add(1).sum().item());
    step();
    const before = { ...jsPool.stats };
    for (let i = 0; i < 5; i++) expect(step()).toBe(123 * 7 * 3);
    const reused = jsPool.stats.reused - before.reused;
    const allocated = jsPool.stats.allocated - before.allocated;
    expect(reused).toBeGreaterThanOrEqual(5 * 3);
    expect(allocated).toBe(0);
  });
  it("a training step allocates nothing new once warm", () => {
    const w = keep(tensor([[0.5, -0.5], [0.25, 1]], { requiresGrad: true }));
    const x = keep(tensor([[1, 2], [3, 4], [5, 6]]));
    const step = (): number =>
      tidy(() => {
        const loss = x.matmul(w).tanh().square().mean();
        loss.backward();
        noGrad(() => getBackend().sub(w, w.grad!.mul(0.1), w));
        w.zeroGrad();
        return loss.item();
      });
    step();
    step();
    const before = jsPool.stats.allocated;
    const losses = Array.from({ length: 20 }, step);
    expect(jsPool.stats.allocated - before).toBe(0);
    expect(losses[19]).toBeLessThan(losses[0]);
  });
  it("hands back exact sizes and respects its byte cap", () => {
    const pool = new BufferPool(64);
    const a = pool.take("float32", 8);
    pool.give(a);
    expect(pool.bytes).toBe(32);
    expect(pool.take("float32", 8)).toBe(a);
    expect(pool.take("float32", 8)).not.toBe(a);
    expect(pool.stats).toEqual({ reused: 1, allocated: 2 });
    pool.give(pool.take("float64", 16)); // 128 bytes: over the cap, dropped
    expect(pool.bytes).toBe(0);
    pool.give(new Int32Array(4));
    expect(pool.take("int32", 4)).toBeInstanceOf(Int32Array);
  });
  it("makes buffers with the backend's allocator on a miss only", () => {
    const made: string[] = [];
    const pool = new BufferPool(1024, (dtype, length) => {
      made.push(`${dtype}:${length}`);
      return new Float32Array(length + 4).subarray(4);
    });
    const a = pool.take("float32", 12);
    expect(a.length).toBe(12);
    expect(a.byteOffset).toBe(16);
    pool.give(a);
    expect(pool.take("float32", 12)).toBe(a);
    pool.take("float32", 3);
    expect(made).toEqual(["float32:12", "float32:3"]);
  });
});

describe("code outside every scope", () => {
  it("gets back the temporaries of an op and of backward at once, not from a finalizer", () => {
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const x = tensor([[1, 1], [2, -1]]);
    w.mul(x).sum().backward(); // warm the pool
    w.zeroGrad();
    const before = jsPool.stats.allocated;
    for (let i = 0; i < 20; i++) {
      w.zeroGrad();
      const loss = x.matmul(w).relu().sum();
      loss.backward();
    }
    // Only what the user can reach is new each step (the matmul, relu and sum results and
    // backward's seed of ones, which the garbage collector frees); the views, the intermediate
    // gradients and the .grad copy go back to the pool as the op or backward returns.
    expect(jsPool.stats.allocated - before).toBeLessThanOrEqual(4 * 20);
    // x w = [[4, 6], [-1, 0]]: relu passes row 0, so dL/dw = x^T [[1, 1], [0, 0]] = [[1, 1], [1, 1]].
    expect(w.grad!.toArray()).toEqual([[1, 1], [1, 1]]);
  });

  it("keeps what backward hands out: .grad, hook arguments, requested and second-order gradients", () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    const seen: Tensor[] = [];
    w.registerHook((g) => {
      seen.push(g);
    });
    w.square().sum().backward(undefined, { createGraph: true });
    expect(seen[0].isDisposed).toBe(false);
    expect(seen[0].toArray()).toEqual([2, 4, 6]);
    // The first gradient's graph survives, so it can be differentiated again: d/dw sum(2w) = 2.
    const g = w.grad!;
    w.grad = null;
    g.sum().backward();
    expect(w.grad!.toArray()).toEqual([2, 2, 2]);
  });

  it("lets results escape with their data intact (views of one storage still share it)", () => {
    const [a, b] = tidy(() => {
      const t = ones([2, 3]).mul(2);
      return [t, t.reshape([3, 2])];
    });
    expect(a.isDisposed || b.isDisposed).toBe(false);
    expect(a.storage).toBe(b.storage);
    expect(b.toArray()).toEqual([[2, 2], [2, 2], [2, 2]]);
  });
});

describe("bad arguments raise named errors (issue 16)", () => {
  it("tidy of something that is not a function: ValueError, and no scope is left open (TypeError 'fn is not a function' before)", () => {
    expect(() => tidy(0.5 as never)).toThrow(ValueError);
    expect(() => tidy(0.5 as never)).toThrow("tidy: fn is not a function; expected a function, got 0.5");
    // A scope left open would track (and later dispose) this tensor.
    const t = tensor([1]);
    expect(tidy(() => t.add(1)).toArray()).toEqual([2]);
    expect(t.isDisposed).toBe(false);
  });
  it("keep hands its argument back, so it refuses a forged view in it (it returned it before)", () => {
    const forged = tensor([1, 2]);
    Object.assign(forged, { shape: [0, 2], strides: [Infinity, 1e9, -2] });
    expect(() => keep([forged])).toThrow("keep: strides must be one safe integer per axis of [0, 2]; got [Infinity, 1000000000, -2]");
    expect(forged.isKept).toBe(false);
  });
});
