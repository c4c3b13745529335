/**
 * Elementwise kernels of the JS backend: one monomorphic row function per op.
 * @module
 */
import type { TypedArray } from "../../dtype.js";
import type { BinaryKernels, BinaryOp, UnaryKernels, UnaryOp } from "../kernels.js";
import type { Tensor } from "../../tensor.js";
import { forEachRow } from "./loops.js";
import { erf, gelu, roundHalfEven, sigmoid, softplus } from "./scalar.js";
import { outputFor } from "./util.js";

type A = TypedArray;
type URow = (n: number, x: A, xo: number, xs: number, o: A, oo: number, os: number, p0: number, p1: number) => void;
type BRow = (n: number, a: A, ao: number, as: number, b: A, bo: number, bs: number, o: A, oo: number, os: number) => void;

const unaryRows: Record<UnaryOp, URow> = {
  neg: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = -x[xo + i * xs]; },
  abs: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.abs(x[xo + i * xs]); },
  sign: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.sign(x[xo + i * xs]); },
  exp: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.exp(x[xo + i * xs]); },
  log: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.log(x[xo + i * xs]); },
  log1p: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.log1p(x[xo + i * xs]); },
  expm1: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.expm1(x[xo + i * xs]); },
  sqrt: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.sqrt(x[xo + i * xs]); },
  rsqrt: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = 1 / Math.sqrt(x[xo + i * xs]); },
  square: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) { const v = x[xo + i * xs]; o[oo + i * os] = v * v; } },
  reciprocal: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = 1 / x[xo + i * xs]; },
  sin: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.sin(x[xo + i * xs]); },
  cos: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.cos(x[xo + i * xs]); },
  tanh: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.tanh(x[xo + i * xs]); },
  sigmoid: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = sigmoid(x[xo + i * xs]); },
  relu: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) { const v = x[xo + i * xs]; o[oo + i * os] = v < 0 ? 0 : v; } },
  leakyRelu: (n, x, xo, xs, o, oo, os, p0) => { for (let i = 0; i < n; i++) { const v = x[xo + i * xs]; o[oo + i * os] = v < 0 ? v * p0 : v; } },
  elu: (n, x, xo, xs, o, oo, os, p0) => { for (let i = 0; i < n; i++) { const v = x[xo + i * xs]; o[oo + i * os] = v < 0 ? p0 * Math.expm1(v) : v; } },
  gelu: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = gelu(x[xo + i * xs]); },
  silu: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) { const v = x[xo + i * xs]; o[oo + i * os] = v * sigmoid(v); } },
  softplus: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = softplus(x[xo + i * xs]); },
  erf: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = erf(x[xo + i * xs]); },
  floor: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.floor(x[xo + i * xs]); },
  ceil: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.ceil(x[xo + i * xs]); },
  round: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = roundHalfEven(x[xo + i * xs]); },
  clamp: (n, x, xo, xs, o, oo, os, lo, hi) => { for (let i = 0; i < n; i++) { const v = x[xo + i * xs]; o[oo + i * os] = v < lo ? lo : v > hi ? hi : v; } },
  logicalNot: (n, x, xo, xs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = x[xo + i * xs] === 0 ? 1 : 0; },
};

const binaryRows: Record<BinaryOp, BRow> = {
  add: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] + b[bo + i * bs]; },
  sub: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] - b[bo + i * bs]; },
  mul: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] * b[bo + i * bs]; },
  div: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] / b[bo + i * bs]; },
  pow: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = Math.pow(a[ao + i * as], b[bo + i * bs]); },
  maximum: (n, a, ao, as, b, bo, bs, o, oo, os) => {
    for (let i = 0; i < n; i++) { const x = a[ao + i * as], y = b[bo + i * bs]; o[oo + i * os] = x > y || x !== x ? x : y; }
  },
  minimum: (n, a, ao, as, b, bo, bs, o, oo, os) => {
    for (let i = 0; i < n; i++) { const x = a[ao + i * as], y = b[bo + i * bs]; o[oo + i * os] = x < y || x !== x ? x : y; }
  },
  eq: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] === b[bo + i * bs] ? 1 : 0; },
  ne: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] !== b[bo + i * bs] ? 1 : 0; },
  lt: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] < b[bo + i * bs] ? 1 : 0; },
  le: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] <= b[bo + i * bs] ? 1 : 0; },
  gt: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] > b[bo + i * bs] ? 1 : 0; },
  ge: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] >= b[bo + i * bs] ? 1 : 0; },
  logicalAnd: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] !== 0 && b[bo + i * bs] !== 0 ? 1 : 0; },
  logicalOr: (n, a, ao, as, b, bo, bs, o, oo, os) => { for (let i = 0; i < n; i++) o[oo + i * os] = a[ao + i * as] !== 0 || b[bo + i * bs] !== 0 ? 1 : 0; },
  reluBackward: (n, a, ao, as, b, bo, bs, o, oo, os) => {
    for (let i = 0; i < n; i++) { const y = b[bo + i * bs]; o[oo + i * os] = y > 0 ? a[ao + i * as] : y <= 0 ? 0 : y; }
  },
};

const boolResult = new Set<string>(["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalNot"]);

function unaryKernel(op: UnaryOp) {
  const row = unaryRows[op];
  return (x: Tensor, out?: Tensor | null, p0 = 0, p1 = 0): Tensor => {
    const o = outputFor(op, x.shape, boolResult.has(op) ? "bool" : x.dtype, out);
    const xd = x.storage.data;
    const od = o.storage.data;
    forEachRow(x.shape, [x.strides, o.strides], [x.offset, o.offset], (n, offs, st) => {
      row(n, xd, offs[0], st[0], od, offs[1], st[1], p0, p1);
    });
    return o;
  };
}

function binaryKernel(op: BinaryOp) {
  const row = binaryRows[op];
  return (a: Tensor, b: Tensor, out?: Tensor | null): Tensor => {
    const o = outputFor(op, a.shape, boolResult.has(op) ? "bool" : a.dtype, out, b);
    const ad = a.storage.data;
    const bd = b.storage.data;
    const od = o.storage.data;
    forEachRow(a.shape, [a.strides, b.strides, o.strides], [a.offset, b.offset, o.offset], (n, offs, st) => {
      row(n, ad, offs[0], st[0], bd, offs[1], st[1], od, offs[2], st[2]);
    });
    return o;
  };
}

/** Every unary kernel. */
export const unaryKernels = Object.fromEntries(
  (Object.keys(unaryRows) as UnaryOp[]).map((op) => [op, unaryKernel(op)]),
) as UnaryKernels;

/** Every binary kernel. */
export const binaryKernels = Object.fromEntries(
  (Object.keys(binaryRows) as BinaryOp[]).map((op) => [op, binaryKernel(op)]),
) as BinaryKernels;

/** `cond ? a : b` over same-shaped operands. */
export function where(cond: Tensor, a: Tensor, b: Tensor, out?: Tensor | null): Tensor {
  const o = outputFor("where", a.shape, a.dtype, out, b, cond);
  const cd = cond.storage.data;
  const ad = a.storage.data;
  const bd = b.storage.data;
  const od = o.storage.data;
  forEachRow(a.shape, [cond.strides, a.strides, b.strides, o.strides], [cond.offset, a.offset, b.offset, o.offset], (n, offs, st) => {
    const [co, ao, bo, oo] = offs;
    const [cs, as, bs, os] = st;
    for (let i = 0; i < n; i++) od[oo + i * os] = cd[co + i * cs] !== 0 ? ad[ao + i * as] : bd[bo + i * bs];
  });
  return o;
}
