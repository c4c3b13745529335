/**
 * Line charts: any named series over a shared x, and the curves of a training History.
 * @module
 */
import { ValueError, type Tensor } from "@backprop/core";
import { renderVegaLite, type Figure } from "./Figure.js";
import { numbers } from "./util.js";

/**
 * Input of {@link linePlot}.
 * @category Charts
 */
export interface LinePlotOptions {
  /** The shared x values. */
  x: Tensor | ArrayLike<number>;
  /** One line per entry, each as long as `x`. */
  series: Record<string, Tensor | ArrayLike<number>>;
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Plot y on a log scale (useful for losses spanning decades). */
  logY?: boolean;
  width?: number;
  height?: number;
}

/**
 * Draws one line per named series over a shared x axis, with a legend.
 * Shape: `x` and every series `[n]`.
 * @throws {ValueError} when a series has a different length from x, or no series is given.
 * @example
 * ```ts
 * import { linePlot } from "@backprop/viz";
 * const x = [-2, -1, 0, 1, 2];
 * const fig = await linePlot({ x, series: { relu: x.map((v) => Math.max(0, v)) }, title: "ReLU" });
 * ```
 * @category Charts
 */
export async function linePlot(options: LinePlotOptions): Promise<Figure> {
  const x = numbers(options.x);
  const names = Object.keys(options.series);
  if (names.length === 0) throw new ValueError("linePlot: expected at least one series; got none");
  const values: { x: number; y: number; series: string }[] = [];
  for (const name of names) {
    const y = numbers(options.series[name]);
    if (y.length !== x.length) throw new ValueError(`linePlot: series "${name}" must have one value per x; expected ${x.length}, got ${y.length}`);
    // Vega drops non-finite points anyway; dropping them here keeps log scales valid.
    y.forEach((v, i) => {
      if (Number.isFinite(v) && (options.logY !== true || v > 0)) values.push({ x: x[i], y: v, series: name });
    });
  }
  return renderVegaLite({
    ...(options.title === undefined ? {} : { title: options.title }),
    width: options.width ?? 360,
    height: options.height ?? 220,
    data: { values },
    mark: { type: "line", point: x.length <= 30 },
    encoding: {
      x: { field: "x", type: "quantitative", title: options.xTitle ?? "x" },
      y: { field: "y", type: "quantitative", title: options.yTitle ?? "y", scale: options.logY === true ? { type: "log" } : { zero: false } },
      color: { field: "series", type: "nominal", title: null, sort: names },
    },
  });
}

/**
 * What {@link plotHistory} accepts: a History from @backprop/callbacks (or `fit`), or its
 * `history` record of per-epoch arrays.
 * @category Charts
 */
export type HistoryLike = { history: Record<string, number[]> } | Record<string, number[]>;

/**
 * Options of {@link plotHistory}.
 * @category Charts
 */
export interface PlotHistoryOptions {
  /** Keys to plot (default: every key except `lr`); `val_` twins go in the same panel. */
  keys?: string[];
  title?: string;
  /** Loss on a log scale (default false). */
  logY?: boolean;
  width?: number;
}

function records(h: HistoryLike): Record<string, number[]> {
  const inner = (h as { history?: unknown }).history;
  return inner !== null && typeof inner === "object" && !Array.isArray(inner) ? (inner as Record<string, number[]>) : (h as Record<string, number[]>);
}

/**
 * Draws the curves of a training run: one panel per quantity (loss, accuracy, ...), each with
 * its training and validation (`val_`) lines over epochs 1..n.
 * @throws {ValueError} when the history is empty or a requested key is missing.
 * @example
 * ```ts
 * import { plotHistory } from "@backprop/viz";
 * const fig = await plotHistory({ loss: [0.9, 0.5, 0.3], val_loss: [1.0, 0.7, 0.6] });
 * ```
 * @category Charts
 */
export async function plotHistory(history: HistoryLike, options: PlotHistoryOptions = {}): Promise<Figure> {
  const h = records(history);
  const all = Object.keys(h);
  const keys = options.keys ?? all.filter((k) => k !== "lr");
  for (const k of keys) {
    if (!(k in h)) throw new ValueError(`plotHistory: no key "${k}" in the history; known: ${all.join(", ")}`);
  }
  const panels = [...new Set(keys.map((k) => k.replace(/^val_/, "")))];
  if (panels.length === 0 || keys.every((k) => h[k].length === 0)) throw new ValueError("plotHistory: the history is empty; expected at least one epoch of logs");
  const values: { epoch: number; value: number; quantity: string; split: string }[] = [];
  for (const k of keys) {
    const quantity = k.replace(/^val_/, "");
    const split = k.startsWith("val_") ? "validation" : "training";
    h[k].forEach((v, i) => {
      if (Number.isFinite(v)) values.push({ epoch: i + 1, value: v, quantity, split });
    });
  }
  const epochs = Math.max(...keys.map((k) => h[k].length));
  return renderVegaLite({
    ...(options.title === undefined ? {} : { title: options.title }),
    data: { values },
    hconcat: panels.map((quantity) => ({
      width: options.width ?? 260,
      height: 180,
      transform: [{ filter: { field: "quantity", equal: quantity } }],
      mark: { type: "line", point: epochs <= 30 },
      encoding: {
        x: { field: "epoch", type: "quantitative", title: "epoch", scale: { domain: [1, Math.max(2, epochs)] }, axis: { tickMinStep: 1 } },
        y: {
          field: "value",
          type: "quantitative",
          title: quantity,
          scale: options.logY === true && quantity === "loss" ? { type: "log" } : { zero: false },
        },
        color: { field: "split", type: "nominal", title: null, scale: { domain: ["training", "validation"] } },
      },
    })),
  });
}
