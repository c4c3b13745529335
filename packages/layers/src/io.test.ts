import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError, Generator, RegistryError, ShapeError, Tensor, getRngState, randn, register, unregister } from "@backprop/core";
import {
  BatchNorm2d,
  Conv2d,
  Dropout,
  Embedding,
  Flatten,
  Linear,
  MaxPool2d,
  Module,
  ModuleDict,
  Parameter,
  ReLU,
  Sequential,
  decodeModel,
  encodeModel,
  loadModel,
  saveModel,
} from "./index.js";
import type { JsonObject } from "./index.js";

const root = mkdtempSync(join(tmpdir(), "backprop-layers-io-"));
afterAll(() => { rmSync(root, { recursive: true, force: true }); });
let n = 0;
const fresh = (): string => join(root, `m${++n}`);

function cnn(): Sequential {
  const g = new Generator(11);
  return new Sequential([
    new Conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1, generator: g }),
    new BatchNorm2d({ numFeatures: 4 }),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Dropout({ p: 0.3 }),
    new Flatten(),
    new Linear({ inFeatures: 4 * 2 * 2, outFeatures: 3, generator: g }),
  ]);
}

/** A user layer with its own options and a raw Parameter. */
class Scale extends Module {
  readonly size: number;
  gain: Parameter;
  constructor(options: { size: number }) {
    super();
    this.size = options.size;
    this.gain = new Parameter(randn([options.size]));
  }
  override forward(x: Tensor): Tensor {
    return x.mul(this.gain);
  }
  override config(): JsonObject {
    return { size: this.size };
  }
}

describe("saveModel / loadModel", () => {
  it("round-trips a model with bit-identical outputs, in the safetensors layout", async () => {
    const model = cnn();
    // One training step changes the batch-norm running statistics, which must be saved too.
    model.forward(randn([2, 1, 4, 4]));
    model.eval();
    const dir = fresh();
    await saveModel(model, dir);
    expect(readdirSync(dir).sort()).toEqual(["model.json", "weights.safetensors"]);
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    expect(json.format).toBe("backprop-model");
    expect(json.formatVersion).toBe(1);
    expect(json.model.type).toBe("sequential");
    expect(json.model.config.layers.map((l: { type: string }) => l.type)).toEqual(["conv2d", "batchNorm2d", "relu", "maxPool2d", "dropout", "flatten", "linear"]);
    const bytes = readFileSync(join(dir, "weights.safetensors"));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8"));
    expect(header["1.runningVar"]).toEqual({ dtype: "F32", shape: [4], data_offsets: expect.any(Array) });
    const loaded = await loadModel(dir);
    expect(loaded.training).toBe(false);
    const x = randn([3, 1, 4, 4]);
    expect(Array.from(loaded.forward(x).data())).toEqual(Array.from(model.forward(x).data()));
    expect(loaded.toString()).toBe(model.toString());
  });

  it("round-trips a custom registered layer, and leaves the global RNG alone", async () => {
    register("layer", "test/scale", Scale);
    try {
      const model = new Sequential({ scale: new Scale({ size: 3 }), act: new ReLU() });
      const dir = fresh();
      const rng = getRngState();
      await saveModel(model, dir);
      expect(getRngState()).toEqual(rng);
      const loaded = await loadModel(dir);
      expect(loaded instanceof Sequential && loaded.at(0) instanceof Scale).toBe(true);
      const x = randn([2, 3]);
      expect(loaded.forward(x).toArray()).toEqual(model.forward(x).toArray());
    } finally {
      unregister("layer", "test/scale");
    }
  });

  it("round-trips a registered subclass of Sequential as itself", () => {
    class Tower extends Sequential {}
    register("layer", "test/tower", Tower);
    try {
      const copy = decodeModel(encodeModel(new Tower([new Linear({ inFeatures: 2, outFeatures: 2 }), new ReLU()])));
      expect(copy).toBeInstanceOf(Tower);
      expect(Object.keys(copy.stateDict())).toEqual(["0.weight", "0.bias"]);
    } finally {
      unregister("layer", "test/tower");
    }
  });

    it("refuses an unregistered layer without touching an existing model", async () => {
    const dir = fresh();
    await saveModel(new Linear({ inFeatures: 2, outFeatures: 1 }), dir);
    const before = [readFileSync(join(dir, "model.json")), readFileSync(join(dir, "weights.safetensors"))];
    await expect(saveModel(new Sequential([new Scale({ size: 2 })]), dir)).rejects.toThrow(RegistryError);
    await expect(saveModel(new Sequential([new Scale({ size: 2 })]), dir)).rejects.toThrow(/^saveModel: Scale\(0\) is not a registered layer class/);
    expect(readdirSync(dir).sort()).toEqual(["model.json", "weights.safetensors"]);
    expect(readFileSync(join(dir, "model.json"))).toEqual(before[0]);
    expect(readFileSync(join(dir, "weights.safetensors"))).toEqual(before[1]);
  });

  it("refuses a config that does not rebuild the model", async () => {
    class Forgetful extends Scale {
      override config(): JsonObject {
        return { size: 1 };
      }
    }
    register("layer", "test/forgetful", Forgetful);
    try {
      await expect(saveModel(new Forgetful({ size: 3 }), fresh())).rejects.toThrow(/^saveModel: the model's config does not rebuild it .*gain \(expected \[1\], got \[3\]\)/);
    } finally {
      unregister("layer", "test/forgetful");
    }
  });

  it("names the file and the problem when loading fails", async () => {
    const dir = fresh();
    await saveModel(new Sequential([new Linear({ inFeatures: 4, outFeatures: 2 })]), dir);
    const jsonPath = join(dir, "model.json");
    const weightsPath = join(dir, "weights.safetensors");
    const json = readFileSync(jsonPath, "utf8");
    const weights = readFileSync(weightsPath);

    writeFileSync(jsonPath, json.replace('"linear"', '"lineer"'));
    await expect(loadModel(dir)).rejects.toThrow(RegistryError);
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel: model\.json: no layer "lineer"; did you mean "linear"\?/);

    writeFileSync(jsonPath, json.slice(0, 20));
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel: model\.json is not valid JSON/);

    writeFileSync(jsonPath, json.replace('"formatVersion": 1', '"formatVersion": 7'));
    await expect(loadModel(dir)).rejects.toThrow("loadModel: model.json has format version 7; expected 1");

    writeFileSync(jsonPath, json);
    writeFileSync(weightsPath, weights.subarray(0, weights.length - 8));
    await expect(loadModel(dir)).rejects.toThrow(FormatError);
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel: weights\.safetensors is truncated; header says 40 bytes of data, file has 32$/);

    writeFileSync(jsonPath, json.replace('"outFeatures": 2', '"outFeatures": 3'));
    writeFileSync(weightsPath, weights);
    await expect(loadModel(dir)).rejects.toThrow(ShapeError);
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel: weights\.safetensors does not match model\.json; mis-shaped keys: 0\.weight \(expected \[3, 4\], got \[2, 4\]\), 0\.bias/);

    writeFileSync(jsonPath, json.replace('"bias": true', '"bias": false'));
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel: weights\.safetensors does not match model\.json; unexpected keys: 0\.bias$/);

    rmSync(weightsPath);
    writeFileSync(jsonPath, json);
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel: cannot read weights\.safetensors in .* \(no such file\)$/);
    await expect(loadModel(join(root, "nowhere"))).rejects.toThrow(/^loadModel: cannot read model\.json/);
  });

  it("encodes and decodes in memory (browser-safe), e.g. an embedding model", () => {
    const model = new Sequential([new Embedding({ numEmbeddings: 6, embeddingDim: 2, paddingIdx: 0 }), new Flatten()]);
    const copy = decodeModel(encodeModel(model));
    expect(copy.stateDict()["0.weight"].toArray()).toEqual(model.stateDict()["0.weight"].toArray());
    const dict = new ModuleDict({ head: new Linear({ inFeatures: 2, outFeatures: 2 }) });
    const dictCopy = decodeModel(encodeModel(dict));
    expect(dictCopy).toBeInstanceOf(ModuleDict);
    expect(dictCopy.stateDict()["head.weight"].toArray()).toEqual(dict.stateDict()["head.weight"].toArray());
    expect(copy.toString()).toBe("Sequential(\n  (0): Embedding(numEmbeddings=6, embeddingDim=2, paddingIdx=0)\n  (1): Flatten(startAxis=1, endAxis=-1)\n)");
  });
});
