import { describe, expect, it } from "vitest";
import {
  DTypeError, RegistryError, Tensor, ValueError, defineOp, grad, gradCheck, isGradEnabled, noGrad, ones, scalar, tensor, unregister,
  valueAndGrad, withGradMode,
} from "./index.js";
import { StateError, runBackward } from "./index.js";

const f64 = (data: number[], requiresGrad = true): Tensor => tensor(data, { dtype: "float64", requiresGrad });

describe("backward and .grad", () => {
  it("accumulates over two backward calls and zeroGrad resets", () => {
    const x = f64([1, 2]);
    x.mul(3).sum().backward();
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([3 + 2, 3 + 4]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
    x.mul(5).sum().backward();
    expect(x.grad!.toArray()).toEqual([5, 5]);
  });
  it("a diamond graph (x used twice) sums both paths", () => {
    const x = f64([2]);
    const a = x.mul(3);
    const b = x.square();
    a.add(b).mul(x).sum().backward(); // (3x + x^2) x = 3x^2 + x^3 -> 6x + 3x^2 = 24
    expect(x.grad!.item()).toBe(24);
    const y = f64([1.5]);
    y.add(y).backward(); // the same tensor as both operands
    expect(y.grad!.item()).toBe(2);
  });
  it("backward with an explicit gradient for a non-scalar", () => {
    const x = f64([1, 2, 3]);
    x.mul(2).backward(f64([1, 0, -1], false));
    expect(x.grad!.toArray()).toEqual([2, 0, -2]);
  });
  it("backward on a non-scalar without a gradient is a clear error", () => {
    const x = f64([1, 2]);
    expect(() => { x.mul(2).backward(); }).toThrow(ValueError);
    expect(() => { x.mul(2).backward(); }).toThrow(/non-scalar float64 tensor \[2\] needs an explicit gradient/);
  });
  it("backward twice without retainGraph is a clear error; with it, works", () => {
    const x = f64([3]);
    const y = x.square().mul(2);
    y.backward();
    expect(() => { y.backward(); }).toThrow(/freed by an earlier backward; pass \{ retainGraph: true \}/);
    const z = x.square();
    x.zeroGrad();
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expect(x.grad!.item()).toBe(12);
  });
  it("backward of a tensor that needs no gradient is a clear error", () => {
    expect(() => { f64([1], false).mul(2).backward(); }).toThrow(/does not require gradients/);
  });
  it("requiresGrad on int32 or bool is a DTypeError", () => {
    expect(() => tensor([1, 2], { dtype: "int32", requiresGrad: true })).toThrow(DTypeError);
    expect(() => tensor([true]).requiresGrad_()).toThrow(DTypeError);
  });
  it("createGraph gives a correct second derivative: d2/dx2 x^3 = 6x", () => {
    const x = f64([2, -1]);
    const y = x.pow(3).sum();
    y.backward(undefined, { createGraph: true });
    const g = x.grad!;
    expect(g.toArray()).toEqual([12, 3]);
    expect(g.requiresGrad).toBe(true);
    x.zeroGrad();
    g.sum().backward();
    expect(x.grad!.toArray()).toEqual([12, -6]);
  });
  it("non-leaf tensors get .grad only with retainGrad", () => {
    const x = f64([1, 2]);
    const h = x.mul(3);
    const k = x.mul(4).retainGrad();
    h.add(k).mul(2).sum().backward();
    expect(h.grad).toBeNull();
    expect(k.retainsGrad).toBe(true);
    expect(k.grad!.toArray()).toEqual([2, 2]);
    expect(x.grad!.toArray()).toEqual([14, 14]);
  });
  it("hooks see the gradient and may replace it; remove() unregisters", () => {
    const x = f64([1, 2]);
    const seen: number[][] = [];
    const handle = x.registerHook((g) => {
      seen.push(g.toArray() as number[]);
      return g.mul(10);
    });
    x.mul(3).sum().backward();
    expect(seen).toEqual([[3, 3]]);
    expect(x.grad!.toArray()).toEqual([30, 30]);
    handle.remove();
    x.zeroGrad();
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 3]);
    // A hook on an intermediate changes what flows further down.
    const y = f64([1]);
    const h = y.mul(2);
    h.registerHook((g) => g.mul(0));
    h.mul(5).sum().backward();
    expect(y.grad!.item()).toBe(0);
    expect(() => f64([1], false).registerHook(() => undefined)).toThrow(/does not require gradients/);
    const z = f64([1, 2]);
    z.registerHook(() => f64([1], false));
    expect(() => { z.mul(2).sum().backward(); }).toThrow("registerHook: a hook must return nothing or a gradient of the same shape; expected [2], got a gradient of shape [1]");
    expect(() => { f64([1, 2]).mul(2).backward(3 as unknown as Tensor); }).toThrow(ValueError);
  });
  it("gradFn and isLeaf", () => {
    const x = f64([1]);
    expect(x.isLeaf).toBe(true);
    expect(x.gradFn).toBeNull();
    const y = x.mul(2);
    expect(y.isLeaf).toBe(false);
    expect(y.gradFn).toBe("mul");
  });
});

describe("recording modes", () => {
  it("noGrad records nothing and restores the mode, also on throw", () => {
    const x = f64([1]);
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(isGradEnabled()).toBe(true);
    expect(() => noGrad(() => { throw new Error("boom"); })).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
    expect(withGradMode(false, () => withGradMode(true, () => isGradEnabled()))).toBe(true);
  });
  it("detach shares data but cuts the graph", () => {
    const x = f64([1, 2]);
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    const y = x.mul(d).sum();
    y.backward();
    expect(x.grad!.toArray()).toEqual([2, 4]); // d is a constant
    const e = x.detach();
    e.storage.data[0] = 7;
    expect(x.toArray()).toEqual([7, 2]);
  });
});

describe("functional grad and valueAndGrad", () => {
  it("grad returns gradients and leaves .grad alone", () => {
    const x = f64([1, 2]);
    const w = f64([3, 4], false);
    const [gx, gw] = grad((a, b) => a.mul(b).sum())(x, w);
    expect(gx.toArray()).toEqual([3, 4]);
    expect(gw.toArray()).toEqual([1, 2]);
    expect(x.grad).toBeNull();
  });
  it("valueAndGrad gives the value; unused inputs get zeros", () => {
    const { value, grads } = valueAndGrad((a, _b) => a.square().sum())(f64([3]), f64([5]));
    expect(value.item()).toBe(9);
    expect(value.requiresGrad).toBe(false);
    expect(grads[0].item()).toBe(6);
    expect(grads[1].item()).toBe(0);
  });
  it("grad of grad: d2/dx2 x^3 = 6x", () => {
    const d1 = grad((x) => x.pow(3).sum(), { createGraph: true });
    const d2 = grad((x) => d1(x)[0].sum());
    expect(d2(f64([2, 3]))[0].toArray()).toEqual([12, 18]);
  });
  it("an infinite loss still seeds backward with 1", () => {
    const [g] = grad((x) => x.exp().sum())(f64([1000, 0]));
    expect(g.toArray()).toEqual([Infinity, 1]);
  });
  it("a non-scalar function is a clear error", () => {
    expect(() => grad((x) => x.mul(2))(f64([1, 2]))).toThrow(/must return a one-element tensor/);
  });
});

describe("defineOp", () => {
  it("a custom op with a custom backward behaves like a built-in", () => {
    // cube(x) = x^3, d/dx = 3x^2
    const cube = defineOp({
      name: "test/cube",
      forward: (x: Tensor) => x.mul(x).mul(x),
      backward: (g, [x]) => [g.mul(x.square().mul(3))],
    });
    const x = f64([1, 2]);
    const y = cube(x);
    expect(y.gradFn).toBe("test/cube");
    expect(y.toArray()).toEqual([1, 8]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 12]);
    expect(gradCheck((t) => cube(t), [f64([0.5, -1.5, 2], false)], { secondOrder: true })).toBe(true);
    // Under noGrad or without inputs that need gradients, nothing is recorded.
    expect(noGrad(() => cube(x)).requiresGrad).toBe(false);
    expect(cube(f64([1], false)).requiresGrad).toBe(false);
    expect(() => defineOp({ name: "test/cube", forward: (t: Tensor) => t })).toThrow(RegistryError);
    unregister("op", "test/cube");
  });
  it("extra saved values and non-tensor arguments reach the backward", () => {
    const scale = defineOp({
      name: "test/scale",
      forward: (x: Tensor, k: number) => ({ output: x.mul(k), saved: k * 2 }),
      backward: (g, [, k], _out, saved) => [g.mul(k).mul((saved as number) / (2 * k)), null],
      register: false,
    });
    const x = f64([1, 2]);
    scale(x, 4).sum().backward();
    expect(x.grad!.toArray()).toEqual([4, 4]);
  });
  it("an op returning its own input still gets its own node", () => {
    const identity = defineOp({ name: "test/identity", forward: (x: Tensor) => x, backward: (g) => [g.mul(2)], register: false });
    const x = f64([1]);
    const y = identity(x);
    expect(y).not.toBe(x);
    y.sum().backward();
    expect(x.grad!.item()).toBe(2);
  });
  it("a backward returning a wrong shape is reported as internal", () => {
    const bad = defineOp({ name: "test/bad", forward: (x: Tensor) => x.mul(1), backward: () => [ones([5], { dtype: "float64" })], register: false });
    expect(() => { bad(f64([1, 2])).sum().backward(); }).toThrow(/internal: the backward of "test\/bad" returned a gradient of shape \[5\] for an input of shape \[2\]/);
  });
  it("scalar leaves", () => {
    const s = scalar(3, { dtype: "float64", requiresGrad: true });
    s.square().backward();
    expect(s.grad!.item()).toBe(6);
  });
});

describe("gradCheck", () => {
  it("passes correct gradients, first and second order, and catches a wrong backward", () => {
    expect(gradCheck((a, b) => a.mul(b).sin().add(a.exp()), [f64([0.5, -1, 2], false), f64([0.3], false)], { secondOrder: true })).toBe(true);
    const wrong = defineOp({ name: "test/wrongSquare", forward: (x: Tensor) => x.square(), backward: (g, [x]) => [g.mul(x)], register: false });
    expect(() => gradCheck((x) => wrong(x), [f64([1, 2], false)])).toThrow(/gradCheck: input 0 \(float64 tensor \[2\]\) element \[0\]: analytic/);
    expect(() => gradCheck((x) => wrong(x), [f64([1, 2], false)])).toThrow(ValueError);
    // Right first derivative, wrong second: d/dx of the backward of x^2 should be 2, here 0.
    const frozen = defineOp({ name: "test/frozenSquare", forward: (x: Tensor) => x.square(), backward: (g, [x]) => [g.mul(x.detach().mul(2))], register: false });
    expect(gradCheck((x) => frozen(x), [f64([1, 2], false)])).toBe(true);
    expect(() => gradCheck((x) => frozen(x), [f64([1, 2], false)], { secondOrder: true })).toThrow(/gradCheck/);
    expect(() => gradCheck((x) => x, [1 as unknown as Tensor])).toThrow(ValueError);
  });
});

describe("bad arguments raise named errors (issue 16)", () => {
  it("callbacks that are not functions: ValueError (TypeError 'fn is not a function' before)", () => {
    expect(() => withGradMode(true, 3 as never)).toThrow(ValueError);
    expect(() => withGradMode(true, 3 as never)).toThrow("withGradMode: fn is not a function; expected a function, got 3");
    expect(() => withGradMode("yes" as never, () => 1)).toThrow('withGradMode: enabled is not a boolean; expected true or false, got "yes"');
    expect(isGradEnabled()).toBe(true);
    expect(() => noGrad(null as never)).toThrow("noGrad: fn is not a function; expected a function, got null");
    expect(() => grad(3 as never)).toThrow("grad: f is not a function; expected a function, got 3");
    expect(() => valueAndGrad(() => 3 as never)(tensor([1]))).toThrow("grad: the function's result is not a tensor; expected a tensor, got 3");
    expect(() => gradCheck(tensor([1]) as never, [])).toThrow("gradCheck: fn is not a function; expected a function, got a float32 tensor [1]");
    expect(() => gradCheck((x) => x, [tensor([1])], null as never)).toThrow("gradCheck: options are not an object; expected e.g. { eps: 1e-6 }, got null");
  });
  it("backward's engine and options check their arguments (TypeError 'roots.forEach is not a function' before)", () => {
    expect(() => runBackward("x" as never, [])).toThrow('backward: roots and gradients are not two lists of one length; expected e.g. [loss] and [ones], got "x" and []');
    expect(() => runBackward([3 as never], [tensor([1])])).toThrow("backward: root 0 is not a tensor; expected a tensor, got 3");
    const y = f64([2]).square().sum();
    expect(() => { y.backward(undefined, null as never); }).toThrow("backward: options are not an object; expected e.g. { retainGraph: true }, got null");
    expect(() => { y.backward(undefined, { retainGraph: 1 as never }); }).toThrow(ValueError);
    y.backward();
    expect(() => { y.backward(); }).toThrow(StateError);
  });
});
