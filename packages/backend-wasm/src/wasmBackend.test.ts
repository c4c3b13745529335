import { describe, expect, it } from "vitest";
import { Generator, Tensor, getBackend, isRegistered, matmul, randn, relu, setBackend, sizeOf, tensor } from "@backprop/core";
import type { Backend, BinaryOp, Conv2dAttrs, DType, UnaryOp } from "@backprop/core";
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
    const y = wasm().exp(makeTensor(wasm(), "float32", [3], [0, 1, 2]));
    expect(y.storage).toBeInstanceOf(WasmStorage);
    expectClose(readValues(y), [1, Math.E, Math.exp(2)], 1e-6, "exp");
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

  const binaryOps: BinaryOp[] = ["add", "sub", "mul", "div", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge"];
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
    const y = wasm().add(a, b);
    expect(y.storage).toBeInstanceOf(WasmStorage);
    expect(readValues(y)).toEqual([11, 22, 33, 44, 55, 66]);
    const m = wasm().matmul(makeTensor(js(), "float32", [1, 2, 3], [1, 2, 3, 4, 5, 6]), makeTensor(js(), "float32", [1, 3, 1], [1, 1, 1]));
    expect(readValues(m)).toEqual([6, 15]);
  });

  it("delegated kernels (float64 matmul, gather) return tensors in wasm memory", () => {
    const y = wasm().matmul(makeTensor(wasm(), "float64", [1, 2, 2], [1, 2, 3, 4]), makeTensor(wasm(), "float64", [1, 2, 2], [5, 6, 7, 8]));
    expect(y.storage).toBeInstanceOf(WasmStorage);
    expect(readValues(y)).toEqual([19, 22, 43, 50]);
    const g = wasm().gather(makeTensor(wasm(), "float32", [3], [5, 6, 7]), 0, makeTensor(wasm(), "int32", [2], [2, 0]));
    expect(g.storage).toBeInstanceOf(WasmStorage);
    expect(readValues(g)).toEqual([7, 5]);
  });

  it("runs ops end to end: a relu layer's gradient through setBackend", () => {
    setBackend("wasm");
    try {
      const w = tensor([[1, -2], [3, 4]], { requiresGrad: true });
      const x = tensor([[1, 1], [2, -1]]);
      relu(matmul(x, w)).sum().backward();
      // x w = [[4, 2], [-1, -8]]; relu passes row 0 only, so dW = x^T [[1, 1], [0, 0]].
      expect(w.grad!.toArray()).toEqual([[1, 1], [1, 1]]);
      const big = matmul(randn([70, 300]), randn([300, 90]));
      expect(big.storage).toBeInstanceOf(WasmStorage);
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
    const other = createWasmBackend();
    const a = makeTensor(other, "float32", [2], [1, 2]);
    const y = wasm().mul(a, makeTensor(wasm(), "float32", [2], [3, 3]));
    expect(readValues(y)).toEqual([3, 6]);
    const ys = y.storage;
    const as = a.storage;
    expect(ys instanceof WasmStorage && as instanceof WasmStorage && ys.heap !== as.heap).toBe(true);
  });
});
