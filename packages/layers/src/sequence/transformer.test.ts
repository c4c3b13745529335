import { describe, expect, it } from "vitest";
import { Generator, ShapeError, concat, ValueError, randn, registeredNames, tensor, zeros } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { TransformerEncoder, TransformerEncoderLayer, generateSquareSubsequentMask } from "./index.js";

const gen = (seed: number): Generator => new Generator(seed);

function expectClose(actual: Tensor, expected: Tensor, digits = 10): void {
  expect(actual.shape).toEqual(expected.shape);
  const e = Array.from(expected.data());
  Array.from(actual.data()).forEach((v, i) => { expect(v).toBeCloseTo(e[i], digits); });
}

describe("TransformerEncoderLayer", () => {
  it("post-norm: x = norm1(x + attention(x)); norm2(x + linear2(relu(linear1(x))))", () => {
    const layer = new TransformerEncoderLayer({ dModel: 4, nhead: 2, dimFeedforward: 6, dtype: "float64", generator: gen(1) }).eval();
    const x = randn([3, 2, 4], { dtype: "float64", generator: gen(2) });
    const [a] = layer.self_attn.forward(x, x, x);
    const x1 = layer.norm1.forward(x.add(a));
    const expected = layer.norm2.forward(x1.add(layer.linear2.forward(layer.linear1.forward(x1).relu())));
    expectClose(layer.forward(x), expected);
  });

  it("pre-norm with gelu: x = x + attention(norm1(x)); x + linear2(gelu(linear1(norm2(x))))", () => {
    const layer = new TransformerEncoderLayer({ dModel: 4, nhead: 1, dimFeedforward: 5, normFirst: true, activation: "gelu", batchFirst: true, dtype: "float64", generator: gen(3) }).eval();
    const x = randn([2, 3, 4], { dtype: "float64", generator: gen(4) });
    const n1 = layer.norm1.forward(x);
    const x1 = x.add(layer.self_attn.forward(n1, n1, n1)[0]);
    const expected = x1.add(layer.linear2.forward(layer.linear1.forward(layer.norm2.forward(x1)).gelu()));
    expectClose(layer.forward(x), expected);
  });

  it("with a causal mask, a position does not see later positions", () => {
    const layer = new TransformerEncoderLayer({ dModel: 4, nhead: 2, dimFeedforward: 8, dtype: "float64", generator: gen(7) }).eval();
    const x = randn([4, 1, 4], { dtype: "float64", generator: gen(8) });
    const later = randn([2, 1, 4], { dtype: "float64", generator: gen(9) });
    const mixed = concat([x.slice([[0, 2]]), later], 0);
    const mask = generateSquareSubsequentMask(4, { dtype: "float64" });
    const y = layer.forward(x, { srcMask: mask });
    const y2 = layer.forward(mixed, { srcMask: mask });
    expectClose(y.slice([[0, 2]]), y2.slice([[0, 2]]));
    expect(Array.from(y.slice([[2, 4]]).data())).not.toEqual(Array.from(y2.slice([[2, 4]]).data()));
    // A bool mask (true = may not attend) does the same.
    const boolMask = tensor([[false, true, true, true], [false, false, true, true], [false, false, false, true], [false, false, false, false]]);
    expectClose(layer.forward(x, { srcMask: boolMask }), y, 12);
  });

  it("with a key padding mask, padded positions do not change the others", () => {
    const layer = new TransformerEncoderLayer({ dModel: 4, nhead: 2, dimFeedforward: 8, batchFirst: true, dtype: "float64", generator: gen(10) }).eval();
    const a = randn([1, 3, 4], { dtype: "float64", generator: gen(11) });
    const rows = a.toArray() as number[][][];
    const b = tensor([[rows[0][0], rows[0][1], [9, -9, 9, -9]]], { dtype: "float64" });
    const padding = tensor([[false, false, true]]);
    const ya = layer.forward(a, { srcKeyPaddingMask: padding });
    const yb = layer.forward(b, { srcKeyPaddingMask: padding });
    expectClose(ya.slice([null, [0, 2]]), yb.slice([null, [0, 2]]));
  });

  it("applies dropout only in training", () => {
    const layer = new TransformerEncoderLayer({ dModel: 4, nhead: 2, dimFeedforward: 8, dropout: 0.5, generator: gen(12) });
    const x = randn([3, 2, 4], { generator: gen(13) });
    const train = Array.from(layer.train().forward(x).data());
    const evaluation = Array.from(layer.eval().forward(x).data());
    expect(train).not.toEqual(evaluation);
    expect(Array.from(layer.forward(x).data())).toEqual(evaluation);
  });

  it("has PyTorch's state-dict keys", () => {
    const layer = new TransformerEncoderLayer({ dModel: 8, nhead: 2, dimFeedforward: 16 });
    expect(Object.fromEntries(Object.entries(layer.stateDict()).map(([k, v]) => [k, v.shape]))).toEqual({
      "self_attn.in_proj_weight": [24, 8],
      "self_attn.in_proj_bias": [24],
      "self_attn.out_proj.weight": [8, 8],
      "self_attn.out_proj.bias": [8],
      "linear1.weight": [16, 8],
      "linear1.bias": [16],
      "linear2.weight": [8, 16],
      "linear2.bias": [8],
      "norm1.weight": [8],
      "norm1.bias": [8],
      "norm2.weight": [8],
      "norm2.bias": [8],
    });
    expect(new TransformerEncoderLayer({ dModel: 8, nhead: 2 }).linear1.outFeatures).toBe(2048);
  });

  it("refuses bad options and inputs, naming the layer and the shapes", () => {
    expect(() => new TransformerEncoderLayer({ dModel: 6, nhead: 4 })).toThrow(new ValueError("TransformerEncoderLayer: dModel must be divisible by nhead; got dModel 6 and nhead 4"));
    expect(() => new TransformerEncoderLayer({ dModel: 4, nhead: 2, activation: "tanh" as never })).toThrow(/^TransformerEncoderLayer: activation must be "relu" or "gelu"; got "tanh"$/);
    expect(() => new TransformerEncoderLayer({ dModel: 4, nhead: 2, dropout: -0.1 })).toThrow(/^TransformerEncoderLayer: dropout must be a number in \[0, 1\]/);
    const layer = new TransformerEncoderLayer({ dModel: 4, nhead: 2, dimFeedforward: 8, batchFirst: true });
    expect(() => layer.forward(zeros([2, 3, 5]))).toThrow(new ShapeError("TransformerEncoderLayer: expected input [N, L, 4] (or unbatched [L, 4]), got [2, 3, 5]"));
    expect(() => layer.forward(zeros([2, 3, 4]), { srcKeyPaddingMask: tensor([[true, false]]) })).toThrow(
      new ShapeError("TransformerEncoderLayer: expected srcKeyPaddingMask [N, S] = [2, 3], got [1, 2]"),
    );
    expect(() => layer.forward(zeros([2, 3, 4]), { srcMask: zeros([2, 2]) })).toThrow(/^TransformerEncoderLayer: expected srcMask \[L, S\] = \[3, 3\] or \[N \* numHeads, L, S\] = \[4, 3, 3\], got \[2, 2\]$/);
    expect(() => layer.forward(zeros([2, 3, 4]), { srcMask: zeros([3, 3], { dtype: "int32" }) })).toThrow(/^TransformerEncoderLayer: srcMask must be bool .*got int32$/);
  });
});

describe("TransformerEncoder", () => {
  it("runs the layers in order, then the final norm", () => {
    const encoder = new TransformerEncoder({ layer: { dModel: 4, nhead: 2, dimFeedforward: 8, normFirst: true, dtype: "float64", generator: gen(14) }, numLayers: 3, norm: true }).eval();
    const x = randn([5, 2, 4], { dtype: "float64", generator: gen(15) });
    const mask = generateSquareSubsequentMask(5, { dtype: "float64" });
    let expected = x;
    for (const layer of encoder.layers) expected = layer.forward(expected, { srcMask: mask });
    expected = encoder.norm!.forward(expected);
    expectClose(encoder.forward(x, { srcMask: mask }), expected);
    // Independent initialisation: the layers differ.
    expect(Array.from(encoder.layers[0].linear1.weight.data())).not.toEqual(Array.from(encoder.layers[1].linear1.weight.data()));
    expect(Object.keys(encoder.stateDict())).toContain("layers.2.self_attn.out_proj.bias");
    expect(Object.keys(encoder.stateDict()).slice(-2)).toEqual(["norm.weight", "norm.bias"]);
  });

  it("is registered, rebuilds from its config and refuses bad options", () => {
    expect(registeredNames("layer")).toEqual(expect.arrayContaining(["transformerEncoderLayer", "transformerEncoder"]));
    const encoder = new TransformerEncoder({ layer: { dModel: 4, nhead: 2, dimFeedforward: 8, batchFirst: true }, numLayers: 2 });
    expect(encoder.norm).toBeNull();
    expect(encoder.config()).toEqual({
      layer: { dModel: 4, nhead: 2, dimFeedforward: 8, dropout: 0.1, activation: "relu", layerNormEps: 1e-5, batchFirst: true, normFirst: false, bias: true },
      numLayers: 2,
      norm: false,
    });
    expect(new TransformerEncoder(encoder.config() as never).config()).toEqual(encoder.config());
    expect(() => new TransformerEncoder({ layer: { dModel: 4, nhead: 2 }, numLayers: 0 })).toThrow(/^TransformerEncoder: numLayers must be a positive integer; got 0$/);
    expect(() => new TransformerEncoder({ layer: null as never, numLayers: 1 })).toThrow(/^TransformerEncoder: layer must be the options of a TransformerEncoderLayer/);
  });
});

describe("generateSquareSubsequentMask", () => {
  it("puts -Infinity above the diagonal", () => {
    expect(generateSquareSubsequentMask(3).toArray()).toEqual([
      [0, -Infinity, -Infinity],
      [0, 0, -Infinity],
      [0, 0, 0],
    ]);
    expect(() => generateSquareSubsequentMask(0)).toThrow(/^generateSquareSubsequentMask: size must be a positive integer; got 0$/);
  });
});
