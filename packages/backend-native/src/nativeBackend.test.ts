import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import "./index.js";
import { ArrayStorage, Generator, Tensor, createJsBackend, getBackend } from "@backprop/core";
import type { Backend, DType } from "@backprop/core";
import { loadAddon } from "@backprop/backend-native/addon";
import { createNativeBackend } from "./nativeBackend.js";

const native = (): Backend => getBackend("native");
const js = createJsBackend();

/** A tensor over a fresh buffer of `length` elements with the given view (no checks: that is the point). */
function rawView(dtype: DType, length: number, shape: number[], strides: number[], offset = 0, gen?: Generator): Tensor {
  const storage = native().alloc(dtype, length);
  const data = storage.data;
  for (let i = 0; i < length; i++) data[i] = gen === undefined ? i % 7 : gen.nextFloat() * 2 - 1;
  return new Tensor(storage, shape, strides, offset);
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
      expect(run).toThrow(/reaches elements .* of a buffer of \d+; expected every element inside/);
    });
  }

  it("maxPool2dBackward rejects indices outside their plane", () => {
    const gy = rawView("float32", 4, [1, 1, 2, 2], [4, 4, 2, 1]);
    const storage = native().alloc("int32", 4);
    storage.data.set([0, 3, 99, 1]);
    const indices = new Tensor(storage, [1, 1, 2, 2]);
    expect(() => native().maxPool2dBackward(gy, indices, [1, 1, 4, 4])).toThrow(/index 99 at position 2 is outside its plane/);
  });
});

describe("native backend: large and threaded kernels match the JS reference", () => {
  const gen = new Generator(7);
  for (const threads of [1, 2]) {
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

    it(`elementwise over 100k strided elements, ${threads} thread(s)`, () => {
      native().setNumThreads(threads);
      const a = rawView("float32", 2 * 400 * 250, [250, 400], [1, 500], 0, gen);
      const b = rawView("float32", 400, [250, 400], [0, 1], 0, gen);
      expectClose(native().mul(a, b), js.mul(a, b), 1e-6);
      expectClose(native().tanh(a), js.tanh(a), 1e-6);
      expectClose(native().softmax(a, 0), js.softmax(a, 0), 1e-5);
    });
  }
  native().setNumThreads(2);
});

describe("native backend: every float32 GEMM micro-kernel gives the same product", () => {
  const addon = loadAddon();
  const original = addon.kernelName().split(" ")[0];
  const gen = new Generator(3);
  const a = rawView("float32", 37 * 53, [1, 37, 53], [0, 53, 1], 0, gen);
  const b = rawView("float32", 53 * 45, [1, 53, 45], [0, 1, 53], 0, gen);
  const expected = js.matmul(a, b);
  for (const isa of ["portable", "avx2", "avx512"]) {
    it(`${isa} (skipped where the CPU lacks it)`, (ctx) => {
      if (!addon.selectIsa(isa)) ctx.skip();
      try {
        expectClose(native().matmul(a, b), expected, 1e-5);
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
});
