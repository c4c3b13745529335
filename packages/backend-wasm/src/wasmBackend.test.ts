import { describe, expect, it } from "vitest";
import { ArrayStorage, Generator, Tensor, ValueError, getBackend, isRegistered, matmul, randn, relu, setBackend, sizeOf, tensor, tidy } from "@backprop/core";
import type { AdamUpdateOptions, Backend, BinaryOp, Conv2dAttrs, DType, Pool2dAttrs, SgdUpdateOptions, Storage, UnaryOp } from "@backprop/core";
import { makeTensor, readValues } from "@backprop/core/testing";
import type { Layout } from "@backprop/core/testing";
import { WasmStorage, createWasmBackend, wasmBackendInfo } from "./index.js";
import { WasmHeap } from "./wasmHeap.js";

const wasm = (): Backend => getBackend("wasm");
const js = (): Backend => getBackend("js");
const layouts: Layout[] = ["contiguous", "offset", "transposed", "stepped", "broadcast"];

function random(n: number, gen: Generator, lo = -3, hi = 3): number[] {
  return Array.from({ length: n }, () => lo + (hi - lo) * gen.nextFloat());
}

function expectClose(actual: readonly number[], expected: readonly number[], rtol: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      expect(Number.isNaN(a), `${what}: element ${i} is ${a}, expected NaN`).toBe(true);
      continue;
    }
    if (Math.abs(a - e) > rtol * (1 + Math.abs(e))) expect.fail(`${what}: element ${i} is ${a}, expected ${e}`);
  }
}

/** A [d0, d1, d2] view whose axes are stored in the order `perm` (so no axis need be contiguous). */
function permuted(backend: Backend, dtype: DType, shape: number[], values: readonly number[], perm: number[]): Tensor {
  const stored = perm.map((p) => shape[p]);
  const storedStrides = [stored[1] * stored[2], stored[2], 1];
  const strides = [0, 0, 0];
  perm.forEach((p, i) => (strides[p] = storedStrides[i]));
  const storage = backend.alloc(dtype, sizeOf(shape) + 1);
  const t = new Tensor(storage, shape, strides, 1);
  const data = storage.data;
  let i = 0;
  for (let a = 0; a < shape[0]; a++)
    for (let b = 0; b < shape[1]; b++)
      for (let c = 0; c < shape[2]; c++) data[1 + a * strides[0] + b * strides[1] + c * strides[2]] = values[i++];
  return t;
}

describe("wasm backend", () => {
  it("registers as backend wasm and implements every kernel on float32 in its own memory", () => {
    expect(isRegistered("backend", "wasm")).toBe(true);
    expect(wasm().name).toBe("wasm");
    tidy(() => {
      const y = wasm().exp(makeTensor(wasm(), "float32", [3], [0, 1, 2]));
      expect(y.storage).toBeInstanceOf(WasmStorage);
      expectClose(readValues(y), [1, Math.E, Math.exp(2)], 1e-6, "exp");
    });
  });

  it("puts results made outside every scope in collectable memory, and writes an out in other memory", () => {
    // Nothing disposes them, and the garbage collector frees typed arrays but not wasm memory.
    const x = tidy(() => wasm().exp(makeTensor(wasm(), "float32", [3], [0, 1, 2]))); // leaves its scope
    expect(x.storage).toBeInstanceOf(ArrayStorage);
    const y = wasm().mul(x, x);
    expect(y.storage).toBeInstanceOf(ArrayStorage);
    expectClose(readValues(y), [1, Math.E ** 2, Math.exp(4)], 1e-6, "exp squared");
    const out = makeTensor(js(), "float32", [3], [9, 9, 9]);
    expect(wasm().add(y, y, out)).toBe(out);
    expectClose(readValues(out), [2, 2 * Math.E ** 2, 2 * Math.exp(4)], 1e-6, "add into a JS out");
    expect(wasm().neg(out, out)).toBe(out);
    expectClose(readValues(out), [-2, -2 * Math.E ** 2, -2 * Math.exp(4)], 1e-6, "neg in place on a JS tensor");
  });

  const unaryOps: UnaryOp[] = ["neg", "abs", "exp", "log", "sqrt", "rsqrt", "square", "reciprocal", "tanh", "sigmoid", "relu", "leakyRelu", "silu", "floor", "ceil", "clamp"];
  it("unary float32 kernels match the JS backend on permuted, offset, stepped and broadcast views", () => {
    const gen = new Generator(7);
    const shape = [5, 7, 9];
    for (const op of unaryOps) {
      const positive = ["log", "sqrt", "rsqrt", "reciprocal"].includes(op);
      const values = random(sizeOf(shape), gen, positive ? 0.1 : -4, 4);
      const [p0, p1] = op === "clamp" ? [-1, 2] : op === "leakyRelu" ? [0.2, 0] : [0, 0];
      for (const perm of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
        const y = wasm()[op](permuted(wasm(), "float32", shape, values, perm), null, p0, p1);
        const r = js()[op](makeTensor(js(), "float32", shape, values), null, p0, p1);
        expectClose(readValues(y), readValues(r), 2e-6, `${op} perm ${perm.join("")}`);
      }
      for (const layout of layouts) {
        const x = makeTensor(wasm(), "float32", [6, 11], values.slice(0, 66), layout);
        const y = wasm()[op](x, null, p0, p1);
        const r = js()[op](makeTensor(js(), "float32", [6, 11], readValues(x)), null, p0, p1);
        expectClose(readValues(y), readValues(r), 2e-6, `${op} ${layout}`);
      }
    }
  });

  const binaryOps: BinaryOp[] = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr",
    "reluBackward"];
  it("binary float32 kernels match the JS backend for every pair of layouts, row lengths off the SIMD width", () => {
    const gen = new Generator(8);
    for (const op of binaryOps) {
      for (const la of layouts) {
        for (const lb of layouts) {
          const shape = [3, 13];
          const av = random(39, gen).map(Math.round);
          const bv = random(39, gen).map((v, i) => (i % 3 === 0 ? av[i] : v === 0 ? 1 : v));
          const a = makeTensor(wasm(), "float32", shape, av, la);
          const b = makeTensor(wasm(), "float32", shape, bv, lb);
          const y = wasm()[op](a, b);
          const r = js()[op](makeTensor(js(), "float32", shape, readValues(a)), makeTensor(js(), "float32", shape, readValues(b)));
          expect(y.dtype).toBe(r.dtype);
          expectClose(readValues(y), readValues(r), 1e-7, `${op} ${la} with ${lb}`);
        }
      }
    }
  });

  it("matmul matches the JS backend across block edges, transposed and broadcast operands", () => {
    const gen = new Generator(9);
    // Sizes straddle the register tile (4x8) and the blocks (MC 64, KC 256, NC 512).
    for (const [batch, m, k, n] of [[1, 1, 1, 1], [2, 5, 3, 9], [1, 67, 260, 13], [1, 9, 17, 530], [3, 33, 70, 41]]) {
      for (const [la, lb] of [["contiguous", "contiguous"], ["transposed", "stepped"], ["offset", "transposed"], ["broadcast", "contiguous"]] as [Layout, Layout][]) {
        const av = random(batch * m * k, gen, -1, 1);
        const bv = random(batch * k * n, gen, -1, 1);
        const a = makeTensor(wasm(), "float32", [batch, m, k], av, la);
        const b = makeTensor(wasm(), "float32", [batch, k, n], bv, lb);
        const y = wasm().matmul(a, b);
        const r = js().matmul(makeTensor(js(), "float32", [batch, m, k], readValues(a)), makeTensor(js(), "float32", [batch, k, n], readValues(b)));
        expect([...y.shape]).toEqual([batch, m, n]);
        expectClose(readValues(y), readValues(r), 1e-5, `matmul ${[batch, m, k, n].join("x")} ${la} x ${lb}`);
      }
    }
  });

  it("conv2d and both backward kernels match the JS backend in float32 on strided inputs", () => {
    const gen = new Generator(10);
    const cases: [number[], number[], Conv2dAttrs][] = [
      [[3, 1, 12, 12], [4, 1, 3, 3], { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 }],
      [[2, 4, 9, 8], [6, 2, 3, 2], { stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 2], groups: 2 }],
      [[2, 3, 7, 7], [5, 3, 1, 1], { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 }],
    ];
    for (const [xs, ws, attrs] of cases) {
      const xv = random(sizeOf(xs), gen);
      const wv = random(sizeOf(ws), gen);
      const x = makeTensor(wasm(), "float32", xs, xv, "transposed");
      const w = makeTensor(wasm(), "float32", ws, wv, "stepped");
      const y = wasm().conv2d(x, w, attrs);
      const r = js().conv2d(makeTensor(js(), "float32", xs, xv), makeTensor(js(), "float32", ws, wv), attrs);
      expect([...y.shape]).toEqual([...r.shape]);
      expectClose(readValues(y), readValues(r), 1e-5, `conv2d ${JSON.stringify(attrs)}`);
      const gv = random(r.size, gen);
      const gy = makeTensor(wasm(), "float32", r.shape, gv, "transposed");
      const gx = wasm().conv2dBackwardInput(gy, w, xs, attrs);
      const rgx = js().conv2dBackwardInput(makeTensor(js(), "float32", r.shape, gv), makeTensor(js(), "float32", ws, wv), xs, attrs);
      expectClose(readValues(gx), readValues(rgx), 1e-5, `conv2dBackwardInput ${JSON.stringify(attrs)}`);
      const gw = wasm().conv2dBackwardWeight(x, gy, ws, attrs);
      const rgw = js().conv2dBackwardWeight(makeTensor(js(), "float32", xs, xv), makeTensor(js(), "float32", r.shape, gv), ws, attrs);
      expectClose(readValues(gw), readValues(rgw), 1e-5, `conv2dBackwardWeight ${JSON.stringify(attrs)}`);
    }
  });

  it("sum over every axis set of permuted views matches the JS backend", () => {
    const gen = new Generator(11);
    const shape = [6, 5, 9];
    const values = random(sizeOf(shape), gen);
    for (const perm of [[0, 1, 2], [2, 1, 0], [1, 0, 2]]) {
      for (const axes of [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]) {
        const y = wasm().sum(permuted(wasm(), "float32", shape, values, perm), axes, true);
        const r = js().sum(makeTensor(js(), "float32", shape, values), axes, true);
        expect([...y.shape]).toEqual([...r.shape]);
        expectClose(readValues(y), readValues(r), 1e-5, `sum axes [${axes.join(", ")}] perm ${perm.join("")}`);
      }
    }
  });

  it("softmax and logSoftmax rows match the JS backend", () => {
    const gen = new Generator(12);
    const values = random(7 * 13, gen, -20, 20);
    for (const op of ["softmax", "logSoftmax"] as const) {
      const y = wasm()[op](makeTensor(wasm(), "float32", [7, 13], values), 1);
      const r = js()[op](makeTensor(js(), "float32", [7, 13], values), 1);
      expectClose(readValues(y), readValues(r), 1e-6, op);
    }
  });

  it("reads operands that live in another backend's storage", () => {
    const a = makeTensor(js(), "float32", [2, 3], [1, 2, 3, 4, 5, 6], "transposed");
    const b = makeTensor(wasm(), "float32", [2, 3], [10, 20, 30, 40, 50, 60]);
    tidy(() => {
      const y = wasm().add(a, b);
      expect(y.storage).toBeInstanceOf(WasmStorage);
      expect(readValues(y)).toEqual([11, 22, 33, 44, 55, 66]);
    });
    const m = wasm().matmul(makeTensor(js(), "float32", [1, 2, 3], [1, 2, 3, 4, 5, 6]), makeTensor(js(), "float32", [1, 3, 1], [1, 1, 1]));
    expect(readValues(m)).toEqual([6, 15]);
  });

  it("delegated kernels (float64 matmul, gather) return tensors in wasm memory", () => {
    tidy(() => {
      const y = wasm().matmul(makeTensor(wasm(), "float64", [1, 2, 2], [1, 2, 3, 4]), makeTensor(wasm(), "float64", [1, 2, 2], [5, 6, 7, 8]));
      expect(y.storage).toBeInstanceOf(WasmStorage);
      expect(readValues(y)).toEqual([19, 22, 43, 50]);
      const g = wasm().gather(makeTensor(wasm(), "float32", [3], [5, 6, 7]), 0, makeTensor(wasm(), "int32", [2], [2, 0]));
      expect(g.storage).toBeInstanceOf(WasmStorage);
      expect(readValues(g)).toEqual([7, 5]);
    });
  });

  it("runs ops end to end: a relu layer's gradient through setBackend", () => {
    setBackend("wasm");
    try {
      const w = tensor([[1, -2], [3, 4]], { requiresGrad: true });
      const x = tensor([[1, 1], [2, -1]]);
      relu(matmul(x, w)).sum().backward();
      // x w = [[4, 2], [-1, -8]]; relu passes row 0 only, so dW = x^T [[1, 1], [0, 0]].
      expect(w.grad!.toArray()).toEqual([[1, 1], [1, 1]]);
      tidy(() => {
        const big = matmul(randn([70, 300]), randn([300, 90]));
        expect(big.storage).toBeInstanceOf(WasmStorage);
      });
    } finally {
      setBackend("js");
    }
  });
});

describe("wasm threads", () => {
  it("splits large GEMMs over worker threads with the same result", async () => {
    const be = createWasmBackend();
    be.setNumThreads(2);
    expect(be.numThreads()).toBe(2);
    const gen = new Generator(13);
    const [m, k, n] = [150, 300, 203];
    const av = random(m * k, gen, -1, 1);
    const bv = random(k * n, gen, -1, 1);
    const a = makeTensor(be, "float32", [1, m, k], av, "transposed");
    const b = makeTensor(be, "float32", [1, k, n], bv);
    const first = readValues(be.matmul(a, b)); // starts the workers
    for (let i = 0; i < 200 && !wasmBackendInfo(be).workersReady; i++) await new Promise((r) => setTimeout(r, 25));
    expect(wasmBackendInfo(be).sharedMemory).toBe(true);
    expect(wasmBackendInfo(be).workersReady).toBe(true);
    const threaded = readValues(be.matmul(a, b));
    expect(wasmBackendInfo(be).threadedGemms).toBe(1);
    const r = js().matmul(makeTensor(js(), "float32", [1, m, k], av, "transposed"), makeTensor(js(), "float32", [1, k, n], bv));
    expectClose(threaded, readValues(r), 1e-5, "threaded matmul");
    expect(threaded).toEqual(first);
    be.setNumThreads(1);
  });

  it("gives every share to someone, each thread its own edge tile, when workers wake late or not at all", async () => {
    const be = createWasmBackend();
    be.setNumThreads(5);
    const gen = new Generator(14);
    const cases = [[64, 256, 200], [128, 96, 517], [33, 700, 129]].map(([m, k, n]) => {
      const a = makeTensor(be, "float32", [1, m, k], random(m * k, gen, -1, 1));
      const b = makeTensor(be, "float32", [1, k, n], random(k * n, gen, -1, 1));
      return { a, b, once: readValues(be.matmul(a, b)) };
    });
    for (let i = 0; i < 200 && !wasmBackendInfo(be).workersReady; i++) await new Promise((r) => setTimeout(r, 25));
    expect(wasmBackendInfo(be).workersReady).toBe(true);
    const before = wasmBackendInfo(be).threadedGemms;
    // Back to back, so that workers are still asleep, half awake or busy when the next job comes.
    for (let round = 0; round < 40; round++) {
      const { a, b, once } = cases[round % cases.length];
      expect(readValues(be.matmul(a, b))).toEqual(once);
    }
    expect(wasmBackendInfo(be).threadedGemms - before).toBe(40);
    be.setNumThreads(1);
  });
});

describe("wasm heap", () => {
  it("reuses a released block of the same size", () => {
    const heap = new WasmHeap();
    const p = heap.alloc(1000);
    heap.release(p, 1000);
    expect(heap.alloc(1000)).toBe(p);
    expect(heap.stats.reused).toBe(1);
  });

  it("merges free neighbours instead of growing, and recreates views after growth", () => {
    const heap = new WasmHeap();
    const small = Array.from({ length: 8 }, () => heap.alloc(64 * 1024));
    const top = heap.size;
    for (const p of small) heap.release(p, 64 * 1024);
    // 512 KiB fits in the eight merged 64 KiB blocks only if they are merged.
    const big = heap.alloc(8 * 64 * 1024);
    expect(heap.size).toBeLessThanOrEqual(top);
    expect(big).toBe(small[0]);
    expect(heap.stats.merges).toBe(1);

    const s = new WasmStorage(heap, heap.alloc(16), "float32", 4);
    s.data.set([1, 2, 3, 4]);
    const before = s.data;
    heap.alloc(64 * 1024 * 1024); // grows the memory: a new buffer, the old one detached (or, shared, short)
    expect(heap.memory.buffer).not.toBe(before.buffer);
    expect([...s.data]).toEqual([1, 2, 3, 4]);
  });

  it("keeps every backend's tensors in its own memory", () => {
    tidy(() => {
      const other = createWasmBackend();
      const a = makeTensor(other, "float32", [2], [1, 2]);
      const y = wasm().mul(a, makeTensor(wasm(), "float32", [2], [3, 3]));
      expect(readValues(y)).toEqual([3, 6]);
      const ys = y.storage;
      const as = a.storage;
      expect(ys instanceof WasmStorage && as instanceof WasmStorage && ys.heap !== as.heap).toBe(true);
    });
  });
});

describe("wasm kernels that used to be delegated", () => {
  const newUnary: UnaryOp[] = ["sign", "log1p", "expm1", "sin", "cos", "elu", "gelu", "softplus", "erf", "round"];
  it("sign, log1p, expm1, sin, cos, elu, gelu, softplus, erf and round match the JS backend on strided views", () => {
    const gen = new Generator(21);
    // Halves (round to even), zeros of both signs, NaN, infinities and the erf series/fraction switch at 2.5.
    const special = [0.5, 1.5, 2.5, -0.5, -2.5, 0, -0, NaN, Infinity, -Infinity, 2.4999, 2.5001, 6.5, -7, -0.99, 1e-7, 40, -40];
    for (const op of newUnary) {
      const values = [...special, ...random(66 - special.length, gen, -8, 8)];
      const p0 = op === "elu" ? 0.7 : 0;
      for (const layout of layouts) {
        const x = makeTensor(wasm(), "float32", [6, 11], values, layout);
        const y = wasm()[op](x, null, p0, 0);
        const r = js()[op](makeTensor(js(), "float32", [6, 11], readValues(x)), null, p0, 0);
        expectClose(readValues(y), readValues(r), 1e-6, `${op} ${layout}`);
      }
    }
    expect(readValues(wasm().round(makeTensor(wasm(), "float32", [6], [0.5, 1.5, 2.5, -0.5, -1.5, 2.6])))).toEqual([0, 2, 2, -0, -2, 3]);
    expect(readValues(wasm().sign(makeTensor(wasm(), "float32", [4], [-3, 0, 2, NaN])))).toEqual([-1, 0, 1, NaN]);
  });

  it("prod, max and min over every axis set of permuted views match the JS backend, NaN included", () => {
    const gen = new Generator(22);
    const shape = [6, 5, 9];
    const values = random(sizeOf(shape), gen, 0.5, 1.5);
    values[17] = NaN;
    for (const op of ["prod", "max", "min"] as const) {
      for (const perm of [[0, 1, 2], [2, 1, 0], [1, 0, 2]]) {
        for (const axes of [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]) {
          const y = wasm()[op](permuted(wasm(), "float32", shape, values, perm), axes, false);
          const r = js()[op](makeTensor(js(), "float32", shape, values), axes, false);
          expect([...y.shape]).toEqual([...r.shape]);
          expectClose(readValues(y), readValues(r), 1e-6, `${op} axes [${axes.join(", ")}] perm ${perm.join("")}`);
        }
      }
    }
    // Hand-computed: a row of 11 (past the SIMD width) and a single element.
    const row = makeTensor(wasm(), "float32", [11], [3, -1, 4, 1, -5, 9, 2, 6, -5, 3, 5]);
    expect(readValues(wasm().max(row, [0], false))).toEqual([9]);
    expect(readValues(wasm().min(row, [0], true))).toEqual([-5]);
    expect(readValues(wasm().prod(makeTensor(wasm(), "float32", [1, 1], [7]), [0, 1], false))).toEqual([7]);
  });

  it("argmax and argmin along each axis of permuted views match the JS backend (first of ties, first NaN)", () => {
    const gen = new Generator(23);
    const shape = [4, 7, 5];
    const values = random(sizeOf(shape), gen).map((v) => Math.round(v));
    values[9] = NaN;
    for (const op of ["argmax", "argmin"] as const) {
      for (const perm of [[0, 1, 2], [2, 0, 1]]) {
        for (const axis of [0, 1, 2]) {
          for (const keepDims of [false, true]) {
            const y = wasm()[op](permuted(wasm(), "float32", shape, values, perm), axis, keepDims);
            const r = js()[op](makeTensor(js(), "float32", shape, values), axis, keepDims);
            expect(y.dtype).toBe("int32");
            expect([...y.shape]).toEqual([...r.shape]);
            expect(readValues(y), `${op} axis ${axis} perm ${perm.join("")}`).toEqual(readValues(r));
          }
        }
      }
    }
    expect(readValues(wasm().argmax(makeTensor(wasm(), "float32", [5], [1, 3, 3, 2, 0]), 0, false))).toEqual([1]);
  });

  it("fill writes every element of a float32 view and nothing else", () => {
    const storage = wasm().alloc("float32", 12);
    storage.data.fill(-1);
    const view = new Tensor(storage, [2, 3], [6, 2], 1);
    wasm().fill(view, 2.5);
    expect([...storage.data]).toEqual([-1, 2.5, -1, 2.5, -1, 2.5, -1, 2.5, -1, 2.5, -1, 2.5]);
    const t = makeTensor(wasm(), "float32", [9], new Array<number>(9).fill(0));
    expect(readValues(wasm().fill(t, 0.1))).toEqual(new Array<number>(9).fill(Math.fround(0.1)));
  });

  it("avgPool2d and its backward match the JS backend (padding, dilation, ceil mode, divisor rules)", () => {
    const gen = new Generator(24);
    const attrsList: Pool2dAttrs[] = [
      { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], countIncludePad: true },
      { kernel: [3, 3], stride: [2, 1], padding: [1, 1], dilation: [1, 1], countIncludePad: false },
      { kernel: [3, 2], stride: [2, 2], padding: [1, 0], dilation: [1, 2], countIncludePad: true, ceilMode: true },
      { kernel: [2, 3], stride: [3, 2], padding: [1, 1], dilation: [1, 1], countIncludePad: false, ceilMode: true },
    ];
    const xs = [2, 3, 7, 8];
    for (const attrs of attrsList) {
      const xv = random(sizeOf(xs), gen);
      for (const layout of ["contiguous", "transposed"] as Layout[]) {
        const y = wasm().avgPool2d(makeTensor(wasm(), "float32", xs, xv, layout), attrs);
        const r = js().avgPool2d(makeTensor(js(), "float32", xs, xv), attrs);
        expect([...y.shape]).toEqual([...r.shape]);
        expectClose(readValues(y), readValues(r), 1e-6, `avgPool2d ${JSON.stringify(attrs)} ${layout}`);
        const gv = random(r.size, gen);
        const gx = wasm().avgPool2dBackward(makeTensor(wasm(), "float32", r.shape, gv, layout), xs, attrs);
        const rgx = js().avgPool2dBackward(makeTensor(js(), "float32", r.shape, gv), xs, attrs);
        expectClose(readValues(gx), readValues(rgx), 1e-6, `avgPool2dBackward ${JSON.stringify(attrs)} ${layout}`);
      }
    }
    // Hand-computed: 2x2 windows of [[1, 2, 3], [4, 5, 6]], stride 1: means 3 and 4.
    const y = wasm().avgPool2d(makeTensor(wasm(), "float32", [1, 1, 2, 3], [1, 2, 3, 4, 5, 6]), { ...attrsList[0], stride: [1, 1] });
    expect(readValues(y)).toEqual([3, 4]);
    expect(() => wasm().avgPool2dBackward(makeTensor(wasm(), "float32", [1, 1, 2, 2], [1, 1, 1, 1]), [1, 1, 2, 3], { ...attrsList[0], stride: [1, 1] }))
      .toThrow(/avgPool2dBackward: gradient must have the output's shape; expected \[1, 1, 1, 2\], got \[1, 1, 2, 2\]/);
  });

  it("gather and scatterAdd of float32 match the JS backend on every axis, and reject indices out of range", () => {
    const gen = new Generator(25);
    const xs = [4, 5, 6];
    const xv = random(sizeOf(xs), gen);
    for (const axis of [0, 1, 2]) {
      const is = [3, 4, 5];
      const iv = random(sizeOf(is), gen, 0, xs[axis]).map(Math.floor);
      for (const layout of ["contiguous", "transposed", "broadcast"] as Layout[]) {
        const x = makeTensor(wasm(), "float32", xs, xv, layout);
        const index = makeTensor(wasm(), "int32", is, iv, layout === "transposed" ? "stepped" : layout);
        const g = wasm().gather(x, axis, index);
        const rx = makeTensor(js(), "float32", xs, readValues(x));
        const ri = makeTensor(js(), "int32", is, readValues(index));
        expect(readValues(g), `gather axis ${axis} ${layout}`).toEqual(readValues(js().gather(rx, axis, ri)));
        const src = makeTensor(wasm(), "float32", is, random(sizeOf(is), gen), "transposed");
        const s = wasm().scatterAdd(x, axis, index, src);
        const rs = js().scatterAdd(rx, axis, ri, makeTensor(js(), "float32", is, readValues(src)));
        expectClose(readValues(s), readValues(rs), 1e-6, `scatterAdd axis ${axis} ${layout}`);
      }
    }
    const x = makeTensor(wasm(), "float32", [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(readValues(wasm().scatterAdd(x, 1, makeTensor(wasm(), "int32", [2, 2], [2, 2, 0, 1]), makeTensor(wasm(), "float32", [2, 2], [10, 20, 30, 40]))))
      .toEqual([1, 2, 33, 34, 45, 6]);
    const bad = makeTensor(wasm(), "int32", [2, 1], [1, 3]);
    expect(() => wasm().gather(x, 1, bad)).toThrow(/gather: index 3 is out of range for axis 1 of size 3 in \[2, 3\]; expected indices in \[0, 2\]/);
    expect(() => wasm().scatterAdd(x, 1, makeTensor(wasm(), "int32", [1, 1], [-1]), x)).toThrow(/scatterAdd: index -1 is out of range/);
  });
});

/**
 * The JS Adam rule of packages/optimizers (adam.ts `update`, its general loop; the fast loop
 * computes the same maths), in double with each result stored to float32 as the rule does.
 */
function adamByRule(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, o: AdamUpdateOptions): void {
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

/** The JS SGD rule of packages/optimizers (sgd.ts `update`), in double, stored to float32. */
function sgdByRule(p: Float32Array, g: Float32Array, buf: Float32Array | null, o: SgdUpdateOptions): void {
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

describe("wasm fused optimizer steps", () => {
  const f32 = (t: Tensor): Float32Array => Float32Array.from(readValues(t));
  // The kernels compute in float32 (as PyTorch's CPU kernels and the native backend do), so a
  // step agrees with the rule in double to a few float32 ulps: relative tolerance 2e-6.
  const TOL = 2e-6;
  // 1, 15 and 17 leave scalar tails after the four-lane loop; 100,003 is MLP-layer sized.
  const sizes = [1, 15, 17, 1000, 100_003];

  const expectNear = (actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = TOL): void => {
    expect(actual.length, what).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) expect.fail(`${what}, element ${i}: ${actual[i]} vs ${expected[i]}`);
    }
  };

  it("adamUpdate matches the JS rule over 4 steps (Adam, L2, AdamW, maximize, other betas and eps)", () => {
    const gen = new Generator(30);
    const settings = [
      { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, maximize: false },
      { lr: 0.05, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, decoupled: false, maximize: false },
      { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, decoupled: true, maximize: false },
      { lr: 0.02, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, maximize: true },
      { lr: 0.05, beta1: 0.5, beta2: 0.9, eps: 1e-2, weightDecay: 0.01, decoupled: true, maximize: true },
    ];
    // Steps of lr ~ 0.1 on weights ~ 1, so that the tolerance resolves the update itself.
    for (const n of sizes) {
      for (const setting of settings) {
        // Moments already under way (not zeros), so every term of the update counts from step 1.
        const p = makeTensor(wasm(), "float32", [n], random(n, gen));
        const m = makeTensor(wasm(), "float32", [n], random(n, gen, -0.1, 0.1));
        const v = makeTensor(wasm(), "float32", [n], random(n, gen, 0, 0.01));
        const [pe, me, ve] = [f32(p), f32(m), f32(v)];
        for (let step = 1; step <= 4; step++) {
          const gv = random(n, gen);
          const o = { ...setting, step };
          wasm().adamUpdate!(p, makeTensor(wasm(), "float32", [n], gv), m, v, o);
          adamByRule(pe, Float32Array.from(gv), me, ve, o);
        }
        const what = `n=${n} ${JSON.stringify(setting)}`;
        expectNear(f32(p), pe, `param ${what}`);
        expectNear(f32(m), me, `m ${what}`);
        expectNear(f32(v), ve, `v ${what}`);
      }
    }
  }, 60_000);

  it("sgdUpdate matches the JS rule over 3 steps (plain, momentum, dampening, Nesterov, decay, maximize)", () => {
    const gen = new Generator(31);
    const settings = [
      { lr: 0.05, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false },
      { lr: 0.05, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.01, maximize: true },
      { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, maximize: false },
      { lr: 0.1, momentum: 0.9, dampening: 0.3, nesterov: false, weightDecay: 0.01, maximize: false },
      { lr: 0.01, momentum: 0.8, dampening: 0, nesterov: true, weightDecay: 0.05, maximize: true },
      { lr: 0.01, momentum: 0.8, dampening: 0, nesterov: true, weightDecay: 0, maximize: false },
    ];
    for (const n of sizes) {
      for (const setting of settings) {
        const pv = random(n, gen);
        const p = makeTensor(wasm(), "float32", [n], pv);
        // A stale buffer (5s) proves that the fresh first step overwrites it rather than decaying it.
        const b = setting.momentum === 0 ? null : makeTensor(wasm(), "float32", [n], new Array<number>(n).fill(5));
        const pe = Float32Array.from(pv);
        const be = b === null ? null : f32(b);
        for (let step = 1; step <= 3; step++) {
          const gv = random(n, gen);
          const o = { ...setting, fresh: step === 1 };
          wasm().sgdUpdate!(p, makeTensor(wasm(), "float32", [n], gv), b, o);
          sgdByRule(pe, Float32Array.from(gv), be, o);
        }
        const what = `n=${n} ${JSON.stringify(setting)}`;
        expectNear(f32(p), pe, `param ${what}`);
        if (b !== null && be !== null) expectNear(f32(b), be, `buffer ${what}`);
      }
    }
  }, 60_000);

  it("sgdUpdate by hand: plain, then momentum 0.5 fresh and decayed, in float32", () => {
    // p = 1, g = 2, lr 0.5, no momentum: 1 - 0.5 * 2 = 0.
    const p1 = makeTensor(wasm(), "float32", [1], [1]);
    wasm().sgdUpdate!(p1, makeTensor(wasm(), "float32", [1], [2]), null, { lr: 0.5, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, fresh: true });
    expect(readValues(p1)).toEqual([0]);
    // Five elements: four in the vector loop, one in the tail. Fresh: b = g; p = p - 0.1 g.
    const p = makeTensor(wasm(), "float32", [5], [1, 2, 3, 4, 5]);
    const b = makeTensor(wasm(), "float32", [5], [100, 100, 100, 100, 100]);
    const g = makeTensor(wasm(), "float32", [5], [1, -1, 2, -2, 4]);
    const o = { lr: 0.1, momentum: 0.5, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, fresh: true };
    wasm().sgdUpdate!(p, g, b, o);
    const f = Math.fround;
    expect(readValues(b)).toEqual([1, -1, 2, -2, 4]);
    const after1 = [f(1 - f(0.1)), f(2 + f(0.1)), f(3 - f(0.2)), f(4 + f(0.2)), f(5 - f(0.4))];
    expect(readValues(p)).toEqual(after1);
    // Decayed: b = 0.5 b + g = 1.5 g; p = p - 0.1 b (in float32: lr rounds to f(0.1)).
    wasm().sgdUpdate!(p, g, b, { ...o, fresh: false });
    expect(readValues(b)).toEqual([1.5, -1.5, 3, -3, 6]);
    expect(readValues(p)).toEqual([1.5, -1.5, 3, -3, 6].map((bi, i) => f(after1[i] - f(f(0.1) * bi))));
  });

  it("adamUpdate by hand: the first step from zero moments moves every weight by lr against its gradient's sign", () => {
    // m = 0.1 g, v = 0.001 g^2, bias-corrected to g and g^2: p -= lr g / (|g| + eps).
    const p = makeTensor(wasm(), "float32", [5], [1, -2, 0.5, 3, -1]);
    const m = makeTensor(wasm(), "float32", [5], [0, 0, 0, 0, 0]);
    const v = makeTensor(wasm(), "float32", [5], [0, 0, 0, 0, 0]);
    const o = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1, maximize: false };
    wasm().adamUpdate!(p, makeTensor(wasm(), "float32", [5], [0.3, -4, 1e-3, -2, 7]), m, v, o);
    expectNear(readValues(p), [0.99, -1.99, 0.49, 3.01, -1.01], "adam step 1", 1e-6);
    expectNear(readValues(m), [0.03, -0.4, 1e-4, -0.2, 0.7], "adam m", 1e-6);
    // Maximize flips the direction; AdamW first shrinks p by 1 - lr wd = 0.5.
    const q = makeTensor(wasm(), "float32", [5], [1, -2, 0.5, 3, -1]);
    const zeros = (): Tensor => makeTensor(wasm(), "float32", [5], [0, 0, 0, 0, 0]);
    wasm().adamUpdate!(q, makeTensor(wasm(), "float32", [5], [0.3, -4, 1e-3, -2, 7]), zeros(), zeros(), { ...o, decoupled: true, weightDecay: 50, maximize: true });
    expectNear(readValues(q), [0.51, -1.01, 0.26, 1.49, -0.49], "adamw maximize step 1", 1e-6);
  });

  it("updates tensors that live in another backend's storage in place, at their offset", () => {
    const p = makeTensor(js(), "float32", [3], [1, 2, 3], "offset");
    const b = makeTensor(js(), "float32", [3], [0, 0, 0]);
    wasm().sgdUpdate!(p, makeTensor(js(), "float32", [3], [1, 1, 1]), b, { lr: 0.5, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, fresh: true });
    expect(readValues(p)).toEqual([0.5, 1.5, 2.5]);
    expect(readValues(b)).toEqual([1, 1, 1]);
  });

  it("rejects operands of another dtype, shape or layout, and a step below 1", () => {
    const t = (n: number, dtype: DType = "float32"): Tensor => makeTensor(wasm(), dtype, [n], new Array<number>(n).fill(1));
    const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1, maximize: false };
    expect(() => { wasm().adamUpdate!(t(4), t(4, "float64"), t(4), t(4), o); }).toThrow(/adamUpdate: grad must be float32; got float64/);
    expect(() => { wasm().adamUpdate!(t(4), t(4), t(5), t(4), o); }).toThrow(/adamUpdate: m must have the parameter's shape; expected \[4\], got \[5\]/);
    expect(() => { wasm().adamUpdate!(t(4), t(4), t(4), makeTensor(wasm(), "float32", [4], [1, 2, 3, 4], "stepped"), o); })
      .toThrow(/adamUpdate: internal: v must be contiguous/);
    expect(() => { wasm().adamUpdate!(t(4), t(4), t(4), t(4), { ...o, step: 0 }); }).toThrow(/adamUpdate: step must be an integer >= 1; got 0/);
    const s = { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, fresh: true };
    expect(() => { wasm().sgdUpdate!(t(4), t(4), null, s); }).toThrow(/sgdUpdate: momentum 0.9 needs a momentum buffer; got null/);
    expect(() => { wasm().sgdUpdate!(t(4), t(3), t(4), s); }).toThrow(/sgdUpdate: grad must have the parameter's shape; expected \[4\], got \[3\]/);
  });
});

describe("wasm fused linear", () => {
  // y = relu(x w^T + b) in one pass equals matmul, then add, then relu: the bias is added to the
  // finished float32 sum either way, so the comparison is exact.
  it("equals matmul + bias + relu exactly across block edges (MC 64, KC 256, NC 512), any strides", () => {
    const gen = new Generator(32);
    for (const [m, kk, n] of [[1, 1, 1], [5, 7, 3], [67, 260, 13], [9, 300, 530], [3, 0, 4]]) {
      const xv = random(m * kk, gen, -1, 1);
      const wv = random(n * kk, gen, -1, 1);
      const bv = random(n, gen);
      for (const layout of ["contiguous", "transposed"] as Layout[]) {
        const x = makeTensor(wasm(), "float32", [m, kk], xv, layout);
        const w = makeTensor(wasm(), "float32", [n, kk], wv, layout === "contiguous" ? "contiguous" : "stepped");
        const wT = new Tensor(w.storage, [kk, n], [w.strides[1], w.strides[0]], w.offset);
        const z = wasm().matmul(new Tensor(x.storage, [1, m, kk], [0, ...x.strides], x.offset), new Tensor(wT.storage, [1, kk, n], [0, ...wT.strides], wT.offset));
        for (const withBias of [false, true]) {
          const bias = withBias ? makeTensor(wasm(), "float32", [n], bv, "stepped") : null;
          const zb = bias === null ? readValues(z) : readValues(z).map((val, i) => Math.fround(val + Math.fround(bv[i % n])));
          for (const activation of ["none", "relu"] as const) {
            const y = wasm().linear!(x, w, bias, activation);
            expect([...y.shape]).toEqual([m, n]);
            const expected = activation === "relu" ? zb.map((val) => (val < 0 ? 0 : val)) : zb;
            expect(readValues(y), `linear ${m}x${kk}x${n} ${layout} bias ${withBias} ${activation}`).toEqual(expected);
          }
        }
      }
    }
  });

  it("matches hand-computed values, and gives relu(b) for an empty inner axis", () => {
    const x = makeTensor(wasm(), "float32", [2, 3], [1, 2, 3, -1, 0, 1]);
    const w = makeTensor(wasm(), "float32", [2, 3], [1, 0, -1, 2, 2, 2]);
    const b = makeTensor(wasm(), "float32", [2], [0.5, -10]);
    // x w^T = [[-2, 12], [-2, 0]]; + b = [[-1.5, 2], [-1.5, -10]]
    expect(readValues(wasm().linear!(x, w, b, "none"))).toEqual([-1.5, 2, -1.5, -10]);
    expect(readValues(wasm().linear!(x, w, b, "relu"))).toEqual([0, 2, 0, 0]);
    expect(readValues(wasm().linear!(x, w, null, "none"))).toEqual([-2, 12, -2, 0]);
    const empty = wasm().linear!(makeTensor(wasm(), "float32", [2, 0], []), makeTensor(wasm(), "float32", [2, 0], []), b, "relu");
    expect(readValues(empty)).toEqual([0.5, 0, 0.5, 0]);
  });

  it("splits a large fused linear over the threads with the same result", async () => {
    const be = createWasmBackend();
    be.setNumThreads(2);
    const gen = new Generator(33);
    const [m, kk, n] = [128, 300, 200];
    const x = makeTensor(be, "float32", [m, kk], random(m * kk, gen, -1, 1));
    const w = makeTensor(be, "float32", [n, kk], random(n * kk, gen, -1, 1));
    const b = makeTensor(be, "float32", [n], random(n, gen));
    const first = readValues(be.linear!(x, w, b, "relu"));
    for (let i = 0; i < 200 && !wasmBackendInfo(be).workersReady; i++) await new Promise((r) => setTimeout(r, 25));
    expect(wasmBackendInfo(be).workersReady).toBe(true);
    const threaded = readValues(be.linear!(x, w, b, "relu"));
    expect(wasmBackendInfo(be).threadedGemms).toBe(1);
    expect(threaded).toEqual(first);
    expect(first.some((v) => v === 0) && first.some((v) => v > 0)).toBe(true);
    be.setNumThreads(1);
  });

  it("rejects mismatched shapes and other dtypes", () => {
    const x = makeTensor(wasm(), "float32", [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(() => wasm().linear!(x, makeTensor(wasm(), "float32", [4, 2], new Array<number>(8).fill(1)), null, "none"))
      .toThrow(/linear: expected x \[M, K\], weight \[N, K\] and bias \[N\] or null; got x \[2, 3\], weight \[4, 2\]/);
    expect(() => wasm().linear!(x, makeTensor(wasm(), "float32", [4, 3], new Array<number>(12).fill(1)), makeTensor(wasm(), "float32", [3], [1, 2, 3]), "none"))
      .toThrow(/and bias \[3\]/);
    expect(() => wasm().linear!(x, makeTensor(wasm(), "float64", [4, 3], new Array<number>(12).fill(1)), null, "none")).toThrow(/linear: weight must be float32; got float64/);
  });
});

describe("wasm backend input checks", () => {
  /** A view the constructor would refuse, made the way a caller can: its fields are plain properties. */
  const forge = (storage: Storage, shape: number[], strides: number[], offset: number): Tensor => {
    const t = new Tensor(storage, [0], [1], 0);
    for (const [key, value] of Object.entries({ shape, strides, offset, size: sizeOf(shape) })) Object.defineProperty(t, key, { value });
    return t;
  };

  it("rejects a view that reaches outside its storage instead of touching other memory", () => {
    const storage = wasm().alloc("float32", 6);
    expect(() => new Tensor(storage, [2, 3], [3, 1], 1)).toThrow(ValueError);
    const past = forge(storage, [2, 3], [3, 1], 1);
    expect(() => wasm().exp(past)).toThrow(ValueError);
    expect(() => wasm().exp(past)).toThrow(
      "exp: operand 1: view [2, 3] (strides [3, 1], offset 1) reaches elements 1 to 6; expected every element inside its storage of 6, [0, 6)",
    );
    expect(() => wasm().neg(forge(storage, [3], [-1], 1))).toThrow(/^neg: operand 1: .* reaches elements -1 to 1;/);
    expect(() => wasm().matmul(forge(storage, [1, 2, 4], [0, 4, 1], 0), makeTensor(wasm(), "float32", [1, 4, 1], [1, 1, 1, 1]))).toThrow(/^matmul: operand 1: .*reaches elements 0 to 7/);
    const o = { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, fresh: true };
    expect(() => { wasm().sgdUpdate!(forge(storage, [4], [1], 3), makeTensor(wasm(), "float32", [4], [1, 1, 1, 1]), null, o); }).toThrow(/^sgdUpdate: operand 1: .*reaches elements 3 to 6/);
    const foreign = forge(getBackend("js").alloc("float32", 4), [4], [1], 1);
    expect(() => { wasm().sgdUpdate!(foreign, makeTensor(wasm(), "float32", [4], [1, 1, 1, 1]), null, o); }).toThrow(/reaches elements 1 to 4; expected every element inside its storage of 4/);
  });

  it("a NaN offset, which wasm reads as address 0, is refused before anything is written (it corrupted the module before)", () => {
    // Before: fill through a [4096] view with offset NaN wrote 123 over the module's own data at
    // address 0, and exp([-8, -6, 0, 6]) then gave [1.26e11, 9.45e11, 3.87e14, 1.49e17].
    const storage = wasm().alloc("float32", 4096);
    const view = forge(storage, [4096], [1], NaN);
    expect(() => wasm().fill(view, 123)).toThrow("fill: operand 1: offset must be a non-negative safe integer; got NaN");
    expect(() => wasm().neg(makeTensor(wasm(), "float32", [4], [1, 2, 3, 4]), forge(storage, [4], [1], NaN))).toThrow(/^neg: operand 2: .*got NaN$/);
    expect(() => wasm().exp(forge(storage, [4], [0.5], 0))).toThrow(/^exp: operand 1: .*strides must be one safe integer per axis of \[4\]; got \[0.5\]$/);
    expect(readValues(wasm().exp(makeTensor(wasm(), "float32", [4], [-8, -6, 0, 6])))).toEqual([-8, -6, 0, 6].map((v) => Math.fround(Math.exp(v))));
    expect(readValues(wasm().exp(makeTensor(wasm(), "float32", [4], [-8, -6, 0, 6], "stepped")))).toEqual([-8, -6, 0, 6].map((v) => Math.fround(Math.exp(v))));
  });

  it("wasmBackendInfo without a wasm backend is a ValueError (a TypeError with no argument before)", () => {
    expect(() => wasmBackendInfo(undefined as unknown as Backend)).toThrow(ValueError);
    expect(() => wasmBackendInfo(undefined as unknown as Backend)).toThrow("wasmBackendInfo: expected a wasm backend; got undefined");
    expect(() => wasmBackendInfo(getBackend("js"))).toThrow('wasmBackendInfo: expected a wasm backend; got backend "js"');
  });

  it("setNumThreads takes a positive integer", () => {
    expect(() => { createWasmBackend().setNumThreads(NaN); }).toThrow(ValueError);
    expect(() => { createWasmBackend().setNumThreads(0); }).toThrow("setNumThreads: expected a positive integer, got 0");
  });

  it("alloc and results past MAX_TENSOR_SIZE are ValueErrors, not RangeErrors", () => {
    expect(() => wasm().alloc("float32", 2 ** 32)).toThrow("wasm backend: alloc: sizes must be integers in [0, 2147483647]; got [4294967296]");
    const x = makeTensor(wasm(), "float32", [1, 1, 2, 2], [1, 2, 3, 4]);
    const attrs: Conv2dAttrs = { stride: [1, 1], padding: [2 ** 20, 2 ** 20, 2 ** 20, 2 ** 20], dilation: [1, 1], groups: 1 };
    expect(() => wasm().conv2d(x, makeTensor(wasm(), "float32", [1, 1, 1, 1], [1]), attrs)).toThrow(/^wasm backend: result: shape \[1, 1, 2097154, 2097154\] has 4398054899716 elements; expected at most 2147483647/);
  });

  it("maxPool2dBackward refuses an index past its plane and operands that do not fit (the kernel wrote wherever an index pointed before)", () => {
    // Before: index 1e6 trapped with an unnamed RuntimeError "memory access out of bounds"; a
    // smaller one (here 4 in a plane of 4) added into memory after the result, unchecked.
    const g = makeTensor(wasm(), "float32", [1, 1, 1, 1], [1]);
    for (const bad of [4, 1e6, -2]) {
      expect(() => wasm().maxPool2dBackward(g, makeTensor(wasm(), "int32", [1, 1, 1, 1], [bad]), [1, 1, 2, 2])).toThrow(ValueError);
    }
    expect(() => wasm().maxPool2dBackward(g, makeTensor(wasm(), "int32", [1, 1, 1, 1], [4]), [1, 1, 2, 2]))
      .toThrow("maxPool2dBackward: index 4 at position 0 is outside its plane; expected -1 or an index in [0, 4)");
    expect(() => wasm().maxPool2dBackward(g, makeTensor(wasm(), "int32", [1, 1, 1, 1], [0]), [2, 1, 2, 2]))
      .toThrow("maxPool2dBackward: the gradient [1, 1, 1, 1] and indices [1, 1, 1, 1] do not fit the input [2, 1, 2, 2]; expected both [2, 1, OH, OW]");
    // Index 3 is the last of the plane: the gradient lands there; -1 (a window of padding only) adds nothing.
    expect(readValues(wasm().maxPool2dBackward(g, makeTensor(wasm(), "int32", [1, 1, 1, 1], [3]), [1, 1, 2, 2]))).toEqual([0, 0, 0, 1]);
    expect(readValues(wasm().maxPool2dBackward(g, makeTensor(wasm(), "int32", [1, 1, 1, 1], [-1]), [1, 1, 2, 2]))).toEqual([0, 0, 0, 0]);
  });

  it("gather and scatterAdd reject an index larger than x off the axis, or than src", () => {
    const x = makeTensor(wasm(), "float32", [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(() => wasm().gather(x, 0, makeTensor(wasm(), "int32", [1, 4], [0, 0, 0, 0])))
      .toThrow(/gather: index must fit in x off axis 0; expected at most \[1, 3\], got \[1, 4\]/);
    expect(() => wasm().scatterAdd(x, 1, makeTensor(wasm(), "int32", [2, 2], [0, 0, 0, 0]), makeTensor(wasm(), "float32", [2, 1], [1, 1])))
      .toThrow(/scatterAdd: index must fit in src; expected at most \[2, 1\], got \[2, 2\]/);
  });
});
