/**
 * Elementwise ops: unary maths and activations, binary arithmetic with NumPy broadcasting,
 * comparisons, logical ops, where and cast. Each differentiable one carries its derivative.
 * @module
 */
import { defineOp } from "../defineOp.js";
import { Tensor } from "../tensor.js";
import type { TensorLike } from "../tensor.js";
import { kernels } from "../backend/backend.js";
import type { BinaryOp, UnaryOp } from "../backend/kernels.js";
import type { DType } from "../dtype.js";
import { assertDType, isFloat, promoteTypes } from "../dtype.js";
import { broadcastShapes, shapesEqual } from "../shape.js";
import { ValueError, describeValue } from "../errors.js";
import { checkNumber, checkTensor } from "../validate.js";
import { scalar } from "../creation.js";
import { sumTo } from "./reduce.js";
import { broadcastView } from "./views.js";

// ---------- helpers ----------

/** A number becomes a scalar of a dtype that keeps the other operand's type where it can. */
function asTensor(value: TensorLike, like: TensorLike, where: string, what: string): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value !== "number") throw new ValueError(`${where}: ${what} is neither a tensor nor a number; expected a tensor or a number, got ${describeValue(value)}`);
  const other = like instanceof Tensor ? like.dtype : "float32";
  const dtype: DType = isFloat(other) ? other : Number.isInteger(value) ? (other === "bool" ? "int32" : other) : "float32";
  return scalar(value, { dtype });
}

/** Casts (when needed) and broadcasts an operand; returns it and whether it is a temporary. */
function prepare(x: Tensor, dtype: DType, shape: readonly number[]): Tensor {
  const c = x.dtype === dtype ? x : kernels().cast(x, dtype);
  if (shapesEqual(c.shape, shape)) return c;
  const v = broadcastView(c, shape);
  if (c !== x) c.dispose();
  return v;
}

function release(temp: Tensor, original: Tensor): void {
  if (temp !== original) temp.dispose();
}

/** The gradient for an operand: undo broadcasting, then return to its dtype. */
function gradFor(g: Tensor, x: Tensor): Tensor {
  const s = sumTo(g, x.shape);
  return s.dtype === x.dtype ? s : s.cast(x.dtype);
}

function floatInput(x: Tensor): Tensor {
  return isFloat(x.dtype) ? x : kernels().cast(x, "float32");
}

function unaryForward(op: UnaryOp, floatOnly: boolean, p0 = 0, p1 = 0): (x: Tensor) => Tensor {
  return (x: Tensor) => {
    // The check sits in the forward so that the registry's op (resolve("op", name).apply) has it too.
    checkTensor(x, op);
    const input = floatOnly ? floatInput(x) : x;
    const out = kernels()[op](input, null, p0, p1);
    release(input, x);
    return out;
  };
}

function defineUnary(name: UnaryOp, floatOnly: boolean, backward: (g: Tensor, x: Tensor, out: Tensor) => Tensor): (x: Tensor) => Tensor {
  const forward = unaryForward(name, floatOnly);
  const op = defineOp({ name, forward, backward: (g, [x], out) => [backward(g, x, out)] });
  return (x: Tensor) => op(x);
}

/** Result dtype of arithmetic: promoted, and floating point for div and pow of integers. */
function arithmeticType(op: BinaryOp, a: DType, b: DType): DType {
  const t = promoteTypes(a, b);
  if ((op === "div" || op === "pow") && !isFloat(t)) return "float32";
  if (t === "bool" && (op === "add" || op === "sub" || op === "mul" || op === "maximum" || op === "minimum")) return op === "sub" ? "int32" : t;
  return t;
}

function binaryForward(op: BinaryOp): (a: Tensor, b: Tensor) => Tensor {
  return (a: Tensor, b: Tensor) => {
    checkTensor(a, op, "first operand");
    checkTensor(b, op, "second operand");
    const shape = broadcastShapes(a.shape, b.shape, op);
    const compare = op === "eq" || op === "ne" || op === "lt" || op === "le" || op === "gt" || op === "ge";
    const logical = op === "logicalAnd" || op === "logicalOr";
    const dtype = compare || logical ? promoteTypes(a.dtype, b.dtype) : arithmeticType(op, a.dtype, b.dtype);
    const ap = prepare(a, dtype, shape);
    const bp = prepare(b, dtype, shape);
    // bool storage must hold 0/1: adding true + true would store 2.
    const kernel = dtype === "bool" && op === "add" ? "logicalOr" : dtype === "bool" && op === "mul" ? "logicalAnd" : op;
    const out = kernels()[kernel](ap, bp);
    release(ap, a);
    release(bp, b);
    return out;
  };
}

function defineBinary(
  name: BinaryOp,
  backward?: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null],
): (a: TensorLike, b: TensorLike) => Tensor {
  const op = defineOp({
    name,
    forward: binaryForward(name),
    backward: backward === undefined ? undefined : (g, [a, b], out) => {
      const [ga, gb] = backward(g, a, b, out);
      return [ga === null || !a.requiresGrad ? null : gradFor(ga, a), gb === null || !b.requiresGrad ? null : gradFor(gb, b)];
    },
  });
  return (a: TensorLike, b: TensorLike) => {
    if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
      throw new ValueError(`${name}: neither operand is a tensor; expected at least one tensor, got ${describeValue(a)} and ${describeValue(b)}`);
    }
    return op(asTensor(a, b, name, "first operand"), asTensor(b, a, name, "second operand"));
  };
}

const zeroGrad = (g: Tensor): Tensor => g.mul(0);

// ---------- unary ----------

/** -x. Shape: same as x. @example `neg(tensor([1, -2])).toArray(); // [-1, 2]` @category Ops */
export const neg = defineUnary("neg", false, (g) => g.neg());
/** |x|; d/dx = sign(x). Shape: same as x. @example `abs(tensor([-3])).item(); // 3` @category Ops */
export const abs = defineUnary("abs", false, (g, x) => g.mul(x.sign()));
/** Sign of x (-1, 0, 1); its gradient is zero. Shape: same as x. @example `sign(tensor([-2, 0, 5])).toArray(); // [-1, 0, 1]` @category Ops */
export const sign = defineUnary("sign", false, zeroGrad);
/** e^x; d/dx = e^x. Shape: same as x. @example `exp(tensor([0])).item(); // 1` @category Ops */
export const exp = defineUnary("exp", true, (g, _x, out) => g.mul(out));
/** Natural log; d/dx = 1/x. Shape: same as x. @example `log(tensor([1])).item(); // 0` @category Ops */
export const log = defineUnary("log", true, (g, x) => g.div(x));
/** ln(1 + x), accurate near 0; d/dx = 1/(1 + x). Shape: same as x. @example `log1p(tensor([0])).item(); // 0` @category Ops */
export const log1p = defineUnary("log1p", true, (g, x) => g.div(x.add(1)));
/** e^x - 1, accurate near 0; d/dx = e^x. Shape: same as x. @example `expm1(tensor([0])).item(); // 0` @category Ops */
export const expm1 = defineUnary("expm1", true, (g, _x, out) => g.mul(out.add(1)));
/** Square root; d/dx = 1/(2 sqrt x). Shape: same as x. @example `sqrt(tensor([9])).item(); // 3` @category Ops */
export const sqrt = defineUnary("sqrt", true, (g, _x, out) => g.div(out.mul(2)));
/** 1/sqrt(x); d/dx = -x^(-3/2)/2. Shape: same as x. @example `rsqrt(tensor([4])).item(); // 0.5` @category Ops */
export const rsqrt = defineUnary("rsqrt", true, (g, _x, out) => g.mul(out.pow(3)).mul(-0.5));
/** x^2; d/dx = 2x. Shape: same as x. @example `square(tensor([3])).item(); // 9` @category Ops */
export const square = defineUnary("square", false, (g, x) => g.mul(x).mul(2));
/** 1/x; d/dx = -1/x^2. Shape: same as x. @example `reciprocal(tensor([4])).item(); // 0.25` @category Ops */
export const reciprocal = defineUnary("reciprocal", true, (g, _x, out) => g.mul(out.square()).neg());
/** sin x; d/dx = cos x. Shape: same as x. @example `sin(tensor([0])).item(); // 0` @category Ops */
export const sin = defineUnary("sin", true, (g, x) => g.mul(x.cos()));
/** cos x; d/dx = -sin x. Shape: same as x. @example `cos(tensor([0])).item(); // 1` @category Ops */
export const cos = defineUnary("cos", true, (g, x) => g.mul(x.sin()).neg());
/** tanh x; d/dx = 1 - tanh^2 x. Shape: same as x. @example `tanh(tensor([0])).item(); // 0` @category Ops */
export const tanh = defineUnary("tanh", true, (g, _x, out) => g.mul(out.square().neg().add(1)));
/** sigma(x) = 1/(1 + e^-x); d/dx = sigma(x)(1 - sigma(x)). Shape: same as x. @example `sigmoid(tensor([0])).item(); // 0.5` @category Ops */
export const sigmoid = defineUnary("sigmoid", true, (g, _x, out) => g.mul(out).mul(out.neg().add(1)));
/** max(x, 0); d/dx = 1 where x > 0, else 0. Shape: same as x. @example `relu(tensor([-1, 2])).toArray(); // [0, 2]` @category Ops */
// The gradient is one reluBackward kernel over (g, relu(x)): a single pass on the hottest
// backward of every MLP and CNN. (A NaN input gives a NaN gradient.)
export const relu = defineUnary("relu", false, (g, _x, out) => reluBackward(g, out));
/** erf(x) = 2/sqrt(pi) int_0^x e^(-t^2) dt; d/dx = 2/sqrt(pi) e^(-x^2). Shape: same as x. @example `erf(tensor([0])).item(); // 0` @category Ops */
export const erf = defineUnary("erf", true, (g, x) => g.mul(x.square().neg().exp().mul(2 / Math.sqrt(Math.PI))));
/** x sigma(x) (swish); d/dx = s + x s (1 - s) with s = sigma(x). Shape: same as x. @example `silu(tensor([0])).item(); // 0` @category Ops */
export const silu = defineUnary("silu", true, (g, x) => {
  const s = x.sigmoid();
  return g.mul(s.add(x.mul(s).mul(s.neg().add(1))));
});
/** ln(1 + e^x), computed stably; d/dx = sigma(x). Shape: same as x. @example `softplus(tensor([0])).item(); // ln 2` @category Ops */
export const softplus = defineUnary("softplus", true, (g, x) => g.mul(x.sigmoid()));
/** Rounds toward -infinity; zero gradient. Shape: same as x. @example `floor(tensor([1.5])).item(); // 1` @category Ops */
export const floor = defineUnary("floor", false, zeroGrad);
/** Rounds toward +infinity; zero gradient. Shape: same as x. @example `ceil(tensor([1.5])).item(); // 2` @category Ops */
export const ceil = defineUnary("ceil", false, zeroGrad);
/** Rounds half to even; zero gradient. Shape: same as x. @example `round(tensor([2.5])).item(); // 2` @category Ops */
export const round = defineUnary("round", false, zeroGrad);

const reluBackwardOp: (g: Tensor, y: Tensor) => Tensor = defineOp({
  name: "reluBackward",
  forward: binaryForward("reluBackward"),
  // Linear in g; the step in y has zero derivative.
  backward: (gg: Tensor, [, y]: [Tensor, Tensor]): [Tensor, null] => [reluBackwardOp(gg, y), null],
});
/**
 * relu's gradient from its output: g where y > 0, 0 where y <= 0 (NaN where y is NaN), in one
 * kernel. Used by relu's backward and the fused linear layer's; differentiable in g.
 * Shape: broadcast of g and y.
 * @example `reluBackward(tensor([5, 6, 7]), tensor([0, 2, -1])).toArray(); // [0, 6, 0]`
 * @category Ops
 */
export function reluBackward(g: Tensor, y: Tensor): Tensor {
  return reluBackwardOp(g, y);
}

const leakyReluOp = defineOp({
  name: "leakyRelu",
  forward: (x: Tensor, slope: number) => {
    checkNumber(slope, "leakyRelu", "slope");
    return unaryForward("leakyRelu", false, slope)(x);
  },
  backward: (g, [x, slope]) => [g.mul(x.gt(0).cast(g.dtype).mul(1 - slope).add(slope)), null],
});
/**
 * x for x > 0, slope * x otherwise; d/dx = 1 or slope.
 * Shape: same as x.
 * @example
 * ```ts
 * import { leakyRelu, tensor } from "@backprop/core";
 * leakyRelu(tensor([-10, 10]), 0.1).toArray(); // [-1, 10]
 * ```
 * @category Ops
 */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return leakyReluOp(x, slope);
}

const eluOp = defineOp({
  name: "elu",
  forward: (x: Tensor, alpha: number) => {
    checkNumber(alpha, "elu", "alpha");
    return unaryForward("elu", true, alpha)(x);
  },
  // d/dx = 1 for x > 0, alpha e^x = out + alpha otherwise
  backward: (g, [x, alpha], out) => [where(x.gt(0), g, g.mul(out.add(alpha))), null],
});
/**
 * x for x > 0, alpha (e^x - 1) otherwise.
 * Shape: same as x.
 * @example
 * ```ts
 * import { elu, tensor } from "@backprop/core";
 * elu(tensor([0, 1])).toArray(); // [0, 1]
 * ```
 * @category Ops
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  return eluOp(x, alpha);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const geluExact = defineUnary("gelu", true, (g, x) => {
  // d/dx x Phi(x) = Phi(x) + x phi(x)
  const cdf = x.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
  const pdf = x.square().mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI));
  return g.mul(cdf.add(x.mul(pdf)));
});
/**
 * GELU, x Phi(x) with Phi the standard normal CDF; `approximate: "tanh"` uses
 * x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 * Shape: same as x.
 * @example
 * ```ts
 * import { gelu, tensor } from "@backprop/core";
 * gelu(tensor([0])).item(); // 0
 * ```
 * @category Ops
 */
export function gelu(x: Tensor, approximate: "none" | "tanh" = "none"): Tensor {
  checkTensor(x, "gelu");
  if (approximate === "none") return geluExact(x);
  if (approximate !== "tanh") throw new ValueError(`gelu: approximate must be "none" or "tanh"; got ${JSON.stringify(approximate)}`);
  const inner = x.add(x.pow(3).mul(0.044715)).mul(SQRT_2_OVER_PI);
  return x.mul(0.5).mul(inner.tanh().add(1));
}

const clampOp = defineOp({
  name: "clamp",
  forward: (x: Tensor, lo: number, hi: number) => {
    checkNumber(lo, "clamp", "min");
    checkNumber(hi, "clamp", "max");
    return unaryForward("clamp", false, lo, hi)(x);
  },
  backward: (g, [x, lo, hi]) => [g.mul(x.ge(lo).logicalAnd(x.le(hi)).cast(g.dtype)), null, null],
});
/**
 * Limits every element to [min, max]; null leaves that side open. The gradient passes where
 * min <= x <= max.
 * Shape: same as x.
 * @throws {ValueError} when min > max.
 * @example
 * ```ts
 * import { clamp, tensor } from "@backprop/core";
 * clamp(tensor([-2, 0.5, 3]), 0, 1).toArray(); // [0, 0.5, 1]
 * ```
 * @category Ops
 */
export function clamp(x: Tensor, min: number | null, max: number | null): Tensor {
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  checkNumber(lo, "clamp", "min");
  checkNumber(hi, "clamp", "max");
  if (lo > hi) throw new ValueError(`clamp: min exceeds max; expected min <= max, got min ${lo}, max ${hi}`);
  return clampOp(x, lo, hi);
}

// ---------- binary ----------

/** a + b with broadcasting. Shape: broadcast(a, b). @example `add(tensor([1, 2]), 10).toArray(); // [11, 12]` @category Ops */
export const add = defineBinary("add", (g) => [g, g]);
/** a - b with broadcasting. Shape: broadcast(a, b). @example `sub(tensor([5]), tensor([2])).item(); // 3` @category Ops */
export const sub = defineBinary("sub", (g) => [g, g.neg()]);
/** a * b with broadcasting; d(ab) = b da + a db. Shape: broadcast(a, b). @example `mul(tensor([2, 3]), 2).toArray(); // [4, 6]` @category Ops */
export const mul = defineBinary("mul", (g, a, b) => [a.requiresGrad ? g.mul(b) : null, b.requiresGrad ? g.mul(a) : null]);
/** a / b with broadcasting (integers give float32); d(a/b) = da/b - a db/b^2. Shape: broadcast(a, b). @example `div(tensor([1]), 4).item(); // 0.25` @category Ops */
export const div = defineBinary("div", (g, a, b) => [a.requiresGrad ? g.div(b) : null, b.requiresGrad ? g.mul(a).div(b.square()).neg() : null]);
/**
 * a ^ b with broadcasting; d/da = b a^(b-1), d/db = a^b ln a (taken as 0 where a = 0).
 * Shape: broadcast(a, b).
 * @example
 * ```ts
 * import { pow, tensor } from "@backprop/core";
 * pow(tensor([2, 3]), 2).toArray(); // [4, 9]
 * ```
 * @category Ops
 */
export const pow = defineBinary("pow", (g, a, b, out) => [
  a.requiresGrad ? where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))) : null,
  b.requiresGrad ? where(a.eq(0), 0, g.mul(out).mul(a.log())) : null,
]);
/** Elementwise larger value (NaN wins); ties split the gradient. Shape: broadcast(a, b). @example `maximum(tensor([1, 5]), 3).toArray(); // [3, 5]` @category Ops */
export const maximum = defineBinary("maximum", (g, a, b) => {
  const half = a.eq(b).cast(g.dtype).mul(0.5);
  return [g.mul(a.gt(b).cast(g.dtype).add(half)), g.mul(a.lt(b).cast(g.dtype).add(half))];
});
/** Elementwise smaller value (NaN wins); ties split the gradient. Shape: broadcast(a, b). @example `minimum(tensor([1, 5]), 3).toArray(); // [1, 3]` @category Ops */
export const minimum = defineBinary("minimum", (g, a, b) => {
  const half = a.eq(b).cast(g.dtype).mul(0.5);
  return [g.mul(a.lt(b).cast(g.dtype).add(half)), g.mul(a.gt(b).cast(g.dtype).add(half))];
});
/** a == b as bool. Shape: broadcast(a, b). @example `eq(tensor([1, 2]), 2).toArray(); // [false, true]` @category Ops */
export const eq = defineBinary("eq");
/** a != b as bool. Shape: broadcast(a, b). @example `ne(tensor([1, 2]), 2).toArray(); // [true, false]` @category Ops */
export const ne = defineBinary("ne");
/** a < b as bool. Shape: broadcast(a, b). @example `lt(tensor([1, 2]), 2).toArray(); // [true, false]` @category Ops */
export const lt = defineBinary("lt");
/** a <= b as bool. Shape: broadcast(a, b). @example `le(tensor([1, 3]), 2).toArray(); // [true, false]` @category Ops */
export const le = defineBinary("le");
/** a > b as bool. Shape: broadcast(a, b). @example `gt(tensor([1, 3]), 2).toArray(); // [false, true]` @category Ops */
export const gt = defineBinary("gt");
/** a >= b as bool. Shape: broadcast(a, b). @example `ge(tensor([1, 2]), 2).toArray(); // [false, true]` @category Ops */
export const ge = defineBinary("ge");
/** Logical and of non-zero tests, as bool. Shape: broadcast(a, b). @example `logicalAnd(tensor([true, true]), tensor([true, false])).toArray(); // [true, false]` @category Ops */
export const logicalAnd = defineBinary("logicalAnd");
/** Logical or of non-zero tests, as bool. Shape: broadcast(a, b). @example `logicalOr(tensor([false, true]), tensor([false, false])).toArray(); // [false, true]` @category Ops */
export const logicalOr = defineBinary("logicalOr");

const logicalNotOp = defineOp({
  name: "logicalNot",
  forward: (x: Tensor) => {
    checkTensor(x, "logicalNot");
    return kernels().logicalNot(x);
  },
});
/**
 * Logical not (zero becomes true), as bool.
 * Shape: same as x.
 * @example
 * ```ts
 * import { logicalNot, tensor } from "@backprop/core";
 * logicalNot(tensor([true, false])).toArray(); // [false, true]
 * ```
 * @category Ops
 */
export function logicalNot(x: Tensor): Tensor {
  return logicalNotOp(x);
}

const whereOp = defineOp({
  name: "where",
  forward: (cond: Tensor, a: Tensor, b: Tensor) => {
    checkTensor(cond, "where", "condition");
    checkTensor(a, "where", "first choice");
    checkTensor(b, "where", "second choice");
    const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, "where"), b.shape, "where");
    const dtype = promoteTypes(a.dtype, b.dtype);
    const cp = prepare(cond, "bool", shape);
    const ap = prepare(a, dtype, shape);
    const bp = prepare(b, dtype, shape);
    const out = kernels().where(cp, ap, bp);
    release(cp, cond);
    release(ap, a);
    release(bp, b);
    return out;
  },
  backward: (g, [cond, a, b]) => [
    null,
    a.requiresGrad ? gradFor(where(cond, g, 0), a) : null,
    b.requiresGrad ? gradFor(where(cond, 0, g), b) : null,
  ],
});
/**
 * Picks elements of `a` where `condition` is true and of `b` elsewhere, with broadcasting.
 * Shape: broadcast(condition, a, b).
 * @example
 * ```ts
 * import { where, tensor } from "@backprop/core";
 * where(tensor([true, false]), tensor([1, 2]), 0).toArray(); // [1, 0]
 * ```
 * @category Ops
 */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor(condition, "where", "condition");
  const at = asTensor(a, b, "where", "first choice");
  const bt = asTensor(b, at, "where", "second choice");
  return whereOp(condition, at, bt);
}

const castOp = defineOp({
  name: "cast",
  forward: (x: Tensor, dtype: DType) => {
    checkTensor(x, "cast");
    assertDType(dtype, "cast");
    return kernels().cast(x, dtype);
  },
  backward: (g, [x]) => [isFloat(x.dtype) ? g.cast(x.dtype) : null, null],
});
/**
 * Converts to another dtype (a copy). Float to int32 truncates toward zero; to bool tests
 * non-zero. Differentiable between float dtypes.
 * Shape: same as x.
 * @throws {DTypeError} for an unknown dtype.
 * @example
 * ```ts
 * import { cast, tensor } from "@backprop/core";
 * cast(tensor([1.7, -1.7]), "int32").toArray(); // [1, -1]
 * ```
 * @category Ops
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor(x, "cast");
  assertDType(dtype, "cast");
  if (!isFloat(dtype) && x.requiresGrad) {
    // Integer results carry no gradient; the op still runs.
    return castOp(x.detach(), dtype);
  }
  return castOp(x, dtype);
}

