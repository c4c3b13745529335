import { describe, expect, it } from "vitest";
import { Generator, ShapeError, DTypeError, ValueError, randn, registeredNames, tensor, zeros } from "@backprop/core";
import type { DType } from "@backprop/core";
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  ConvTranspose2d,
  Dense,
  Dropout,
  ELU,
  Embedding,
  Flatten,
  GELU,
  GroupNorm,
  Identity,
  LayerNorm,
  LeakyReLU,
  Linear,
  LogSoftmax,
  MaxPool2d,
  RMSNorm,
  ReLU,
  Reshape,
  Sequential,
  SiLU,
  Sigmoid,
  Softmax,
  Softplus,
  Tanh,
} from "./index.js";
import { runLayerConformance } from "./testing/index.js";
import type { LayerCase } from "./testing/index.js";

const gen = (seed: number): Generator => new Generator(seed);
const sample = (shape: number[], seed = 1) => (dtype: DType) => randn(shape, { dtype, generator: gen(seed) });

function activation(name: string, make: () => ReturnType<LayerCase["make"]>): LayerCase {
  return { name, make, input: sample([3, 4]), outputShape: [3, 4], parameterCount: 0, badInputs: [{ input: () => [1, 2] as never, error: /input must be a tensor/ }] };
}

const cases: LayerCase[] = [
  {
    name: "Linear",
    make: (dtype) => new Linear({ inFeatures: 3, outFeatures: 2, dtype, generator: gen(1) }),
    input: sample([4, 3]),
    outputShape: [4, 2],
    parameterCount: 8,
    badInputs: [
      { input: () => zeros([4, 5]), error: /^Linear: expected input \[\.\.\., 3\], got \[4, 5\]$/ },
      { input: () => zeros([]), error: /expected input \[\.\.\., 3\], got \[\]/ },
    ],
  },
  {
    name: "Linear with relu",
    make: (dtype) => new Linear({ inFeatures: 3, outFeatures: 4, activation: "relu", dtype, generator: gen(11) }),
    input: sample([5, 3]),
    outputShape: [5, 4],
    parameterCount: 16,
    badInputs: [{ input: () => zeros([4, 5]), error: /^Linear: expected input \[\.\.\., 3\], got \[4, 5\]$/ }],
  },
  {
    name: "Dense without bias",
    make: (dtype) => new Dense({ inFeatures: 3, outFeatures: 2, bias: false, dtype, generator: gen(2) }),
    input: sample([2, 5, 3]),
    outputShape: [2, 5, 2],
    parameterCount: 6,
  },
  {
    name: "Conv1d",
    make: (dtype) => new Conv1d({ inChannels: 2, outChannels: 3, kernelSize: 2, dtype, generator: gen(3) }),
    input: sample([2, 2, 5]),
    outputShape: [2, 3, 4],
    parameterCount: 15,
    badInputs: [
      { input: () => zeros([2, 3, 5]), error: /^Conv1d: expected input \[N, 2, L\] or \[2, L\], got \[2, 3, 5\]$/ },
      { input: () => zeros([2, 2, 1]), error: /^Conv1d: conv1d: the kernel/ },
    ],
  },
  {
    name: "Conv2d",
    make: (dtype) => new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 2, padding: 1, dtype, generator: gen(4) }),
    input: sample([1, 2, 3, 3]),
    outputShape: [1, 3, 4, 4],
    parameterCount: 27,
    badInputs: [
      { input: () => zeros([1, 3, 3, 3]), error: /^Conv2d: expected input \[N, 2, H, W\] or \[2, H, W\], got \[1, 3, 3, 3\]$/ },
      { input: () => zeros([2, 3]), error: /got \[2, 3\]/ },
    ],
  },
  {
    name: "Conv2d grouped, strided, same padding",
    make: (dtype) => new Conv2d({ inChannels: 4, outChannels: 2, kernelSize: [3, 1], padding: "same", groups: 2, dtype, generator: gen(5) }),
    input: sample([1, 4, 3, 2]),
    outputShape: [1, 2, 3, 2],
    parameterCount: 2 * 2 * 3 + 2,
  },
  {
    name: "ConvTranspose2d",
    make: (dtype) => new ConvTranspose2d({ inChannels: 2, outChannels: 3, kernelSize: 2, stride: 2, dtype, generator: gen(6) }),
    input: sample([1, 2, 2, 2]),
    outputShape: [1, 3, 4, 4],
    parameterCount: 27,
    badInputs: [{ input: () => zeros([1, 3, 2, 2]), error: /^ConvTranspose2d: expected input \[N, 2, H, W\] or \[2, H, W\], got \[1, 3, 2, 2\]$/ }],
  },
  {
    name: "MaxPool2d",
    make: () => new MaxPool2d({ kernelSize: 2 }),
    input: sample([1, 2, 4, 4]),
    outputShape: [1, 2, 2, 2],
    parameterCount: 0,
    badInputs: [
      { input: () => zeros([4, 4]), error: /^MaxPool2d: expected input \[N, C, H, W\] or \[C, H, W\], got \[4, 4\]$/ },
      { input: () => zeros([1, 1, 1, 1]), error: /^MaxPool2d: maxPool2d: the kernel/ },
    ],
  },
  {
    name: "AvgPool2d",
    make: () => new AvgPool2d({ kernelSize: 2, stride: 1 }),
    input: sample([1, 2, 3, 3]),
    outputShape: [1, 2, 2, 2],
    parameterCount: 0,
    badInputs: [{ input: () => zeros([2]), error: /^AvgPool2d: expected input \[N, C, H, W\] or \[C, H, W\], got \[2\]$/ }],
  },
  {
    name: "AdaptiveAvgPool2d (uneven bins)",
    make: () => new AdaptiveAvgPool2d({ outputSize: [2, 3] }),
    input: sample([1, 2, 5, 4]),
    outputShape: [1, 2, 2, 3],
    parameterCount: 0,
    badInputs: [{ input: () => zeros([5, 4]), error: /^AdaptiveAvgPool2d: expected input/ }],
  },
  {
    name: "Flatten",
    make: () => new Flatten(),
    input: sample([2, 3, 4]),
    outputShape: [2, 12],
    parameterCount: 0,
    badInputs: [{ input: () => zeros([3]), error: /^Flatten: expected input with axes 1\.\.-1/ }],
  },
  {
    name: "Reshape",
    make: () => new Reshape({ shape: [2, -1] }),
    input: sample([3, 8]),
    outputShape: [3, 2, 4],
    parameterCount: 0,
    badInputs: [{ input: () => zeros([3, 7]), error: /^Reshape: expected input \[N, \.\.\.\] with a multiple of 2 elements per sample to reshape to \[N, 2, -1\], got \[3, 7\]$/ }],
  },
  { name: "Identity", make: () => new Identity(), input: sample([2, 3]), outputShape: [2, 3], parameterCount: 0 },
  {
    name: "Dropout",
    make: () => new Dropout({ p: 0.5, generator: gen(7) }),
    input: sample([4, 5]),
    outputShape: [4, 5],
    parameterCount: 0,
    trainEvalDiffer: true,
    gradMode: "eval",
  },
  {
    name: "BatchNorm1d",
    make: (dtype) => new BatchNorm1d({ numFeatures: 3, dtype }),
    input: sample([4, 3]),
    outputShape: [4, 3],
    parameterCount: 6,
    trainEvalDiffer: true,
    badInputs: [
      { input: () => zeros([4, 2]), error: /^BatchNorm1d: expected input \[N, 3\] or \[N, 3, L\], got \[4, 2\]$/ },
      { input: () => zeros([1, 3]), error: /^BatchNorm1d: expected more than 1 value per channel when training, got input \[1, 3\]$/ },
    ],
  },
  {
    name: "BatchNorm2d",
    make: (dtype) => new BatchNorm2d({ numFeatures: 2, dtype }),
    input: sample([3, 2, 2, 2]),
    outputShape: [3, 2, 2, 2],
    parameterCount: 4,
    trainEvalDiffer: true,
    badInputs: [{ input: () => zeros([3, 2, 4]), error: /^BatchNorm2d: expected input \[N, 2, H, W\], got \[3, 2, 4\]$/ }],
  },
  {
    name: "LayerNorm",
    make: (dtype) => new LayerNorm({ normalizedShape: [3, 4], dtype }),
    input: sample([2, 3, 4]),
    outputShape: [2, 3, 4],
    parameterCount: 24,
    badInputs: [{ input: () => zeros([2, 4, 3]), error: /^LayerNorm: expected input \[\.\.\., 3, 4\], got \[2, 4, 3\]$/ }],
  },
  {
    name: "GroupNorm",
    make: (dtype) => new GroupNorm({ numGroups: 2, numChannels: 4, dtype }),
    input: sample([2, 4, 3]),
    outputShape: [2, 4, 3],
    parameterCount: 8,
    badInputs: [{ input: () => zeros([2, 3, 3]), error: /^GroupNorm: expected input \[N, 4, \*\], got \[2, 3, 3\]$/ }],
  },
  {
    name: "RMSNorm",
    make: (dtype) => new RMSNorm({ normalizedShape: 4, dtype }),
    input: sample([3, 4]),
    outputShape: [3, 4],
    parameterCount: 4,
    badInputs: [{ input: () => zeros([3, 5]), error: /^RMSNorm: expected input \[\.\.\., 4\], got \[3, 5\]$/ }],
  },
  {
    name: "Embedding",
    make: (dtype) => new Embedding({ numEmbeddings: 5, embeddingDim: 3, paddingIdx: 0, dtype, generator: gen(8) }),
    // No padding index in the sample: its row gets no gradient by design.
    input: () => tensor([[1, 2, 4], [3, 3, 1]], { dtype: "int32" }),
    outputShape: [2, 3, 3],
    parameterCount: 15,
    badInputs: [
      { input: () => tensor([1, 2]), error: /^Embedding: expected int32 indices, got a float32 tensor \[2\]$/ },
      { input: () => tensor([1, 5], { dtype: "int32" }), error: /^Embedding: embedding: index 5 is out of range/ },
    ],
  },
  activation("ReLU", () => new ReLU()),
  activation("LeakyReLU", () => new LeakyReLU({ negativeSlope: 0.1 })),
  activation("ELU", () => new ELU({ alpha: 0.5 })),
  activation("GELU", () => new GELU()),
  activation("GELU tanh", () => new GELU({ approximate: "tanh" })),
  activation("SiLU", () => new SiLU()),
  activation("Sigmoid", () => new Sigmoid()),
  activation("Tanh", () => new Tanh()),
  activation("Softplus", () => new Softplus({ beta: 2, threshold: 1 })),
  activation("Softmax", () => new Softmax({ axis: 0 })),
  activation("LogSoftmax", () => new LogSoftmax()),
  {
    name: "Sequential",
    make: (dtype) => new Sequential([new Linear({ inFeatures: 3, outFeatures: 4, dtype, generator: gen(9) }), new Tanh(), new Linear({ inFeatures: 4, outFeatures: 2, dtype, generator: gen(10) })]),
    input: sample([5, 3]),
    outputShape: [5, 2],
    parameterCount: 26,
    badInputs: [{ input: () => zeros([5, 4]), error: /^Linear\(0\): expected input \[\.\.\., 3\], got \[5, 4\]$/ }],
  },
];

runLayerConformance(cases);

describe("layer registry", () => {
  it("registers every layer under a string-literal name", () => {
    const names = registeredNames("layer");
    for (const n of ["linear", "conv1d", "conv2d", "convTranspose2d", "maxPool2d", "avgPool2d", "adaptiveAvgPool2d", "flatten", "reshape", "dropout", "batchNorm1d", "batchNorm2d", "layerNorm", "groupNorm", "rmsNorm", "embedding", "identity", "relu", "leakyRelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus", "softmax", "logSoftmax", "sequential", "moduleList", "moduleDict"]) {
      expect(names).toContain(n);
    }
  });
});

describe("hand-computed layer values", () => {
  it("Conv2d: a 2x2 convolution", () => {
    const conv = new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2 });
    conv.loadStateDict({ weight: tensor([[[[1, 2], [3, 4]]]]), bias: tensor([0.5]) });
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    // [1*1 + 2*2 + 4*3 + 5*4, ...] + 0.5
    expect(conv.forward(x).toArray()).toEqual([[[[37.5, 47.5], [67.5, 77.5]]]]);
  });

  it("Linear: x W^T + b", () => {
    const fc = new Linear({ inFeatures: 2, outFeatures: 2 });
    fc.loadStateDict({ weight: tensor([[1, 2], [3, 4]]), bias: tensor([10, 20]) });
    expect(fc.forward(tensor([[1, 1], [2, -1]])).toArray()).toEqual([[13, 27], [10, 22]]);
  });

  it("Linear with relu: max(x W^T + b, 0), saved and checked by name", () => {
    const fc = new Linear({ inFeatures: 2, outFeatures: 2, activation: "relu" });
    fc.loadStateDict({ weight: tensor([[1, 2], [3, 4]]), bias: tensor([-5, 20]) });
    expect(fc.forward(tensor([[1, 1], [2, -1]])).toArray()).toEqual([[0, 27], [0, 22]]);
    expect(fc.config()).toEqual({ inFeatures: 2, outFeatures: 2, bias: true, activation: "relu" });
    expect(new Linear({ inFeatures: 2, outFeatures: 2 }).config()).toEqual({ inFeatures: 2, outFeatures: 2, bias: true });
    expect(() => new Linear({ inFeatures: 2, outFeatures: 2, activation: "tanh" as "relu" })).toThrow('Linear: activation must be "none" or "relu"; got "tanh"');
  });

  it("BatchNorm1d: one training step, then evaluation on the running statistics", () => {
    const bn = new BatchNorm1d({ numFeatures: 2, momentum: 0.1, eps: 0 });
    // Channel 0: [1, 3] (mean 2, biased var 1, unbiased 2); channel 1: [2, 6] (mean 4, var 4, unbiased 8).
    const x = tensor([[1, 2], [3, 6]], { dtype: "float64" });
    expect(bn.forward(x).toArray()).toEqual([[-1, -1], [1, 1]]);
    expect(Array.from(bn.runningMean!.data())).toEqual([0.9 * 0 + 0.1 * 2, 0.1 * 4].map(Math.fround));
    const runningVar = Array.from(bn.runningVar!.data());
    expect(runningVar[0]).toBeCloseTo(0.9 + 0.1 * 2, 6);
    expect(runningVar[1]).toBeCloseTo(0.9 + 0.1 * 8, 6);
    bn.eval();
    const y = bn.forward(tensor([[0.2, 0.4]], { dtype: "float64" })).toArray() as number[][];
    // (x - 0.2) / sqrt(1.1) and (x - 0.4) / sqrt(1.7), with the float32 running statistics.
    expect(y[0][0]).toBeCloseTo(0, 6);
    expect(y[0][1]).toBeCloseTo(0, 6);
    const z = bn.forward(tensor([[1.3, 2.1]], { dtype: "float64" })).toArray() as number[][];
    expect(z[0][0]).toBeCloseTo(1.1 / Math.sqrt(1.1), 6);
    expect(z[0][1]).toBeCloseTo(1.7 / Math.sqrt(1.7), 6);
  });

  it("BatchNorm2d normalizes per channel over batch and positions", () => {
    const bn = new BatchNorm2d({ numFeatures: 1, eps: 0 });
    const y = bn.forward(tensor([[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]])).data();
    const mean = 4.5;
    const std = Math.sqrt(21 / 4);
    expect(Array.from(y).map((v) => Number(v.toFixed(5)))).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((v) => Number(((v - mean) / std).toFixed(5))));
  });

  it("LayerNorm, GroupNorm and RMSNorm against their formulas", () => {
    const x = tensor([[1, 2, 3, 6]], { dtype: "float64" });
    const ln = new LayerNorm({ normalizedShape: 4, eps: 0, dtype: "float64" });
    const mean = 3;
    const sd = Math.sqrt((4 + 1 + 0 + 9) / 4);
    expect(ln.forward(x).toArray()).toEqual([[1, 2, 3, 6].map((v) => (v - mean) / sd)]);
    const gn = new GroupNorm({ numGroups: 2, numChannels: 4, eps: 0, dtype: "float64" });
    expect(gn.forward(x).toArray()).toEqual([[-1, 1, -1, 1]]);
    const rms = new RMSNorm({ normalizedShape: 4, eps: 0, dtype: "float64" });
    const r = Math.sqrt((1 + 4 + 9 + 36) / 4);
    const got = rms.forward(x).toArray() as number[][];
    [1, 2, 3, 6].forEach((v, i) => { expect(got[0][i]).toBeCloseTo(v / r, 12); });
  });

  it("Embedding looks up rows and zeroes the padding row", () => {
    const emb = new Embedding({ numEmbeddings: 3, embeddingDim: 2, paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(2);
    expect(emb.weight.toArray()).toEqual([...(emb.weight.toArray() as number[][]).slice(0, 2), [0, 0]]);
    emb.loadStateDict({ weight: tensor([[1, 2], [3, 4], [0, 0]]) });
    expect(emb.forward(tensor([1, 0], { dtype: "int32" })).toArray()).toEqual([[3, 4], [1, 2]]);
  });

  it("Dropout zeroes about p of the elements in training and scales the rest", () => {
    const drop = new Dropout({ p: 0.25, generator: gen(3) });
    const y = drop.forward(zeros([4000]).add(1)).data();
    const kept = Array.from(y).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length / 4000 - 0.75)).toBeLessThan(0.03);
  });

  it("AdaptiveAvgPool2d averages PyTorch's bins", () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6]]]]);
    // 2 columns from 3: bins [0, 2) and [1, 3).
    expect(new AdaptiveAvgPool2d({ outputSize: [1, 2] }).forward(x).toArray()).toEqual([[[[3, 4]]]]);
    expect(new AdaptiveAvgPool2d({ outputSize: 1 }).forward(x).toArray()).toEqual([[[[3.5]]]]);
  });

  it("Softplus follows x above the threshold", () => {
    const sp = new Softplus({ beta: 2, threshold: 4 });
    const y = sp.forward(tensor([0, 3], { dtype: "float64" })).toArray() as number[];
    expect(y[0]).toBeCloseTo(Math.log(2) / 2, 12);
    expect(y[1]).toBe(3);
  });

  it("initializes like PyTorch: Linear and Conv within 1/sqrt(fanIn)", () => {
    const fc = new Linear({ inFeatures: 16, outFeatures: 64 });
    expect(Math.max(...Array.from(fc.weight.data()).map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...Array.from(fc.weight.data()).map(Math.abs))).toBeGreaterThan(0.2);
    const conv = new Conv2d({ inChannels: 4, outChannels: 8, kernelSize: 3 });
    const bound = 1 / 6;
    expect(Math.max(...Array.from(conv.weight.data()).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(conv.bias!.data()).map(Math.abs))).toBeLessThanOrEqual(bound);
  });
});

describe("bad layer options", () => {
  it("names the layer and the option", () => {
    expect(() => new Linear({ inFeatures: 0, outFeatures: 2 })).toThrow(/^Linear: inFeatures must be a positive integer; got 0$/);
    expect(() => new Linear(undefined as never)).toThrow(ValueError);
    expect(() => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2 })).toThrow(/divisible by groups/);
    expect(() => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, padding: "full" as never })).toThrow(/padding must be/);
    expect(() => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, padding: "same", stride: 2 })).toThrow(/"same" needs stride 1/);
    expect(() => new ConvTranspose2d({ inChannels: 1, outChannels: 1, kernelSize: 3, stride: 2, outputPadding: 2 })).toThrow(/outputPadding must be smaller/);
    expect(() => new Dropout({ p: 1.5 })).toThrow(/^Dropout: p must be a number in \[0, 1\]; got 1.5$/);
    expect(() => new GroupNorm({ numGroups: 3, numChannels: 4 })).toThrow(ShapeError);
    expect(() => new Embedding({ numEmbeddings: 3, embeddingDim: 2, paddingIdx: 3 })).toThrow(/paddingIdx must be an integer in \[-3, 2\]/);
    expect(() => new Reshape({ shape: [-1, -1] })).toThrow(/at most one -1/);
    expect(() => new GELU({ approximate: "erf" as never })).toThrow(/approximate must be/);
    expect(() => new Linear({ inFeatures: 2, outFeatures: 2, dtype: "int32" })).toThrow(/float32 or float64/);
    expect(() => new Embedding({ numEmbeddings: 2, embeddingDim: 2 }).forward(tensor([0.5]))).toThrow(DTypeError);
  });

  it("names the layer by its path inside a model", () => {
    const model = new Sequential({ fc1: new Linear({ inFeatures: 784, outFeatures: 256 }), act: new ReLU() });
    model.parameters();
    expect(() => model.forward(zeros([32, 28, 28]))).toThrow("Linear(fc1): expected input [..., 784], got [32, 28, 28]");
  });
});
