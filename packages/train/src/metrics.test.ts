import { describe, expect, it } from "vitest";
import { ShapeError, ValueError, tensor } from "@backprop/core";
import {
  Accuracy, BinaryAccuracy, ConfusionMatrix, F1, MeanAbsoluteError, MeanSquaredError, Precision, Recall, TopKAccuracy, toMetric,
} from "./index.js";

const labels = (values: number[]) => tensor(values, { dtype: "int32" });

describe("metrics against hand-counted values", () => {
  it("Accuracy: int labels, one-hot targets, one column thresholded; accumulates over batches", () => {
    const acc = new Accuracy();
    expect(acc.result()).toBeNaN();
    acc.update(tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), labels([1, 1, 1]));
    expect(acc.result()).toBeCloseTo(2 / 3, 12);
    acc.update(tensor([[0.6, 0.4]]), tensor([[1, 0]]));
    expect(acc.result()).toBe(3 / 4);
    acc.reset();
    acc.update(tensor([[0.2], [0.9]]), tensor([[0], [0]]));
    expect(acc.result()).toBe(1 / 2);
    expect(() => { acc.update(tensor([[0.2, 0.8]]), labels([1, 0])); }).toThrow(new ShapeError("accuracy: 1 predictions but 2 targets"));
  });

  it("BinaryAccuracy: threshold on predictions, 0.5 on targets", () => {
    const m = new BinaryAccuracy();
    m.update(tensor([0.2, 0.7, 0.9]), tensor([0, 1, 0]));
    expect(m.result()).toBeCloseTo(2 / 3, 12);
    const logits = new BinaryAccuracy({ threshold: 0 });
    logits.update(tensor([-1, 2, 0.5, -3]), tensor([0, 1, 0, 0]));
    expect(logits.result()).toBe(3 / 4);
  });

  it("TopKAccuracy: the target among the k highest; bad labels are named", () => {
    const m = new TopKAccuracy({ k: 2 });
    expect(m.name).toBe("top2Accuracy");
    m.update(tensor([[0.5, 0.3, 0.2], [0.5, 0.3, 0.2], [0.1, 0.2, 0.7]]), labels([1, 2, 0]));
    expect(m.result()).toBeCloseTo(1 / 3, 12);
    expect(() => { m.update(tensor([[0.5, 0.3, 0.2]]), labels([3])); }).toThrow(new ValueError("top2Accuracy: target class 3 of sample 0 is outside [0, 3)"));
    expect(() => new TopKAccuracy({ k: 0 })).toThrow(ValueError);
  });

  it("ConfusionMatrix, Precision, Recall and F1 (binary, macro, micro)", () => {
    const pred = tensor([[0.9, 0.1, 0], [0.2, 0.8, 0], [0.6, 0.4, 0], [0, 0.1, 0.9], [0, 0.9, 0.1]]);
    const truth = labels([0, 1, 1, 2, 2]);
    const cm = new ConfusionMatrix();
    cm.update(pred, truth);
    expect(cm.matrix()).toEqual([[1, 0, 0], [1, 1, 0], [0, 1, 1]]);
    expect(cm.result()).toBe(3 / 5);
    // Class 1: tp 1, fp 1 (a 2 predicted as 1), fn 1 (a 1 predicted as 0).
    const binary = [new Precision(), new Recall(), new F1()];
    for (const m of binary) m.update(pred, truth);
    expect(binary.map((m) => m.result())).toEqual([0.5, 0.5, 0.5]);
    // Per class precision [1/2, 1/2, 1], recall [1, 1/2, 1/2].
    const macro = [new Precision({ average: "macro" }), new Recall({ average: "macro" }), new F1({ average: "macro" })];
    for (const m of macro) m.update(pred, truth);
    expect(macro[0].result()).toBeCloseTo(2 / 3, 12);
    expect(macro[1].result()).toBeCloseTo(2 / 3, 12);
    expect(macro[2].result()).toBeCloseTo((2 / 3 + 1 / 2 + 2 / 3) / 3, 12);
    const micro = new F1({ average: "micro" });
    micro.update(pred, truth);
    expect(micro.result()).toBeCloseTo(3 / 5, 12);
    expect(() => { cm.update(pred, labels([0, 1, 1, 2, 5])); }).toThrow(/label 5 at index 4 is out of range for 3 classes/);
  });

  it("MeanAbsoluteError and MeanSquaredError", () => {
    const mae = new MeanAbsoluteError();
    const mse = new MeanSquaredError();
    for (const m of [mae, mse]) m.update(tensor([1, 2, 4]), tensor([2, 2, 1]));
    expect(mae.result()).toBeCloseTo(4 / 3, 12);
    expect(mse.result()).toBeCloseTo(10 / 3, 12);
    expect(() => { mae.update(tensor([1, 2]), tensor([1])); }).toThrow(ShapeError);
  });

  it("resolves registered names", () => {
    expect(toMetric("accuracy")).toBeInstanceOf(Accuracy);
    expect(toMetric("binaryAccuracy")).toBeInstanceOf(BinaryAccuracy);
    expect(() => toMetric("acuracy")).toThrow(/accuracy/);
  });
});

describe("clone", () => {
  it("gives a fresh metric with the same settings and counts of its own", () => {
    const top2 = new TopKAccuracy({ k: 2 });
    const p = tensor([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]]);
    const t = tensor([1, 0], { dtype: "int32" }); // class 1 is in row 0's top 2; class 0 is not in row 1's
    top2.update(p, t);
    const copy = top2.clone();
    expect(copy.name).toBe("top2Accuracy");
    expect(Number.isNaN(copy.result())).toBe(true); // nothing counted yet
    copy.update(p, tensor([0, 2], { dtype: "int32" }));
    expect(copy.result()).toBe(1);
    expect(top2.result()).toBe(0.5);
    const strict = new BinaryAccuracy({ threshold: 0.9 }).clone();
    strict.update(tensor([0.8, 0.95]), tensor([1, 1]));
    expect(strict.result()).toBe(0.5); // 0.8 is under the cloned threshold
    const macro = new Precision({ average: "macro", numClasses: 3 }).clone();
    expect(macro).toBeInstanceOf(Precision);
    macro.update(tensor([[1, 0, 0], [0, 1, 0]]), tensor([0, 0], { dtype: "int32" }));
    // Class 0: 1 of 1 predicted right; class 1: 0 of 1; class 2: none predicted (0): mean 1/3.
    expect(macro.result()).toBeCloseTo(1 / 3, 12);
    expect(new MeanSquaredError().clone()).toBeInstanceOf(MeanSquaredError);
  });
});
