import { describe, expect, it } from "vitest";
import { DTypeError, ShapeError, ValueError, gradCheck, logSoftmax, randn, tensor, Generator } from "@backprop/core";
import { crossEntropy, nll } from "./index.js";

const f64 = (v: number[][]) => tensor(v, { dtype: "float64" });
const labels = (v: number[]) => tensor(v, { dtype: "int32" });

function logSoftmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}

/** PyTorch's cross_entropy with class indices, written out for [N, C] logits. */
function reference(logits: number[][], target: number[], o: { weight?: number[]; ignoreIndex?: number; smoothing?: number; reduction?: string } = {}): number | number[] {
  const C = logits[0].length;
  const w = o.weight ?? new Array<number>(C).fill(1);
  const s = o.smoothing ?? 0;
  const ignore = o.ignoreIndex ?? -100;
  const nllTerms: number[] = [];
  const smoothTerms: number[] = [];
  let wsum = 0;
  logits.forEach((row, n) => {
    const lp = logSoftmaxRow(row);
    if (target[n] === ignore) {
      nllTerms.push(0);
      smoothTerms.push(0);
      return;
    }
    nllTerms.push(-w[target[n]] * lp[target[n]]);
    smoothTerms.push(-lp.reduce((acc, v, c) => acc + w[c] * v, 0));
    wsum += w[target[n]];
  });
  const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
  if (o.reduction === "none") return nllTerms.map((v, i) => (1 - s) * v + (s / C) * smoothTerms[i]);
  if (o.reduction === "sum") return (1 - s) * sum(nllTerms) + (s / C) * sum(smoothTerms);
  return ((1 - s) * sum(nllTerms)) / wsum + ((s / C) * sum(smoothTerms)) / wsum;
}

const L = [[1, 2, 3], [0.5, -1, 0], [2, 2, -3], [0, 0.1, 0.2]];
const T = [2, 0, 1, 2];

describe("crossEntropy", () => {
  it("gives the textbook value", () => {
    // -log(e^3 / (e + e^2 + e^3))
    expect(crossEntropy(f64([[1, 2, 3]]), labels([2])).item()).toBeCloseTo(Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 3, 12);
    expect(crossEntropy(f64([[1, 2, 3]]), labels([2])).item()).toBeCloseTo(0.4076059644, 9);
    expect(crossEntropy(tensor([1, 2, 3], { dtype: "float64" }), tensor(2, { dtype: "int32" })).item()).toBeCloseTo(0.4076059644, 9);
  });

  it("matches PyTorch's formula with weights (weighted mean), ignoreIndex and label smoothing", () => {
    const weight = [0.5, 2, 1];
    const cases = [
      {},
      { weight },
      { ignoreIndex: 0 },
      { smoothing: 0.1 },
      { weight, smoothing: 0.2, ignoreIndex: 1 },
      { weight, smoothing: 0.2, reduction: "sum" },
      { weight, smoothing: 0.2, ignoreIndex: 2, reduction: "none" },
    ] as const;
    for (const c of cases) {
      const got = crossEntropy(f64(L), labels(T), {
        weight: "weight" in c ? tensor(c.weight, { dtype: "float64" }) : undefined,
        ignoreIndex: "ignoreIndex" in c ? c.ignoreIndex : undefined,
        labelSmoothing: "smoothing" in c ? c.smoothing : undefined,
        reduction: "reduction" in c ? c.reduction : undefined,
      });
      const want = reference(L, T, { ...c, weight: "weight" in c ? [...c.weight] : undefined });
      if (Array.isArray(want)) (got.toArray() as number[]).forEach((v, i) => { expect(v).toBeCloseTo(want[i], 12); });
      else expect(got.item()).toBeCloseTo(want, 12);
    }
  });

  it("a weighted mean divides by the targets' weights, not by N", () => {
    // Two examples, labels 0 and 2 with weights 1 and 3: (1 l0 + 3 l1) / 4.
    const logits = [[0, 0, 0], [1, 0, 0]];
    const l0 = Math.log(3);
    const l1 = Math.log(Math.E + 2);
    expect(crossEntropy(f64(logits), labels([0, 2]), { weight: tensor([1, 5, 3], { dtype: "float64" }) }).item()).toBeCloseTo((l0 + 3 * l1) / 4, 12);
  });

  it("takes probability targets, smoothed and weighted as PyTorch does", () => {
    const q = [[0.2, 0.3, 0.5], [1, 0, 0]];
    const logits = [[1, 2, 3], [0, 1, 0]];
    const w = [1, 2, 0.5];
    const s = 0.1;
    let total = 0;
    logits.forEach((row, n) => {
      const lp = logSoftmaxRow(row);
      total += -lp.reduce((acc, v, c) => acc + w[c] * (q[n][c] * (1 - s) + s / 3) * v, 0);
    });
    const got = crossEntropy(f64(logits), f64(q), { weight: tensor(w, { dtype: "float64" }), labelSmoothing: s });
    expect(got.item()).toBeCloseTo(total / 2, 12);
  });

  it("handles extra axes [N, C, d]: classes on axis 1", () => {
    const x = randn([2, 3, 4], { dtype: "float64", generator: new Generator(3) });
    const y = tensor([[0, 1, 2, 1], [2, 2, 0, 1]], { dtype: "int32" });
    const want = nll(logSoftmax(x, 1), y).item();
    expect(crossEntropy(x, y).item()).toBeCloseTo(want, 12);
    expect(crossEntropy(x, y, { reduction: "none" }).shape).toEqual([2, 4]);
    expect(gradCheck((a) => crossEntropy(a, y, { labelSmoothing: 0.1, weight: tensor([1, 2, 3], { dtype: "float64" }) }), [x])).toBe(true);
  });

  it("is finite for logits of 1e4, in value and gradient", () => {
    const logits = tensor([[1e4, 0, -1e4], [-1e4, 1e4, 0]], { requiresGrad: true });
    const loss = crossEntropy(logits, labels([2, 1]));
    expect(loss.item()).toBeCloseTo(1e4, 0);
    loss.backward();
    const g = Array.from(logits.grad!.data());
    for (const v of g) expect(Number.isFinite(v)).toBe(true);
    expect(g).toEqual([0.5, 0, -0.5, 0, 0, 0]);
  });

  it("keeps log 2 for huge equal logits and gives PyTorch's values at the edges", () => {
    // F.cross_entropy(x, y, reduction="none") and its gradient (torch 2.13), float32 and float64.
    for (const dtype of ["float32", "float64"] as const) {
      const x = tensor([[1e30, 1e30], [1e30, 0], [0, -Infinity], [-Infinity, 0]], { dtype });
      const got = crossEntropy(x, labels([0, 1, 0, 0]), { reduction: "none" }).toArray() as number[];
      expect(got[0]).toBeCloseTo(Math.LN2, 6);
      // + 0 turns PyTorch's -0 of the third row into 0.
      expect(got.slice(1).map((v) => v + 0)).toEqual([dtype === "float32" ? Math.fround(1e30) : 1e30, 0, Infinity]);
      const huge = tensor([[1e30, 1e30]], { dtype, requiresGrad: true });
      crossEntropy(huge, labels([0])).backward();
      expect(huge.grad!.toArray()).toEqual([[-0.5, 0.5]]);
    }
  });

  it("passes gradCheck for index and probability targets", () => {
    expect(gradCheck((x) => crossEntropy(x, labels(T), { weight: tensor([0.5, 2, 1], { dtype: "float64" }), ignoreIndex: 1, labelSmoothing: 0.2 }), [f64(L)])).toBe(true);
    expect(gradCheck((x, q) => crossEntropy(x, q), [f64([[1, 2, 3], [0, 1, 0]]), f64([[0.2, 0.3, 0.5], [1, 0, 0]])])).toBe(true);
  });

  it("names the shapes and labels in its errors", () => {
    const x = randn([32, 10]);
    expect(() => crossEntropy(x, tensor(new Int32Array(320), { shape: [32, 10] }))).toThrow("crossEntropy: expected target [32], got [32, 10]");
    expect(() => crossEntropy(x, tensor(new Int32Array(320), { shape: [32, 10] }))).toThrow(ShapeError);
    expect(() => crossEntropy(randn([5, 10]), labels([1, 2, 3, 12, 0]))).toThrow("crossEntropy: label 12 at index 3 is out of range for 10 classes");
    expect(() => crossEntropy(randn([5, 10]), labels([1, 2, 3, -1, 0]))).toThrow(ValueError);
    expect(() => crossEntropy(randn([2, 10]), tensor([1, 2]))).toThrow(DTypeError);
    expect(() => crossEntropy(randn([2, 10]), randn([2, 9]))).toThrow("crossEntropy: expected target [2] (int32 class indices) or [2, 10] (probabilities), got [2, 9]");
    expect(() => crossEntropy(randn([2, 3]), labels([0, 1]), { weight: tensor([1, 2]) })).toThrow("crossEntropy: expected weight [3] (one per class), got [2]");
    expect(() => crossEntropy(randn([2, 3]), labels([0, 1]), { labelSmoothing: 1.5 })).toThrow(ValueError);
    expect(() => crossEntropy(randn([2, 3]), labels([0, 1]), { labelSmothing: 0.1 } as never)).toThrow('crossEntropy: unknown option "labelSmothing"; known: reduction, weight, ignoreIndex, labelSmoothing');
  });
});

describe("nll", () => {
  it("picks -w_y input[y], with a weighted mean and ignored labels", () => {
    const logp = f64([[-0.1, -2.3], [-1.2, -0.4], [-0.7, -0.7]]);
    expect(nll(logp, labels([0, 1, 0])).item()).toBeCloseTo((0.1 + 0.4 + 0.7) / 3, 12);
    expect(nll(logp, labels([0, 1, 0]), { weight: tensor([1, 3], { dtype: "float64" }) }).item()).toBeCloseTo((0.1 + 1.2 + 0.7) / 5, 12);
    expect(nll(logp, labels([0, -100, 0])).item()).toBeCloseTo(0.4, 12);
    expect(nll(logp, labels([0, 7, 1]), { ignoreIndex: 7, reduction: "none" }).toArray()).toEqual([0.1, 0, 0.7]);
    expect(gradCheck((x) => nll(x, labels([0, 1, 0]), { weight: tensor([1, 3], { dtype: "float64" }) }), [logp])).toBe(true);
  });

  it("rejects float targets and bad shapes", () => {
    expect(() => nll(f64([[0, 0]]), tensor([1]))).toThrow(/nll: expected int32 class indices as target, got a float32 tensor \[1\]/);
    expect(() => nll(f64([[0, 0]]), labels([1, 0]))).toThrow("nll: expected target [1], got [2]");
  });
});
