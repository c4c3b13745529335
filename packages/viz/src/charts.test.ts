import { describe, expect, test } from "vitest";
import { randn, ShapeError, tensor, ValueError } from "@backprop/core";
import { confusionCounts, confusionMatrix, decisionBoundary, heatmap, histogram, imageGrid, linePlot, plotHistory, scatterPlot } from "./index.js";

const labelsOf = (svg: string): string[] => [...svg.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]);
const texts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe("linePlot", () => {
  test("draws one line per series through the given points, with title and legend", async () => {
    const fig = await linePlot({ x: [0, 1, 2], series: { relu: [0, 1, 2], sigmoid: [0.5, 0.731, 0.881] }, title: "activations" });
    expect(fig.svg.startsWith("<svg")).toBe(true);
    expect((fig.svg.match(/role-mark marktype-line|class="mark-line/g) ?? []).length).toBeGreaterThan(0);
    const aria = labelsOf(fig.svg);
    expect(aria).toContain("x: 1; y: 0.731; series: sigmoid");
    expect(aria).toContain("x: 2; y: 2; series: relu");
    expect(texts(fig.svg)).toEqual(expect.arrayContaining(["activations", "relu", "sigmoid"]));
  });
  test("rejects a series of the wrong length", async () => {
    await expect(linePlot({ x: [0, 1], series: { a: [1] } })).rejects.toThrow(/series "a" must have one value per x; expected 2, got 1/);
  });
});

describe("plotHistory", () => {
  test("one panel per quantity, training and validation lines with their values", async () => {
    const fig = await plotHistory({ history: { loss: [0.9, 0.5], val_loss: [1, 0.75], accuracy: [0.6, 0.8], lr: [0.1, 0.1] } });
    const aria = labelsOf(fig.svg);
    expect(aria).toContain("epoch: 2; loss: 0.75; split: validation");
    expect(aria).toContain("epoch: 2; accuracy: 0.8; split: training");
    expect(aria.some((a) => a.includes(": 0.1;"))).toBe(false); // lr is left out
    expect(texts(fig.svg)).toEqual(expect.arrayContaining(["loss", "accuracy", "training", "validation"]));
  });
  test("names a missing key", async () => {
    await expect(plotHistory({ loss: [1] }, { keys: ["acc"] })).rejects.toThrow('no key "acc" in the history; known: loss');
  });
});

describe("scatterPlot and decisionBoundary", () => {
  test("a point per row, coloured by label", async () => {
    const fig = await scatterPlot(tensor([[0, 1], [2, 3]]), { labels: [0, 1] });
    const aria = labelsOf(fig.svg);
    expect(aria).toContain("x₁: 0; x₂: 1; class: 0");
    expect(aria).toContain("x₁: 2; x₂: 3; class: 1");
  });
  test("rejects data that is not [n, 2]", async () => {
    await expect(scatterPlot(tensor([[0, 1, 2]]))).rejects.toThrow(ShapeError);
  });
  test("the regions follow the classifier: class 1 where x2 > x1", async () => {
    const x = tensor([[0, 0], [1, 1], [0, 1], [1, 0]]);
    const fig = await decisionBoundary((p) => p.matmul(tensor([[-1], [1]])), x, { labels: [0, 0, 1, 0], resolution: 4, margin: 0 });
    // Grid cells are unlabelled rects in the class colours (0: #4c78a8, 1: #f58518).
    const cells = fig.svg.match(/<path d="M[^"]*" fill="#[0-9a-f]{6}" opacity="0.35"\/>/g) ?? [];
    // A 4 x 4 grid over [0, 1]^2: a cell is class 1 when its centre lies above the diagonal (6 of 16).
    expect(cells.length).toBe(16);
    expect(cells.filter((c) => c.includes("#f58518")).length).toBe(6);
    expect(labelsOf(fig.svg)).toContain("x0: 0; x1: 1; label: 1"); // the data points on top
  });
  test("argmax over several scores, and a shape check on them", async () => {
    const x = tensor([[0, 0], [1, 1]]);
    const fig = await decisionBoundary((p) => p, x, { resolution: 2, margin: 0 });
    // argmax(x1, x2) with ties to class 0: only the cell centred at (0.25, 0.75) is class 1
    expect((fig.svg.match(/<path d="M[^"]*" fill="#4c78a8" opacity="0.35"\/>/g) ?? []).length).toBe(3);
    await expect(decisionBoundary((p) => p.sum(), x)).rejects.toThrow(/one row of scores per point/);
  });
});

describe("imageGrid", () => {
  test("draws the dark pixels and captions `pred (true)`, wrong ones in red", async () => {
    const img = tensor([[[0, 1], [0, 0]], [[1, 1], [1, 0]]]);
    const fig = await imageGrid(img, { labels: [3, 7], predictions: [3, 1], pixelSize: 4 });
    // Ink pixels are 4 x 4 rects in the darkest grey; white ones are left out.
    const rects = fig.svg.match(/<path d="M\d+,\d+h4v4h-4Z" fill="rgb\(30, 30, 30\)"\/>/g) ?? [];
    expect(rects.length).toBe(4); // 1 ink pixel in the first image, 3 in the second
    expect(fig.svg.match(/<path d="M\d+,\d+h4v4h-4Z"/g)?.length).toBe(4);
    expect(texts(fig.svg)).toEqual(expect.arrayContaining(["3 (3)", "1 (7)"]));
    expect(fig.svg).toMatch(/text: 1 \(7\)"[^>]*fill="#d62728"/);
    expect(fig.svg).toMatch(/text: 3 \(3\)"[^>]*fill="#222222"/);
  });
  test("rejects other shapes and mismatched labels", async () => {
    await expect(imageGrid(tensor([1, 2]))).rejects.toThrow("imageGrid: images must have shape [n, h, w] or [n, 1, h, w]; got [2]");
    await expect(imageGrid(tensor([[[1]]]), { labels: [1, 2] })).rejects.toThrow(ValueError);
  });
});

describe("heatmap, confusionMatrix, histogram", () => {
  test("one cell per element with its value", async () => {
    const fig = await heatmap(tensor([[1, -2], [0.5, 3]]));
    const aria = labelsOf(fig.svg);
    expect(aria).toContain("column: 1; row: 0; value: \u22122"); // Vega prints a real minus sign
    expect(aria).toContain("column: 0; row: 1; value: 0.5");
    expect(texts(fig.svg)).toEqual(expect.arrayContaining(["-2", "0.5", "3"]));
  });
  test("confusion counts by hand", async () => {
    expect(confusionCounts([0, 1, 1, 2], [0, 1, 0, 2], 3)).toEqual([[1, 0, 0], [1, 1, 0], [0, 0, 1]]);
    expect(() => confusionCounts([0, 3], [0, 1], 3)).toThrow("labels must be integers in 0..2; got 3");
    const fig = await confusionMatrix([0, 1, 1, 2], [0, 1, 0, 2]);
    const aria = labelsOf(fig.svg);
    expect(aria).toContain("predicted: 0; true: 1; value: 1");
    expect(aria).toContain("predicted: 2; true: 2; value: 1");
    expect(texts(fig.svg)).toContain("confusion matrix");
  });
  test("histogram bars count the values", async () => {
    const fig = await histogram([0.1, 0.2, 0.2, 0.9], { bins: 2 });
    const bars = labelsOf(fig.svg).filter((a) => a.startsWith("value: "));
    const counts = bars.map((a) => Number(/count: (\d+)/.exec(a)![1])).sort();
    expect(counts).toEqual([1, 3]);
    expect(labelsOf(fig.svg)).toContain("value: 0 \u2013 0.5; count: 3");
    await expect(histogram([NaN])).rejects.toThrow(ValueError);
    const two = await histogram({ a: randn([50]), b: randn([50]) });
    expect(texts(two.svg)).toEqual(expect.arrayContaining(["a", "b"]));
  });
});
