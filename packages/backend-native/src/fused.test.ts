import { afterAll, describe, expect, it } from "vitest";
import "./index.js";
import { Generator, ShapeError, Tensor, ValueError, createJsBackend, getBackend } from "@backprop/core";
import type { AdamUpdateOptions, Backend, SgdUpdateOptions } from "@backprop/core";
import { loadAddon } from "@backprop/backend-native/addon";

// The fused optimizer and linear kernels on every ISA the CPU has, against the JS rules
// written out in double. They compute in float32 (as PyTorch does), so one step agrees with
// the double rule to a few float32 ulps: relative tolerance 2e-6.
const native = (): Backend => getBackend("native");
const js = createJsBackend();
const addon = loadAddon();
const originalIsa = addon.kernelName().split(" ")[0];
const TOL = 2e-6;

function filled(n: number, gen: Generator, lo = -1, hi = 1): Tensor {
  const s = native().alloc("float32", n);
  for (let i = 0; i < n; i++) s.data[i] = lo + (hi - lo) * gen.nextFloat();
  return new Tensor(s, [n]);
}

function view(data: readonly number[], shape: number[], strides?: number[], offset = 0, length = data.length): Tensor {
  const s = native().alloc("float32", length);
  s.data.set(data);
  return new Tensor(s, shape, strides, offset);
}

/** t with another view, past the constructor's check (a view's fields are plain properties): what a caller can hand a kernel. */
function reviewed(t: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  for (const [key, value] of Object.entries({ shape, strides, offset, size })) Object.defineProperty(t, key, { value });
  return t;
}

function expectNear(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = TOL): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) expect.fail(`${what}, element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/** The JS Adam rule (optimizers' adamRule.update, general path), in double over copies. */
function adamReference(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, o: AdamUpdateOptions): void {
  const sign = o.maximize ? -1 : 1;
  const stepSize = o.lr / (1 - o.beta1 ** o.step);
  const bc2Sqrt = Math.sqrt(1 - o.beta2 ** o.step);
  const shrink = o.decoupled ? 1 - o.lr * o.weightDecay : 1;
  const l2 = o.decoupled ? 0 : o.weightDecay;
  for (let i = 0; i < p.length; i++) {
    p[i] *= shrink;
    const gi = sign * g[i] + l2 * p[i];
    m[i] += (1 - o.beta1) * (gi - m[i]);
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
    p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + o.eps);
  }
}

/** The JS SGD rule (optimizers' sgdRule.update), in double over copies. */
function sgdReference(p: Float32Array, g: Float32Array, buf: Float32Array | null, o: SgdUpdateOptions): void {
  const sign = o.maximize ? -1 : 1;
  for (let i = 0; i < p.length; i++) {
    let d = sign * g[i] + o.weightDecay * p[i];
    if (buf !== null) {
      buf[i] = o.fresh ? d : o.momentum * buf[i] + (1 - o.dampening) * d;
      d = o.nesterov ? d + o.momentum * buf[i] : buf[i];
    }
    p[i] -= o.lr * d;
  }
}

const f32 = (t: Tensor): Float32Array => Float32Array.from(t.storage.data as Float32Array);

afterAll(() => {
  addon.selectIsa(originalIsa);
  native().setNumThreads(2);
});

for (const isa of ["portable", "avx2", "avx512"]) {
  describe(`fused kernels, ${isa} loops (skipped where the CPU lacks them)`, () => {
    const gen = new Generator(11);
    // 1, 15 and 17 exercise the vector remainders; 200,003 splits across threads.
    const sizes = [1, 15, 17, 1000, 200_003];

    // 6 threads (more than kBlockThreads in gemm.cc) takes the shared-packing GEMM path.
    for (const threads of [1, 2, 6]) {
      it(`adamUpdate matches the JS rule over three steps (Adam, L2, AdamW, maximize), ${threads} thread(s)`, (ctx) => {
        if (!addon.selectIsa(isa)) ctx.skip();
        native().setNumThreads(threads);
        const settings = [
          { weightDecay: 0, decoupled: false, maximize: false, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
          { weightDecay: 0.1, decoupled: false, maximize: false, lr: 5e-3, beta1: 0.8, beta2: 0.99, eps: 1e-6 },
          { weightDecay: 0.1, decoupled: true, maximize: false, lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
          { weightDecay: 0, decoupled: false, maximize: true, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
        ];
        for (const n of sizes) {
          for (const s of settings) {
            const [p, m, v] = [filled(n, gen), filled(n, gen, -0.1, 0.1), filled(n, gen, 0, 0.01)];
            const [pe, me, ve] = [f32(p), f32(m), f32(v)];
            for (let step = 1; step <= 3; step++) {
              const g = filled(n, gen);
              const o = { ...s, step };
              adamReference(pe, f32(g), me, ve, o);
              native().adamUpdate!(p, g, m, v, o);
            }
            const what = `adam n=${n} ${JSON.stringify(s)}`;
            expectNear(p.storage.data, pe, `${what}: param`);
            expectNear(m.storage.data, me, `${what}: m`);
            expectNear(v.storage.data, ve, `${what}: v`);
          }
        }
      }, 60_000);

      it(`sgdUpdate matches the JS rule over three steps (plain, momentum, dampening, Nesterov, decay, maximize), ${threads} thread(s)`, (ctx) => {
        if (!addon.selectIsa(isa)) ctx.skip();
        native().setNumThreads(threads);
        const settings = [
          { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, lr: 0.1 },
          { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.01, maximize: true, lr: 0.05 },
          { momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, lr: 0.1 },
          { momentum: 0.9, dampening: 0.2, nesterov: false, weightDecay: 0.01, maximize: false, lr: 0.1 },
          { momentum: 0.8, dampening: 0, nesterov: true, weightDecay: 0.05, maximize: true, lr: 0.01 },
        ];
        for (const n of sizes) {
          for (const s of settings) {
            const p = filled(n, gen);
            // A stale buffer (7s) proves that a fresh step overwrites it rather than decaying it.
            const buf = s.momentum === 0 ? null : view(new Array<number>(n).fill(7), [n]);
            const pe = f32(p);
            const be = buf === null ? null : f32(buf);
            for (let step = 1; step <= 3; step++) {
              const g = filled(n, gen);
              const o = { ...s, fresh: step === 1 };
              sgdReference(pe, f32(g), be, o);
              native().sgdUpdate!(p, g, buf, o);
            }
            const what = `sgd n=${n} ${JSON.stringify(s)}`;
            expectNear(p.storage.data, pe, `${what}: param`);
            if (buf !== null && be !== null) expectNear(buf.storage.data, be, `${what}: buffer`);
          }
        }
      }, 60_000);

      it(`linear matches matmul + bias + relu of the JS backend, ${threads} thread(s)`, (ctx) => {
        if (!addon.selectIsa(isa)) ctx.skip();
        native().setNumThreads(threads);
        // Edge tiles in both directions, several K slices (K > 256), and MLP-sized layers. Rows
        // of x pack by 8- and 4-row register transposes, then one by one: 203 rows leave 11 in
        // the last 12-row panel (8 + 3) and 5 in the last 6-row one (4 + 1).
        for (const [m, k, n] of [[1, 1, 1], [5, 7, 3], [37, 300, 45], [128, 784, 256], [203, 131, 70], [128, 128, 10], [13, 0, 6]]) {
          const x = filled(m * k, gen).reshape([m, k]);
          const w = filled(n * k, gen).reshape([n, k]);
          const b = filled(n, gen);
          const product = js.matmul(x.reshape([1, m, k]), js.copy(w.transpose(0, 1)).reshape([1, k, n])).reshape([m, n]);
          for (const bias of [b, null]) {
            const pre = bias === null ? product : js.add(product, bias.reshape([1, n]).expand([m, n]));
            for (const act of ["none", "relu"] as const) {
              const expected = act === "relu" ? js.relu(pre) : pre;
              const y = native().linear!(x, w, bias, act);
              expect([...y.shape]).toEqual([m, n]);
              expect(y.isContiguous).toBe(true);
              // Sums of k float32 products in another order: the error grows with k.
              expectNear(y.storage.data, js.copy(expected).storage.data, `linear ${m}x${k}x${n} bias ${bias !== null} ${act}`, 1e-6 + 1e-7 * k);
            }
          }
        }
      }, 60_000);
    }
  });
}

describe("fused kernels: values by hand and edge cases", () => {
  it("linear of a 2x3 input, hand-computed, with relu clipping one output", () => {
    const x = view([1, 2, 3, -1, 0, 2], [2, 3]);
    const w = view([1, 0, -1, 0.5, 0.5, 0.5], [2, 3]);
    const b = view([0.5, -4], [2]);
    // x w^T = [[-2, 3], [-3, 0.5]]; + b = [[-1.5, -1], [-2.5, -3.5]].
    expect(Array.from(native().linear!(x, w, b, "none").storage.data)).toEqual([-1.5, -1, -2.5, -3.5]);
    expect(Array.from(native().linear!(x, w, null, "relu").storage.data)).toEqual([0, 3, 0, 0.5]);
  });

  it("linear accepts transposed views of x and weight and a strided bias", () => {
    // x stored as its transpose [3, 2]; weight as its transpose [3, 2]; bias every other element.
    const x = view([1, -1, 2, 0, 3, 2], [2, 3], [1, 2]);
    const w = view([1, 0.5, 0, 0.5, -1, 0.5], [2, 3], [1, 2]);
    const b = view([0.5, 9, -4], [2], [2]);
    expect(Array.from(native().linear!(x, w, b, "none").storage.data)).toEqual([-1.5, -1, -2.5, -3.5]);
  });

  it("relu keeps NaN, as the relu kernel does", () => {
    const y = native().linear!(view([1, 2], [1, 2]), view([1, 1, 1, -1], [2, 2]), view([NaN, 0], [2]), "relu").storage.data;
    expect(Number.isNaN(y[0])).toBe(true);
    expect(y[1]).toBe(0);
    expect(Number.isNaN(native().relu(view([NaN], [1])).storage.data[0])).toBe(true);
  });

  it("linear with K = 0 gives act(bias) in every row, and M = 0 an empty result", () => {
    const b = view([2, -3], [2]);
    expect(Array.from(native().linear!(view([], [3, 0]), view([], [2, 0]), b, "relu").storage.data)).toEqual([2, 0, 2, 0, 2, 0]);
    expect([...native().linear!(view([], [0, 4]), view(new Array<number>(8).fill(1), [2, 4]), b, "none").shape]).toEqual([0, 2]);
  });

  it("sgdUpdate by hand: momentum 0.5, fresh then decayed", () => {
    const p = view([1, 2], [2]);
    const buf = view([100, 100], [2]);
    const o = { lr: 0.1, momentum: 0.5, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, fresh: true };
    native().sgdUpdate!(p, view([1, -1], [2]), buf, o);
    expect(Array.from(buf.storage.data)).toEqual([1, -1]);
    expect(Array.from(p.storage.data)).toEqual([Math.fround(0.9), Math.fround(2.1)]);
    native().sgdUpdate!(p, view([1, -1], [2]), buf, { ...o, fresh: false });
    expect(Array.from(buf.storage.data)).toEqual([1.5, -1.5]);
    expect(Array.from(p.storage.data)).toEqual([Math.fround(Math.fround(0.9) - Math.fround(0.15)), Math.fround(Math.fround(2.1) + Math.fround(0.15))]);
  });

  it("adamUpdate by hand: the first step moves every weight by lr against its gradient's sign", () => {
    const p = view([1, -2, 0.5], [3]);
    const o = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1, maximize: false };
    native().adamUpdate!(p, view([0.3, -4, 1e-3], [3]), view([0, 0, 0], [3]), view([0, 0, 0], [3]), o);
    expectNear(p.storage.data, [0.99, -1.99, 0.49], "adam step 1", 1e-6);
  });
});

describe("fused kernels: bad input throws a clear error", () => {
  const ok = (n = 8): Tensor => view(new Array<number>(n).fill(1), [n]);
  const sgdOptions = { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, fresh: false };

  it("sgdUpdate rejects views past their buffer, other dtypes, other shapes, a missing buffer and strided views", () => {
    expect(() => { native().sgdUpdate!(reviewed(ok(), [8], [1], 1), ok(), ok(), sgdOptions); })
      .toThrow(/^sgdUpdate: operand 1: view \[8\] \(strides \[1\], offset 1\) reaches elements 1 to 8; expected every element inside its storage of 8/);
    const f64 = new Tensor(native().alloc("float64", 8), [8]);
    expect(() => { native().sgdUpdate!(ok(), f64, ok(), sgdOptions); }).toThrow(/sgdUpdate: grad must be float32; got float64/);
    expect(() => { native().sgdUpdate!(ok(), ok(), ok(9), sgdOptions); })
      .toThrow(/sgdUpdate: momentumBuffer must have the parameter's shape; expected \[8\], got \[9\]/);
    expect(() => { native().sgdUpdate!(ok(), ok(), null, sgdOptions); }).toThrow(/sgdUpdate: momentum 0.9.* needs a momentum buffer; got null/);
    expect(() => { native().sgdUpdate!(ok(), view(new Array<number>(16).fill(1), [8], [2]), ok(), sgdOptions); })
      .toThrow(/sgdUpdate: internal: grad must be contiguous/);
  });

  it("linear rejects mismatched shapes, a wrong bias, other dtypes and views past their buffer", () => {
    const x = view([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(() => native().linear!(x, view(new Array<number>(8).fill(1), [4, 2]), null, "none"))
      .toThrow(/linear: expected x \[M, K\] and weight \[N, K\]; got \[2, 3\] and \[4, 2\]/);
    expect(() => native().linear!(x, view(new Array<number>(12).fill(1), [4, 3]), view([1, 2, 3], [3]), "none"))
      .toThrow(/linear: bias must be \[4\] for weight \[4, 3\]; got \[3\]/);
    expect(() => native().linear!(x, new Tensor(native().alloc("float64", 12), [4, 3]), null, "none")).toThrow(/linear: weight must be float32; got float64/);
    expect(() => native().linear!(reviewed(view([1, 2, 3, 4, 5, 6], [2, 3]), [2, 3], [3, 1], 1), view(new Array<number>(12).fill(1), [4, 3]), null, "relu"))
      .toThrow(/^linear: operand 1: .* reaches elements 1 to 6; expected every element inside its storage of 6/);
    expect(() => native().linear!(x, view(new Array<number>(12).fill(1), [4, 3]), null, "tanh" as "relu")).toThrow(/linear: unknown activation "tanh"/);
  });
});

describe("native gather and scatterAdd", () => {
  const gen = new Generator(5);
  const ints = (values: readonly number[], shape: number[], strides?: number[]): Tensor => {
    const s = native().alloc("int32", values.length);
    s.data.set(values);
    return new Tensor(s, shape, strides);
  };

  for (const threads of [1, 2]) {
    it(`gather matches the JS kernel along each axis, strided x and a smaller index, ${threads} thread(s)`, () => {
      native().setNumThreads(threads);
      // 300k gathered elements split across threads.
      const x = filled(60 * 80 * 70, gen).reshape([60, 80, 70]).transpose(0, 2);
      for (const axis of [0, 1, 2]) {
        const idxShape = [70, 75, 60];
        const n = x.shape[axis];
        const idx = ints(Array.from({ length: 70 * 75 * 60 }, () => Math.floor(gen.nextFloat() * n)), idxShape);
        expect(Array.from(native().gather(x, axis, idx).storage.data)).toEqual(Array.from(js.gather(x, axis, idx).storage.data));
      }
    }, 60_000);
  }

  it("scatterAdd matches the JS kernel with repeated indices, float32 and int32", () => {
    for (const dtype of ["float32", "int32"] as const) {
      const xs = native().alloc(dtype, 6 * 7);
      for (let i = 0; i < 42; i++) xs.data[i] = i - 20;
      const x = new Tensor(xs, [6, 7]);
      const src = new Tensor(native().alloc(dtype, 8 * 7), [8, 7]);
      for (let i = 0; i < 56; i++) src.storage.data[i] = (i % 9) - 4;
      for (const axis of [0, 1]) {
        const idx = ints(Array.from({ length: 5 * 6 }, (_, i) => (i * 7) % (axis === 0 ? 6 : 7)), [5, 6]);
        const y = native().scatterAdd(x, axis, idx, src);
        expect(Array.from(y.storage.data)).toEqual(Array.from(js.scatterAdd(x, axis, idx, src).storage.data));
        expect(y.dtype).toBe(dtype);
      }
    }
  });

  it("scatterAdd by hand: repeated indices add up and x is left alone", () => {
    const x = view([0, 0, 0, 10, 10, 10], [2, 3]);
    const y = native().scatterAdd(x, 1, ints([0, 0, 2, 1], [2, 2]), view([1, 2, 3, 4], [2, 2]));
    expect(Array.from(y.storage.data)).toEqual([3, 0, 0, 10, 14, 13]);
    expect(Array.from(x.storage.data)).toEqual([0, 0, 0, 10, 10, 10]);
  });

  it("out-of-range indices, an index larger than x and views past their buffer throw", () => {
    const x = view([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(() => native().gather(x, 1, ints([0, 3], [1, 2]))).toThrow(/gather: index 3 is out of range for axis 1 of size 3 in \[2, 3\]; expected indices in \[0, 2\]/);
    expect(() => native().gather(x, 1, ints([0, -1], [1, 2]))).toThrow(ShapeError);
    expect(() => native().gather(x, 1, ints([0, 3], [1, 2]))).toThrow(ShapeError);
    expect(() => native().scatterAdd(x, 0, ints([2], [1, 1]), view([1], [1, 1]))).toThrow(/scatterAdd: index 2 is out of range for axis 0 of size 2/);
    expect(() => native().gather(x, 0, ints([0, 0, 0, 0], [1, 4]))).toThrow(/gather: index \[1, 4\] is larger than x \[2, 3\] on axis 1/);
    expect(() => native().scatterAdd(x, 0, ints([0, 0], [1, 2]), view([1], [1, 1]))).toThrow(/scatterAdd: index \[1, 2\] is larger than src \[1, 1\] on axis 1/);
    expect(() => native().gather(x, 0, reviewed(ints([0, 0, 0], [1, 3]), [1, 3], [1, 2], 0))).toThrow(ValueError);
    expect(() => native().gather(x, 0, reviewed(ints([0, 0, 0], [1, 3]), [1, 3], [1, 2], 0))).toThrow(/^gather: operand 3: .* reaches elements 0 to 4; expected every element inside its storage of 3/);
  });
});
