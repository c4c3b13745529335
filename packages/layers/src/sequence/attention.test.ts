import { describe, expect, it } from "vitest";
import { DTypeError, Generator, concat, ShapeError, ValueError, gradCheck, randn, registeredNames, tensor, zeros } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { MultiheadAttention } from "./index.js";

const gen = (seed: number): Generator => new Generator(seed);
const t64 = (data: number[] | number[][] | number[][][]): Tensor => tensor(data, { dtype: "float64" });

function expectClose(actual: Tensor, expected: number[], digits = 10): void {
  const got = Array.from(actual.data());
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => { expect(v).toBeCloseTo(expected[i], digits); });
}

/** y = W v + b for one vector. */
const lin = (W: number[][], b: number[], v: number[]): number[] => W.map((row, i) => row.reduce((s, w, j) => s + w * v[j], b[i]));
const softmaxRow = (row: number[]): number[] => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

/**
 * Plain-JS multi-head attention for time-major batched inputs q[l][n][e], k[s][n][e],
 * v[s][n][e], with additive masks: mask(n, head, l, s) -> number.
 */
function reference(m: MultiheadAttention, q: number[][][], k: number[][][], v: number[][][], mask: (n: number, h: number, l: number, s: number) => number = () => 0) {
  const sd = m.stateDict();
  const E = m.embedDim;
  const H = m.numHeads;
  const d = E / H;
  const W = sd.in_proj_weight.toArray() as number[][];
  const b = sd.in_proj_bias.toArray() as number[];
  const Wo = sd["out_proj.weight"].toArray() as number[][];
  const bo = sd["out_proj.bias"].toArray() as number[];
  const [L, N, S] = [q.length, q[0].length, k.length];
  const out: number[][][] = Array.from({ length: L }, () => new Array<number[]>(N));
  const weights: number[][][] = Array.from({ length: N }, () => Array.from({ length: L }, () => new Array<number>(S).fill(0)));
  for (let n = 0; n < N; n++) {
    const Q = q.map((r) => lin(W.slice(0, E), b.slice(0, E), r[n]));
    const K = k.map((r) => lin(W.slice(E, 2 * E), b.slice(E, 2 * E), r[n]));
    const V = v.map((r) => lin(W.slice(2 * E), b.slice(2 * E), r[n]));
    for (let l = 0; l < L; l++) {
      const context = new Array<number>(E).fill(0);
      for (let h = 0; h < H; h++) {
        const scores = K.map((kr, s) => {
          let dot = 0;
          for (let j = h * d; j < (h + 1) * d; j++) dot += Q[l][j] * kr[j];
          return dot / Math.sqrt(d) + mask(n, h, l, s);
        });
        const a = softmaxRow(scores);
        a.forEach((w, s) => (weights[n][l][s] += w / H));
        for (let j = h * d; j < (h + 1) * d; j++) context[j] = a.reduce((acc, w, s) => acc + w * V[s][j], 0);
      }
      out[l][n] = lin(Wo, bo, context);
    }
  }
  return { out, weights };
}

describe("MultiheadAttention", () => {
  it("computes one head by hand: softmax(Q K^T / sqrt(d)) V, then the output projection", () => {
    const m = new MultiheadAttention({ embedDim: 2, numHeads: 1, dtype: "float64" });
    const Wq = [[1, 0], [0, 2]];
    const Wk = [[0, 1], [1, 0]];
    const Wv = [[1, 1], [0, 1]];
    const Wo = [[1, 0], [0, -1]];
    m.loadStateDict({
      in_proj_weight: t64([...Wq, ...Wk, ...Wv]),
      in_proj_bias: t64([0.1, -0.1, 0, 0.2, 0.3, 0]),
      "out_proj.weight": t64(Wo),
      "out_proj.bias": t64([0.5, 0]),
    });
    const query = [[1, 0], [0.5, -1]];
    const keys = [[1, 1], [0, 2], [-1, 0.5]];
    const values = [[2, 0], [0, 1], [1, -1]];
    // By hand, step by step.
    const Q = query.map((x) => lin(Wq, [0.1, -0.1], x));
    const K = keys.map((x) => lin(Wk, [0, 0.2], x));
    const V = values.map((x) => lin(Wv, [0.3, 0], x));
    const A = Q.map((qi) => softmaxRow(K.map((kj) => (qi[0] * kj[0] + qi[1] * kj[1]) / Math.SQRT2)));
    const C = A.map((a) => [0, 1].map((f) => a.reduce((s, w, j) => s + w * V[j][f], 0)));
    const out = C.map((c) => lin(Wo, [0.5, 0], c));
    const [y, w] = m.forward(t64(query), t64(keys), t64(values));
    expect(y.shape).toEqual([2, 2]);
    expect(w?.shape).toEqual([2, 3]);
    expectClose(y, out.flat());
    expectClose(w!, A.flat());
  });

  it("matches the reference with several heads, a batch, a per-head mask and key padding", () => {
    const m = new MultiheadAttention({ embedDim: 4, numHeads: 2, dtype: "float64", generator: gen(1) });
    const q = randn([3, 2, 4], { dtype: "float64", generator: gen(2) });
    const k = randn([5, 2, 4], { dtype: "float64", generator: gen(3) });
    const v = randn([5, 2, 4], { dtype: "float64", generator: gen(4) });
    // Per sample and head: [N * H, L, S], float; padding: the last key of sample 1.
    const perHead = randn([4, 3, 5], { dtype: "float64", generator: gen(5) });
    const padding = tensor([[false, false, false, false, false], [false, false, false, false, true]]);
    const ph = perHead.toArray() as number[][][];
    const ref = reference(m, q.toArray() as number[][][], k.toArray() as number[][][], v.toArray() as number[][][], (n, h, l, s) => ph[n * 2 + h][l][s] + (n === 1 && s === 4 ? -Infinity : 0));
    const [y, w] = m.forward(q, k, v, { attentionMask: perHead, keyPaddingMask: padding });
    expect(y.shape).toEqual([3, 2, 4]);
    expect(w?.shape).toEqual([2, 3, 5]);
    expectClose(y, ref.out.flat(2));
    expectClose(w!, ref.weights.flat(2));
  });

  it("gives a padded key zero weight, as if it were not there", () => {
    const m = new MultiheadAttention({ embedDim: 4, numHeads: 2, batchFirst: true, dtype: "float64", generator: gen(6) });
    const q = randn([1, 2, 4], { dtype: "float64", generator: gen(7) });
    const kv = randn([1, 4, 4], { dtype: "float64", generator: gen(8) });
    const [y, w] = m.forward(q, kv, kv, { keyPaddingMask: tensor([[false, true, false, false]]) });
    const weights = w!.toArray() as number[][][];
    for (const row of weights[0]) {
      expect(row[1]).toBe(0);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    const kv3 = concat([kv.slice([null, [0, 1]]), kv.slice([null, [2, 4]])], 1);
    const [y3] = m.forward(q, kv3, kv3);
    expectClose(y, Array.from(y3.data()));
  });

  it("treats a bool mask as -Infinity where true, and adds a float mask", () => {
    const m = new MultiheadAttention({ embedDim: 2, numHeads: 1, dtype: "float64", generator: gen(9) });
    const x = randn([3, 1, 2], { dtype: "float64", generator: gen(10) });
    const causal = tensor([[false, true, true], [false, false, true], [false, false, false]]);
    const additive = t64([[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]);
    const [yb, wb] = m.forward(x, x, x, { attentionMask: causal });
    const [yf, wf] = m.forward(x, x, x, { attentionMask: additive });
    expectClose(yb, Array.from(yf.data()), 14);
    expectClose(wb!, Array.from(wf!.data()), 14);
    expect((wb!.toArray() as number[][][])[0][0]).toEqual([1, 0, 0]);
    // A float key mask of log 2 doubles that key's unnormalised weight.
    const [, plain] = m.forward(x, x, x);
    const [, boosted] = m.forward(x, x, x, { keyPaddingMask: t64([[Math.log(2), 0, 0]]) });
    const p = (plain!.toArray() as number[][][])[0][1];
    const b = (boosted!.toArray() as number[][][])[0][1];
    expect(b[0] / b[1]).toBeCloseTo((2 * p[0]) / p[1], 10);
  });

  it("gives NaN weights to a query whose keys are all masked, as PyTorch does", () => {
    const m = new MultiheadAttention({ embedDim: 2, numHeads: 1 });
    const [, w] = m.forward(zeros([2, 1, 2]), zeros([2, 1, 2]), zeros([2, 1, 2]), { keyPaddingMask: tensor([[true, true]]) });
    expect(Array.from(w!.data()).every(Number.isNaN)).toBe(true);
  });

  it("returns no weights without needWeights, and per-head weights without averaging", () => {
    const m = new MultiheadAttention({ embedDim: 4, numHeads: 2, generator: gen(11) });
    const x = randn([3, 2, 4], { generator: gen(12) });
    const [y, none] = m.forward(x, x, x, { needWeights: false });
    expect(none).toBeNull();
    expect(y.shape).toEqual([3, 2, 4]);
    const [, perHead] = m.forward(x, x, x, { averageWeights: false });
    const [, mean] = m.forward(x);
    expect(perHead?.shape).toEqual([2, 2, 3, 3]);
    expectClose(perHead!.mean({ axis: 1 }), Array.from(mean!.data()), 6);
  });

  it("batchFirst and unbatched inputs give the same numbers as time-major ones", () => {
    const a = new MultiheadAttention({ embedDim: 4, numHeads: 2, dtype: "float64", generator: gen(13) });
    const b = new MultiheadAttention({ embedDim: 4, numHeads: 2, batchFirst: true, dtype: "float64" });
    b.loadStateDict(a.stateDict());
    const q = randn([3, 2, 4], { dtype: "float64", generator: gen(14) });
    const kv = randn([5, 2, 4], { dtype: "float64", generator: gen(15) });
    const [ya, wa] = a.forward(q, kv, kv);
    const [yb, wb] = b.forward(q.transpose(0, 1), kv.transpose(0, 1), kv.transpose(0, 1));
    expect(yb.shape).toEqual([2, 3, 4]);
    expectClose(yb.transpose(0, 1), Array.from(ya.data()));
    expectClose(wb!, Array.from(wa!.data()));
    const [yu, wu] = a.forward(q.slice([null, 0]), kv.slice([null, 0]), kv.slice([null, 0]));
    expect(yu.shape).toEqual([3, 4]);
    expect(wu?.shape).toEqual([3, 5]);
    expectClose(yu, Array.from(ya.slice([null, 0]).data()));
  });

  it("has separate q, k, v projections when kdim or vdim differ, with gradients through all inputs", () => {
    const m = new MultiheadAttention({ embedDim: 4, numHeads: 2, kdim: 3, vdim: 5, dtype: "float64", generator: gen(16) });
    expect(Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape]))).toEqual({
      q_proj_weight: [4, 4],
      k_proj_weight: [4, 3],
      v_proj_weight: [4, 5],
      in_proj_bias: [12],
      "out_proj.weight": [4, 4],
      "out_proj.bias": [4],
    });
    const q = randn([2, 2, 4], { dtype: "float64", generator: gen(17) });
    const k = randn([3, 2, 3], { dtype: "float64", generator: gen(18) });
    const v = randn([3, 2, 5], { dtype: "float64", generator: gen(19) });
    const mask = tensor([[false, true, false], [false, false, false]]);
    expect(gradCheck((a, b, c) => m.forward(a, b, c, { keyPaddingMask: mask })[0], [q, k, v])).toBe(true);
  });

  it("starts as PyTorch does: Xavier-uniform input projection, zero biases", () => {
    const m = new MultiheadAttention({ embedDim: 8, numHeads: 2, generator: gen(20) });
    const w = Array.from(m.in_proj_weight!.data());
    const bound = Math.sqrt(6 / (8 + 24));
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(Array.from(m.in_proj_bias!.data()).every((v) => v === 0)).toBe(true);
    expect(Array.from(m.out_proj.bias!.data()).every((v) => v === 0)).toBe(true);
    expect(m.countParameters()).toBe(3 * 64 + 24 + 64 + 8);
  });

  it("drops attention weights only in training", () => {
    const m = new MultiheadAttention({ embedDim: 4, numHeads: 1, dropout: 0.5, generator: gen(21) });
    const x = randn([4, 1, 4], { generator: gen(22) });
    const [, wt] = m.train().forward(x);
    const [, we] = m.eval().forward(x);
    expect(Array.from(wt!.data())).not.toEqual(Array.from(we!.data()));
    // Surviving weights are scaled by 1 / (1 - p).
    const t = Array.from(wt!.data());
    const e = Array.from(we!.data());
    t.forEach((v, i) => { expect(v === 0 || Math.abs(v - 2 * e[i]) < 1e-6).toBe(true); });
  });

  it("refuses bad options and inputs with messages naming the layer and the shapes", () => {
    expect(() => new MultiheadAttention({ embedDim: 10, numHeads: 3 })).toThrow(
      new ValueError("MultiheadAttention: embedDim must be divisible by numHeads; got embedDim 10 and numHeads 3"),
    );
    expect(() => new MultiheadAttention({ embedDim: 4, numHeads: 0 })).toThrow(/^MultiheadAttention: numHeads must be a positive integer; got 0$/);
    const m = new MultiheadAttention({ embedDim: 4, numHeads: 2, kdim: 3 });
    const q = zeros([2, 1, 4]);
    const kv = zeros([5, 1, 3]);
    const v = zeros([5, 1, 4]);
    expect(() => m.forward(zeros([2, 1, 3]), kv, v)).toThrow(new ShapeError("MultiheadAttention: expected query [L, N, 4] (or unbatched [L, 4]), got [2, 1, 3]"));
    expect(() => m.forward(q, zeros([5, 1, 4]), v)).toThrow(/^MultiheadAttention: expected key \[S, N, 3\] \(or unbatched \[S, 3\]\), got \[5, 1, 4\]$/);
    expect(() => m.forward(q, kv, zeros([5, 4]))).toThrow(/^MultiheadAttention: expected value \[S, N, 4\] .*got \[5, 4\]$/);
    expect(() => m.forward(q, kv, zeros([6, 1, 4]))).toThrow(/^MultiheadAttention: query, key and value must share .*key \[5, 1, 3\], value \[6, 1, 4\]$/);
    expect(() => m.forward(q, zeros([5, 2, 3]), zeros([5, 2, 4]))).toThrow(/must share the batch size/);
    expect(() => m.forward(q, kv, v, { keyPaddingMask: tensor([[true, false]]) })).toThrow(/^MultiheadAttention: expected keyPaddingMask \[N, S\] = \[1, 5\], got \[1, 2\]$/);
    expect(() => m.forward(q, kv, v, { attentionMask: zeros([5, 2]) })).toThrow(
      /^MultiheadAttention: expected attentionMask \[L, S\] = \[2, 5\] or \[N \* numHeads, L, S\] = \[2, 2, 5\], got \[5, 2\]$/,
    );
    expect(() => m.forward(q, kv, v, { attentionMask: zeros([2, 5], { dtype: "int32" }) })).toThrow(DTypeError);
    expect(() => m.forward(q, kv, v, { attentionMask: zeros([2, 5], { dtype: "int32" }) })).toThrow(/^MultiheadAttention: attentionMask must be bool .*got int32$/);
  });

  it("is registered and rebuilds from its config", () => {
    expect(registeredNames("layer")).toContain("multiheadAttention");
    const m = new MultiheadAttention({ embedDim: 6, numHeads: 3, dropout: 0.1, kdim: 2, vdim: 6, batchFirst: true, bias: false });
    expect(m.config()).toEqual({ embedDim: 6, numHeads: 3, dropout: 0.1, bias: false, kdim: 2, vdim: 6, batchFirst: true });
    const again = new MultiheadAttention(m.config() as never);
    expect(Object.keys(again.stateDict())).toEqual(["q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight"]);
  });
});
