import { afterAll, describe, expect, it, vi } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Generator, Tensor, concat, randn, register, tensor, zeros } from "@backprop/core";
import type { DType } from "@backprop/core";
import { Module } from "../Module.js";
import type { AnyModule, JsonObject } from "../Module.js";
import { layerFromSpec, layerSpec } from "../serialize.js";
// The package index registers the built-in layers (Sequential) that saved models name.
import { Sequential, loadModel, saveModel } from "../index.js";
import type { LayerSpec } from "../serialize.js";
import { runLayerConformance } from "../testing/index.js";
import type { LayerCase } from "../testing/index.js";
import { GRU, LSTM, MultiheadAttention, RNN, TransformerEncoder, TransformerEncoderLayer } from "./index.js";

/**
 * The conformance suite feeds one tensor and expects one back; recurrent layers and attention
 * return tuples, so this wrapper flattens every returned tensor into one vector (gradients of
 * the final states and attention weights are checked too).
 */
class AllOutputs extends Module {
  static override typeName = "AllOutputs";
  inner: AnyModule;

  constructor(inner: AnyModule) {
    super();
    this.inner = inner;
  }

  static fromConfig(config: JsonObject): AllOutputs {
    return new AllOutputs(layerFromSpec(config.inner as unknown as LayerSpec));
  }

  override forward(x: Tensor): Tensor {
    const flat: Tensor[] = [];
    const visit = (v: unknown): void => {
      if (v instanceof Tensor) flat.push(v.reshape([-1]));
      else if (Array.isArray(v)) v.forEach(visit);
    };
    visit(this.inner.forward(x));
    return concat(flat, 0);
  }

  override config(): JsonObject {
    return { inner: layerSpec(this.inner) as unknown as JsonObject };
  }
}
register("layer", "test/allOutputs", AllOutputs);
// Finite differences over every parameter of a recurrent stack take a few seconds on a busy machine.
vi.setConfig({ testTimeout: 60_000 });

const gen = (seed: number): Generator => new Generator(seed);
const sample = (shape: number[], seed = 1) => (dtype: DType) => randn(shape, { dtype, generator: gen(seed) });

const cases: LayerCase[] = [
  {
    name: "RNN tanh",
    make: (dtype) => new AllOutputs(new RNN({ inputSize: 3, hiddenSize: 4, dtype, generator: gen(1) })),
    input: sample([5, 2, 3]),
    // output [5, 2, 4] and hN [1, 2, 4]
    outputShape: [48],
    parameterCount: 4 * 3 + 4 * 4 + 4 + 4,
    badInputs: [
      { input: () => zeros([5, 2, 4]), error: /^RNN(\(inner\))?: expected input \[L, N, 3\] or unbatched \[L, 3\], with L >= 1, got \[5, 2, 4\]$/ },
      { input: () => zeros([3]), error: /^RNN(\(inner\))?: expected input .*, got \[3\]$/ },
      { input: () => zeros([0, 2, 3]), error: /^RNN(\(inner\))?: expected input .*, got \[0, 2, 3\]$/ },
    ],
  },
  {
    name: "RNN relu, 2 layers, bidirectional, batchFirst, no bias",
    make: (dtype) => new AllOutputs(new RNN({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, batchFirst: true, bias: false, nonlinearity: "relu", dtype, generator: gen(2) })),
    input: sample([2, 5, 3], 2),
    // output [2, 5, 8] and hN [4, 2, 4]
    outputShape: [80 + 32],
    parameterCount: 2 * (4 * 3 + 4 * 4) + 2 * (4 * 8 + 4 * 4),
    badInputs: [{ input: () => zeros([2, 5, 2]), error: /^RNN(\(inner\))?: expected input \[N, L, 3\] or unbatched \[L, 3\], with L >= 1, got \[2, 5, 2\]$/ }],
  },
  {
    name: "LSTM, 2 layers, bidirectional, dropout",
    make: (dtype) => new AllOutputs(new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true, dropout: 0.5, dtype, generator: gen(3) })),
    input: sample([3, 2, 3], 3),
    // output [3, 2, 4], hN and cN [4, 2, 2]
    outputShape: [24 + 16 + 16],
    parameterCount: 2 * (8 * 3 + 8 * 2 + 16) + 2 * (8 * 4 + 8 * 2 + 16),
    trainEvalDiffer: true,
    gradMode: "eval",
    badInputs: [{ input: () => zeros([3, 2, 5]), error: /^LSTM(\(inner\))?: expected input \[L, N, 3\] .*got \[3, 2, 5\]$/ }],
  },
  {
    name: "GRU batchFirst",
    make: (dtype) => new AllOutputs(new GRU({ inputSize: 3, hiddenSize: 3, batchFirst: true, dtype, generator: gen(4) })),
    input: sample([2, 4, 3], 4),
    // output [2, 4, 3] and hN [1, 2, 3]
    outputShape: [24 + 6],
    parameterCount: 9 * 3 + 9 * 3 + 9 + 9,
    badInputs: [{ input: () => zeros([2, 4, 3, 1]), error: /^GRU(\(inner\))?: expected input \[N, L, 3\] .*got \[2, 4, 3, 1\]$/ }],
  },
  {
    name: "GRU unbatched, bidirectional",
    make: (dtype) => new AllOutputs(new GRU({ inputSize: 3, hiddenSize: 2, bidirectional: true, dtype, generator: gen(5) })),
    input: sample([4, 3], 5),
    // output [4, 4] and hN [2, 2]
    outputShape: [16 + 4],
    parameterCount: 2 * (6 * 3 + 6 * 2 + 12),
  },
  {
    name: "MultiheadAttention self-attention with dropout",
    make: (dtype) => new AllOutputs(new MultiheadAttention({ embedDim: 4, numHeads: 2, dropout: 0.3, dtype, generator: gen(6) })),
    input: sample([3, 2, 4], 6),
    // output [3, 2, 4] and averaged weights [2, 3, 3]
    outputShape: [24 + 18],
    parameterCount: 3 * 16 + 12 + 16 + 4,
    trainEvalDiffer: true,
    gradMode: "eval",
    badInputs: [
      { input: () => zeros([3, 2, 5]), error: /^MultiheadAttention(\(inner\))?: expected query \[L, N, 4\] \(or unbatched \[L, 4\]\), got \[3, 2, 5\]$/ },
      { input: () => tensor([1, 2, 3, 4]), error: /^MultiheadAttention(\(inner\))?: expected query .*got \[4\]$/ },
    ],
  },
  {
    name: "MultiheadAttention batchFirst without bias",
    make: (dtype) => new AllOutputs(new MultiheadAttention({ embedDim: 6, numHeads: 3, bias: false, batchFirst: true, dtype, generator: gen(7) })),
    input: sample([2, 3, 6], 7),
    outputShape: [36 + 18],
    parameterCount: 3 * 36 + 36,
  },
  {
    name: "TransformerEncoderLayer post-norm relu",
    make: (dtype) => new TransformerEncoderLayer({ dModel: 4, nhead: 2, dimFeedforward: 8, dtype, generator: gen(8) }),
    input: sample([3, 2, 4], 8),
    outputShape: [3, 2, 4],
    parameterCount: 80 + 40 + 36 + 16,
    trainEvalDiffer: true,
    gradMode: "eval",
    badInputs: [
      { input: () => zeros([3, 2, 3]), error: /^TransformerEncoderLayer: expected input \[L, N, 4\] \(or unbatched \[L, 4\]\), got \[3, 2, 3\]$/ },
      { input: () => zeros([4]), error: /^TransformerEncoderLayer: expected input .*got \[4\]$/ },
    ],
  },
  {
    name: "TransformerEncoderLayer pre-norm gelu batchFirst",
    make: (dtype) => new TransformerEncoderLayer({ dModel: 4, nhead: 2, dimFeedforward: 6, dropout: 0, activation: "gelu", normFirst: true, batchFirst: true, dtype, generator: gen(9) }),
    input: sample([2, 3, 4], 9),
    outputShape: [2, 3, 4],
    parameterCount: 80 + 30 + 28 + 16,
  },
  {
    name: "TransformerEncoder with final norm",
    make: (dtype) => new TransformerEncoder({ layer: { dModel: 2, nhead: 1, dimFeedforward: 3, dropout: 0, dtype, generator: gen(10) }, numLayers: 2, norm: true }),
    input: sample([3, 2], 10),
    outputShape: [3, 2],
    parameterCount: 2 * (24 + 9 + 8 + 8) + 4,
    badInputs: [{ input: () => zeros([3, 5]), error: /^TransformerEncoder: expected input \[L, N, 2\] \(or unbatched \[L, 2\]\), got \[3, 5\]$/ }],
  },
];

runLayerConformance(cases);

describe("sequence models in saved models and summaries", () => {
  const dir = mkdtempSync(join(tmpdir(), "backprop-sequence-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("save and load with bit-identical outputs and PyTorch's weight names in the safetensors file", async () => {
    const model = new Sequential([
      new TransformerEncoder({ layer: { dModel: 4, nhead: 2, dimFeedforward: 8, batchFirst: true, generator: gen(20) }, numLayers: 2, norm: true }),
      new AllOutputs(new LSTM({ inputSize: 4, hiddenSize: 3, bidirectional: true, batchFirst: true, generator: gen(21) })),
    ]).eval();
    const x = randn([2, 5, 4], { generator: gen(22) });
    await saveModel(model, join(dir, "m"));
    const loaded = await loadModel<Sequential>(join(dir, "m"));
    const run = (m: AnyModule): number[] => Array.from((m.forward(x) as Tensor).data());
    expect(run(loaded)).toEqual(run(model));
    const header = readFileSync(join(dir, "m", "weights.safetensors"));
    const text = header.subarray(8, 8 + Number(header.readBigUInt64LE(0))).toString("utf8");
    expect(text).toContain('"0.layers.1.self_attn.in_proj_weight"');
    expect(text).toContain('"1.inner.weight_hh_l0_reverse"');
  });

  it("appear in summary() with their output shapes", () => {
    const rnn = new GRU({ inputSize: 3, hiddenSize: 2, numLayers: 2 });
    const table = rnn.summary([4, 1, 3]);
    expect(table).toContain("[4, 1, 2], [2, 1, 2]");
    expect(table).toContain(`Total params: ${rnn.countParameters()}`);
    expect(new MultiheadAttention({ embedDim: 4, numHeads: 2 }).summary([3, 1, 4])).toContain("[3, 1, 4], [1, 3, 3]");
  });
});
