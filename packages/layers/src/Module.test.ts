import { describe, expect, it } from "vitest";
import { ShapeError, ValueError, Tensor, ones, randn, tensor, tidy, zeros } from "@backprop/core";
import { BatchNorm1d, BufferTensor, Dropout, Linear, Module, ModuleDict, ModuleList, Parameter, ReLU, Sequential } from "./index.js";
import type { AnyModule } from "./index.js";

class Mlp extends Module {
  fc1 = new Linear({ inFeatures: 4, outFeatures: 3 });
  act = new ReLU();
  fc2 = new Linear({ inFeatures: 3, outFeatures: 2 });
  override forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x)));
  }
}

class WithArrays extends Module {
  blocks = [new Linear({ inFeatures: 2, outFeatures: 2 }), new Linear({ inFeatures: 2, outFeatures: 2 })];
  scale = new Parameter(ones([1]));
  stats = new BufferTensor(zeros([2]));
  _ignored = new Linear({ inFeatures: 2, outFeatures: 2 });
  notATensor = 3;
}

describe("Module discovery", () => {
  it("finds parameters, buffers and children on own fields with dotted names", () => {
    const m = new Mlp();
    expect(m.namedParameters().map(([k]) => k)).toEqual(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    expect(m.parameters().every((p) => p instanceof Tensor && p.requiresGrad)).toBe(true);
    expect(m.namedChildren().map(([k]) => k)).toEqual(["fc1", "act", "fc2"]);
    expect(m.children()).toHaveLength(3);
    expect(m.namedModules().map(([k]) => k)).toEqual(["", "fc1", "act", "fc2"]);
    expect(m.countParameters()).toBe(4 * 3 + 3 + 3 * 2 + 2);
  });

  it("looks into arrays, skips fields starting with _, and lists buffers", () => {
    const m = new WithArrays();
    expect(m.namedParameters().map(([k]) => k)).toEqual(["scale", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias"]);
    expect(m.namedBuffers().map(([k]) => k)).toEqual(["stats"]);
    expect(Object.keys(m.stateDict())).toEqual(["scale", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias", "stats"]);
  });

  it("lists a shared parameter once", () => {
    const shared = new Linear({ inFeatures: 2, outFeatures: 2 });
    const m = new Sequential([shared, new ReLU(), shared]);
    expect(m.parameters()).toHaveLength(2);
    expect(m.namedParameters().map(([k]) => k)).toEqual(["0.weight", "0.bias"]);
  });

  it("containers name children by position or key", () => {
    const list = new ModuleList([new Linear({ inFeatures: 1, outFeatures: 1 })]).push(new Linear({ inFeatures: 1, outFeatures: 1 }));
    expect(Object.keys(list.stateDict())).toEqual(["0.weight", "0.bias", "1.weight", "1.bias"]);
    expect(list.length).toBe(2);
    expect(() => list.forward(zeros([1]) as never)).toThrow(/has no forward/);
    const dict = new ModuleDict({ enc: new Linear({ inFeatures: 1, outFeatures: 2 }) });
    expect(Object.keys(dict.stateDict())).toEqual(["enc.weight", "enc.bias"]);
    expect(dict.get("enc")).toBeInstanceOf(Linear);
    expect(() => new ModuleDict({ "a.b": new ReLU() })).toThrow(/without dots/);
    expect(() => new Sequential([3 as never])).toThrow(/entry "0" must be a Module; got number/);
    const named = new Sequential({ hidden: new Linear({ inFeatures: 2, outFeatures: 3 }), act: new ReLU() });
    expect(Object.keys(named.stateDict())).toEqual(["hidden.weight", "hidden.bias"]);
    expect(named.forward(ones([1, 2])).shape).toEqual([1, 3]);
  });

  it("parameters survive memory scopes", () => {
    const m = tidy(() => new Linear({ inFeatures: 2, outFeatures: 2 }));
    expect(m.weight.isDisposed).toBe(false);
    expect(m.forward(ones([1, 2])).shape).toEqual([1, 2]);
  });
});

describe("stateDict and loadStateDict", () => {
  it("lists every missing, unexpected and mis-shaped key in one error and writes nothing", () => {
    const m = new Mlp();
    const before = m.fc1.weight.toArray();
    const dict: Record<string, Tensor> = { "fc1.weight": zeros([3, 4]), "fc1.bias": zeros([5]), extra: zeros([1]), "fc2.weight": zeros([2, 3]) };
    let error: unknown;
    try {
      m.loadStateDict(dict);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as Error).message).toBe(
      "Mlp.loadStateDict: the state dict does not match the model; missing keys: fc2.bias; unexpected keys: extra; mis-shaped keys: fc1.bias (expected [3], got [5])",
    );
    expect(m.fc1.weight.toArray()).toEqual(before);
  });

  it("throws ValueError for missing and unexpected keys in strict mode; non-strict loads the rest", () => {
    const m = new Mlp();
    const partial = { "fc1.weight": ones([3, 4]), other: ones([1]) };
    expect(() => m.loadStateDict(partial)).toThrow(ValueError);
    expect(() => m.loadStateDict(partial)).toThrow(/missing keys: fc1\.bias, fc2\.weight, fc2\.bias; unexpected keys: other$/);
    expect(m.loadStateDict(partial, { strict: false })).toEqual({ missingKeys: ["fc1.bias", "fc2.weight", "fc2.bias"], unexpectedKeys: ["other"] });
    expect(m.fc1.weight.toArray()).toEqual([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]);
    expect(() => m.loadStateDict({ "fc1.weight": ones([2, 2]) }, { strict: false })).toThrow(ShapeError);
  });

  it("loads in place, so references held elsewhere (optimizers) see the values", () => {
    const a = new Linear({ inFeatures: 2, outFeatures: 1 });
    const w = a.weight;
    a.loadStateDict({ weight: tensor([[5, 6]]), bias: tensor([7]) });
    expect(a.weight).toBe(w);
    expect(w.toArray()).toEqual([[5, 6]]);
  });
});

describe("modes, apply, zeroGrad, printing", () => {
  it("train() and eval() reach every module", () => {
    const m = new Sequential([new Linear({ inFeatures: 2, outFeatures: 2 }), new Sequential([new Dropout(), new BatchNorm1d({ numFeatures: 2 })])]);
    m.eval();
    expect(m.modules().map((x) => x.training)).toEqual([false, false, false, false, false]);
    m.train();
    expect(m.modules().every((x) => x.training)).toBe(true);
  });

  it("apply visits children before parents", () => {
    const m = new Mlp();
    const seen: string[] = [];
    m.apply((x: AnyModule) => seen.push(x.typeName));
    expect(seen).toEqual(["Linear", "ReLU", "Linear", "Mlp"]);
  });

  it("requiresGrad_ freezes and unfreezes every parameter", () => {
    const m = new Mlp();
    m.fc1.requiresGrad_(false);
    expect(m.parameters().map((p) => p.requiresGrad)).toEqual([false, false, true, true]);
    expect(m.countParameters(true)).toBe(8);
    m.requiresGrad_();
    expect(m.countParameters(true)).toBe(m.countParameters());
  });

    it("zeroGrad clears every gradient", () => {
    const m = new Mlp();
    m.forward(randn([2, 4])).sum().backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it("toString prints like PyTorch", () => {
    const m = new Sequential([new Linear({ inFeatures: 4, outFeatures: 2 }), new ReLU(), new Sequential([new Dropout({ p: 0.1 })])]);
    expect(m.toString()).toBe(
      ["Sequential(", "  (0): Linear(inFeatures=4, outFeatures=2, bias=true)", "  (1): ReLU()", "  (2): Sequential(", "    (0): Dropout(p=0.1)", "  )", ")"].join("\n"),
    );
  });

  it("summary tabulates output shapes, parameter counts and trainability without side effects", () => {
    const m = new Sequential([new Linear({ inFeatures: 4, outFeatures: 3 }), new BatchNorm1d({ numFeatures: 3 }), new ReLU()]);
    const bn = m.at(1) as BatchNorm1d;
    bn.weight!.requiresGrad = false;
    const text = m.summary([8, 4]);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^Layer \(type\)\s+Output shape\s+Params\s+Trainable$/);
    expect(lines[2]).toMatch(/^\(Sequential\)\s+\[8, 3\]\s+0\s+-$/);
    expect(lines[3]).toMatch(/^ {2}0 \(Linear\)\s+\[8, 3\]\s+15\s+yes$/);
    expect(lines[4]).toMatch(/^ {2}1 \(BatchNorm1d\)\s+\[8, 3\]\s+6\s+partly$/);
    expect(lines[5]).toMatch(/^ {2}2 \(ReLU\)\s+\[8, 3\]\s+0\s+-$/);
    expect(lines.slice(-3)).toEqual(["Total params: 21", "Trainable params: 18", "Non-trainable params: 3"]);
    expect(Array.from(bn.runningMean!.data())).toEqual([0, 0, 0]);
    expect(m.training).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(m.at(0), "forward")).toBe(false);
    expect(() => m.summary([8, 5])).toThrow("Linear(0): expected input [..., 4], got [8, 5]");
  });

  it("Parameter copies its data and refuses integer training", () => {
    const src = ones([2]);
    const p = new Parameter(src);
    src.storage.data[0] = 9;
    expect(p.toArray()).toEqual([1, 1]);
    expect(() => new Parameter(tensor([1], { dtype: "int32" }))).toThrow(/only float32 and float64/);
    expect(new Parameter(tensor([1], { dtype: "int32" }), false).requiresGrad).toBe(false);
  });
});
