import { describe, expect, it } from "vitest";
import { manualSeed, tensor, ShapeError, ValueError } from "@backprop/core";
import { Sequential, Linear, ReLU, Tanh } from "@backprop/layers";
import { adam, sgd } from "@backprop/optimizers";
import { xor, moons } from "@backprop/data";
import { fit, evaluate, predict, Trainer } from "./index.js";

function mlp(sizes: number[], act: () => ReLU | Tanh = () => new ReLU()): Sequential {
  const layers = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new Linear({ inFeatures: sizes[i], outFeatures: sizes[i + 1] }));
    if (i + 2 < sizes.length) layers.push(act());
  }
  return new Sequential(layers);
}

describe("fit", () => {
  it("learns xor to 100%", async () => {
    manualSeed(1);
    const [x, y] = xor({ samples: 200, seed: 1 });
    const model = mlp([2, 16, 2], () => new Tanh());
    const history = await fit(model, [x, y], {
      loss: "crossEntropy",
      optimizer: adam(model.parameters(), { lr: 0.05 }),
      metrics: ["accuracy"],
      epochs: 60,
      batchSize: 32,
      seed: 1,
      progress: false,
    });
    expect(history.history.loss[59]).toBeLessThan(history.history.loss[0]);
    const logs = await evaluate(model, [x, y], { loss: "crossEntropy", metrics: ["accuracy"] });
    expect(logs.accuracy).toBe(1);
  });

  it("reaches at least 97% on moons", async () => {
    manualSeed(2);
    const [x, y] = moons({ samples: 500, noise: 0.1, seed: 2 });
    const model = mlp([2, 32, 32, 2]);
    const history = await fit(model, [x, y], {
      loss: "crossEntropy",
      optimizer: adam(model.parameters(), { lr: 0.01 }),
      metrics: ["accuracy"],
      epochs: 40,
      batchSize: 32,
      validationSplit: 0.2,
      seed: 2,
      progress: false,
    });
    expect(history.last("val_accuracy")).toBeGreaterThanOrEqual(0.97);
    expect(history.history.accuracy.length).toBe(40);
  });

  it("predict runs in batches and matches forward", () => {
    manualSeed(3);
    const model = mlp([3, 4, 2]);
    const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    const out = predict(model, x, { batchSize: 2 });
    expect(out.shape).toEqual([3, 2]);
    const direct = model.forward(x).toArray() as number[][];
    (out.toArray() as number[][]).forEach((row, i) => {
      row.forEach((v, j) => {
        expect(v).toBeCloseTo(direct[i][j], 6);
      });
    });
  });

  it("rejects bad input with clear errors", async () => {
    const model = mlp([2, 2]);
    const opt = sgd(model.parameters(), { lr: 0.1 });
    const x = tensor([[0, 0], [1, 1], [2, 2]]);
    await expect(fit(model, [x, tensor([0, 1], { dtype: "int32" })], { loss: "crossEntropy", optimizer: opt, progress: false })).rejects.toThrow(ShapeError);
    await expect(fit(model, [x, tensor([0, 1, 0], { dtype: "int32" })], { loss: "crossEntropy", optimizer: opt, batchSize: 0, progress: false })).rejects.toThrow(/batchSize must be a positive integer; got 0/);
    await expect(fit(model, [x, tensor([0, 1, 0], { dtype: "int32" })], { loss: "crossEntropy", optimizer: opt, batchSize: 1.5, progress: false })).rejects.toThrow(ValueError);
    await expect(fit(model, [tensor([[0, 0]]).slice([[0, 0]]), tensor([0], { dtype: "int32" }).slice([[0, 0]])], { loss: "crossEntropy", optimizer: opt, progress: false })).rejects.toThrow(/empty/);
    await expect(fit(model, [x, tensor([0, 5, 0], { dtype: "int32" })], { loss: "crossEntropy", optimizer: opt, progress: false })).rejects.toThrow(/label 5/);
    expect(() => new Trainer(model, { loss: "crossEntropyy" })).toThrow(/did you mean "crossEntropy"/);
  });
});
