/**
 * Scatter plots of 2-D data sets and decision boundaries of 2-D classifiers.
 * @module
 */
import { noGrad, tensor, ValueError, type Tensor } from "@backprop/core";
import { renderVegaLite, type Figure } from "./Figure.js";
import { expectShape, numbers } from "./util.js";

/**
 * Options of {@link scatterPlot}.
 * @category Charts
 */
export interface ScatterPlotOptions {
  /** Class of each point, coloured by class. Shape: `[n]`. */
  labels?: Tensor | ArrayLike<number>;
  title?: string;
  width?: number;
  height?: number;
}

function points(where: string, x: Tensor, labels: Tensor | ArrayLike<number> | undefined): { x0: number; x1: number; label: string }[] {
  expectShape(where, "x", x, 2, "[n, 2]", 2);
  const xs = numbers(x);
  const n = x.shape[0];
  const ls = labels === undefined ? null : numbers(labels);
  if (ls !== null && ls.length !== n) throw new ValueError(`${where}: expected one label per point; expected ${n}, got ${ls.length}`);
  return Array.from({ length: n }, (_, i) => ({ x0: xs[2 * i], x1: xs[2 * i + 1], label: ls === null ? "all" : String(ls[i]) }));
}

/**
 * Draws a 2-D data set as points, coloured by label when labels are given.
 * Shape: `x` `[n, 2]`, `labels` `[n]`.
 * @throws {ShapeError} when x is not `[n, 2]`.
 * @throws {ValueError} when labels and points differ in number.
 * @example
 * ```ts
 * import { scatterPlot } from "@backprop/viz";
 * import { tensor } from "@backprop/core";
 * const fig = await scatterPlot(tensor([[0, 0], [1, 1], [1, 0]]), { labels: [0, 1, 1], title: "three points" });
 * ```
 * @category Charts
 */
export async function scatterPlot(x: Tensor, options: ScatterPlotOptions = {}): Promise<Figure> {
  const values = points("scatterPlot", x, options.labels);
  return renderVegaLite({
    ...(options.title === undefined ? {} : { title: options.title }),
    width: options.width ?? 300,
    height: options.height ?? 300,
    data: { values },
    mark: { type: "circle", size: 30, opacity: 0.8 },
    encoding: {
      x: { field: "x0", type: "quantitative", title: "x₁", scale: { zero: false } },
      y: { field: "x1", type: "quantitative", title: "x₂", scale: { zero: false } },
      ...(options.labels === undefined ? {} : { color: { field: "label", type: "nominal", title: "class" } }),
    },
  });
}

/**
 * Options of {@link decisionBoundary}.
 * @category Charts
 */
export interface DecisionBoundaryOptions {
  /** Class of each data point. Shape: `[n]`. */
  labels?: Tensor | ArrayLike<number>;
  /** Grid cells per axis (default 60). */
  resolution?: number;
  /** Fraction of the data range added on each side (default 0.1). */
  margin?: number;
  title?: string;
  width?: number;
  height?: number;
}

/**
 * Anything that maps a batch of points `[m, 2]` to scores: a model (its `forward`) or a function.
 * @category Charts
 */
export type Classifier = { forward(x: Tensor): Tensor } | ((x: Tensor) => Tensor);

/** Predicted class per row: argmax over classes, or a threshold at 0.5 (sigmoid) / 0 (logit) for one output. */
function predictClasses(scores: Tensor, m: number, where: string): number[] {
  const s = numbers(scores);
  const k = scores.size / m;
  if (!Number.isInteger(k) || scores.shape[0] !== m) {
    throw new ValueError(`${where}: the classifier must return one row of scores per point; expected [${m}, k], got [${scores.shape.join(", ")}]`);
  }
  const out = new Array<number>(m);
  for (let i = 0; i < m; i++) {
    if (k === 1) {
      // A single output is a logit when it leaves [0, 1] anywhere, else a probability.
      out[i] = s[i];
      continue;
    }
    let best = 0;
    for (let c = 1; c < k; c++) if (s[i * k + c] > s[i * k + best]) best = c;
    out[i] = best;
  }
  if (k === 1) {
    const probability = s.every((v) => v >= 0 && v <= 1);
    return out.map((v) => (v > (probability ? 0.5 : 0) ? 1 : 0));
  }
  return out;
}

/**
 * Draws the regions a 2-D classifier assigns to each class (a grid of predictions over the
 * data's range), with the data points on top. Call it after each epoch to watch the boundary
 * move as the network learns.
 * Shape: `x` `[n, 2]`; the classifier maps `[m, 2]` to `[m, k]` scores (argmax) or `[m, 1]`
 * (threshold 0.5 for probabilities, 0 for logits).
 * @throws {ShapeError} when x is not `[n, 2]`.
 * @throws {ValueError} for a resolution below 2 or scores of the wrong shape.
 * @example
 * ```ts
 * import { decisionBoundary } from "@backprop/viz";
 * import { tensor } from "@backprop/core";
 * const x = tensor([[0, 0], [1, 1], [0, 1], [1, 0]]);
 * // a hand-made classifier: the logit x2 - x1 says class 1 above the diagonal
 * const fig = await decisionBoundary((p) => p.matmul(tensor([[-1], [1]])), x, { labels: [0, 0, 1, 0] });
 * ```
 * @category Charts
 */
export async function decisionBoundary(classifier: Classifier, x: Tensor, options: DecisionBoundaryOptions = {}): Promise<Figure> {
  const data = points("decisionBoundary", x, options.labels);
  const resolution = options.resolution ?? 60;
  if (!Number.isInteger(resolution) || resolution < 2) throw new ValueError(`decisionBoundary: resolution must be an integer >= 2; got ${resolution}`);
  const margin = options.margin ?? 0.1;
  const range = (axis: "x0" | "x1"): [number, number, number] => {
    const v = data.map((p) => p[axis]);
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    const pad = (hi - lo || 1) * margin;
    return [lo - pad, hi + pad, (hi - lo + 2 * pad) / resolution];
  };
  const [ax, , dx] = range("x0");
  const [ay, , dy] = range("x1");
  const grid = new Float32Array(resolution * resolution * 2);
  for (let i = 0; i < resolution; i++) {
    for (let j = 0; j < resolution; j++) {
      grid[2 * (i * resolution + j)] = ax + (j + 0.5) * dx;
      grid[2 * (i * resolution + j) + 1] = ay + (i + 0.5) * dy;
    }
  }
  const m = resolution * resolution;
  const forward = typeof classifier === "function" ? classifier : (t: Tensor) => classifier.forward(t);
  const classes = noGrad(() => {
    const input = tensor(grid, { shape: [m, 2] });
    const scores = forward(input);
    const result = predictClasses(scores, m, "decisionBoundary");
    scores.dispose();
    input.dispose();
    return result;
  });
  const cells = classes.map((c, idx) => {
    const j = idx % resolution;
    const i = Math.floor(idx / resolution);
    return { gx0: ax + j * dx, gx0e: ax + (j + 1) * dx, gx1: ay + i * dy, gx1e: ay + (i + 1) * dy, region: String(c) };
  });
  const labels = [...new Set([...cells.map((c) => c.region), ...data.map((p) => p.label)])].filter((l) => l !== "all").sort();
  const color = { scale: { domain: labels } };
  return renderVegaLite({
    ...(options.title === undefined ? {} : { title: options.title }),
    width: options.width ?? 300,
    height: options.height ?? 300,
    layer: [
      {
        data: { values: cells },
        // One accessibility label per grid cell would triple the size of the SVG.
        mark: { type: "rect", opacity: 0.35, aria: false },
        encoding: {
          x: { field: "gx0", type: "quantitative", title: "x₁", scale: { zero: false, nice: false } },
          x2: { field: "gx0e" },
          y: { field: "gx1", type: "quantitative", title: "x₂", scale: { zero: false, nice: false } },
          y2: { field: "gx1e" },
          color: { field: "region", type: "nominal", title: "class", ...color },
        },
      },
      {
        data: { values: data },
        mark: { type: "circle", size: 25, opacity: 0.9, stroke: "white", strokeWidth: 0.5 },
        encoding: {
          x: { field: "x0", type: "quantitative" },
          y: { field: "x1", type: "quantitative" },
          color: { field: "label", type: "nominal", ...color },
        },
      },
    ],
  });
}
