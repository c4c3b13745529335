/**
 * Histograms of weights, gradients and activations.
 * @module
 */
import { ValueError, type Tensor } from "@backprop/core";
import { renderVegaLite, type Figure } from "./Figure.js";
import { numbers } from "./util.js";

/**
 * Options of {@link histogram}.
 * @category Charts
 */
export interface HistogramOptions {
  /** Upper bound on the number of bins (default 30; Vega-Lite picks round bin edges). */
  bins?: number;
  title?: string;
  xTitle?: string;
  width?: number;
  height?: number;
}

/**
 * Draws the distribution of values as a histogram; pass several tensors by name to compare
 * them (for example each layer's weights) in one chart, one colour each.
 * Shape: any; every element counts.
 * @throws {ValueError} when there are no finite values.
 * @example
 * ```ts
 * import { histogram } from "@backprop/viz";
 * import { randn } from "@backprop/core";
 * const fig = await histogram(randn([1000]), { title: "N(0, 1)" });
 * ```
 * @category Charts
 */
export async function histogram(
  values: Tensor | ArrayLike<number> | Record<string, Tensor | ArrayLike<number>>,
  options: HistogramOptions = {},
): Promise<Figure> {
  const named =
    (values as { __isTensor?: boolean }).__isTensor === true || typeof (values as ArrayLike<number>).length === "number"
      ? { values: values as Tensor | ArrayLike<number> }
      : (values as Record<string, Tensor | ArrayLike<number>>);
  const rows: { v: number; series: string }[] = [];
  for (const [series, v] of Object.entries(named)) for (const x of numbers(v)) if (Number.isFinite(x)) rows.push({ v: x, series });
  if (rows.length === 0) throw new ValueError("histogram: expected at least one finite value; got none");
  const many = Object.keys(named).length > 1;
  return renderVegaLite({
    ...(options.title === undefined ? {} : { title: options.title }),
    width: options.width ?? 320,
    height: options.height ?? 180,
    data: { values: rows },
    mark: { type: "bar", opacity: many ? 0.6 : 1 },
    encoding: {
      x: { field: "v", type: "quantitative", bin: { maxbins: options.bins ?? 30 }, title: options.xTitle ?? "value" },
      y: { aggregate: "count", type: "quantitative", title: "count", ...(many ? { stack: null } : {}) },
      ...(many ? { color: { field: "series", type: "nominal", title: null } } : {}),
    },
  });
}
