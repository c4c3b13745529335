import { describe, expect, it } from "vitest";
import { Generator, ShapeError, ValueError, gradCheck, randn, registeredNames, tensor, zeros } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { GRU, LSTM, RNN } from "./index.js";
import type { RecurrentBase } from "./rnn.js";

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const gen = (seed: number): Generator => new Generator(seed);
const t64 = (data: number[] | number[][] | number[][][]): Tensor => tensor(data, { dtype: "float64" });

function expectClose(actual: Tensor, expected: number[], digits = 10): void {
  const got = Array.from(actual.data());
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => { expect(v).toBeCloseTo(expected[i], digits); });
}

/** The weights of a layer as plain nested arrays, by PyTorch name. */
function weightsOf(layer: RecurrentBase<unknown>): Record<string, number[][] | number[]> {
  const out: Record<string, number[][] | number[]> = {};
  for (const [k, p] of Object.entries(layer.stateDict())) out[k] = p.toArray() as number[][] | number[];
  return out;
}

type Cell = "rnn" | "lstm" | "gru";

/**
 * A plain-JS reference of PyTorch's recurrent layers, straight from the published equations,
 * for time-major batched input x[t][n][feature].
 */
function reference(cell: Cell, w: Record<string, number[][] | number[]>, x: number[][][], options: { hidden: number; layers: number; bidirectional: boolean; h0?: number[][][]; c0?: number[][][] }) {
  const { hidden: H, layers } = options;
  const dirs = options.bidirectional ? 2 : 1;
  const L = x.length;
  const N = x[0].length;
  const affine = (W: number[][], b: number[] | undefined, v: number[], row: number): number => W[row].reduce((s, wi, j) => s + wi * v[j], b === undefined ? 0 : b[row]);
  let input = x;
  const hN: number[][][] = [];
  const cN: number[][][] = [];
  for (let layer = 0; layer < layers; layer++) {
    const outs: number[][][][] = [];
    for (let d = 0; d < dirs; d++) {
      const sfx = `_l${layer}${d === 1 ? "_reverse" : ""}`;
      const Wih = w[`weight_ih${sfx}`] as number[][];
      const Whh = w[`weight_hh${sfx}`] as number[][];
      const bih = w[`bias_ih${sfx}`] as number[] | undefined;
      const bhh = w[`bias_hh${sfx}`] as number[] | undefined;
      const slot = layer * dirs + d;
      let h = options.h0?.[slot].map((r) => [...r]) ?? Array.from({ length: N }, () => new Array<number>(H).fill(0));
      let c = options.c0?.[slot].map((r) => [...r]) ?? Array.from({ length: N }, () => new Array<number>(H).fill(0));
      const out: number[][][] = new Array<number[][]>(L);
      for (let s = 0; s < L; s++) {
        const t = d === 0 ? s : L - 1 - s;
        const nh: number[][] = [];
        const nc: number[][] = [];
        for (let n = 0; n < N; n++) {
          const xi = (row: number): number => affine(Wih, bih, input[t][n], row);
          const hi = (row: number): number => affine(Whh, bhh, h[n], row);
          nh.push([]);
          nc.push([]);
          for (let j = 0; j < H; j++) {
            if (cell === "rnn") nh[n].push(Math.tanh(xi(j) + hi(j)));
            else if (cell === "lstm") {
              const i = sigmoid(xi(j) + hi(j));
              const f = sigmoid(xi(H + j) + hi(H + j));
              const g = Math.tanh(xi(2 * H + j) + hi(2 * H + j));
              const o = sigmoid(xi(3 * H + j) + hi(3 * H + j));
              const cj = f * c[n][j] + i * g;
              nc[n].push(cj);
              nh[n].push(o * Math.tanh(cj));
            } else {
              const r = sigmoid(xi(j) + hi(j));
              const z = sigmoid(xi(H + j) + hi(H + j));
              const nn = Math.tanh(xi(2 * H + j) + r * hi(2 * H + j));
              nh[n].push((1 - z) * nn + z * h[n][j]);
            }
          }
        }
        h = nh;
        if (cell === "lstm") c = nc;
        out[t] = h;
      }
      outs.push(out);
      hN[slot] = h;
      cN[slot] = c;
    }
    input = outs[0].map((step, t) => step.map((row, n) => (dirs === 1 ? row : [...row, ...outs[1][t][n]])));
  }
  return { output: input, hN, cN };
}

describe("LSTM", () => {
  it("computes one step by hand with PyTorch's gate order i, f, g, o", () => {
    const lstm = new LSTM({ inputSize: 1, hiddenSize: 1, dtype: "float64" });
    lstm.loadStateDict({
      weight_ih_l0: t64([[0.5], [-0.3], [0.8], [0.1]]),
      weight_hh_l0: t64([[0.2], [0.4], [-0.6], [0.7]]),
      bias_ih_l0: t64([0.1, 0.2, 0.3, 0.4]),
      bias_hh_l0: t64([0.05, -0.1, 0, 0.2]),
    });
    const x = 1.5;
    const h0 = 0.5;
    const c0 = -0.2;
    const i = sigmoid(0.5 * x + 0.1 + 0.2 * h0 + 0.05);
    const f = sigmoid(-0.3 * x + 0.2 + 0.4 * h0 - 0.1);
    const g = Math.tanh(0.8 * x + 0.3 - 0.6 * h0 + 0);
    const o = sigmoid(0.1 * x + 0.4 + 0.7 * h0 + 0.2);
    const c1 = f * c0 + i * g;
    const h1 = o * Math.tanh(c1);
    const [output, [hN, cN]] = lstm.forward(t64([[[x]]]), [t64([[[h0]]]), t64([[[c0]]])]);
    expectClose(output, [h1]);
    expectClose(hN, [h1]);
    expectClose(cN, [c1]);
    expect(output.shape).toEqual([1, 1, 1]);
  });

  it("matches the reference equations over several steps, 2 layers, both directions, given states", () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true, dtype: "float64", generator: gen(1) });
    const x = randn([4, 2, 3], { dtype: "float64", generator: gen(2) });
    const h0 = randn([4, 2, 2], { dtype: "float64", generator: gen(3) });
    const c0 = randn([4, 2, 2], { dtype: "float64", generator: gen(4) });
    const ref = reference("lstm", weightsOf(lstm), x.toArray() as number[][][], { hidden: 2, layers: 2, bidirectional: true, h0: h0.toArray() as number[][][], c0: c0.toArray() as number[][][] });
    const [output, [hN, cN]] = lstm.forward(x, [h0, c0]);
    expect(output.shape).toEqual([4, 2, 4]);
    expect(hN.shape).toEqual([4, 2, 2]);
    expectClose(output, ref.output.flat(2));
    expectClose(hN, ref.hN.flat(2));
    expectClose(cN, ref.cN.flat(2));
  });

  it("batchFirst and unbatched inputs give the same numbers as time-major ones", () => {
    const a = new LSTM({ inputSize: 3, hiddenSize: 2, dtype: "float64", generator: gen(5) });
    const b = new LSTM({ inputSize: 3, hiddenSize: 2, batchFirst: true, dtype: "float64" });
    b.loadStateDict(a.stateDict());
    const x = randn([5, 2, 3], { dtype: "float64", generator: gen(6) });
    const [ya, [ha]] = a.forward(x);
    const [yb, [hb]] = b.forward(x.transpose(0, 1).contiguous());
    expect(yb.shape).toEqual([2, 5, 2]);
    expectClose(yb.transpose(0, 1), Array.from(ya.data()));
    expectClose(hb, Array.from(ha.data()));
    const [yu, [hu, cu]] = a.forward(x.slice([null, 1]));
    expect(yu.shape).toEqual([5, 2]);
    expect(hu.shape).toEqual([1, 2]);
    expect(cu.shape).toEqual([1, 2]);
    expectClose(yu, Array.from(ya.slice([null, 1]).data()));
    // Unbatched initial states are [layers * directions, hidden].
    const h0 = randn([1, 2, 2], { dtype: "float64", generator: gen(30) });
    const c0 = randn([1, 2, 2], { dtype: "float64", generator: gen(31) });
    const [yh, [hh, ch]] = a.forward(x, [h0, c0]);
    const [yhu, [hhu, chu]] = a.forward(x.slice([null, 1]), [h0.slice([null, 1]), c0.slice([null, 1])]);
    expectClose(yhu, Array.from(yh.slice([null, 1]).data()));
    expectClose(hhu, Array.from(hh.slice([null, 1]).data()));
    expectClose(chu, Array.from(ch.slice([null, 1]).data()));
  });

  it("has PyTorch's parameter names, shapes and uniform(-1/sqrt(hidden), 1/sqrt(hidden)) init", () => {
    const lstm = new LSTM({ inputSize: 10, hiddenSize: 16, numLayers: 2, bidirectional: true, generator: gen(7) });
    const shapes = Object.fromEntries(Object.entries(lstm.stateDict()).map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      weight_ih_l0: [64, 10],
      weight_hh_l0: [64, 16],
      bias_ih_l0: [64],
      bias_hh_l0: [64],
      weight_ih_l0_reverse: [64, 10],
      weight_hh_l0_reverse: [64, 16],
      bias_ih_l0_reverse: [64],
      bias_hh_l0_reverse: [64],
      weight_ih_l1: [64, 32],
      weight_hh_l1: [64, 16],
      bias_ih_l1: [64],
      bias_hh_l1: [64],
      weight_ih_l1_reverse: [64, 32],
      weight_hh_l1_reverse: [64, 16],
      bias_ih_l1_reverse: [64],
      bias_hh_l1_reverse: [64],
    });
    const all = lstm.parameters().flatMap((p) => Array.from(p.data()));
    expect(Math.max(...all)).toBeLessThanOrEqual(0.25);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(-0.25);
    // Spread over the whole range, not stuck near zero.
    expect(Math.max(...all)).toBeGreaterThan(0.24);
    expect(Math.min(...all)).toBeLessThan(-0.24);
  });

  it("refuses a wrong h0 or c0 and a malformed hx, naming the layer and shapes", () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2 });
    const x = zeros([5, 4, 3]);
    expect(() => lstm.forward(x, [zeros([2, 4, 3]), zeros([2, 4, 2])])).toThrow(
      new ShapeError("LSTM: expected h0 [2, 4, 2] (layers * directions, batch, hidden), got [2, 4, 3]"),
    );
    expect(() => lstm.forward(x, [zeros([2, 4, 2]), zeros([1, 4, 2])])).toThrow(/^LSTM: expected c0 \[2, 4, 2\] .*got \[1, 4, 2\]$/);
    expect(() => lstm.forward(x, zeros([2, 4, 2]) as never)).toThrow(ValueError);
    expect(() => lstm.forward(x, zeros([2, 4, 2]) as never)).toThrow(/LSTM: hx must be \[h0, c0\]/);
    expect(() => lstm.forward(zeros([5, 3]), [zeros([2, 4, 2]), zeros([2, 4, 2])])).toThrow(/^LSTM: expected h0 \[2, 2\] \(layers \* directions, hidden\), got \[2, 4, 2\]$/);
  });
});

describe("GRU", () => {
  it("computes one step by hand with PyTorch's gate order r, z, n and b_hn inside r * (...)", () => {
    const gru = new GRU({ inputSize: 1, hiddenSize: 1, dtype: "float64" });
    gru.loadStateDict({
      weight_ih_l0: t64([[0.4], [-0.5], [0.9]]),
      weight_hh_l0: t64([[0.3], [0.6], [-0.8]]),
      bias_ih_l0: t64([0.1, -0.2, 0.05]),
      bias_hh_l0: t64([0.2, 0.1, 0.7]),
    });
    const x = -1.2;
    const h0 = 0.4;
    const r = sigmoid(0.4 * x + 0.1 + 0.3 * h0 + 0.2);
    const z = sigmoid(-0.5 * x - 0.2 + 0.6 * h0 + 0.1);
    const n = Math.tanh(0.9 * x + 0.05 + r * (-0.8 * h0 + 0.7));
    const h1 = (1 - z) * n + z * h0;
    const [output, hN] = gru.forward(t64([[[x]]]), t64([[[h0]]]));
    expectClose(output, [h1]);
    expectClose(hN, [h1]);
  });

  it("matches the reference equations over several steps, 2 layers, both directions", () => {
    const gru = new GRU({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, dtype: "float64", generator: gen(8) });
    const x = randn([3, 2, 2], { dtype: "float64", generator: gen(9) });
    const ref = reference("gru", weightsOf(gru), x.toArray() as number[][][], { hidden: 3, layers: 2, bidirectional: true });
    const [output, hN] = gru.forward(x);
    expect(output.shape).toEqual([3, 2, 6]);
    expect(hN.shape).toEqual([4, 2, 3]);
    expectClose(output, ref.output.flat(2));
    expectClose(hN, ref.hN.flat(2));
  });
});

describe("RNN", () => {
  it("computes h_t = tanh(W_ih x + b_ih + W_hh h + b_hh) by hand, step after step", () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 1, dtype: "float64" });
    rnn.loadStateDict({ weight_ih_l0: t64([[0.5, -1]]), weight_hh_l0: t64([[0.9]]), bias_ih_l0: t64([0.1]), bias_hh_l0: t64([-0.3]) });
    const h1 = Math.tanh(0.5 * 1 - 1 * 2 + 0.1 + 0.9 * 0 - 0.3);
    const h2 = Math.tanh(0.5 * -1 - 1 * 0.5 + 0.1 + 0.9 * h1 - 0.3);
    const [output, hN] = rnn.forward(t64([[1, 2], [-1, 0.5]]));
    expect(output.shape).toEqual([2, 1]);
    expectClose(output, [h1, h2]);
    expectClose(hN, [h2]);
  });

  it("uses relu when asked and matches the reference with 3 layers", () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 2, numLayers: 3, dtype: "float64", generator: gen(10) });
    const x = randn([4, 3, 2], { dtype: "float64", generator: gen(11) });
    const ref = reference("rnn", weightsOf(rnn), x.toArray() as number[][][], { hidden: 2, layers: 3, bidirectional: false });
    const [output, hN] = rnn.forward(x);
    expectClose(output, ref.output.flat(2));
    expectClose(hN, ref.hN.flat(2));
    const relu = new RNN({ inputSize: 1, hiddenSize: 1, nonlinearity: "relu", bias: false, dtype: "float64" });
    relu.loadStateDict({ weight_ih_l0: t64([[2]]), weight_hh_l0: t64([[0.5]]) });
    expectClose(relu.forward(t64([[3], [-10], [1]]))[0], [6, 0, 2]);
  });

  it("gradients flow to the initial state (gradCheck in float64)", () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, dtype: "float64", generator: gen(12) });
    const x = randn([3, 2, 2], { dtype: "float64", generator: gen(13) });
    const h0 = randn([4, 2, 3], { dtype: "float64", generator: gen(14) });
    expect(gradCheck((a, b) => rnn.forward(a, b)[0], [x, h0])).toBe(true);
    expect(gradCheck((b) => rnn.forward(x, b)[1], [h0])).toBe(true);
  });
});

describe("recurrent layers", () => {
  it("apply dropout between layers only in training", () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.5, generator: gen(15) });
    const x = randn([5, 2, 3], { generator: gen(16) });
    const train = Array.from(lstm.train().forward(x)[0].data());
    const evaluation = Array.from(lstm.eval().forward(x)[0].data());
    expect(train).not.toEqual(evaluation);
    expect(Array.from(lstm.forward(x)[0].data())).toEqual(evaluation);
    // One layer: nothing to drop between.
    const single = new GRU({ inputSize: 3, hiddenSize: 4, dropout: 0.5 });
    expect(Array.from(single.train().forward(x)[0].data())).toEqual(Array.from(single.eval().forward(x)[0].data()));
  });

  it("refuse bad options with a message naming the layer", () => {
    expect(() => new LSTM({ inputSize: 0, hiddenSize: 2 })).toThrow(/^LSTM: inputSize must be a positive integer; got 0$/);
    expect(() => new GRU({ inputSize: 2, hiddenSize: 2.5 })).toThrow(/^GRU: hiddenSize must be a positive integer; got 2.5$/);
    expect(() => new RNN({ inputSize: 2, hiddenSize: 2, dropout: 1.5 })).toThrow(/^RNN: dropout must be a number in \[0, 1\]; got 1.5$/);
    expect(() => new RNN({ inputSize: 2, hiddenSize: 2, nonlinearity: "sigmoid" as never })).toThrow(/^RNN: nonlinearity must be "tanh" or "relu"; got "sigmoid"$/);
    expect(() => new LSTM(undefined as never)).toThrow(/^LSTM: expected an options object with inputSize and hiddenSize/);
  });

  it("refuse input of the wrong rank or feature size with the expected and actual shapes", () => {
    const gru = new GRU({ inputSize: 4, hiddenSize: 2, batchFirst: true });
    expect(() => gru.forward(zeros([2, 3, 5]))).toThrow(new ShapeError("GRU: expected input [N, L, 4] or unbatched [L, 4], with L >= 1, got [2, 3, 5]"));
    expect(() => gru.forward(zeros([2, 3, 4, 1]))).toThrow(/^GRU: expected input .*got \[2, 3, 4, 1\]$/);
    expect(() => gru.forward(zeros([2, 0, 4]))).toThrow(/^GRU: expected input .*got \[2, 0, 4\]$/);
    expect(() => gru.forward(zeros([2, 3, 4]), zeros([1, 3, 2]))).toThrow(/^GRU: expected h0 \[1, 2, 2\] .*got \[1, 3, 2\]$/);
    expect(() => gru.forward([1, 2] as never)).toThrow(/^GRU: input must be a tensor/);
  });

  it("are registered and rebuild from their config", () => {
    expect(registeredNames("layer")).toEqual(expect.arrayContaining(["rnn", "lstm", "gru"]));
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 2, nonlinearity: "relu", batchFirst: true, dropout: 0.1, bidirectional: true, bias: false, dtype: "float64" });
    expect(rnn.config()).toEqual({ inputSize: 2, hiddenSize: 3, numLayers: 2, bias: false, batchFirst: true, dropout: 0.1, bidirectional: true, nonlinearity: "relu", dtype: "float64" });
    expect(new RNN(rnn.config() as never).config()).toEqual(rnn.config());
  });
});
