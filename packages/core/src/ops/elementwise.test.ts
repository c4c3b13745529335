import { describe, expect, it } from "vitest";
import {
  DTypeError, Generator, ShapeError, Tensor, ValueError, abs, add, cast, ceil, clamp, cos, div, elu, eq, erf, exp, expm1, floor, ge,
  gelu, grad, gradCheck, gt, le, leakyRelu, log, log1p, logicalAnd, logicalNot, logicalOr, lt, maximum, minimum, mul, ne, neg, pow,
  randn, reciprocal, relu, reluBackward, round, rsqrt, scalar, sigmoid, sign, silu, sin, softplus, sqrt, square, sub, tanh, tensor, uniform, where,
} from "../index.js";
import { resolve } from "../index.js";

const gen = new Generator(42);
/** Random float64 values in [lo, hi) of a shape. */
const r = (shape: number[], lo = -2, hi = 2): Tensor => uniform(shape, lo, hi, { dtype: "float64", generator: gen });
/** Values kept away from 0, where kinks (relu, abs) and poles (1/x) would defeat finite differences. */
const away = (shape: number[], lo = 0.2, hi = 2): Tensor => {
  const t = r(shape, lo, hi);
  const signs = r(shape, -1, 1).gt(0).cast("float64").mul(2).sub(1);
  return t.mul(signs);
};

type Unary = (x: Tensor) => Tensor;
// [name, op, input maker]
const unaryCases: [string, Unary, (s: number[]) => Tensor][] = [
  ["neg", neg, r],
  ["abs", abs, away],
  ["exp", exp, r],
  ["log", log, (s) => r(s, 0.2, 3)],
  ["log1p", log1p, (s) => r(s, -0.5, 3)],
  ["expm1", expm1, r],
  ["sqrt", sqrt, (s) => r(s, 0.2, 3)],
  ["rsqrt", rsqrt, (s) => r(s, 0.2, 3)],
  ["square", square, r],
  ["reciprocal", reciprocal, away],
  ["sin", sin, r],
  ["cos", cos, r],
  ["tanh", tanh, r],
  ["sigmoid", sigmoid, r],
  ["relu", relu, away],
  ["silu", silu, r],
  ["softplus", softplus, r],
  ["erf", erf, r],
  ["leakyRelu", (x) => leakyRelu(x, 0.1), away],
  ["elu", (x) => elu(x, 1.5), away],
  ["gelu", (x) => gelu(x), r],
  ["gelu tanh", (x) => gelu(x, "tanh"), r],
  ["clamp", (x) => clamp(x, -0.5, 0.7), (s) => away(s).mul(1.31)],
  ["clamp open above", (x) => clamp(x, -0.5, null), (s) => away(s).mul(1.31)],
];

describe("unary ops: gradCheck over shapes and views", () => {
  for (const [name, op, make] of unaryCases) {
    it(name, () => {
      for (const shape of [[], [5], [3, 4], [2, 3, 2]]) expect(gradCheck(op, [make(shape)])).toBe(true);
      // A non-contiguous input: the transposed view of a [4, 3] tensor.
      const t = make([4, 3]).transpose(0, 1);
      expect(t.isContiguous).toBe(false);
      expect(gradCheck(op, [t])).toBe(true);
    });
  }
  it("zero-gradient ops (sign, floor, ceil, round) give zeros", () => {
    for (const op of [sign, floor, ceil, round]) {
      const x = tensor([0.3, 1.6, -2.2], { dtype: "float64", requiresGrad: true });
      op(x).sum().backward();
      expect(x.grad!.toArray()).toEqual([0, 0, 0]);
      expect(gradCheck(op, [tensor([0.3, 1.6, -2.2])])).toBe(true);
    }
  });
  it("second order for sigmoid, tanh, exp, log, sin, gelu, elu, softplus, sqrt", () => {
    for (const op of [sigmoid, tanh, exp, sin, softplus, (x: Tensor) => gelu(x), (x: Tensor) => gelu(x, "tanh"), silu, erf]) {
      expect(gradCheck(op, [r([2, 3])], { secondOrder: true })).toBe(true);
    }
    for (const op of [log, sqrt, rsqrt, reciprocal]) expect(gradCheck(op, [r([4], 0.3, 2)], { secondOrder: true })).toBe(true);
    expect(gradCheck((x) => elu(x, 0.7), [away([5])], { secondOrder: true })).toBe(true);
  });
});

type Binary = (a: Tensor, b: Tensor) => Tensor;
const binaryCases: [string, Binary, (s: number[]) => Tensor, (s: number[]) => Tensor][] = [
  ["add", add, r, r],
  ["sub", sub, r, r],
  ["mul", mul, r, r],
  ["div", div, r, away],
  ["pow", pow, (s) => r(s, 0.3, 2), r],
  ["maximum", maximum, r, r],
  ["minimum", minimum, r, r],
];

describe("binary ops: gradCheck with broadcasting and views", () => {
  for (const [name, op, ma, mb] of binaryCases) {
    it(name, () => {
      const pairs: [number[], number[]][] = [[[3], [3]], [[2, 3], [2, 3]], [[2, 3], [3]], [[4, 1], [1, 5]], [[2, 1, 3], [4, 1]], [[], [2, 2]], [[3, 2], []]];
      for (const [sa, sb] of pairs) expect(gradCheck(op, [ma(sa), mb(sb)]), `${name} ${JSON.stringify([sa, sb])}`).toBe(true);
      // Non-contiguous operands: transposed and expanded views.
      const a = ma([4, 3]).transpose(0, 1);
      const b = mb([3, 1]).expand([3, 4]);
      expect(gradCheck(op, [a, b])).toBe(true);
      // A number operand.
      expect(gradCheck((x) => op(x, scalar(1.5, { dtype: "float64" })), [ma([2, 2])])).toBe(true);
    });
  }
  it("second order for mul, div, pow", () => {
    expect(gradCheck(mul, [r([2, 3]), r([3])], { secondOrder: true })).toBe(true);
    expect(gradCheck(div, [r([2, 3]), away([2, 1])], { secondOrder: true })).toBe(true);
    expect(gradCheck(pow, [r([3], 0.5, 2), r([3])], { secondOrder: true })).toBe(true);
  });
  it("maximum and minimum split the gradient at ties", () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor([1, 5, 0], { requiresGrad: true });
    maximum(a, b).sum().backward();
    expect(a.grad!.toArray()).toEqual([0.5, 0, 1]);
    expect(b.grad!.toArray()).toEqual([0.5, 1, 0]);
  });
  it("pow at a = 0 has finite gradients", () => {
    const a = tensor([0, 2], { dtype: "float64", requiresGrad: true });
    const b = tensor([2, 3], { dtype: "float64", requiresGrad: true });
    pow(a, b).sum().backward();
    expect(a.grad!.toArray()).toEqual([0, 12]);
    expect(b.grad!.toArray()).toEqual([0, 8 * Math.log(2)]);
  });
});

describe("where and cast", () => {
  it("where: gradCheck with broadcasting, both branches", () => {
    const cond = tensor([[true, false, true], [false, false, true]]);
    expect(gradCheck((a, b) => where(cond, a, b), [r([2, 3]), r([2, 3])])).toBe(true);
    expect(gradCheck((a, b) => where(cond, a, b), [r([3]), r([2, 1])])).toBe(true);
    expect(gradCheck((a) => where(cond, a, 0), [r([1, 3])])).toBe(true);
    expect(where(cond, 1, tensor([5, 6, 7])).toArray()).toEqual([[1, 6, 1], [5, 6, 1]]);
  });
  it("cast: differentiable between float dtypes, none to integers", () => {
    // float32 rounding needs a coarse step for the finite differences.
    expect(gradCheck((x) => cast(x, "float32").cast("float64").mul(x), [r([3])], { eps: 1e-2, atol: 1e-3 })).toBe(true);
    const x = tensor([1.5, -2.5], { requiresGrad: true });
    const y = cast(x, "float64");
    expect(y.dtype).toBe("float64");
    y.sum().backward();
    expect(x.grad!.dtype).toBe("float32");
    expect(x.grad!.toArray()).toEqual([1, 1]);
    const i = cast(x, "int32");
    expect(i.requiresGrad).toBe(false);
    expect(i.toArray()).toEqual([1, -2]);
    expect(cast(tensor([0, 2, -1]), "bool").toArray()).toEqual([false, true, true]);
    expect(() => cast(x, "float16" as "float32")).toThrow(DTypeError);
  });
});

describe("forward values and dtypes", () => {
  it("comparisons and logical ops give bool", () => {
    const a = tensor([1, 2, 3]);
    expect(eq(a, 2).toArray()).toEqual([false, true, false]);
    expect(ne(a, 2).toArray()).toEqual([true, false, true]);
    expect(lt(a, 2).toArray()).toEqual([true, false, false]);
    expect(le(a, 2).toArray()).toEqual([true, true, false]);
    expect(gt(a, 2).dtype).toBe("bool");
    expect(ge(a, 2).toArray()).toEqual([false, true, true]);
    const p = tensor([true, true, false, false]);
    const q = tensor([true, false, true, false]);
    expect(logicalAnd(p, q).toArray()).toEqual([true, false, false, false]);
    expect(logicalOr(p, q).toArray()).toEqual([true, true, true, false]);
    expect(logicalNot(p).toArray()).toEqual([false, false, true, true]);
  });
  it("dtype promotion: int32 with float32, integers divide to float, numbers keep the tensor's dtype", () => {
    const i = tensor([1, 2], { dtype: "int32" });
    expect(add(i, tensor([0.5, 0.5])).dtype).toBe("float32");
    expect(add(i, 1).dtype).toBe("int32");
    expect(add(i, 0.5).toArray()).toEqual([1.5, 2.5]);
    expect(div(i, 2).toArray()).toEqual([0.5, 1]);
    expect(mul(tensor([1], { dtype: "float64" }), 2).dtype).toBe("float64");
  });
  it("bool arithmetic stays 0/1 (add is or, mul is and)", () => {
    const p = tensor([true, true, false]);
    const q = tensor([true, false, false]);
    const s = add(p, q);
    expect(s.toArray()).toEqual([true, true, false]);
    expect(eq(s, tensor([true, true, false])).toArray()).toEqual([true, true, true]);
    expect(mul(p, q).toArray()).toEqual([true, false, false]);
    expect(sub(p, q).toArray()).toEqual([0, 1, 0]);
  });
  it("NaN and Infinity propagate as IEEE", () => {
    const x = tensor([NaN, Infinity, -Infinity, 0], { dtype: "float64" });
    expect(x.add(1).toArray()).toEqual([NaN, Infinity, -Infinity, 1]);
    expect(x.mul(0).toArray()).toEqual([NaN, NaN, NaN, 0]);
    expect(tensor([1, -1, 0]).div(0).toArray()).toEqual([Infinity, -Infinity, NaN]);
    expect(exp(tensor([-Infinity, Infinity])).toArray()).toEqual([0, Infinity]);
    expect(log(tensor([0, -1])).toArray()).toEqual([-Infinity, NaN]);
    expect(sigmoid(tensor([-Infinity, Infinity, NaN])).toArray()).toEqual([0, 1, NaN]);
    expect(maximum(tensor([NaN, 1]), tensor([0, NaN])).toArray()).toEqual([NaN, NaN]);
    expect(relu(tensor([NaN])).toArray()).toEqual([NaN]);
  });
  it("reluBackward: g where y > 0, 0 where y <= 0 (even for an infinite g), NaN where y is NaN", () => {
    const g = tensor([5, 6, 7, Infinity, 8, -2]);
    const y = tensor([0, 2, -1, 0, NaN, 0.5]);
    expect(reluBackward(g, y).toArray()).toEqual([0, 6, 0, 0, NaN, -2]);
    // Broadcast g over y's rows, in float64 and int32.
    expect(reluBackward(tensor([1.5, -3], { dtype: "float64" }), tensor([[1, 0], [-1, 4]], { dtype: "float64" })).toArray()).toEqual([[1.5, 0], [0, -3]]);
    expect(reluBackward(tensor([4, 5], { dtype: "int32" }), tensor([1, 0], { dtype: "int32" })).toArray()).toEqual([4, 0]);
    // relu's backward is this kernel: an infinite upstream gradient stays out of cut units.
    const x = tensor([-1, 2, 0], { requiresGrad: true });
    relu(x).mul(tensor([Infinity, 3, Infinity])).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 3, 0]);
  });
  it("reluBackward is differentiable in g (double backward through relu)", () => {
    const y = away([3, 4]).relu();
    expect(gradCheck((g) => reluBackward(g, y), [r([3, 4])])).toBe(true);
    // f = sum(relu(x) x): f' = 2x where x > 0, else 0; the derivative of sum(f') is 2 there.
    const d1 = grad((x) => relu(x).mul(x).sum(), { createGraph: true });
    const d2 = grad((x) => d1(x)[0].sum());
    const x = tensor([-1.5, 0.5, 2], { dtype: "float64" });
    expect(d1(x)[0].toArray()).toEqual([0, 1, 4]);
    expect(d2(x)[0].toArray()).toEqual([0, 2, 2]);
  });
  it("activation values", () => {
    expect(leakyRelu(tensor([-10, 10]), 0.1).toArray()).toEqual([-1, 10]);
    expect(elu(tensor([0, 1, -1], { dtype: "float64" })).toArray()).toEqual([0, 1, Math.expm1(-1)]);
    expect(gelu(tensor([1], { dtype: "float64" })).item()).toBeCloseTo(0.8413447460685429, 12);
    expect(gelu(tensor([1], { dtype: "float64" }), "tanh").item()).toBeCloseTo(0.8411919906082768, 12);
    expect(round(tensor([0.5, 1.5, 2.5, -0.5])).toArray()).toEqual([0, 2, 2, -0]);
    expect(clamp(tensor([-2, 0.5, 3]), 0, 1).toArray()).toEqual([0, 0.5, 1]);
    expect(softplus(tensor([1000, -1000])).toArray()).toEqual([1000, 0]);
  });
});

describe("bad input", () => {
  it("mismatched shapes throw ShapeError with the exact message", () => {
    expect(() => add(tensor([[1, 2, 3], [4, 5, 6]]), tensor([[1, 2, 3, 4], [5, 6, 7, 8]]))).toThrow(
      new ShapeError("add: cannot broadcast [2, 3] with [2, 4] (axis 1: 3 vs 4)"),
    );
    expect(() => mul(randn([2, 3]), randn([4]))).toThrow("mul: cannot broadcast [2, 3] with [4] (axis 1: 3 vs 4)");
  });
  it("non-tensors, bad options", () => {
    expect(() => add(1, 2)).toThrow(ValueError);
    expect(() => add(tensor([1]), "1" as unknown as number)).toThrow(ValueError);
    expect(() => exp([1, 2] as unknown as Tensor)).toThrow(ValueError);
    expect(() => clamp(tensor([1]), 2, 1)).toThrow(ValueError);
    expect(() => gelu(tensor([1]), "fast" as "tanh")).toThrow(ValueError);
  });
});

describe("bad arguments raise named errors (issue 16)", () => {
  const op = (name: string) => resolve("op", name).apply;
  it("a missing or non-tensor operand: ValueError naming the op and operand (a TypeError before)", () => {
    // Before: TypeError "Cannot read properties of undefined (reading 'length')".
    expect(() => op("lt")(tensor([1]), undefined)).toThrow(ValueError);
    expect(() => op("lt")(tensor([1]), undefined)).toThrow("lt: second operand is not a tensor; expected a tensor, got undefined");
    expect(() => lt(tensor([1]), "sum" as never)).toThrow('lt: second operand is neither a tensor nor a number; expected a tensor or a number, got "sum"');
    expect(() => add(null as never, undefined as never)).toThrow("add: neither operand is a tensor; expected at least one tensor, got null and undefined");
    // Before: TypeError "Cannot read properties of null (reading 'shape')".
    expect(() => op("sign")(null)).toThrow("sign: input is not a tensor; expected a tensor, got null");
    expect(() => sign(null as never)).toThrow(ValueError);
    expect(() => op("where")(tensor([true]), 1, tensor([1]))).toThrow("where: first choice is not a tensor; expected a tensor, got 1");
  });
  it("parameters of the wrong type: ValueError (native said 'internal: expected a number argument' before)", () => {
    expect(() => leakyRelu(tensor([1]), "abc" as never)).toThrow('leakyRelu: slope is not a number; expected a number, got "abc"');
    expect(() => elu(tensor([1]), null as never)).toThrow("elu: alpha is not a number; expected a number, got null");
    expect(() => clamp(tensor([1]), "a" as never, 2)).toThrow('clamp: min is not a number; expected a number, got "a"');
    expect(() => op("clamp")(tensor([1]), null, null)).toThrow(ValueError);
    expect(() => op("cast")(tensor([1]), "float16")).toThrow(DTypeError);
  });
});
