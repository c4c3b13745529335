import { describe, expect, it } from "vitest";
import { ShapeError, ValueError, gradCheck, tensor } from "@backprop/core";
import { binaryCrossEntropy, binaryCrossEntropyWithLogits } from "./index.js";

const f64 = (v: number[]) => tensor(v, { dtype: "float64" });
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

describe("binaryCrossEntropy", () => {
  it("matches -w (y ln x + (1 - y) ln(1 - x))", () => {
    const want = [-Math.log(0.8), -2 * Math.log(0.6), -(0.3 * Math.log(0.5) + 0.7 * Math.log(0.5))];
    const loss = binaryCrossEntropy(f64([0.8, 0.4, 0.5]), f64([1, 0, 0.3]), { weight: f64([1, 2, 1]), reduction: "none" });
    (loss.toArray() as number[]).forEach((v, i) => { expect(v).toBeCloseTo(want[i], 12); });
    expect(binaryCrossEntropy(f64([0.8, 0.4, 0.5]), f64([1, 0, 0.3]), { weight: f64([1, 2, 1]) }).item()).toBeCloseTo((want[0] + want[1] + want[2]) / 3, 12);
  });

  it("clamps the logs at -100, so certain mistakes stay finite, gradients too", () => {
    const x = tensor([0, 1], { dtype: "float64", requiresGrad: true });
    const loss = binaryCrossEntropy(x, f64([1, 0]));
    expect(loss.item()).toBeCloseTo(100, 10);
    loss.backward();
    for (const g of x.grad!.data()) expect(Number.isFinite(g)).toBe(true);
  });

  it("passes gradCheck in input and target", () => {
    expect(gradCheck((x, y) => binaryCrossEntropy(x, y), [f64([0.2, 0.7, 0.5]), f64([1, 0.4, 0])])).toBe(true);
    expect(gradCheck((x, y, w) => binaryCrossEntropy(x, y, { weight: w, reduction: "sum" }), [f64([0.2, 0.7]), f64([1, 0.4]), f64([2, 3])])).toBe(true);
  });

  it("rejects input that is not a probability", () => {
    expect(() => binaryCrossEntropy(f64([0.5, 1.5]), f64([1, 0]))).toThrow("binaryCrossEntropy: input 1.5 at index 1 is not a probability");
    expect(() => binaryCrossEntropy(f64([0.5, Number.NaN]), f64([1, 0]))).toThrow(ValueError);
    expect(() => binaryCrossEntropy(f64([0.5]), f64([1, 0]))).toThrow(ShapeError);
  });
});

describe("binaryCrossEntropyWithLogits", () => {
  const x = [0.5, -1, 3];
  const y = [1, 0, 0.3];

  it("matches -w (p y ln s(x) + (1 - y) ln(1 - s(x)))", () => {
    const pw = [2, 1, 0.5];
    const w = [1, 3, 1];
    const want = x.map((xi, i) => -w[i] * (pw[i] * y[i] * Math.log(sigmoid(xi)) + (1 - y[i]) * Math.log(1 - sigmoid(xi))));
    const loss = binaryCrossEntropyWithLogits(f64(x), f64(y), { posWeight: f64(pw), weight: f64(w), reduction: "none" });
    (loss.toArray() as number[]).forEach((v, i) => { expect(v).toBeCloseTo(want[i], 12); });
    const plain = x.map((xi, i) => -(y[i] * Math.log(sigmoid(xi)) + (1 - y[i]) * Math.log(1 - sigmoid(xi))));
    expect(binaryCrossEntropyWithLogits(f64(x), f64(y)).item()).toBeCloseTo((plain[0] + plain[1] + plain[2]) / 3, 12);
  });

  it("broadcasts posWeight per class along the last axis", () => {
    const logits = tensor([[0, 1], [2, -1]], { dtype: "float64" });
    const target = tensor([[1, 1], [0, 1]], { dtype: "float64" });
    const loss = binaryCrossEntropyWithLogits(logits, target, { posWeight: f64([3, 1]), reduction: "sum" }).item();
    const want = -3 * Math.log(sigmoid(0)) - Math.log(sigmoid(1)) - Math.log(1 - sigmoid(2)) - Math.log(sigmoid(-1));
    expect(loss).toBeCloseTo(want, 12);
  });

  it("is stable for huge logits, in value and gradient", () => {
    const logits = tensor([1e4, -1e4, 1e4], { requiresGrad: true });
    const loss = binaryCrossEntropyWithLogits(logits, tensor([0, 1, 1]), { reduction: "sum" });
    expect(loss.item()).toBeCloseTo(2e4, 0);
    loss.backward();
    expect(Array.from(logits.grad!.data())).toEqual([1, -1, 0]);
  });

  it("passes gradCheck in input, target and weights", () => {
    expect(gradCheck((a, b, p, w) => binaryCrossEntropyWithLogits(a, b, { posWeight: p, weight: w }), [f64(x), f64(y), f64([2, 1, 0.5]), f64([1, 3, 1])])).toBe(true);
  });

  it("rejects weights that do not broadcast", () => {
    expect(() => binaryCrossEntropyWithLogits(f64(x), f64(y), { posWeight: f64([1, 2]) })).toThrow("binaryCrossEntropyWithLogits: posWeight [2] does not broadcast to the input [3]");
  });
});
