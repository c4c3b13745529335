/**
 * The backend conformance suite: every kernel of a backend against hand-computed values and
 * against the JS reference backend, on contiguous, strided, broadcast, zero-size and large
 * inputs. Every backend package runs it from its own tests.
 * @module testing
 */
import { describe, expect, it } from "vitest";
// Through the package entry, so the JS backend is registered and there is one copy of core.
import {
  DTypeError, Generator, ShapeError, Tensor, ValueError, contiguousStrides, getBackend, grad, gradCheck, logSoftmax, logSumExp, prod, setBackend, sizeOf,
  softmax, tensor,
} from "../index.js";
import type { Backend, BinaryOp, Conv2dAttrs, DType, Pool2dAttrs, ReduceOp, UnaryOp } from "../index.js";

/**
 * Options of {@link runBackendConformance}.
 * @category Testing
 */
export interface ConformanceOptions {
  /** The backend the results are compared with (default "js"). */
  reference?: string;
  /** Kernels left out, e.g. while a backend is being written. */
  skip?: readonly string[];
  /** Relative tolerance for float32 results (default 1e-5); float64 uses 1e-10. */
  rtol32?: number;
  /** Seed of the random inputs (default 1234). */
  seed?: number;
}

/**
 * How an input is laid out in memory. Every kernel must give the same answer for all of them.
 * @category Testing
 */
export type Layout = "contiguous" | "offset" | "transposed" | "stepped" | "broadcast";

/** The layouts every elementwise kernel is run on. */
const layouts: readonly Layout[] = ["contiguous", "offset", "transposed", "stepped", "broadcast"];

/**
 * Builds a tensor on `backend` with the given logical values and memory layout:
 * `offset` starts 3 elements into its storage, `transposed` is stored column-major,
 * `stepped` skips every other element of the last axis, and `broadcast` repeats row 0 along
 * axis 0 with stride 0 (so its logical values are row 0's, repeated).
 * @example
 * ```ts
 * import { getBackend } from "@backprop/core";
 * import { makeTensor } from "@backprop/core/testing";
 * const t = makeTensor(getBackend("js"), "float32", [2, 3], [1, 2, 3, 4, 5, 6], "transposed");
 * t.strides; // [1, 2]
 * ```
 * @category Testing
 */
export function makeTensor(backend: Backend, dtype: DType, shape: readonly number[], values: ArrayLike<number>, layout: Layout = "contiguous"): Tensor {
  const rank = shape.length;
  const n = sizeOf(shape);
  let strides: number[];
  let offset = 0;
  let length: number;
  if (layout === "offset") {
    strides = contiguousStrides(shape);
    offset = 3;
    length = n + 5;
  } else if (layout === "transposed") {
    const reversed = contiguousStrides([...shape].reverse());
    strides = reversed.reverse();
    length = n;
  } else if (layout === "stepped" && rank > 0) {
    const physical = [...shape];
    physical[rank - 1] *= 2;
    strides = contiguousStrides(physical);
    strides[rank - 1] = 2;
    offset = 1;
    length = sizeOf(physical) + 1;
  } else if (layout === "broadcast" && rank > 0) {
    const row = [...shape];
    row[0] = 1;
    strides = contiguousStrides(row);
    strides[0] = 0;
    offset = 2;
    length = sizeOf(row) + 2;
  } else {
    strides = contiguousStrides(shape);
    length = n;
  }
  const storage = backend.alloc(dtype, Math.max(length, 0));
  const data = storage.data;
  // Poison the gaps, so a kernel that reads outside the view is caught.
  data.fill(dtype === "bool" ? 1 : dtype === "int32" ? -77 : NaN);
  const t = new Tensor(storage, [...shape], strides, offset);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let pos = offset;
    for (let a = 0; a < rank; a++) pos += index[a] * strides[a];
    data[pos] = values[i];
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a] < shape[a]) break;
      index[a] = 0;
    }
  }
  return t;
}

/**
 * The logical elements of any view, row-major, read straight from its storage.
 * @example
 * ```ts
 * import { tensor } from "@backprop/core";
 * import { readValues } from "@backprop/core/testing";
 * readValues(tensor([[1, 2], [3, 4]]).T); // [1, 3, 2, 4]
 * ```
 * @category Testing
 */
export function readValues(t: Tensor): number[] {
  const data = t.storage.data;
  const out: number[] = [];
  const rank = t.rank;
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < t.size; i++) {
    let pos = t.offset;
    for (let a = 0; a < rank; a++) pos += index[a] * t.strides[a];
    out.push(data[pos]);
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a] < t.shape[a]) break;
      index[a] = 0;
    }
  }
  return out;
}

function close(actual: readonly number[], expected: readonly number[], rtol: number, atol: number, what: string): void {
  expect(actual.length, `${what}: number of elements`).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      expect(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${what}: element ${i} is ${a}, expected ${e}`).toBe(true);
      continue;
    }
    const ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) expect.fail(`${what}: element ${i} is ${a}, expected ${e} (within ${atol} + ${rtol} * |expected|)`);
  }
}

/** Rounds to the precision of a dtype, the way its typed array stores a number. */
function round(dtype: DType, v: number): number {
  if (dtype === "float32") return Math.fround(v);
  if (dtype === "int32") return v | 0;
  if (dtype === "bool") return v !== 0 ? 1 : 0;
  return v;
}

// ---------- the scalar formulas the kernels must match ----------

function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 2.5) {
    // erfc by its continued fraction, where the series would cancel badly.
    let k = ax;
    for (let n = 80; n >= 1; n--) k = ax + n / 2 / k;
    const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / k;
    return Math.sign(x) * (1 - erfc);
  }
  let sum = x;
  let term = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

const unaryFormula: Record<UnaryOp, (x: number, p0: number, p1: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: Math.sign,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid,
  relu: (x) => (x > 0 ? x : 0),
  leakyRelu: (x, p0) => (x > 0 ? x : p0 * x),
  elu: (x, p0) => (x > 0 ? x : p0 * (Math.exp(x) - 1)),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  silu: (x) => x * sigmoid(x),
  softplus: (x) => Math.log(1 + Math.exp(x)),
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x) => (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x)),
  clamp: (x, lo, hi) => Math.min(Math.max(x, lo), hi),
  logicalNot: (x) => (x === 0 ? 1 : 0),
};

const binaryFormula: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  logicalAnd: (a, b) => +(a !== 0 && b !== 0),
  logicalOr: (a, b) => +(a !== 0 || b !== 0),
  reluBackward: (g, y) => (y > 0 ? g : y <= 0 ? 0 : NaN),
};

/** Hand-picked inputs where each op has something to show (signs, halves, zero). */
const unaryInputs: Record<UnaryOp, number[]> = {
  neg: [-2, 0, 1.5],
  abs: [-2.5, 0, 3],
  sign: [-4, 0, 0.25],
  exp: [0, 1, -1, 2],
  log: [1, Math.E, 0.5, 10],
  log1p: [0, 1e-8, 1, -0.5],
  expm1: [0, 1e-8, 1, -1],
  sqrt: [0, 1, 4, 2],
  rsqrt: [1, 4, 0.25],
  square: [-3, 0, 1.5],
  reciprocal: [4, -0.5, 1],
  sin: [0, Math.PI / 2, -1],
  cos: [0, Math.PI, 1],
  tanh: [0, 1, -2, 20],
  sigmoid: [0, 2, -2, -50, 50],
  relu: [-1, 0, 2],
  leakyRelu: [-10, 0, 10],
  elu: [-1, 0, 2],
  gelu: [-1, 0, 1, 3],
  silu: [-1, 0, 2],
  softplus: [0, 1, -30, 30],
  erf: [0, 0.5, -1, 3],
  floor: [-1.5, 1.5, 2],
  ceil: [-1.5, 1.5, 2],
  round: [0.5, 1.5, 2.5, -0.5, -1.7],
  clamp: [-2, 0.5, 3],
  logicalNot: [0, 1, -2],
};

/** Ops whose domain is the positive numbers (random inputs are shifted there). */
const positiveOnly = new Set<UnaryOp>(["log", "sqrt", "rsqrt", "log1p", "reciprocal"]);
/** Unary ops the ops layer also sends int32 tensors to. */
const integerUnary = new Set<UnaryOp>(["neg", "abs", "sign", "square", "relu", "floor", "ceil", "round", "clamp", "logicalNot"]);

function params(op: UnaryOp): [number, number] {
  if (op === "leakyRelu") return [0.1, 0];
  if (op === "elu") return [1.5, 0];
  if (op === "clamp") return [0, 1];
  return [0, 0];
}

function resultType(op: UnaryOp | BinaryOp, dtype: DType): DType {
  return ["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalNot"].includes(op) ? "bool" : dtype;
}

function tolerance(dtype: DType, rtol32: number): [number, number] {
  if (dtype === "float32") return [rtol32, 1e-6];
  if (dtype === "float64") return [1e-10, 1e-12];
  return [0, 0];
}

/**
 * Defines a vitest `describe` block that checks every kernel of the named backend: against
 * hand-computed values and against the reference backend on random inputs; on contiguous,
 * offset, transposed, stepped and broadcast (stride 0) views, zero-size and large inputs;
 * every dtype that applies; the `out` parameter, aliasing included; and the errors for
 * mismatched shapes. Call it at the top level of a test file.
 * @throws {RegistryError} (inside the tests) when the backend is not registered.
 * @example
 * ```ts
 * import { runBackendConformance } from "@backprop/core/testing";
 * runBackendConformance("js");
 * ```
 * @category Testing
 */
export function runBackendConformance(backendName: string, options: ConformanceOptions = {}): void {
  const skip = new Set(options.skip ?? []);
  const rtol32 = options.rtol32 ?? 1e-5;
  const seed = options.seed ?? 1234;
  const be = (): Backend => getBackend(backendName);
  const ref = (): Backend => getBackend(options.reference ?? "js");
  const test = (kernel: string, name: string, fn: () => void): void => {
    (skip.has(kernel) ? it.skip : it)(`${kernel}: ${name}`, fn);
  };
  const random = (n: number, gen: Generator, lo = -3, hi = 3, integer = false): number[] =>
    Array.from({ length: n }, () => (integer ? gen.nextInt(lo, hi) : lo + (hi - lo) * gen.nextFloat()));
  const expectMatches = (actual: Tensor, expected: readonly number[], dtype: DType, shape: readonly number[], what: string): void => {
    expect(actual.dtype, `${what}: dtype`).toBe(dtype);
    expect([...actual.shape], `${what}: shape`).toEqual([...shape]);
    const [rtol, atol] = tolerance(dtype, rtol32);
    close(readValues(actual), expected.map((v) => round(dtype, v)), rtol, atol, what);
  };

  describe(`backend conformance: ${backendName}`, () => {
    // ---------- unary ----------
    describe("unary kernels", () => {
      for (const op of Object.keys(unaryFormula) as UnaryOp[]) {
        const [p0, p1] = params(op);
        const f = unaryFormula[op];
        const floatTypes: DType[] = op === "logicalNot" ? ["float32", "bool"] : ["float32", "float64"];
        test(op, "hand-computed values", () => {
          for (const dtype of floatTypes) {
            const xs = unaryInputs[op].map((v) => round(dtype, v));
            const x = makeTensor(be(), dtype, [xs.length], xs);
            expectMatches(be()[op](x, null, p0, p1), xs.map((v) => f(v, p0, p1)), resultType(op, dtype), [xs.length], `${op} ${dtype}`);
          }
        });
        test(op, "every layout and dtype matches the formula and the reference", () => {
          const gen = new Generator(seed);
          const types: DType[] = integerUnary.has(op) ? [...floatTypes, "int32"] : floatTypes;
          for (const dtype of types) {
            for (const layout of layouts) {
              const shape = [3, 4];
              const integer = dtype === "int32" || dtype === "bool";
              const lo = positiveOnly.has(op) ? 0.1 : dtype === "bool" ? 0 : -3;
              const hi = dtype === "bool" ? 2 : 3;
              const values = random(12, gen, lo, hi, integer);
              const x = makeTensor(be(), dtype, shape, values, layout);
              const logical = readValues(x);
              const y = be()[op](x, null, p0, p1);
              const what = `${op} ${dtype} ${layout}`;
              expectMatches(y, logical.map((v) => f(v, p0, p1)), resultType(op, dtype), shape, what);
              expect(y.isContiguous, `${what}: a new result is contiguous`).toBe(true);
              const r = ref()[op](makeTensor(ref(), dtype, shape, logical), null, p0, p1);
              expectMatches(y, readValues(r), resultType(op, dtype), shape, `${what} vs reference`);
            }
          }
        });
        test(op, "writes into out, strided out and out === x", () => {
          const dtype: DType = op === "logicalNot" ? "bool" : "float32";
          const values = positiveOnly.has(op) ? [0.5, 1, 2, 3, 4, 5] : op === "logicalNot" ? [0, 1, 1, 0, 0, 1] : [-2, -1, 0, 0.5, 1, 2];
          const expected = values.map((v) => f(round(dtype, v), p0, p1));
          const x = makeTensor(be(), dtype, [2, 3], values);
          const out = makeTensor(be(), resultType(op, dtype), [2, 3], [0, 0, 0, 0, 0, 0], "stepped");
          expect(be()[op](x, out, p0, p1), "returns out").toBe(out);
          expectMatches(out, expected, resultType(op, dtype), [2, 3], `${op} into strided out`);
          if (resultType(op, dtype) === dtype) {
            expect(be()[op](x, x, p0, p1)).toBe(x);
            expectMatches(x, expected, dtype, [2, 3], `${op} in place`);
          }
        });
        test(op, "zero-size input", () => {
          const y = be()[op](makeTensor(be(), "float32", [0, 3], []), null, p0, p1);
          expect([...y.shape]).toEqual([0, 3]);
        });
      }
      test("exp", "1e5 elements match the reference", () => {
        const values = random(100_000, new Generator(seed), -5, 5);
        const y = be().exp(makeTensor(be(), "float32", [100, 1000], values, "transposed"));
        expectMatches(y, readValues(ref().exp(makeTensor(ref(), "float32", [100, 1000], values, "transposed"))), "float32", [100, 1000], "exp 1e5");
      });
      test("neg", "out of the wrong shape or dtype is refused", () => {
        const x = makeTensor(be(), "float32", [2, 3], [1, 2, 3, 4, 5, 6]);
        expect(() => be().neg(x, makeTensor(be(), "float32", [3, 2], [0, 0, 0, 0, 0, 0]))).toThrow(ShapeError);
        expect(() => be().neg(x, makeTensor(be(), "float64", [2, 3], [0, 0, 0, 0, 0, 0]))).toThrow(DTypeError);
      });
    });

    // ---------- binary ----------
    describe("binary kernels", () => {
      const arithmetic: BinaryOp[] = ["add", "sub", "mul", "maximum", "minimum", "reluBackward"];
      for (const op of Object.keys(binaryFormula) as BinaryOp[]) {
        const f = binaryFormula[op];
        const logical = op === "logicalAnd" || op === "logicalOr";
        const types: DType[] = logical
          ? ["bool", "float32"]
          : op === "div" || op === "pow"
            ? ["float32", "float64"]
            : arithmetic.includes(op)
              ? ["float32", "float64", "int32"]
              : ["float32", "float64", "int32", "bool"];
        test(op, "hand-computed values", () => {
          const a = [1, -2, 0, 3, 2.5, 0];
          const b = [2, -2, 0.5, -1, 2.5, 0];
          for (const dtype of types) {
            const av = a.map((v) => round(dtype, op === "pow" ? Math.abs(v) : v));
            const bv = b.map((v) => round(dtype, v));
            const y = be()[op](makeTensor(be(), dtype, [6], av), makeTensor(be(), dtype, [6], bv));
            expectMatches(y, av.map((v, i) => f(v, bv[i])), resultType(op, dtype), [6], `${op} ${dtype}`);
          }
        });
        test(op, "every pair of layouts and dtype matches the formula and the reference", () => {
          const gen = new Generator(seed + 1);
          const shape = [4, 3];
          for (const dtype of types) {
            for (const la of layouts) {
              for (const lb of layouts) {
                const integer = dtype === "int32" || dtype === "bool";
                const lo = dtype === "bool" ? 0 : op === "pow" ? 0.1 : -4;
                const hi = dtype === "bool" ? 2 : 4;
                const a = makeTensor(be(), dtype, shape, random(12, gen, lo, hi, integer), la);
                // Shared values make eq/le/ge meet ties.
                const bValues = random(12, gen, lo, hi, integer).map((v, i) => (i % 4 === 0 ? readValues(a)[i] : v));
                const b = makeTensor(be(), dtype, shape, op === "div" ? bValues.map((v) => (v === 0 ? 1 : v)) : bValues, lb);
                const av = readValues(a);
                const bv = readValues(b);
                const what = `${op} ${dtype} ${la} with ${lb}`;
                const y = be()[op](a, b);
                expectMatches(y, av.map((v, i) => f(v, bv[i])), resultType(op, dtype), shape, what);
                const r = ref()[op](makeTensor(ref(), dtype, shape, av), makeTensor(ref(), dtype, shape, bv));
                expectMatches(y, readValues(r), resultType(op, dtype), shape, `${what} vs reference`);
              }
            }
          }
        });
        test(op, "out, out === a, out === b", () => {
          const dtype: DType = logical ? "bool" : "float32";
          const av = logical ? [1, 0, 1, 0] : [1, 2, 3, 4];
          const bv = logical ? [1, 1, 0, 0] : [0.5, 2, -1, 8];
          const expected = av.map((v, i) => f(v, bv[i]));
          const rt = resultType(op, dtype);
          const out = makeTensor(be(), rt, [2, 2], [0, 0, 0, 0], "transposed");
          const a = makeTensor(be(), dtype, [2, 2], av);
          const b = makeTensor(be(), dtype, [2, 2], bv);
          expect(be()[op](a, b, out)).toBe(out);
          expectMatches(out, expected, rt, [2, 2], `${op} into transposed out`);
          if (rt === dtype) {
            expect(be()[op](a, b, a)).toBe(a);
            expectMatches(a, expected, dtype, [2, 2], `${op} with out === a`);
            const a2 = makeTensor(be(), dtype, [2, 2], av);
            expect(be()[op](a2, b, b)).toBe(b);
            expectMatches(b, expected, dtype, [2, 2], `${op} with out === b`);
          }
        });
        test(op, "mismatched shapes throw ShapeError", () => {
          const dtype = types[0];
          const a = makeTensor(be(), dtype, [2, 3], [1, 1, 1, 1, 1, 1]);
          const b = makeTensor(be(), dtype, [2, 4], [1, 1, 1, 1, 1, 1, 1, 1]);
          expect(() => be()[op](a, b)).toThrow(ShapeError);
          expect(() => be()[op](a, a, makeTensor(be(), resultType(op, dtype), [3, 2], [0, 0, 0, 0, 0, 0]))).toThrow(ShapeError);
        });
        test(op, "zero-size operands", () => {
          const dtype = types[0];
          const y = be()[op](makeTensor(be(), dtype, [2, 0], []), makeTensor(be(), dtype, [2, 0], []));
          expect([...y.shape]).toEqual([2, 0]);
          expect(y.dtype).toBe(resultType(op, dtype));
        });
      }
      test("add", "1e5 elements, broadcast operand, match the reference", () => {
        const gen = new Generator(seed);
        const av = random(100_000, gen);
        const bv = random(100_000, gen);
        const shape = [200, 500];
        const y = be().add(makeTensor(be(), "float32", shape, av, "stepped"), makeTensor(be(), "float32", shape, bv, "broadcast"));
        const r = ref().add(makeTensor(ref(), "float32", shape, av, "stepped"), makeTensor(ref(), "float32", shape, bv, "broadcast"));
        expectMatches(y, readValues(r), "float32", shape, "add 1e5");
      });
      test("add", "IEEE specials propagate", () => {
        const a = makeTensor(be(), "float64", [4], [NaN, Infinity, Infinity, 1]);
        const b = makeTensor(be(), "float64", [4], [1, -Infinity, 1, -Infinity]);
        expectMatches(be().add(a, b), [NaN, NaN, Infinity, -Infinity], "float64", [4], "add specials");
        expectMatches(be().div(makeTensor(be(), "float64", [3], [1, -1, 0]), makeTensor(be(), "float64", [3], [0, 0, 0])), [Infinity, -Infinity, NaN], "float64", [3], "div by 0");
        expectMatches(be().maximum(a, b), [NaN, Infinity, Infinity, 1], "float64", [4], "maximum with NaN");
      });
    });

    // ---------- where, cast, copy, fill ----------
    describe("where, cast, copy, fill", () => {
      test("where", "picks per element on every layout", () => {
        const gen = new Generator(seed);
        for (const dtype of ["float32", "float64", "int32"] as DType[]) {
          for (const layout of layouts) {
            const cond = makeTensor(be(), "bool", [3, 4], random(12, gen, 0, 2, true), layout);
            const a = makeTensor(be(), dtype, [3, 4], random(12, gen, -5, 5, true), "transposed");
            const b = makeTensor(be(), dtype, [3, 4], random(12, gen, -5, 5, true), layout);
            const cv = readValues(cond);
            const av = readValues(a);
            const bv = readValues(b);
            expectMatches(be().where(cond, a, b), cv.map((c, i) => (c !== 0 ? av[i] : bv[i])), dtype, [3, 4], `where ${dtype} ${layout}`);
          }
        }
        const out = makeTensor(be(), "float32", [2], [0, 0]);
        const a = makeTensor(be(), "float32", [2], [1, 2]);
        expect(be().where(makeTensor(be(), "bool", [2], [1, 0]), a, makeTensor(be(), "float32", [2], [7, 8]), out)).toBe(out);
        expectMatches(out, [1, 8], "float32", [2], "where into out");
        be().where(makeTensor(be(), "bool", [2], [0, 1]), a, makeTensor(be(), "float32", [2], [9, 9]), a);
        expectMatches(a, [9, 2], "float32", [2], "where with out === a");
        expect(() => be().where(makeTensor(be(), "bool", [3], [1, 1, 1]), a, a)).toThrow(ShapeError);
      });
      test("cast", "every pair of dtypes", () => {
        const values = [1.7, -1.7, 0, 2, -3.5, 100];
        const conv: Record<DType, (v: number) => number> = {
          float32: Math.fround,
          float64: (v) => v,
          int32: (v) => Math.trunc(v),
          bool: (v) => +(v !== 0),
        };
        for (const from of ["float32", "float64", "int32", "bool"] as DType[]) {
          for (const to of ["float32", "float64", "int32", "bool"] as DType[]) {
            for (const layout of ["contiguous", "transposed", "broadcast"] as Layout[]) {
              const x = makeTensor(be(), from, [2, 3], values.map((v) => round(from, v)), layout);
              const xv = readValues(x);
              expectMatches(be().cast(x, to), xv.map(conv[to]), to, [2, 3], `cast ${from} to ${to} (${layout})`);
            }
          }
        }
        expect([...be().cast(makeTensor(be(), "float32", [0], []), "int32").shape]).toEqual([0]);
      });
      test("copy", "into a new tensor and into strided views", () => {
        for (const dtype of ["float32", "float64", "int32", "bool"] as DType[]) {
          for (const layout of layouts) {
            const values = [1, 0, 3, 1, 5, 0].map((v) => round(dtype, v));
            const x = makeTensor(be(), dtype, [2, 3], values, layout);
            const xv = readValues(x);
            const y = be().copy(x);
            expectMatches(y, xv, dtype, [2, 3], `copy ${dtype} ${layout}`);
            expect(y.isContiguous).toBe(true);
            expect(y.storage).not.toBe(x.storage);
            const out = makeTensor(be(), dtype, [2, 3], [0, 0, 0, 0, 0, 0], layout === "broadcast" ? "stepped" : layout);
            expect(be().copy(x, out)).toBe(out);
            expectMatches(out, xv, dtype, [2, 3], `copy ${dtype} ${layout} into out`);
          }
        }
        const big = random(100_000, new Generator(seed));
        expectMatches(be().copy(makeTensor(be(), "float64", [400, 250], big, "transposed")), big, "float64", [400, 250], "copy 1e5");
        expect([...be().copy(makeTensor(be(), "float32", [0, 2], [])).shape]).toEqual([0, 2]);
        expect(() => be().copy(makeTensor(be(), "float32", [2], [1, 2]), makeTensor(be(), "float32", [3], [0, 0, 0]))).toThrow(ShapeError);
      });
      test("fill", "every element of any view", () => {
        for (const layout of ["contiguous", "offset", "transposed", "stepped"] as Layout[]) {
          const out = makeTensor(be(), "float64", [3, 2], [0, 0, 0, 0, 0, 0], layout);
          expect(be().fill(out, 2.5)).toBe(out);
          expectMatches(out, [2.5, 2.5, 2.5, 2.5, 2.5, 2.5], "float64", [3, 2], `fill ${layout}`);
          // The gaps of a strided view stay untouched.
          if (layout === "stepped") expect(Number.isNaN(out.storage.data[0])).toBe(true);
        }
        const i = makeTensor(be(), "int32", [4], [0, 0, 0, 0]);
        be().fill(i, -7);
        expectMatches(i, [-7, -7, -7, -7], "int32", [4], "fill int32");
        be().fill(makeTensor(be(), "float32", [0], []), 1);
      });
    });

    // ---------- reductions ----------
    describe("reduction kernels", () => {
      const reduceFormula: Record<ReduceOp, [number, (acc: number, v: number) => number]> = {
        sum: [0, (acc, v) => acc + v],
        prod: [1, (acc, v) => acc * v],
        max: [-Infinity, (acc, v) => (Number.isNaN(acc) || Number.isNaN(v) ? NaN : Math.max(acc, v))],
        min: [Infinity, (acc, v) => (Number.isNaN(acc) || Number.isNaN(v) ? NaN : Math.min(acc, v))],
      };
      /** Reduces logical values of `shape` over `axes` by hand. */
      const reduceByHand = (op: ReduceOp, values: readonly number[], shape: readonly number[], axes: readonly number[]): number[] => {
        const [init, step] = reduceFormula[op];
        const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const out = new Array<number>(sizeOf(outShape)).fill(init);
        const outStrides = contiguousStrides(outShape);
        const index = new Array<number>(shape.length).fill(0);
        for (let i = 0; i < values.length; i++) {
          let pos = 0;
          for (let a = 0; a < shape.length; a++) if (!axes.includes(a)) pos += index[a] * outStrides[a];
          out[pos] = step(out[pos], values[i]);
          for (let a = shape.length - 1; a >= 0; a--) {
            if (++index[a] < shape[a]) break;
            index[a] = 0;
          }
        }
        return out;
      };
      for (const op of Object.keys(reduceFormula) as ReduceOp[]) {
        test(op, "hand-computed values", () => {
          const x = makeTensor(be(), "float64", [2, 3], [1, 2, 3, 4, 5, 6]);
          const byAxis: Record<ReduceOp, [number[], number[], number]> = {
            sum: [[5, 7, 9], [6, 15], 21],
            prod: [[4, 10, 18], [6, 120], 720],
            max: [[4, 5, 6], [3, 6], 6],
            min: [[1, 2, 3], [1, 4], 1],
          };
          const [axis0, axis1, all] = byAxis[op];
          expectMatches(be()[op](x, [0], false), axis0, "float64", [3], `${op} axis 0`);
          expectMatches(be()[op](x, [1], true), axis1, "float64", [2, 1], `${op} axis 1 keepDims`);
          expectMatches(be()[op](x, [0, 1], false), [all], "float64", [], `${op} all axes`);
          expectMatches(be()[op](x, [0, 1], true), [all], "float64", [1, 1], `${op} all axes keepDims`);
          expectMatches(be()[op](x, [], false), [1, 2, 3, 4, 5, 6], "float64", [2, 3], `${op} over no axes`);
        });
        test(op, "axis sets, layouts and dtypes match the formula and the reference", () => {
          const gen = new Generator(seed + 2);
          const shape = [3, 4, 5];
          const axisSets = [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]];
          for (const dtype of ["float32", "float64", "int32"] as DType[]) {
            for (const layout of layouts) {
              const values = random(60, gen, op === "prod" ? 1 : -9, op === "prod" ? 3 : 9, dtype === "int32");
              const x = makeTensor(be(), dtype, shape, values.map((v) => round(dtype, op === "prod" ? 1 + (v - 1) * 0.05 : v)), layout);
              const xv = readValues(x);
              for (const axes of axisSets) {
                for (const keepDims of [false, true]) {
                  const what = `${op} ${dtype} ${layout} axes [${axes.join(", ")}] keepDims ${keepDims}`;
                  const outShape = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
                  const y = be()[op](x, axes, keepDims);
                  const [rtol, atol] = tolerance(dtype, rtol32 * 10);
                  expect(y.dtype).toBe(dtype);
                  expect([...y.shape]).toEqual(outShape);
                  close(readValues(y), reduceByHand(op, xv, shape, axes).map((v) => round(dtype, v)), rtol, atol * 10, what);
                  const r = ref()[op](makeTensor(ref(), dtype, shape, xv), axes, keepDims);
                  close(readValues(y), readValues(r), rtol, atol * 10, `${what} vs reference`);
                }
              }
            }
          }
        });
        test(op, "NaN propagates, empty axes give the identity", () => {
          const x = makeTensor(be(), "float32", [2, 2], [1, NaN, 3, 4]);
          const y = readValues(be()[op](x, [1], false));
          expect(Number.isNaN(y[0])).toBe(true);
          expect(y[1]).toBe(reduceByHand(op, [3, 4], [2], [0])[0]);
          if (op === "sum" || op === "prod") {
            expectMatches(be()[op](makeTensor(be(), "float32", [0, 3], []), [0], false), [op === "sum" ? 0 : 1, op === "sum" ? 0 : 1, op === "sum" ? 0 : 1], "float32", [3], `${op} of zero rows`);
          }
          expect([...be()[op](makeTensor(be(), "float32", [3, 0], []), [1], false).shape]).toEqual([3]);
        });
      }
      test("prod", "products round to the dtype at every step, in every layout", () => {
        // float32: 1e30 * 1e30 overflows before 1e-30 comes in, as in torch.prod (torch 2.13);
        // 1e-30 * 1e-30 underflows to 0 the same way. int32 wraps at every step.
        const cases: [DType, number[], number[]][] = [
          ["float32", [1e30, 1e30, 1e-30, 1e-30, 1e-30, 1e30], [Infinity, 0]],
          ["int32", [100000, 100000, 3, 65536, 65536, 5], [-64771072, 0]],
        ];
        for (const [dtype, values, expected] of cases) {
          for (const layout of ["contiguous", "transposed", "stepped", "offset"] as Layout[]) {
            const rows = makeTensor(be(), dtype, [2, 3], values, layout);
            expectMatches(be().prod(rows, [1], false), expected, dtype, [2], `prod ${dtype} ${layout} along rows`);
            const columns = makeTensor(be(), dtype, [3, 2], [0, 1, 2].flatMap((i) => [values[i], values[3 + i]]), layout);
            expectMatches(be().prod(columns, [0], false), expected, dtype, [2], `prod ${dtype} ${layout} down columns`);
          }
        }
      });
      test("sum", "1e5 elements match the reference", () => {
        const values = random(100_000, new Generator(seed));
        const x = makeTensor(be(), "float32", [250, 400], values, "transposed");
        for (const axes of [[0], [1], [0, 1]]) {
          const y = be().sum(x, axes, false);
          const r = ref().sum(makeTensor(ref(), "float32", [250, 400], values, "transposed"), axes, false);
          close(readValues(y), readValues(r), 1e-4, 1e-3, `sum 1e5 axes [${axes.join(", ")}]`);
        }
      });
      for (const op of ["argmax", "argmin"] as const) {
        test(op, "hand-computed values, ties take the first, NaN wins", () => {
          const x = makeTensor(be(), "float32", [2, 4], [1, 5, 5, -2, 0, -3, 7, -3]);
          const byAxis = op === "argmax" ? [[0, 0, 1, 0], [1, 2]] : [[1, 1, 0, 1], [3, 1]];
          expectMatches(be()[op](x, 0, false), byAxis[0], "int32", [4], `${op} axis 0`);
          expectMatches(be()[op](x, 1, true), byAxis[1], "int32", [2, 1], `${op} axis 1 keepDims`);
          const withNaN = makeTensor(be(), "float64", [4], [1, NaN, 9, -9]);
          expectMatches(be()[op](withNaN, 0, false), [1], "int32", [], `${op} with NaN`);
        });
        test(op, "layouts and dtypes match the reference", () => {
          const gen = new Generator(seed + 3);
          for (const dtype of ["float32", "float64", "int32"] as DType[]) {
            for (const layout of layouts) {
              const x = makeTensor(be(), dtype, [3, 4, 5], random(60, gen, -20, 20, true), layout);
              for (const axis of [0, 1, 2]) {
                const y = be()[op](x, axis, false);
                const r = ref()[op](makeTensor(ref(), dtype, [3, 4, 5], readValues(x)), axis, false);
                expectMatches(y, readValues(r), "int32", r.shape, `${op} ${dtype} ${layout} axis ${axis}`);
              }
            }
          }
        });
      }
    });

    // ---------- matmul ----------
    describe("matmul", () => {
      const byHand = (a: readonly number[], b: readonly number[], batch: number, m: number, k: number, n: number): number[] => {
        const out = new Array<number>(batch * m * n).fill(0);
        for (let p = 0; p < batch; p++)
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let q = 0; q < k; q++) s += a[p * m * k + i * k + q] * b[p * k * n + q * n + j];
              out[p * m * n + i * n + j] = s;
            }
        return out;
      };
      test("matmul", "hand-computed 2x2", () => {
        const a = makeTensor(be(), "float64", [1, 2, 2], [1, 2, 3, 4]);
        const b = makeTensor(be(), "float64", [1, 2, 2], [5, 6, 7, 8]);
        expectMatches(be().matmul(a, b), [19, 22, 43, 50], "float64", [1, 2, 2], "matmul 2x2");
        const row = makeTensor(be(), "float32", [1, 1, 3], [1, 2, 3]);
        const col = makeTensor(be(), "float32", [1, 3, 1], [4, 5, 6]);
        expectMatches(be().matmul(row, col), [32], "float32", [1, 1, 1], "dot product");
      });
      test("matmul", "layouts, batches and dtypes match the formula", () => {
        const gen = new Generator(seed + 4);
        for (const dtype of ["float32", "float64"] as DType[]) {
          for (const la of layouts) {
            for (const lb of layouts) {
              const [batch, m, k, n] = [3, 4, 5, 2];
              const a = makeTensor(be(), dtype, [batch, m, k], random(batch * m * k, gen), la);
              const b = makeTensor(be(), dtype, [batch, k, n], random(batch * k * n, gen), lb);
              const y = be().matmul(a, b);
              const [rtol, atol] = tolerance(dtype, rtol32 * 10);
              expect([...y.shape]).toEqual([batch, m, n]);
              expect(y.dtype).toBe(dtype);
              close(readValues(y), byHand(readValues(a), readValues(b), batch, m, k, n), rtol, atol * 10, `matmul ${dtype} ${la} x ${lb}`);
            }
          }
        }
      });
      test("matmul", "300x300 matches the reference", () => {
        const gen = new Generator(seed);
        const av = random(90_000, gen, -1, 1);
        const bv = random(90_000, gen, -1, 1);
        const y = be().matmul(makeTensor(be(), "float32", [1, 300, 300], av), makeTensor(be(), "float32", [1, 300, 300], bv, "transposed"));
        const r = ref().matmul(makeTensor(ref(), "float32", [1, 300, 300], av), makeTensor(ref(), "float32", [1, 300, 300], bv, "transposed"));
        close(readValues(y), readValues(r), 1e-4, 1e-4, "matmul 300x300");
        const y64 = be().matmul(makeTensor(be(), "float64", [1, 300, 300], av, "stepped"), makeTensor(be(), "float64", [1, 300, 300], bv));
        close(readValues(y64), byHand(av, bv, 1, 300, 300, 300), 1e-10, 1e-10, "matmul 300x300 float64");
      });
      test("matmul", "zero sizes: an empty inner axis gives zeros", () => {
        expectMatches(be().matmul(makeTensor(be(), "float32", [1, 2, 0], []), makeTensor(be(), "float32", [1, 0, 3], [])), [0, 0, 0, 0, 0, 0], "float32", [1, 2, 3], "K = 0");
        expect([...be().matmul(makeTensor(be(), "float32", [1, 0, 3], []), makeTensor(be(), "float32", [1, 3, 4], new Array<number>(12).fill(1))).shape]).toEqual([1, 0, 4]);
        expect([...be().matmul(makeTensor(be(), "float32", [0, 2, 3], []), makeTensor(be(), "float32", [0, 3, 4], [])).shape]).toEqual([0, 2, 4]);
      });
      test("matmul", "mismatched inner sizes throw", () => {
        const a = makeTensor(be(), "float32", [1, 2, 3], [1, 2, 3, 4, 5, 6]);
        expect(() => be().matmul(a, a)).toThrow();
      });
    });

    // ---------- softmax ----------
    describe("softmax and logSoftmax", () => {
      const softmaxByHand = (values: readonly number[], shape: readonly number[], axis: number, log: boolean): number[] => {
        const out = values.slice();
        const strides = contiguousStrides(shape);
        const n = shape[axis];
        for (let i = 0; i < values.length; i++) {
          if (Math.floor(i / strides[axis]) % n !== 0) continue;
          let max = -Infinity;
          for (let j = 0; j < n; j++) max = Math.max(max, values[i + j * strides[axis]]);
          let s = 0;
          for (let j = 0; j < n; j++) s += Math.exp(values[i + j * strides[axis]] - max);
          for (let j = 0; j < n; j++) {
            const v = values[i + j * strides[axis]] - max;
            out[i + j * strides[axis]] = log ? v - Math.log(s) : Math.exp(v) / s;
          }
        }
        return out;
      };
      for (const op of ["softmax", "logSoftmax"] as const) {
        const log = op === "logSoftmax";
        test(op, "hand-computed values, stable for large inputs", () => {
          const x = makeTensor(be(), "float64", [2, 3], [1, 2, 3, 1000, 1001, 1002]);
          const e = [Math.exp(-2), Math.exp(-1), 1];
          const s = e[0] + e[1] + e[2];
          const row = log ? e.map((v) => Math.log(v / s)) : e.map((v) => v / s);
          expectMatches(be()[op](x, 1), [...row, ...row], "float64", [2, 3], `${op} rows`);
          const neg = makeTensor(be(), "float32", [2], [-1000, -1000]);
          expectMatches(be()[op](neg, 0), log ? [-Math.LN2, -Math.LN2] : [0.5, 0.5], "float32", [2], `${op} of -1000s`);
        });
        test(op, "every axis and layout matches the formula and the reference", () => {
          const gen = new Generator(seed + 5);
          const shape = [3, 4, 5];
          for (const dtype of ["float32", "float64"] as DType[]) {
            for (const layout of layouts) {
              const x = makeTensor(be(), dtype, shape, random(60, gen, -5, 5), layout);
              for (const axis of [0, 1, 2]) {
                const what = `${op} ${dtype} ${layout} axis ${axis}`;
                const y = be()[op](x, axis);
                expectMatches(y, softmaxByHand(readValues(x), shape, axis, log), dtype, shape, what);
                const r = ref()[op](makeTensor(ref(), dtype, shape, readValues(x)), axis);
                expectMatches(y, readValues(r), dtype, shape, `${what} vs reference`);
              }
            }
          }
          expect([...be()[op](makeTensor(be(), "float32", [0, 3], []), 1).shape]).toEqual([0, 3]);
        });
        test(op, "huge equal values keep the log term; special values give PyTorch's results", () => {
          // Rows of two, with torch.softmax / torch.log_softmax's answers (torch 2.13): an
          // infinite or NaN maximum, or a row of -Infinity, makes the whole row NaN.
          const ln2 = Math.LN2;
          const rows: [number, number, [number, number], [number, number]][] = [
            [1e30, 1e30, [0.5, 0.5], [-ln2, -ln2]],
            [-1e30, -1e30, [0.5, 0.5], [-ln2, -ln2]],
            [3e38, 3e38, [0.5, 0.5], [-ln2, -ln2]],
            [1e30, 0, [1, 0], [0, -1e30]],
            [Infinity, 1, [NaN, NaN], [NaN, NaN]],
            [Infinity, Infinity, [NaN, NaN], [NaN, NaN]],
            [Infinity, -Infinity, [NaN, NaN], [NaN, NaN]],
            [-Infinity, 1, [0, 1], [-Infinity, 0]],
            [-Infinity, -Infinity, [NaN, NaN], [NaN, NaN]],
            [NaN, 1, [NaN, NaN], [NaN, NaN]],
            [1, NaN, [NaN, NaN], [NaN, NaN]],
          ];
          const values = rows.flatMap(([a, b]) => [a, b]);
          const expected = rows.flatMap(([, , s, l]) => (log ? l : s));
          const byColumn = (v: readonly number[]): number[] => [...v.filter((_, i) => i % 2 === 0), ...v.filter((_, i) => i % 2 === 1)];
          for (const dtype of ["float32", "float64"] as DType[]) {
            for (const layout of ["contiguous", "transposed", "stepped"] as Layout[]) {
              const what = `${op} ${dtype} ${layout} special rows`;
              expectMatches(be()[op](makeTensor(be(), dtype, [rows.length, 2], values, layout), 1), expected, dtype, [rows.length, 2], what);
              const columns = makeTensor(be(), dtype, [2, rows.length], byColumn(values), layout);
              expectMatches(be()[op](columns, 0), byColumn(expected), dtype, [2, rows.length], `${what} along axis 0`);
            }
          }
          const huge = makeTensor(be(), "float64", [3], [1e300, 1e300, 1e300]);
          expectMatches(be()[op](huge, 0), log ? [-Math.log(3), -Math.log(3), -Math.log(3)] : [1 / 3, 1 / 3, 1 / 3], "float64", [3], `${op} of 1e300s`);
        });
      }
    });

    // ---------- ops at the numerical edges ----------
    describe("ops at the numerical edges (forward and gradient on this backend)", () => {
      /** Runs `fn` with this backend in use, then puts the previous one back. */
      const onBackend = (fn: () => void) => (): void => {
        const before = getBackend().name;
        setBackend(backendName);
        try {
          fn();
        } finally {
          setBackend(before);
        }
      };
      /** d(prod over axes)/dx by hand in float64: each element's product of the others in its group. */
      const othersByHand = (values: readonly number[], shape: readonly number[], axes: readonly number[]): number[] => {
        const strides = contiguousStrides(shape);
        const coordsOf = (i: number): number[] => shape.map((d, a) => Math.floor(i / strides[a]) % d);
        return values.map((_, i) => {
          const ci = coordsOf(i);
          let p = 1;
          values.forEach((v, j) => {
            if (j !== i && coordsOf(j).every((c, a) => axes.includes(a) || c === ci[a])) p *= v;
          });
          return p;
        });
      };
      /** Within rtol of the expected value or one step of the smallest subnormal: a relative check even for tiny numbers. */
      const closeToTiny = (actual: readonly number[], expected: readonly number[], dtype: DType, what: string): void => {
        const [rtol, tiniest] = dtype === "float32" ? [1e-6, 2 ** -149] : [1e-12, Number.MIN_VALUE];
        const want = expected.map((v) => round(dtype, v));
        expect(actual.length, `${what}: number of elements`).toBe(want.length);
        actual.forEach((a, i) => {
          if (!(Math.abs(a - want[i]) <= rtol * Math.abs(want[i]) + tiniest)) expect.fail(`${what}: element ${i} is ${a}, expected ${want[i]}`);
        });
      };
      const prodGrad = (values: readonly number[], shape: readonly number[], dtype: DType, axis?: number[]): number[] => {
        const x = tensor(values, { dtype, shape });
        const [g] = grad((a: Tensor) => prod(a, axis === undefined ? undefined : { axis }).sum())(x);
        return readValues(g);
      };

      test("prod", "gradient is the product of the others when the product underflows to a subnormal or to 0", onBackend(() => {
        const cases: [number[], DType][] = [
          // float32: the product 1.4e-45 is the smallest subnormal; the others' products are 1e-23 and 9.8e-45.
          [[1e-22, 1e-22, 0.1], "float32"],
          // float32: the product rounds to 0, the gradients 3e-20 and 3e-30 do not.
          [[1e-30, 1e-20, 3], "float32"],
          [[1e-200, 1e-200, 2], "float64"],
          [[1e-170, 1e-170, 1e-5, 7], "float64"],
        ];
        for (const [raw, dtype] of cases) {
          const values = raw.map((v) => round(dtype, v));
          closeToTiny(prodGrad(values, [values.length], dtype), othersByHand(values, [values.length], [0]), dtype, `prod grad ${dtype} [${raw.join(", ")}]`);
        }
        // Several axes: groups of [2, 3, 2] over axes 0 and 2, one of them underflowing in float32.
        const values = [1e-25, 2, 3, 4, 0, 5, 1e-25, 0.5, 6, 7, 0, 0].map(Math.fround);
        closeToTiny(prodGrad(values, [2, 3, 2], "float32", [0, 2]), othersByHand(values, [2, 3, 2], [0, 2]), "float32", "prod grad float32 axes [0, 2]");
      }));

      test("prod", "gradient with zeros present matches PyTorch's", onBackend(() => {
        // torch.prod(x).backward() (torch 2.13, float64).
        expect(prodGrad([2, 0, 3, 4], [4], "float64")).toEqual([0, 24, 0, 0]);
        expect(prodGrad([0, 2, 0], [3], "float64")).toEqual([0, 0, 0]);
        expect(prodGrad([2, 0, 3, 4, 0, 5], [3, 2], "float64", [0])).toEqual([0, 20, 0, 0, 6, 0]);
        expect(prodGrad([5], [1], "float32")).toEqual([1]);
        // The product of the others, also beside an infinity (dividing would give inf / inf = NaN).
        expect(prodGrad([Infinity, 2], [2], "float32")).toEqual([2, Infinity]);
        expect(prodGrad([], [0, 3], "float32", [0])).toEqual([]);
      }));

      test("prod", "gradCheck in float64, zeros and several axes, to second order", onBackend(() => {
        const x = tensor([[[1.5, 0], [-2, 0.5], [3, 1.25]], [[0.75, 0], [2, -1.5], [0, 0.5]]], { dtype: "float64" });
        expect(gradCheck((a) => prod(a, { axis: [0, 2], keepDims: true }), [x], { secondOrder: true })).toBe(true);
        expect(gradCheck((a) => prod(a, 1), [x], { secondOrder: true })).toBe(true);
        expect(gradCheck((a) => prod(a), [tensor([1.5, -0.5, 2, 1.25, 0.8, -1.1, 0.9], { dtype: "float64" })], { secondOrder: true })).toBe(true);
      }));

      test("logSoftmax", "the op's value and gradient at huge equal logits (crossEntropy's path)", onBackend(() => {
        for (const dtype of ["float32", "float64"] as DType[]) {
          const x = tensor([1e30, 1e30], { dtype });
          close(readValues(logSoftmax(x)), [-Math.LN2, -Math.LN2], 1e-6, 0, `logSoftmax ${dtype}`);
          close(readValues(softmax(x)), [0.5, 0.5], 1e-6, 0, `softmax ${dtype}`);
          // d/dx of logSoftmax(x)[0] = onehot - softmax(x).
          const [g] = grad((a: Tensor) => logSoftmax(a).mul(tensor([1, 0], { dtype })).sum())(x);
          close(readValues(g), [0.5, -0.5], 1e-6, 0, `logSoftmax gradient ${dtype}`);
        }
      }));

      test("logSumExp", "huge and special values give PyTorch's results", onBackend(() => {
        // torch.logsumexp along the last axis (torch 2.13).
        const rows = [[1e30, 1e30], [1000, 1000], [Infinity, 1], [Infinity, Infinity], [Infinity, -Infinity], [-Infinity, 1], [-Infinity, -Infinity], [NaN, 1]];
        const expected = [1e30, 1000 + Math.LN2, Infinity, Infinity, Infinity, 1, -Infinity, NaN];
        for (const dtype of ["float32", "float64"] as DType[]) {
          const y = logSumExp(tensor(rows, { dtype }), 1);
          close(readValues(y), expected.map((v) => round(dtype, v)), 1e-6, 0, `logSumExp ${dtype}`);
        }
        close(readValues(logSumExp(tensor([1e300, 1e300], { dtype: "float64" }))), [1e300], 1e-12, 0, "logSumExp of 1e300s");
      }));
    });

    // ---------- gather, scatterAdd ----------
    describe("gather and scatterAdd", () => {
      test("gather", "hand-computed values along each axis", () => {
        const x = makeTensor(be(), "float32", [2, 3], [1, 2, 3, 4, 5, 6]);
        const i1 = makeTensor(be(), "int32", [2, 2], [2, 0, 1, 1]);
        expectMatches(be().gather(x, 1, i1), [3, 1, 5, 5], "float32", [2, 2], "gather axis 1");
        const i0 = makeTensor(be(), "int32", [1, 3], [1, 0, 1]);
        expectMatches(be().gather(x, 0, i0), [4, 2, 6], "float32", [1, 3], "gather axis 0");
        const xt = makeTensor(be(), "float64", [2, 3], [1, 2, 3, 4, 5, 6], "transposed");
        expectMatches(be().gather(xt, 1, makeTensor(be(), "int32", [2, 2], [2, 0, 1, 1], "transposed")), [3, 1, 5, 5], "float64", [2, 2], "gather strided");
        expect([...be().gather(x, 1, makeTensor(be(), "int32", [2, 0], [])).shape]).toEqual([2, 0]);
      });
      test("scatterAdd", "hand-computed values, repeated indices add up", () => {
        const x = makeTensor(be(), "float32", [2, 3], [0, 0, 0, 10, 10, 10]);
        const index = makeTensor(be(), "int32", [2, 2], [0, 0, 2, 1]);
        const src = makeTensor(be(), "float32", [2, 2], [1, 2, 3, 4]);
        const y = be().scatterAdd(x, 1, index, src);
        expectMatches(y, [3, 0, 0, 10, 14, 13], "float32", [2, 3], "scatterAdd axis 1");
        expectMatches(x, [0, 0, 0, 10, 10, 10], "float32", [2, 3], "scatterAdd leaves x alone");
        const y0 = be().scatterAdd(makeTensor(be(), "float64", [2, 2], [0, 0, 0, 0], "transposed"), 0, makeTensor(be(), "int32", [2, 2], [1, 1, 1, 0]), makeTensor(be(), "float64", [2, 2], [1, 2, 3, 4], "stepped"));
        expectMatches(y0, [0, 4, 4, 2], "float64", [2, 2], "scatterAdd axis 0 strided");
      });
      test("gather", "random inputs match the reference", () => {
        const gen = new Generator(seed + 6);
        for (const axis of [0, 1, 2]) {
          for (const layout of layouts) {
            const x = makeTensor(be(), "float32", [3, 4, 5], random(60, gen), layout);
            const shape = [3, 4, 5];
            const idxShape = [2, 3, 4];
            const idx = random(24, gen, 0, shape[axis], true);
            const y = be().gather(x, axis, makeTensor(be(), "int32", idxShape, idx));
            const r = ref().gather(makeTensor(ref(), "float32", shape, readValues(x)), axis, makeTensor(ref(), "int32", idxShape, idx));
            expectMatches(y, readValues(r), "float32", idxShape, `gather axis ${axis} ${layout}`);
            const src = random(24, gen);
            const s = be().scatterAdd(x, axis, makeTensor(be(), "int32", idxShape, idx), makeTensor(be(), "float32", idxShape, src, layout === "broadcast" ? "contiguous" : layout));
            const sr = ref().scatterAdd(makeTensor(ref(), "float32", shape, readValues(x)), axis, makeTensor(ref(), "int32", idxShape, idx), makeTensor(ref(), "float32", idxShape, src));
            expectMatches(s, readValues(sr), "float32", shape, `scatterAdd axis ${axis} ${layout}`);
          }
        }
      });
    });

    // ---------- convolution and pooling ----------
    describe("conv2d and pooling", () => {
      const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * b[i], 0);
      const attrs = (stride: number, pad: number, dilation: number, groups: number): Conv2dAttrs => ({
        stride: [stride, stride],
        padding: [pad, pad, pad, pad],
        dilation: [dilation, dilation],
        groups,
      });
      const convByHand = (x: readonly number[], xs: readonly number[], w: readonly number[], ws: readonly number[], a: Conv2dAttrs): [number[], number[]] => {
        const [n, c, h, wd] = xs;
        const [o, cg, kh, kw] = ws;
        const oh = Math.floor((h + a.padding[0] + a.padding[1] - a.dilation[0] * (kh - 1) - 1) / a.stride[0]) + 1;
        const ow = Math.floor((wd + a.padding[2] + a.padding[3] - a.dilation[1] * (kw - 1) - 1) / a.stride[1]) + 1;
        const out: number[] = [];
        const og = o / a.groups;
        for (let b = 0; b < n; b++)
          for (let oc = 0; oc < o; oc++)
            for (let i = 0; i < oh; i++)
              for (let j = 0; j < ow; j++) {
                let s = 0;
                const g = Math.floor(oc / og);
                for (let ic = 0; ic < cg; ic++)
                  for (let p = 0; p < kh; p++)
                    for (let q = 0; q < kw; q++) {
                      const y = i * a.stride[0] - a.padding[0] + p * a.dilation[0];
                      const z = j * a.stride[1] - a.padding[2] + q * a.dilation[1];
                      if (y < 0 || y >= h || z < 0 || z >= wd) continue;
                      s += x[((b * c + g * cg + ic) * h + y) * wd + z] * w[((oc * cg + ic) * kh + p) * kw + q];
                    }
                out.push(s);
              }
        return [out, [n, o, oh, ow]];
      };
      test("conv2d", "hand-computed 3x3 input, 2x2 kernel", () => {
        const x = makeTensor(be(), "float64", [1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        const w = makeTensor(be(), "float64", [1, 1, 2, 2], [1, 0, 0, -1]);
        expectMatches(be().conv2d(x, w, attrs(1, 0, 1, 1)), [-4, -4, -4, -4], "float64", [1, 1, 2, 2], "conv2d");
        expectMatches(be().conv2d(x, w, attrs(2, 1, 1, 1)), [-1, -3, -7, -4], "float64", [1, 1, 2, 2], "conv2d stride 2 padding 1");
      });
      const configs: [number, number, number, number][] = [[1, 0, 1, 1], [2, 1, 1, 1], [1, 2, 2, 1], [1, 1, 1, 2], [2, 0, 1, 4]];
      test("conv2d", "stride, padding, dilation and groups match the formula and the reference", () => {
        const gen = new Generator(seed + 7);
        for (const [stride, pad, dilation, groups] of configs) {
          for (const layout of ["contiguous", "transposed", "stepped"] as Layout[]) {
            const xs = [2, 4, 7, 6];
            const ws = [4, 4 / groups, 3, 3];
            const a = attrs(stride, pad, dilation, groups);
            const x = makeTensor(be(), "float64", xs, random(sizeOf(xs), gen), layout);
            const w = makeTensor(be(), "float64", ws, random(sizeOf(ws), gen), layout === "stepped" ? "offset" : layout);
            const [expected, shape] = convByHand(readValues(x), xs, readValues(w), ws, a);
            const what = `conv2d ${JSON.stringify(a)} ${layout}`;
            const y = be().conv2d(x, w, a);
            expectMatches(y, expected, "float64", shape, what);
            const x32 = makeTensor(be(), "float32", xs, readValues(x), layout);
            const r = ref().conv2d(makeTensor(ref(), "float32", xs, readValues(x)), makeTensor(ref(), "float32", ws, readValues(w)), a);
            const y32 = be().conv2d(x32, makeTensor(be(), "float32", ws, readValues(w)), a);
            close(readValues(y32), readValues(r), 1e-4, 1e-4, `${what} float32 vs reference`);
          }
        }
      });
      // Random x, w and output gradient g for one configuration, and y = conv(x, w): each
      // backward kernel must satisfy the adjoint identity <y, g> = <x, backInput(g, w)> = <w, backWeight(x, g)>.
      const adjointCase = (gen: Generator, [stride, pad, dilation, groups]: (typeof configs)[number]) => {
        const xs = [2, 4, 7, 6];
        const ws = [4, 4 / groups, 3, 3];
        const a = attrs(stride, pad, dilation, groups);
        const xv = random(sizeOf(xs), gen);
        const wv = random(sizeOf(ws), gen);
        const [, ys] = convByHand(xv, xs, wv, ws, a);
        const gv = random(sizeOf(ys), gen);
        const y = be().conv2d(makeTensor(be(), "float64", xs, xv), makeTensor(be(), "float64", ws, wv), a);
        return { xs, ws, a, xv, wv, ys, gv, yg: dot(readValues(y), gv) };
      };
      test("conv2dBackwardInput", "is the adjoint of conv2d: <conv(x, w), g> = <x, backInput(g, w)>", () => {
        const gen = new Generator(seed + 8);
        for (const config of configs) {
          const { xs, ws, a, xv, wv, ys, gv, yg } = adjointCase(gen, config);
          const gx = be().conv2dBackwardInput(makeTensor(be(), "float64", ys, gv, "transposed"), makeTensor(be(), "float64", ws, wv, "offset"), xs, a);
          expect([...gx.shape]).toEqual(xs);
          expect(dot(readValues(gx), xv)).toBeCloseTo(yg, 8);
          const r = ref().conv2dBackwardInput(makeTensor(ref(), "float64", ys, gv), makeTensor(ref(), "float64", ws, wv), xs, a);
          close(readValues(gx), readValues(r), 1e-10, 1e-10, `conv2dBackwardInput ${JSON.stringify(a)} vs reference`);
        }
      });
      test("conv2dBackwardWeight", "is the adjoint of conv2d: <conv(x, w), g> = <w, backWeight(x, g)>", () => {
        const gen = new Generator(seed + 9);
        for (const config of configs) {
          const { xs, ws, a, xv, wv, ys, gv, yg } = adjointCase(gen, config);
          const gw = be().conv2dBackwardWeight(makeTensor(be(), "float64", xs, xv, "stepped"), makeTensor(be(), "float64", ys, gv, "transposed"), ws, a);
          expect([...gw.shape]).toEqual(ws);
          expect(dot(readValues(gw), wv)).toBeCloseTo(yg, 8);
          const r = ref().conv2dBackwardWeight(makeTensor(ref(), "float64", xs, xv), makeTensor(ref(), "float64", ys, gv), ws, a);
          close(readValues(gw), readValues(r), 1e-10, 1e-10, `conv2dBackwardWeight ${JSON.stringify(a)} vs reference`);
        }
      });
      const pool = (k: number, stride: number, pad: number, countIncludePad = true): Pool2dAttrs => ({
        kernel: [k, k],
        stride: [stride, stride],
        padding: [pad, pad],
        dilation: [1, 1],
        countIncludePad,
      });
      test("maxPool2d", "hand-computed values and indices", () => {
        const x = makeTensor(be(), "float32", [1, 1, 4, 4], [1, 2, 3, 4, 8, 7, 6, 5, 9, 10, 11, 12, 0, -1, -2, 13]);
        const [y, idx] = be().maxPool2d(x, pool(2, 2, 0));
        expectMatches(y, [8, 6, 10, 13], "float32", [1, 1, 2, 2], "maxPool2d");
        expect(readValues(idx)).toEqual([4, 6, 9, 15]);
        const [yp] = be().maxPool2d(makeTensor(be(), "float32", [1, 1, 2, 2], [-1, -2, -3, -4]), pool(2, 1, 1));
        expectMatches(yp, [-1, -1, -2, -1, -1, -2, -3, -3, -4], "float32", [1, 1, 3, 3], "maxPool2d pads with -Infinity");
      });
      test("maxPool2d", "ceilMode rounds the output size up; avgPool2d counts only cells inside", () => {
        const x = makeTensor(be(), "float64", [1, 1, 5, 5], Array.from({ length: 25 }, (_, i) => i));
        const [y, idx] = be().maxPool2d(x, { ...pool(2, 2, 0), ceilMode: true });
        expectMatches(y, [6, 8, 9, 16, 18, 19, 21, 23, 24], "float64", [1, 1, 3, 3], "maxPool2d ceilMode");
        expect(readValues(idx)).toEqual([6, 8, 9, 16, 18, 19, 21, 23, 24]);
        const a = be().avgPool2d(x, { ...pool(2, 2, 0, true), ceilMode: true });
        // The last window of each row holds 2 cells (1 in the corner); the divisor counts only those.
        expectMatches(a, [3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24], "float64", [1, 1, 3, 3], "avgPool2d ceilMode");
      });
      test("maxPool2dBackward", "routes the gradient to the maxima, adding where windows share one", () => {
        const x = makeTensor(be(), "float64", [1, 1, 3, 3], [1, 2, 3, 4, 9, 5, 6, 7, 8]);
        const [, idx] = be().maxPool2d(x, pool(2, 1, 0));
        const gy = makeTensor(be(), "float64", [1, 1, 2, 2], [1, 2, 3, 4]);
        expectMatches(be().maxPool2dBackward(gy, idx, [1, 1, 3, 3]), [0, 0, 0, 0, 10, 0, 0, 0, 0], "float64", [1, 1, 3, 3], "maxPool2dBackward");
      });
      test("avgPool2d", "hand-computed values, with and without padded cells in the divisor", () => {
        const x = makeTensor(be(), "float64", [1, 1, 2, 2], [1, 2, 3, 4]);
        expectMatches(be().avgPool2d(x, pool(2, 2, 0)), [2.5], "float64", [1, 1, 1, 1], "avgPool2d");
        expectMatches(be().avgPool2d(x, pool(2, 2, 1, true)), [0.25, 0.5, 0.75, 1], "float64", [1, 1, 2, 2], "avgPool2d countIncludePad");
        expectMatches(be().avgPool2d(x, pool(2, 2, 1, false)), [1, 2, 3, 4], "float64", [1, 1, 2, 2], "avgPool2d excluding pads");
      });
      test("avgPool2dBackward", "is the adjoint of avgPool2d", () => {
        const gen = new Generator(seed + 10);
        for (const a of [pool(2, 2, 0), pool(3, 1, 1, true), pool(3, 2, 1, false)]) {
          const xs = [2, 3, 6, 5];
          const xv = random(sizeOf(xs), gen);
          const y = be().avgPool2d(makeTensor(be(), "float64", xs, xv, "transposed"), a);
          const gv = random(y.size, gen);
          const gx = be().avgPool2dBackward(makeTensor(be(), "float64", y.shape, gv, "stepped"), xs, a);
          expect([...gx.shape]).toEqual(xs);
          expect(dot(readValues(gx), xv)).toBeCloseTo(dot(readValues(y), gv), 8);
        }
      });
      test("maxPool2d", "random inputs match the reference; backward is the adjoint", () => {
        const gen = new Generator(seed + 11);
        for (const a of [pool(2, 2, 0), pool(3, 1, 1), pool(3, 2, 1)]) {
          for (const layout of ["contiguous", "transposed", "stepped"] as Layout[]) {
            const xs = [2, 3, 6, 5];
            const xv = random(sizeOf(xs), gen);
            const [y, idx] = be().maxPool2d(makeTensor(be(), "float32", xs, xv, layout), a);
            const [r, ridx] = ref().maxPool2d(makeTensor(ref(), "float32", xs, xv), a);
            expectMatches(y, readValues(r), "float32", r.shape, `maxPool2d ${layout}`);
            expect(readValues(idx)).toEqual(readValues(ridx));
            const gv = random(y.size, gen);
            const gx = be().maxPool2dBackward(makeTensor(be(), "float64", y.shape, gv), idx, xs);
            expect(dot(readValues(gx), xv.map(Math.fround))).toBeCloseTo(dot(readValues(y), gv), 6);
            const ay = be().avgPool2d(makeTensor(be(), "float32", xs, xv, layout), a);
            const ar = ref().avgPool2d(makeTensor(ref(), "float32", xs, xv), a);
            expectMatches(ay, readValues(ar), "float32", ar.shape, `avgPool2d ${layout} vs reference`);
          }
        }
      });
    });

    // ---------- optional fused kernels ----------
    describe("optional fused kernels", () => {
      // A backend that does not provide one of these skips its checks (callers fall back to ops).
      const optional = (kernel: "linear" | "conv2dBias" | "adamUpdate" | "sgdUpdate", name: string, fn: (k: Backend) => void): void => {
        // 100k-element reference loops in JS: generous time on a loaded machine.
        (skip.has(kernel) ? it.skip : it)(`${kernel}: ${name}`, { timeout: 60_000 }, (ctx) => {
          if (be()[kernel] === undefined) ctx.skip();
          fn(be());
        });
      };
      const f32 = (values: readonly number[]): number[] => values.map(Math.fround);

      optional("linear", "act(x w^T + b) matches the formula, with and without bias and relu", (k) => {
        const gen = new Generator(seed + 20);
        for (const [m, kk, n] of [[1, 1, 1], [5, 7, 3], [33, 65, 17], [128, 100, 40], [3, 0, 4], [0, 5, 2]]) {
          const xv = f32(random(m * kk, gen));
          const wv = f32(random(n * kk, gen));
          const bv = f32(random(n, gen));
          for (const withBias of [true, false]) {
            for (const activation of ["none", "relu"] as const) {
              const bias = withBias ? makeTensor(k, "float32", [n], bv) : null;
              const y = k.linear!(makeTensor(k, "float32", [m, kk], xv), makeTensor(k, "float32", [n, kk], wv), bias, activation);
              const expected: number[] = [];
              for (let i = 0; i < m; i++) {
                for (let j = 0; j < n; j++) {
                  let acc = withBias ? bv[j] : 0;
                  for (let q = 0; q < kk; q++) acc += xv[i * kk + q] * wv[j * kk + q];
                  expected.push(activation === "relu" ? Math.max(acc, 0) : acc);
                }
              }
              const what = `linear ${m}x${kk}x${n} bias ${withBias} ${activation}`;
              expect(y.isContiguous, `${what}: contiguous`).toBe(true);
              expect(y.dtype, `${what}: dtype`).toBe("float32");
              expect([...y.shape], `${what}: shape`).toEqual([m, n]);
              // float32 accumulation over K terms of size up to 9: the matmul tolerance.
              close(readValues(y), expected, 1e-4, 1e-4, what);
            }
          }
        }
      });
      optional("linear", "mismatched shapes throw", (k) => {
        const x = makeTensor(k, "float32", [2, 3], [1, 2, 3, 4, 5, 6]);
        expect(() => k.linear!(x, makeTensor(k, "float32", [4, 2], new Array<number>(8).fill(1)), null, "none")).toThrow();
        expect(() => k.linear!(x, makeTensor(k, "float32", [4, 3], new Array<number>(12).fill(1)), makeTensor(k, "float32", [3], [1, 2, 3]), "none")).toThrow();
      });

      optional("conv2dBias", "equals conv2d plus the bias per output channel (strides, padding, dilation, groups)", (k) => {
        const gen = new Generator(seed + 22);
        const cases: [number[], number[], Conv2dAttrs][] = [
          [[2, 3, 7, 6], [4, 3, 3, 3], { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 }],
          [[3, 4, 9, 8], [6, 2, 3, 2], { stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 2], groups: 2 }],
          [[1, 1, 5, 5], [2, 1, 1, 1], { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 }],
          [[12, 2, 6, 6], [5, 2, 3, 3], { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }],
        ];
        for (const dtype of ["float32", "float64"] as const) {
          for (const [xs, ws, attrs] of cases) {
            const x = makeTensor(k, dtype, xs, random(sizeOf(xs), gen));
            const w = makeTensor(k, dtype, ws, random(sizeOf(ws), gen));
            const bv = random(ws[0], gen);
            const y = k.conv2dBias!(x, w, makeTensor(k, dtype, [ws[0]], bv), attrs);
            const plain = readValues(k.conv2d(x, w, attrs));
            const [, o, oh, ow] = y.shape as [number, number, number, number];
            const what = `conv2dBias ${dtype} x [${xs.join(", ")}] w [${ws.join(", ")}]`;
            expect([...y.shape], `${what}: shape`).toEqual([xs[0], ws[0], oh, ow]);
            const expected = plain.map((v, i) => v + bv[Math.floor(i / (oh * ow)) % o]);
            close(readValues(y), dtype === "float32" ? f32(expected) : expected, 1e-5, 1e-5, what);
          }
        }
      });
      optional("conv2dBias", "a bias of the wrong length throws", (k) => {
        const x = makeTensor(k, "float32", [1, 1, 4, 4], new Array<number>(16).fill(1));
        const w = makeTensor(k, "float32", [2, 1, 3, 3], new Array<number>(18).fill(1));
        const attrs: Conv2dAttrs = { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 };
        expect(() => k.conv2dBias!(x, w, makeTensor(k, "float32", [3], [1, 2, 3]), attrs)).toThrow(/bias/);
      });

      optional("adamUpdate", "three steps match the published update (Adam, L2, AdamW, maximize)", (k) => {
        const gen = new Generator(seed + 21);
        const settings = [
          { weightDecay: 0, decoupled: false, maximize: false },
          { weightDecay: 0.1, decoupled: false, maximize: false },
          { weightDecay: 0.1, decoupled: true, maximize: false },
          { weightDecay: 0, decoupled: false, maximize: true },
        ];
        for (const n of [1, 7, 33, 1000, 100_003]) {
          for (const setting of settings) {
            let p = f32(random(n, gen, -1, 1));
            const m = new Array<number>(n).fill(0);
            const v = new Array<number>(n).fill(0);
            const pt = makeTensor(k, "float32", [n], p);
            const mt = makeTensor(k, "float32", [n], m);
            const vt = makeTensor(k, "float32", [n], v);
            for (let step = 1; step <= 3; step++) {
              const g = f32(random(n, gen, -1, 1));
              const o = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, step, ...setting };
              k.adamUpdate!(pt, makeTensor(k, "float32", [n], g), mt, vt, o);
              const next = p.map((pi, i) => {
                const ps = o.decoupled ? pi * (1 - o.lr * o.weightDecay) : pi;
                const gi = (o.maximize ? -g[i] : g[i]) + (o.decoupled ? 0 : o.weightDecay * pi);
                const mi = o.beta1 * m[i] + (1 - o.beta1) * gi;
                const vi = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
                m[i] = mi;
                v[i] = vi;
                const mHat = mi / (1 - o.beta1 ** step);
                const vHat = vi / (1 - o.beta2 ** step);
                return ps - (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
              });
              p = next;
            }
            const what = `adamUpdate n=${n} ${JSON.stringify(setting)}`;
            close(readValues(pt), p, 1e-5, 1e-6, `${what}: param`);
            close(readValues(mt), m, 1e-5, 1e-7, `${what}: m`);
            close(readValues(vt), v, 1e-5, 1e-9, `${what}: v`);
          }
        }
      });

      optional("sgdUpdate", "three steps match the published update (plain, momentum, dampening, Nesterov, decay, maximize)", (k) => {
        const gen = new Generator(seed + 22);
        const settings = [
          { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false },
          { momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, maximize: false },
          { momentum: 0.9, dampening: 0.2, nesterov: false, weightDecay: 0.01, maximize: false },
          { momentum: 0.8, dampening: 0, nesterov: true, weightDecay: 0.05, maximize: true },
        ];
        for (const n of [1, 7, 33, 1000, 100_003]) {
          for (const setting of settings) {
            let p = f32(random(n, gen, -1, 1));
            const b = new Array<number>(n).fill(0);
            const pt = makeTensor(k, "float32", [n], p);
            const bt = setting.momentum === 0 ? null : makeTensor(k, "float32", [n], new Array<number>(n).fill(7));
            for (let step = 1; step <= 3; step++) {
              const g = f32(random(n, gen, -1, 1));
              const o = { lr: 0.1, fresh: step === 1, ...setting };
              k.sgdUpdate!(pt, makeTensor(k, "float32", [n], g), bt, o);
              p = p.map((pi, i) => {
                let d = (o.maximize ? -g[i] : g[i]) + o.weightDecay * pi;
                if (o.momentum !== 0) {
                  b[i] = o.fresh ? d : o.momentum * b[i] + (1 - o.dampening) * d;
                  d = o.nesterov ? d + o.momentum * b[i] : b[i];
                }
                return pi - o.lr * d;
              });
            }
            const what = `sgdUpdate n=${n} ${JSON.stringify(setting)}`;
            close(readValues(pt), p, 1e-5, 1e-6, `${what}: param`);
            if (bt !== null) close(readValues(bt), b, 1e-5, 1e-6, `${what}: momentum buffer`);
          }
        }
      });
    });

    // ---------- malformed views ----------
    describe("malformed views", () => {
      const conv: Conv2dAttrs = { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 };
      const pool: Pool2dAttrs = { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], countIncludePad: false };
      const adam = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1, maximize: false };
      const sgd = { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, fresh: true };
      /** A well-formed call of every kernel; `t(shape, dtype, values)` makes an operand. */
      type Make = (shape: number[], dtype?: DType, values?: number[]) => Tensor;
      const calls: Record<string, (t: Make) => unknown[]> = {
        where: (t) => [t([2, 3], "bool"), t([2, 3]), t([2, 3]), t([2, 3])],
        cast: (t) => [t([2, 3]), "int32"],
        copy: (t) => [t([2, 3]), t([2, 3])],
        fill: (t) => [t([2, 3]), 1],
        matmul: (t) => [t([1, 2, 3]), t([1, 3, 4])],
        conv2d: (t) => [t([1, 2, 5, 5]), t([3, 2, 3, 3]), conv],
        conv2dBias: (t) => [t([1, 2, 5, 5]), t([3, 2, 3, 3]), t([3]), conv],
        conv2dBackwardInput: (t) => [t([1, 3, 3, 3]), t([3, 2, 3, 3]), [1, 2, 5, 5], conv],
        conv2dBackwardWeight: (t) => [t([1, 2, 5, 5]), t([1, 3, 3, 3]), [3, 2, 3, 3], conv],
        maxPool2d: (t) => [t([1, 2, 4, 4]), pool],
        maxPool2dBackward: (t) => [t([1, 2, 2, 2]), t([1, 2, 2, 2], "int32", [0, 3, 12, 15, 1, 2, 13, 14]), [1, 2, 4, 4]],
        avgPool2d: (t) => [t([1, 2, 4, 4]), pool],
        avgPool2dBackward: (t) => [t([1, 2, 2, 2]), [1, 2, 4, 4], pool],
        softmax: (t) => [t([2, 3]), 1],
        logSoftmax: (t) => [t([2, 3]), 1],
        gather: (t) => [t([2, 3]), 1, t([2, 2], "int32", [0, 2, 1, 0])],
        scatterAdd: (t) => [t([2, 3]), 1, t([2, 2], "int32", [0, 2, 1, 0]), t([2, 2])],
        adamUpdate: (t) => [t([4]), t([4]), t([4]), t([4]), adam],
        sgdUpdate: (t) => [t([4]), t([4]), t([4]), sgd],
        linear: (t) => [t([2, 3]), t([4, 3]), t([4]), "relu"],
      };
      for (const op of ["sum", "prod", "max", "min"]) calls[op] = (t) => [t([2, 3]), [1], false];
      for (const op of ["argmax", "argmin"]) calls[op] = (t) => [t([2, 3]), 1, false];
      for (const op of Object.keys(unaryFormula)) {
        const dtype: DType = op === "logicalNot" ? "bool" : "float32";
        calls[op] = (t) => [t([2, 3], dtype), t([2, 3], dtype), 0.1, 0.9];
      }
      for (const op of Object.keys(binaryFormula)) {
        const bool = ["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr"].includes(op);
        calls[op] = (t) => [t([2, 3]), t([2, 3]), t([2, 3], bool ? "bool" : "float32")];
      }
      /** What a caller can do to a view after the constructor checked it (its fields are plain properties). */
      // Each defect is made on the first axis longer than 1 (every operand here has one).
      const on = (t: Tensor, values: readonly number[], change: (v: number) => number): number[] => {
        const axis = t.shape.findIndex((d) => d > 1);
        return values.map((v, i) => (i === axis ? change(v) : v));
      };
      const defects: [string, (t: Tensor) => Record<string, unknown>][] = [
        ["a NaN offset", () => ({ offset: NaN })],
        ["a fractional offset", () => ({ offset: 0.5 })],
        ["a negative offset", () => ({ offset: -1 })],
        ["an offset past its storage", (t) => ({ offset: t.storage.length })],
        ["a NaN stride", (t) => ({ strides: on(t, t.strides, () => NaN) })],
        ["a fractional stride", (t) => ({ strides: on(t, t.strides, (s) => s + 0.5) })],
        ["a stride past its storage", (t) => ({ strides: on(t, t.strides, (s) => s + 1000) })],
        ["strides of another rank", (t) => ({ strides: t.strides.slice(1) })],
        ["a fractional size", (t) => ({ shape: on(t, t.shape, (d) => d + 0.5) })],
        ["a size past its storage", (t) => ({ shape: on(t, t.shape, (d) => d * 8), size: t.size * 8 })],
        ["a size that disagrees with its shape", (t) => ({ size: t.size + 1 })],
        ["another dtype than its storage", (t) => ({ dtype: t.dtype === "float64" ? "bool" : "float64" })],
      ];
      const forge = (t: Tensor, fields: Record<string, unknown>): Tensor => {
        for (const [key, value] of Object.entries(fields)) Object.defineProperty(t, key, { value, configurable: true });
        return t;
      };
      const kernelNames = (k: Backend): string[] =>
        Object.keys(k).filter((key) => typeof (k as unknown as Record<string, unknown>)[key] === "function" && !["alloc", "numThreads", "setNumThreads"].includes(key));

      it("every kernel of the backend has a case here", () => {
        expect(kernelNames(be()).filter((key) => calls[key] === undefined)).toEqual([]);
      });

      for (const kernel of Object.keys(calls).sort()) {
        (skip.has(kernel) ? it.skip : it)(`${kernel}: every operand with a malformed view is refused with a ValueError`, (ctx) => {
          const k = be();
          const fn = (k as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined>)[kernel];
          if (fn === undefined) ctx.skip();
          const make: Make = (shape, dtype = "float32", values) =>
            makeTensor(k, dtype, shape, values ?? Array.from({ length: sizeOf(shape) }, (_, i) => (dtype === "bool" ? i % 2 : (i % 5) - 2)));
          // The well-formed call works, so each refusal below is about the one malformed operand.
          fn!.call(k, ...calls[kernel](make));
          const operands = calls[kernel](make).flatMap((a, i) => (a instanceof Tensor ? [i] : []));
          for (const position of operands) {
            for (const [defect, fields] of defects) {
              const args = calls[kernel](make);
              const bad = args[position] as Tensor;
              forge(bad, fields(bad));
              let error: unknown = null;
              try {
                fn!.call(k, ...args);
              } catch (e) {
                error = e;
              }
              const what = `${kernel}, operand ${position + 1} with ${defect}`;
              expect(error, what).toBeInstanceOf(ValueError);
              expect((error as Error).message, what).toMatch(new RegExp(`^${kernel}: operand ${position + 1}: `));
            }
          }
        });
      }

      it("after every refusal the backend still computes exp([-8, -6, 0, 6])", () => {
        const k = be();
        const y = k.exp(makeTensor(k, "float32", [4], [-8, -6, 0, 6]));
        close(readValues(y), [-8, -6, 0, 6].map((v) => Math.fround(Math.exp(v))), 1e-6, 0, "exp");
      });
    });
  });
}
