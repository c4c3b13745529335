import { describe, expect, it } from "vitest";
import { FormatError, ValueError, encodeSafetensors, ones, tensor, zeros } from "@backprop/core";
import {
  BatchNorm2d,
  Conv2d,
  Embedding,
  GRU,
  LSTM,
  LayerNorm,
  Linear,
  MaxPool2d,
  MultiheadAttention,
  Sequential,
  TransformerEncoder,
  decodeModel,
  encodeModel,
  generateSquareSubsequentMask,
  layerFromSpec,
  layerLimits,
} from "./index.js";
import type { LayerSpec } from "./index.js";

/** model.json text for one layer spec. */
const modelJson = (model: unknown): string => JSON.stringify({ format: "backprop-model", formatVersion: 1, model, weights: "weights.safetensors" });

/** A safetensors file with tensors of any file dtype: `{ key: [dtype, shape, bytes] }`. */
function safetensors(tensors: Record<string, [string, number[], Uint8Array]>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [key, [dtype, shape, bytes]] of Object.entries(tensors)) {
    header[key] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const [, , bytes] of Object.values(tensors)) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** Runs `fn`, which must throw; returns the error and the milliseconds it took. */
function timed(fn: () => unknown): { error: unknown; ms: number } {
  const start = performance.now();
  try {
    fn();
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
  throw new Error("expected a throw");
}

const emptyWeights = encodeSafetensors({});

describe("sizes are checked against layerLimits before anything is allocated", () => {
  it("a 225-byte model.json with an LSTM of numLayers 100000 (or 1000000) fails in well under a second", () => {
    for (const numLayers of [100_000, 1_000_000]) {
      const json = modelJson({ type: "lstm", config: { inputSize: 1, hiddenSize: 1, numLayers } });
      const { error, ms } = timed(() => decodeModel({ json, weights: emptyWeights }));
      expect(error).toBeInstanceOf(ValueError);
      expect((error as Error).message).toBe(`decodeModel: model.json: LSTM: numLayers is too large; expected at most ${layerLimits.maxLayers} (layerLimits.maxLayers), got ${numLayers}`);
      expect(ms).toBeLessThan(500);
    }
  });

  it("every size option is a safe positive integer up to layerLimits.maxSize", () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new Linear({ inFeatures: 1e9, outFeatures: 1 }), /^Linear: inFeatures is too large; expected at most 16777216 \(layerLimits\.maxSize\), got 1000000000$/],
      [() => new Linear({ inFeatures: 2 ** 32, outFeatures: 1 }), /^Linear: inFeatures is too large; expected at most 16777216 \(layerLimits\.maxSize\), got 4294967296$/],
      [() => new Linear({ inFeatures: 2, outFeatures: 2 ** 53 + 2 }), /^Linear: outFeatures is too large/],
      [() => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: [3, 2 ** 32] }), /^Conv2d: kernelSize is too large/],
      [() => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, padding: 2 ** 40 }), /^Conv2d: padding is too large/],
      [() => new Embedding({ numEmbeddings: 2 ** 30, embeddingDim: 1 }), /^Embedding: numEmbeddings is too large/],
      [() => new GRU({ inputSize: 1, hiddenSize: 2 ** 25 }), /^GRU: hiddenSize is too large/],
      [() => new BatchNorm2d({ numFeatures: 1e12 }), /^BatchNorm2d: numFeatures is too large/],
      [() => new LayerNorm({ normalizedShape: [2, 2 ** 31] }), /^LayerNorm: normalizedShape is too large/],
      [() => new MaxPool2d({ kernelSize: 2 ** 33 }), /^MaxPool2d: kernelSize is too large/],
      [() => new MultiheadAttention({ embedDim: 2 ** 26, numHeads: 1 }), /^MultiheadAttention: embedDim is too large/],
      [() => new TransformerEncoder({ layer: { dModel: 4, nhead: 2 }, numLayers: 5000 }), /^TransformerEncoder: numLayers is too large; expected at most 1024/],
      [() => generateSquareSubsequentMask(2 ** 20), /^generateSquareSubsequentMask: size 1048576 implies 1099511627776 elements; expected at most 1073741824 \(layerLimits\.maxParameters\)/],
    ];
    for (const [make, message] of cases) {
      const { error, ms } = timed(make);
      expect(error, String(message)).toBeInstanceOf(ValueError);
      expect((error as Error).message).toMatch(message);
      expect(ms).toBeLessThan(500);
    }
  });

  it("the parameter count the options imply is checked before allocating", () => {
    const cases: [() => unknown, string][] = [
      [() => new Linear({ inFeatures: 2 ** 24, outFeatures: 2 ** 24 }), "Linear: inFeatures 16777216 and outFeatures 16777216 imply 281474993487872 parameters; expected at most 1073741824 (layerLimits.maxParameters)"],
      [() => new Conv2d({ inChannels: 4096, outChannels: 4096, kernelSize: 64 }), "Conv2d: inChannels 4096, outChannels 4096, groups 1 and kernelSize [64, 64] imply 68719480832 parameters; expected at most 1073741824 (layerLimits.maxParameters)"],
      [() => new LSTM({ inputSize: 4096, hiddenSize: 4096, numLayers: 1024 }), "LSTM: inputSize 4096, hiddenSize 4096 and numLayers 1024 imply 137472507904 parameters; expected at most 1073741824 (layerLimits.maxParameters)"],
    ];
    for (const [make, message] of cases) {
      const { error, ms } = timed(make);
      expect(error).toBeInstanceOf(ValueError);
      expect((error as Error).message).toBe(message);
      expect(ms).toBeLessThan(500);
    }
  });

  it("a model.json cannot imply more parameters than its weights file holds (so memory is bounded by the file)", () => {
    // 4096 x 4096 is within every limit, but the weights file is empty: fail before allocating 64 MiB.
    const json = modelJson({ type: "sequential", config: { layers: [{ type: "linear", config: { inFeatures: 4096, outFeatures: 4096, bias: true } }] } });
    const { error } = timed(() => decodeModel({ json, weights: emptyWeights }));
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toBe("decodeModel: model.json: Linear: inFeatures 4096 and outFeatures 4096 imply 16781312 parameters, far more than weights.safetensors holds (0 values in all); expected a config that matches its weights");
    // A config that matches its file still loads.
    const model = new Sequential([new Linear({ inFeatures: 3, outFeatures: 2 }), new BatchNorm2d({ numFeatures: 2 })]);
    expect(Object.keys(decodeModel(encodeModel(model)).stateDict())).toEqual(["0.weight", "0.bias", "1.weight", "1.bias", "1.runningMean", "1.runningVar"]);
  });
});

describe("config booleans", () => {
  it("reject non-booleans, naming the layer and the option", () => {
    expect(() => new Linear({ inFeatures: 2, outFeatures: 1, bias: 0 as never })).toThrow(ValueError);
    expect(() => new Linear({ inFeatures: 2, outFeatures: 1, bias: 0 as never })).toThrow(/^Linear: bias must be true or false; got 0$/);
    expect(() => new LSTM({ inputSize: 2, hiddenSize: 2, bidirectional: "abc" as never })).toThrow(/^LSTM: bidirectional must be true or false; got "abc"$/);
    expect(() => new BatchNorm2d({ numFeatures: 2, trackRunningStats: 1 as never })).toThrow(/^BatchNorm2d: trackRunningStats must be true or false; got 1$/);
    expect(() => new MaxPool2d({ kernelSize: 2, ceilMode: "yes" as never })).toThrow(/^MaxPool2d: ceilMode must be true or false; got "yes"$/);
    expect(() => new TransformerEncoder({ layer: { dModel: 4, nhead: 2, normFirst: 0 as never }, numLayers: 1 })).toThrow(/^TransformerEncoderLayer: normFirst must be true or false; got 0$/);
    expect(new Linear({ inFeatures: 2, outFeatures: 1, bias: false }).bias).toBeNull();
  });

  it("in a model.json too", () => {
    const json = modelJson({ type: "linear", config: { inFeatures: 2, outFeatures: 1, bias: "abc" } });
    expect(() => decodeModel({ json, weights: emptyWeights })).toThrow(ValueError);
    expect(() => decodeModel({ json, weights: emptyWeights })).toThrow(/^decodeModel: model\.json: Linear: bias must be true or false; got "abc"$/);
  });
});

describe("weights keep their dtype class", () => {
  const linearJson = modelJson({ type: "linear", config: { inFeatures: 2, outFeatures: 1, bias: true } });
  const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

  it("integer and bool tensors are not loaded into float weights", () => {
    const bias = f32([0.5]);
    const cases: [string, Uint8Array][] = [
      ["I8", new Uint8Array([1, 2])],
      ["U8", new Uint8Array([1, 2])],
      ["I16", new Uint8Array(4)],
      ["U16", new Uint8Array(4)],
      ["I32", new Uint8Array(8)],
      ["U32", new Uint8Array(8)],
      ["I64", new Uint8Array(16)],
      ["BOOL", new Uint8Array([1, 0])],
    ];
    for (const [dtype, bytes] of cases) {
      const weights = safetensors({ weight: [dtype, [1, 2], bytes], bias: ["F32", [1], bias] });
      expect(() => decodeModel({ json: linearJson, weights }), dtype).toThrow(FormatError);
      expect(() => decodeModel({ json: linearJson, weights })).toThrow(
        `decodeModel: weights.safetensors: tensor "weight" has the wrong dtype for its float32 parameter; expected F32, F64, F16 or BF16 (converted), got ${dtype}`,
      );
    }
  });

  it("float tensors of another width convert to the parameter's dtype", () => {
    // F16 1.5 = 0x3e00, -2 = 0xc000; F64 0.25
    const weights = safetensors({ weight: ["F16", [1, 2], new Uint8Array([0x00, 0x3e, 0x00, 0xc0])], bias: ["F64", [1], new Uint8Array(new Float64Array([0.25]).buffer)] });
    const model = decodeModel({ json: linearJson, weights });
    expect(model).toBeInstanceOf(Linear);
    const state = model.stateDict();
    expect(state.weight.dtype).toBe("float32");
    expect(state.weight.toArray()).toEqual([[1.5, -2]]);
    expect(state.bias.toArray()).toEqual([0.25]);
  });

  it("loadStateDict refuses integer and bool tensors for float parameters", () => {
    const m = new Linear({ inFeatures: 2, outFeatures: 1 });
    expect(() => m.loadStateDict({ weight: tensor([[1, 2]], { dtype: "int32" }), bias: zeros([1]) })).toThrow(/^Linear\.loadStateDict: the state dict does not match the model; mis-typed keys: weight \(expected float32, got int32\)$/);
    m.loadStateDict({ weight: ones([1, 2], { dtype: "float64" }), bias: zeros([1]) });
    expect(m.weight.toArray()).toEqual([[1, 1]]);
  });
});

describe("state-dict key mismatches", () => {
  it("are ValueErrors (FormatErrors from a file), listing at most 10 keys of each kind", () => {
    const model = new Sequential(Array.from({ length: 12 }, () => new Linear({ inFeatures: 1, outFeatures: 1, bias: false })));
    let error: unknown;
    try {
      model.loadStateDict({});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toBe(
      "Sequential.loadStateDict: the state dict does not match the model; missing keys (12): 0.weight, 1.weight, 2.weight, 3.weight, 4.weight, 5.weight, 6.weight, 7.weight, 8.weight, 9.weight, and 2 more",
    );
    const json = encodeModel(model).json;
    expect(() => decodeModel({ json, weights: encodeSafetensors({ "0.weight": zeros([1, 1]) }) })).toThrow(FormatError);
  });
});

describe("nesting depth", () => {
  const nested = (depth: number): Sequential => {
    let m: Sequential = new Sequential([new Linear({ inFeatures: 1, outFeatures: 1 })]);
    for (let i = 1; i < depth; i++) m = new Sequential([m]);
    return m;
  };

  it("a Sequential nested 3000 deep gives a named error, not a stack overflow, when built from a config", () => {
    let spec: LayerSpec = { type: "linear", config: { inFeatures: 1, outFeatures: 1 } };
    for (let i = 0; i < 3000; i++) spec = { type: "sequential", config: { layers: [spec as never] } };
    expect(() => layerFromSpec(spec)).toThrow(FormatError);
    expect(() => layerFromSpec(spec)).toThrow(`layerFromSpec: modules nest too deep; expected at most ${layerLimits.maxDepth} levels (layerLimits.maxDepth), got more`);
    // The text of a model.json nested 3000 deep (JSON.stringify itself would overflow the stack).
    const inner = '{"type":"linear","config":{"inFeatures":1,"outFeatures":1}}';
    const deep = '{"type":"sequential","config":{"layers":['.repeat(3000) + inner + "]}}".repeat(3000);
    const json = `{"format":"backprop-model","formatVersion":1,"weights":"weights.safetensors","model":${deep}}`;
    expect(() => decodeModel({ json, weights: emptyWeights })).toThrow(FormatError);
    expect(() => decodeModel({ json, weights: emptyWeights })).toThrow(/^decodeModel: model\.json nests too deep; expected at most 1040 levels of arrays and objects/);
  });

  it("a model.json with an option nested 5000 arrays deep gives a named error (a stack overflow printing it before)", () => {
    const json = JSON.stringify(JSON.parse(encodeModel(new Linear({ inFeatures: 1, outFeatures: 1 })).json)).replace('"bias":true', `"bias":${"[".repeat(5000)}1${"]".repeat(5000)}`);
    expect(() => decodeModel({ json, weights: emptyWeights })).toThrow(FormatError);
    expect(() => decodeModel({ json, weights: emptyWeights })).toThrow(/model\.json nests too deep/);
    // Within the JSON limit, the option's own check names it, printing a shortened value.
    const shallow = json.replace(/\[+1\]+/, "[[[1]]]");
    expect(() => decodeModel({ json: shallow, weights: emptyWeights })).toThrow(/Linear: bias must be true or false; got \[\[\[1\]\]\]/);
  });

  it("and when running or traversing it (10000 deep: a stack overflow before)", () => {
    const deep = nested(10_000);
    for (const use of [() => deep.forward(ones([1, 1])), () => deep.parameters(), () => deep.toString(), () => encodeModel(deep), () => deep.apply(() => undefined)]) {
      expect(use).toThrow(ValueError);
      expect(use).toThrow(/modules nest too deep; expected at most 256 levels \(layerLimits\.maxDepth\), got more/);
    }
  });

  it("a model at the limit works", () => {
    const ok = nested(layerLimits.maxDepth - 1);
    expect(ok.forward(ones([2, 1])).shape).toEqual([2, 1]);
    expect(ok.parameters().length).toBe(2);
    expect(Object.keys(decodeModel(encodeModel(ok)).stateDict()).length).toBe(2);
  });
});
