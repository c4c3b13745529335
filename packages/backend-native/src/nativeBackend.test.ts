import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import "./index.js";
import { ArrayStorage, DTypeError, Generator, Tensor, ValueError, conv2d, createJsBackend, getBackend, gradCheck, randn, setBackend } from "@backprop/core";
import type { Backend, DType } from "@backprop/core";
import { loadAddon } from "@backprop/backend-native/addon";
import { createNativeBackend } from "./nativeBackend.js";

const native = (): Backend => getBackend("native");
const js = createJsBackend();

/**
 * A tensor over a fresh buffer of `length` elements with the given view, made past the
 * constructor's check (a view's fields are plain properties) so kernels see it as it is.
 */
function rawView(dtype: DType, length: number, shape: number[], strides: number[], offset = 0, gen?: Generator): Tensor {
  const storage = native().alloc(dtype, length);
  const data = storage.data;
  for (let i = 0; i < length; i++) data[i] = gen === undefined ? i % 7 : gen.nextFloat() * 2 - 1;
  const t = new Tensor(storage, [0]);
  const size = shape.reduce((a, b) => a * b, 1);
  for (const [key, value] of Object.entries({ shape, strides, offset, size })) Object.defineProperty(t, key, { value });
  return t;
}

function adamUpdate(...args: Parameters<NonNullable<Backend["adamUpdate"]>>): void {
  const b = native();
  if (b.adamUpdate === undefined) throw new Error("the native backend has no adamUpdate");
  b.adamUpdate(...args);
}

function contiguous(shape: readonly number[]): number[] {
  const strides = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

function expectClose(actual: Tensor, expected: Tensor, tol: number): void {
  expect([...actual.shape]).toEqual([...expected.shape]);
  const a = actual.toArray() as number[] | number[][];
  const e = expected.toArray() as number[] | number[][];
  const fa = (a as unknown[]).flat(Infinity) as number[];
  const fe = (e as unknown[]).flat(Infinity) as number[];
  expect(fa.length).toBe(fe.length);
  for (let i = 0; i < fa.length; i++) {
    if (Math.abs(fa[i] - fe[i]) > tol * (1 + Math.abs(fe[i]))) expect.fail(`element ${i}: ${fa[i]} vs ${fe[i]}`);
  }
}

describe("native backend: registration and threads", () => {
  it("registers as 'native' and creates a backend", () => {
    expect(native().name).toBe("native");
    expect(createNativeBackend().name).toBe("native");
  });

  it("BACKPROP_THREADS sets the initial thread count", () => {
    const addonPath = fileURLToPath(new URL("../addon.cjs", import.meta.url));
    const script = `process.stdout.write(String(require(${JSON.stringify(addonPath)}).loadAddon().numThreads()))`;
    const run = (threads: string): string =>
      execFileSync(process.execPath, ["-e", script], { env: { ...process.env, BACKPROP_THREADS: threads }, encoding: "utf8" });
    expect(run("1")).toBe("1");
    expect(run("3")).toBe("3");
  });

  it("setNumThreads changes numThreads and rejects non-positive counts", () => {
    const before = native().numThreads();
    native().setNumThreads(1);
    expect(native().numThreads()).toBe(1);
    native().setNumThreads(2);
    expect(native().numThreads()).toBe(2);
    expect(() => {
      native().setNumThreads(0);
    }).toThrow(/positive integer/);
    native().setNumThreads(before);
  });
});

describe("native backend: views that do not fit their buffer are rejected", () => {
  const cases: [string, () => unknown][] = [
    ["unary past the end", () => native().exp(rawView("float32", 4, [10], [1]))],
    ["unary negative reach", () => native().neg(rawView("float32", 10, [10], [-1], 0))],
    ["offset past the end", () => native().relu(rawView("float32", 4, [2], [1], 3))],
    ["binary operand b", () => native().add(rawView("float32", 6, [2, 3], [3, 1]), rawView("float32", 5, [2, 3], [3, 1]))],
    ["out too short", () => native().mul(rawView("float64", 6, [6], [1]), rawView("float64", 6, [6], [1]), rawView("float64", 3, [6], [1]))],
    ["where", () => native().where(rawView("bool", 2, [4], [1]), rawView("float32", 4, [4], [1]), rawView("float32", 4, [4], [1]))],
    ["copy", () => native().copy(rawView("int32", 8, [2, 4], [1, 3]))],
    ["cast", () => native().cast(rawView("float32", 8, [3, 3], [3, 1]), "int32")],
    ["fill", () => native().fill(rawView("float32", 8, [3, 3], [3, 1]), 1)],
    ["reduce", () => native().sum(rawView("float32", 11, [3, 4], [4, 1]), [1], false)],
    ["argmax", () => native().argmax(rawView("float32", 11, [3, 4], [4, 1]), 1, false)],
    ["softmax", () => native().softmax(rawView("float32", 11, [3, 4], [4, 1]), 1)],
    ["matmul", () => native().matmul(rawView("float32", 100, [2, 8, 8], [64, 8, 1]), rawView("float32", 64, [2, 8, 8], [0, 8, 1]))],
    ["matmul huge stride", () => native().matmul(rawView("float32", 64, [1, 8, 8], [0, 8, 1e12]), rawView("float32", 64, [1, 8, 8], [0, 8, 1]))],
    ["conv2d", () => native().conv2d(rawView("float32", 49, [1, 2, 5, 5], [50, 25, 5, 1]), rawView("float32", 18, [1, 2, 3, 3], [18, 9, 3, 1]), { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 })],
    ["maxPool2d", () => native().maxPool2d(rawView("float32", 30, [1, 2, 4, 4], [32, 16, 4, 1]), { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], countIncludePad: false })],
  ];
  for (const [name, run] of cases) {
    it(name, () => {
      expect(run).toThrow(ValueError);
      expect(run).toThrow(/: operand \d: view .* reaches elements .*; expected every element inside its storage of \d+/);
    });
  }

  it("the addon refuses the same views itself, with the class to rethrow as (these run under AddressSanitizer)", () => {
    const addon = loadAddon();
    const x = new Float32Array(4);
    const out = new Float32Array(4);
    // Per tensor: rank, offset, shape, strides.
    const call = (xView: number[]): unknown => {
      try {
        addon.unary(3, new Float64Array([...xView, 1, 0, 4, 1]), x, out, 0, 0);
      } catch (e) {
        return e;
      }
      return null;
    };
    const refusals: [number[], RegExp][] = [
      [[1, 0, 10, 1], /^unary: view of x \(offset 0, shape \[10\], strides \[1\]\) reaches elements 0 to 9 of a buffer of 4; expected every element inside \[0, 4\)$/],
      [[1, 0, 4, -1], /reaches elements -3 to 0 of a buffer of 4/],
      [[1, NaN, 4, 1], /^unary: x's offset must be a safe integer; got -?nan$/],
      [[1, 0.5, 4, 1], /^unary: x's offset must be a safe integer; got 0.500000$/],
      [[1, 0, 4, NaN], /^unary: x's stride must be a safe integer; got -?nan$/],
      [[1, 0, 2.5, 1], /^unary: x's size must be a safe integer; got 2.500000$/],
      [[1, 0, -4, 1], /^unary: x has a negative size in shape \[-4\]$/],
    ];
    for (const [view, message] of refusals) {
      const e = call(view) as Error & { kind?: string };
      expect(e, JSON.stringify(view)).toBeInstanceOf(Error);
      expect(e.message, JSON.stringify(view)).toMatch(message);
      expect(e.kind, JSON.stringify(view)).toBe("ValueError");
    }
    expect(call([1, 0, 4, 1])).toBe(null);
  });

  it("adamUpdate rejects views past their buffer, other dtypes and mismatched shapes", () => {
    const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1, maximize: false };
    const ok = (): Tensor => rawView("float32", 8, [8], [1]);
    expect(() => { adamUpdate(rawView("float32", 8, [8], [1], 1), ok(), ok(), ok(), o); }).toThrow(/^adamUpdate: operand 1: .* reaches elements 1 to 8; expected every element inside its storage of 8/);
    expect(() => { adamUpdate(ok(), rawView("float64", 8, [8], [1]), ok(), ok(), o); }).toThrow(DTypeError);
    expect(() => { adamUpdate(ok(), rawView("float64", 8, [8], [1]), ok(), ok(), o); }).toThrow(/adamUpdate: grad must be float32; got float64/);
    expect(() => { adamUpdate(ok(), ok(), rawView("float32", 9, [9], [1]), ok(), o); }).toThrow(/adamUpdate: m must have the parameter's shape; expected \[8\], got \[9\]/);
    expect(() => { adamUpdate(ok(), ok(), ok(), rawView("float32", 16, [8], [2]), o); }).toThrow(/adamUpdate: internal: v must be contiguous/);
    expect(() => { adamUpdate(ok(), ok(), ok(), ok(), { ...o, step: 0 }); }).toThrow(ValueError);
    expect(() => { adamUpdate(ok(), ok(), ok(), ok(), { ...o, step: 0 }); }).toThrow(/adamUpdate: step must be an integer >= 1/);
  });

  it("maxPool2dBackward rejects indices outside their plane", () => {
    const gy = rawView("float32", 4, [1, 1, 2, 2], [4, 4, 2, 1]);
    const storage = native().alloc("int32", 4);
    storage.data.set([0, 3, 99, 1]);
    const indices = new Tensor(storage, [1, 1, 2, 2]);
    // A plain Error before; a bad index value is a ValueError.
    expect(() => native().maxPool2dBackward(gy, indices, [1, 1, 4, 4])).toThrow(ValueError);
    expect(() => native().maxPool2dBackward(gy, indices, [1, 1, 4, 4])).toThrow(/^maxPool2dBackward: index 99 at position 2 is outside its plane/);
  });
});

describe("native backend: large and threaded kernels match the JS reference", () => {
  const gen = new Generator(7);
  // 6 threads (more than kBlockThreads in gemm.cc) takes the shared-packing GEMM path.
  for (const threads of [1, 2, 6]) {
    it(`matmul 200x300x170, transposed and batch-broadcast operands, ${threads} thread(s)`, () => {
      native().setNumThreads(threads);
      // a: [3, 200, 300] stored transposed; b: one [300, 170] matrix broadcast over the batch.
      const a = rawView("float32", 3 * 300 * 200, [3, 200, 300], [60000, 1, 200], 0, gen);
      const b = rawView("float32", 300 * 170 + 5, [3, 300, 170], [0, 170, 1], 5, gen);
      expectClose(native().matmul(a, b), js.matmul(a, b), 1e-4);
    });

    it(`conv2d and both backward passes, batch 5, ${threads} thread(s)`, () => {
      native().setNumThreads(threads);
      const attrs = { stride: [2, 1] as [number, number], padding: [1, 0, 2, 1] as [number, number, number, number], dilation: [1, 2] as [number, number], groups: 2 };
      const x = rawView("float32", 5 * 4 * 19 * 17, [5, 4, 19, 17], [4 * 19 * 17, 19 * 17, 17, 1], 0, gen);
      const w = rawView("float32", 6 * 2 * 3 * 3, [6, 2, 3, 3], [18, 9, 3, 1], 0, gen);
      const y = native().conv2d(x, w, attrs);
      expectClose(y, js.conv2d(x, w, attrs), 1e-4);
      expectClose(native().conv2dBackwardInput(y, w, x.shape, attrs), js.conv2dBackwardInput(y, w, x.shape, attrs), 1e-4);
      expectClose(native().conv2dBackwardWeight(x, y, w.shape, attrs), js.conv2dBackwardWeight(x, y, w.shape, attrs), 1e-4);
    });

    it(`conv2d with more output channels than weight columns (a first layer) and many images, ${threads} thread(s)`, () => {
      native().setNumThreads(threads);
      // ckk = 1 * 3 * 3 < 16 output channels takes the transposed weight-gradient product;
      // 40 images of 12 x 12 make several batches of images per GEMM.
      const attrs = { stride: [1, 1] as [number, number], padding: [1, 1, 0, 2] as [number, number, number, number], dilation: [1, 1] as [number, number], groups: 1 };
      const x = rawView("float32", 40 * 144, [40, 1, 12, 12], [144, 144, 12, 1], 0, gen);
      const w = rawView("float32", 16 * 9, [16, 1, 3, 3], [9, 9, 3, 1], 0, gen);
      const y = native().conv2d(x, w, attrs);
      expectClose(y, js.conv2d(x, w, attrs), 1e-4);
      expectClose(native().conv2dBackwardInput(y, w, x.shape, attrs), js.conv2dBackwardInput(y, w, x.shape, attrs), 1e-4);
      expectClose(native().conv2dBackwardWeight(x, y, w.shape, attrs), js.conv2dBackwardWeight(x, y, w.shape, attrs), 1e-3);
    });

    it(`conv2dBackwardWeight over several batches of images, grouped, ${threads} thread(s)`, () => {
      native().setNumThreads(threads);
      // 8 x 8 outputs make batches of 8 images: 50 images are 7 batches, summed in per-thread
      // partials (6 threads: 4 runs of 2 batches; ckk = 4 * 3 * 3 = 36 >= 6 output channels per
      // group: the untransposed product).
      const attrs = { stride: [1, 1] as [number, number], padding: [1, 1, 1, 1] as [number, number, number, number], dilation: [1, 1] as [number, number], groups: 2 };
      const x = rawView("float32", 50 * 8 * 64, [50, 8, 8, 8], [512, 64, 8, 1], 0, gen);
      const gy = rawView("float32", 50 * 12 * 64, [50, 12, 8, 8], [768, 64, 8, 1], 0, gen);
      expectClose(native().conv2dBackwardWeight(x, gy, [12, 4, 3, 3], attrs), js.conv2dBackwardWeight(x, gy, [12, 4, 3, 3], attrs), 1e-4);
    });

    it(`maxPool2d (windows inside the input, and with padding) matches the JS kernel, ties and NaN included, ${threads} thread(s)`, () => {
      native().setNumThreads(threads);
      const n = 8 * 16 * 26 * 26;
      const x = rawView("float32", n, [8, 16, 26, 26], [16 * 676, 676, 26, 1], 0, gen);
      // Ties (values rounded to a coarse grid) and a few NaNs: the first maximum and the first NaN win.
      for (let i = 0; i < n; i++) x.storage.data[i] = i % 97 === 0 ? NaN : Math.round(x.storage.data[i] * 3);
      for (const a of [
        { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], countIncludePad: false },
        { kernel: [3, 2], stride: [1, 3], padding: [0, 0], dilation: [2, 1], countIncludePad: false },
        { kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], countIncludePad: false },
      ] as const) {
        const attrs = { ...a, kernel: [...a.kernel] as [number, number], stride: [...a.stride] as [number, number], padding: [...a.padding] as [number, number], dilation: [...a.dilation] as [number, number] };
        const [o, idx] = native().maxPool2d(x, attrs);
        const [oe, idxe] = js.maxPool2d(x, attrs);
        expect(Array.from(idx.storage.data)).toEqual(Array.from(idxe.storage.data));
        expect(Array.from(o.storage.data)).toEqual(Array.from(oe.storage.data));
        // The backward pass scatters plane by plane across threads.
        const gy = rawView("float32", o.size, [...o.shape], [...o.strides], 0, gen);
        expectClose(native().maxPool2dBackward(gy, idx, x.shape), js.maxPool2dBackward(gy, idx, x.shape), 1e-6);
      }
    });

    it(`elementwise over 270k strided elements (split across threads), ${threads} thread(s)`, () => {
      native().setNumThreads(threads);
      const a = rawView("float32", 2 * 600 * 450, [600, 450], [1, 1200], 0, gen);
      const b = rawView("float32", 450, [600, 450], [0, 1], 0, gen);
      expectClose(native().mul(a, b), js.mul(a, b), 1e-6);
      expectClose(native().tanh(a), js.tanh(a), 1e-6);
      expectClose(native().exp(a), js.exp(a), 1e-6);
      expectClose(native().sqrt(native().abs(a)), js.sqrt(js.abs(a)), 1e-6);
      expectClose(native().gt(a, b), js.gt(a, b), 0);
      expectClose(native().logicalNot(a), js.logicalNot(a), 0);
      expectClose(native().softmax(a, 0), js.softmax(a, 0), 1e-5);
    }, 60_000);

    it(`add, gt and copy over 2.2M elements (enough to split), ${threads} thread(s)`, () => {
      native().setNumThreads(threads);
      const n = 2_200_000;
      const a = rawView("float32", n, [n], [1], 0, gen);
      const b = rawView("float32", n, [n], [1], 0, gen);
      const [ad, bd] = [a.storage.data, b.storage.data];
      const sum = native().add(a, b).storage.data;
      const gt = native().gt(a, b).storage.data;
      const copy = native().copy(a).storage.data;
      for (let i = 0; i < n; i++) {
        if (sum[i] !== Math.fround(ad[i] + bd[i]) || gt[i] !== (ad[i] > bd[i] ? 1 : 0) || copy[i] !== ad[i]) expect.fail(`element ${i}`);
      }
    }, 60_000);

    it(`adamUpdate over 600k elements matches the JS rule, ${threads} thread(s)`, () => {
      native().setNumThreads(threads);
      const n = 600_000;
      const cases = [
        { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 3, maximize: false },
        { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, decoupled: true, step: 1, maximize: true },
        { lr: 5e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, decoupled: false, step: 7, maximize: false },
      ];
      for (const o of cases) {
        const [p, g, m, v] = [0, 1, 2, 3].map(() => rawView("float32", n, [n], [1], 0, gen));
        for (let i = 0; i < n; i++) v.storage.data[i] = Math.abs(v.storage.data[i]);
        const [pe, me, ve] = [p, m, v].map((t) => Float32Array.from(t.storage.data as Float32Array));
        // PyTorch's rule, written out directly (float32 storage, double arithmetic).
        const gd = g.storage.data;
        const bc1 = 1 - o.beta1 ** o.step, bc2 = Math.sqrt(1 - o.beta2 ** o.step);
        for (let i = 0; i < n; i++) {
          if (o.decoupled) pe[i] *= 1 - o.lr * o.weightDecay;
          const gi = (o.maximize ? -gd[i] : gd[i]) + (o.decoupled ? 0 : o.weightDecay * pe[i]);
          me[i] = o.beta1 * me[i] + (1 - o.beta1) * gi;
          ve[i] = o.beta2 * ve[i] + (1 - o.beta2) * gi * gi;
          pe[i] -= ((o.lr / bc1) * me[i]) / (Math.sqrt(ve[i]) / bc2 + o.eps);
        }
        adamUpdate(p, g, m, v, o);
        for (const [t, e] of [[p, pe], [m, me], [v, ve]] as const) {
          const d = t.storage.data;
          for (let i = 0; i < n; i++) if (Math.abs(d[i] - e[i]) > 1e-6 * (1 + Math.abs(e[i]))) expect.fail(`element ${i}: ${d[i]} vs ${e[i]}`);
        }
      }
    }, 60_000);
  }
  native().setNumThreads(2);
});

describe("native backend: conv2d with a bias runs the fused kernel", () => {
  it("the conv2d op with a bias calls conv2dBias, matches the JS op and passes gradCheck in x, w and b", () => {
    const be = native();
    const fused = be.conv2dBias!.bind(be);
    const before = getBackend().name;
    let calls = 0;
    be.conv2dBias = (...args) => {
      calls++;
      return fused(...args);
    };
    try {
      setBackend("native");
      const gen = new Generator(31);
      const x = randn([3, 2, 6, 5], { dtype: "float64", generator: gen, requiresGrad: true });
      const w = randn([4, 2, 3, 2], { dtype: "float64", generator: gen, requiresGrad: true });
      const b = randn([4], { dtype: "float64", generator: gen, requiresGrad: true });
      const options = { bias: b, stride: [1, 2] as [number, number], padding: 1 };
      const y = conv2d(x, w, options);
      expect(calls).toBe(1);
      setBackend("js");
      const reference = conv2d(x, w, options);
      setBackend("native");
      expectClose(y, reference, 1e-12);
      expect(gradCheck((xx, ww, bb) => conv2d(xx, ww, { ...options, bias: bb }), [x, w, b])).toBe(true);
    } finally {
      be.conv2dBias = fused;
      setBackend(before);
    }
  });
});

describe("native backend: every float32 GEMM micro-kernel gives the same product", () => {
  const addon = loadAddon();
  const original = addon.kernelName().split(" ")[0];
  const gen = new Generator(3);
  // Every count of rows left in a last 12-, 6- or 4-row panel (m = 1..13, 25), columns left in
  // a last 32-, 16- or 8-wide one (n = 1, 7, 13, 17, 33, 45), and K in one slice or two (300:
  // the edge tiles then add the second slice to the first).
  const cases: [Tensor, Tensor, Tensor][] = [];
  for (const k of [53, 300]) {
    for (const m of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 25]) {
      for (const n of [1, 7, 13, 17, 33, 45]) {
        const a = rawView("float32", m * k, [1, m, k], [0, k, 1], 0, gen);
        const b = rawView("float32", k * n, [1, k, n], [0, 1, k], 0, gen);
        cases.push([a, b, js.matmul(a, b)]);
      }
    }
  }
  for (const isa of ["portable", "avx2", "avx512"]) {
    it(`${isa} (skipped where the CPU lacks it)`, (ctx) => {
      if (!addon.selectIsa(isa)) ctx.skip();
      try {
        for (const [a, b, expected] of cases) expectClose(native().matmul(a, b), expected, 1e-5);
      } finally {
        addon.selectIsa(original);
      }
    });
  }
});

describe("native backend: every ISA's convolution and pooling row kernels give the same results", () => {
  const addon = loadAddon();
  const original = addon.kernelName().split(" ")[0];
  const gen = new Generator(11);
  // Widths below, at and above one vector (8 and 16 lanes), padding on every side (rows that
  // fall outside the image in y, kernel columns that reach past the row in x), vertical stride
  // and dilation.
  const cases = [
    { x: [3, 4, 13, 13], w: [6, 4, 3, 3], stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1] },
    { x: [2, 3, 9, 40], w: [5, 3, 3, 2], stride: [2, 1], padding: [2, 1, 1, 0], dilation: [2, 1] },
    { x: [2, 2, 20, 17], w: [4, 2, 4, 3], stride: [1, 1], padding: [1, 3, 2, 1], dilation: [1, 2] },
    { x: [1, 1, 5, 8], w: [2, 1, 5, 1], stride: [3, 1], padding: [4, 4, 0, 0], dilation: [1, 1] },
    // A kernel wider than the 32 columns col2im sums in registers at a time.
    { x: [1, 2, 3, 40], w: [2, 2, 1, 35], stride: [1, 1], padding: [0, 0, 1, 2], dilation: [1, 1] },
  ] as const;
  for (const isa of ["portable", "avx2", "avx512"]) {
    it(`${isa} (skipped where the CPU lacks it)`, (ctx) => {
      if (!addon.selectIsa(isa)) ctx.skip();
      try {
        for (const c of cases) {
          const attrs = { stride: [...c.stride] as [number, number], padding: [...c.padding] as [number, number, number, number], dilation: [...c.dilation] as [number, number], groups: 1 };
          const xSize = c.x.reduce<number>((p, d) => p * d, 1);
          const wSize = c.w.reduce<number>((p, d) => p * d, 1);
          const x = rawView("float32", xSize, [...c.x], contiguous(c.x), 0, gen);
          const w = rawView("float32", wSize, [...c.w], contiguous(c.w), 0, gen);
          const y = js.conv2d(x, w, attrs);
          expectClose(native().conv2d(x, w, attrs), y, 1e-4);
          expectClose(native().conv2dBackwardInput(y, w, x.shape, attrs), js.conv2dBackwardInput(y, w, x.shape, attrs), 1e-4);
          expectClose(native().conv2dBackwardWeight(x, y, w.shape, attrs), js.conv2dBackwardWeight(x, y, w.shape, attrs), 1e-3);
        }
        // The 2 x 2 max pool: 17 outputs per row (a step of 16 and a ragged one), an odd width
        // (the last column unread), ties and NaNs (the first maximum and the first NaN win).
        const n = 3 * 2 * 9 * 35;
        const x = rawView("float32", n, [3, 2, 9, 35], contiguous([3, 2, 9, 35]), 0, gen);
        for (let i = 0; i < n; i++) x.storage.data[i] = i % 53 === 0 ? NaN : Math.round(x.storage.data[i] * 2);
        const attrs = { kernel: [2, 2] as [number, number], stride: [2, 2] as [number, number], padding: [0, 0] as [number, number], dilation: [1, 1] as [number, number], countIncludePad: false };
        const [o, idx] = native().maxPool2d(x, attrs);
        const [oe, idxe] = js.maxPool2d(x, attrs);
        expect(o.shape).toEqual([3, 2, 4, 17]);
        expect(Array.from(idx.storage.data)).toEqual(Array.from(idxe.storage.data));
        expect(Array.from(o.storage.data)).toEqual(Array.from(oe.storage.data));
      } finally {
        addon.selectIsa(original);
      }
    });
  }
});

describe("native backend: storage", () => {
  it("alloc gives storage of the dtype's typed array, reused from the pool", () => {
    const s = native().alloc("int32", 5);
    expect(s.data).toBeInstanceOf(Int32Array);
    expect(s.length).toBe(5);
    expect(s).toBeInstanceOf(ArrayStorage);
  });

  it("large buffers start on a 64-byte cache line, for every dtype, and come back from the pool", () => {
    const addon = loadAddon();
    for (const [dtype, length] of [["float32", 1 << 20], ["float64", 5000], ["int32", 1025], ["bool", 70_000]] as const) {
      // Fresh ones (a typed array of these sizes from V8 alone sits 16 bytes past a line on
      // Linux), then one back from the pool.
      const fresh = Array.from({ length: 4 }, () => native().alloc(dtype, length));
      for (const s of fresh) {
        expect(s.data.length).toBe(length);
        expect(addon.misalignment!(s.data), `${dtype} x ${length}`).toBe(0);
      }
      for (const s of fresh) s.release();
      const again = native().alloc(dtype, length);
      expect(fresh.some((s) => s.data === again.data)).toBe(true);
      expect(addon.misalignment!(again.data)).toBe(0);
    }
  });
});
