/**
 * Heatmaps of matrices (weights, activations) and confusion matrices.
 * @module
 */
import { ValueError, type Tensor } from "@backprop/core";
import { renderVegaLite, type Figure } from "./Figure.js";
import { expectShape, formatNumber, isTensor, numbers } from "./util.js";

/**
 * Options of {@link heatmap}.
 * @category Charts
 */
export interface HeatmapOptions {
  title?: string;
  /** Print each value in its cell (default: when the matrix has at most 400 cells). */
  showValues?: boolean;
  /** Names of the rows (axis 0) and columns (axis 1). */
  rowLabels?: string[];
  columnLabels?: string[];
  rowTitle?: string;
  columnTitle?: string;
  /** Colour scheme: "diverging" (blue-white-red around 0, for weights) or "sequential" (default for non-negative data). */
  scheme?: "diverging" | "sequential";
  /** Pixels per cell (default 18). */
  cellSize?: number;
}

/**
 * Draws a matrix as coloured cells, one per element, optionally with values printed.
 * Shape: `matrix` `[rows, columns]`.
 * @throws {ShapeError} when the matrix is not 2-D.
 * @throws {ValueError} when label lists do not match the matrix.
 * @example
 * ```ts
 * import { heatmap } from "@backprop/viz";
 * import { tensor } from "@backprop/core";
 * const fig = await heatmap(tensor([[1, -2], [0.5, 3]]), { title: "weights" });
 * ```
 * @category Charts
 */
export async function heatmap(matrix: Tensor | number[][], options: HeatmapOptions = {}): Promise<Figure> {
  let rows: number;
  let cols: number;
  let flat: number[];
  if (isTensor(matrix)) {
    expectShape("heatmap", "matrix", matrix, 2, "[rows, columns]");
    [rows, cols] = matrix.shape;
    flat = numbers(matrix);
  } else {
    rows = matrix.length;
    cols = rows === 0 ? 0 : matrix[0].length;
    if (matrix.some((r) => r.length !== cols)) throw new ValueError("heatmap: every row must have the same length; got ragged rows");
    flat = matrix.flat();
  }
  if (rows === 0 || cols === 0) throw new ValueError(`heatmap: expected a non-empty matrix; got [${rows}, ${cols}]`);
  const rowLabels = options.rowLabels ?? Array.from({ length: rows }, (_, i) => String(i));
  const columnLabels = options.columnLabels ?? Array.from({ length: cols }, (_, j) => String(j));
  if (rowLabels.length !== rows || columnLabels.length !== cols) {
    throw new ValueError(`heatmap: expected ${rows} row labels and ${cols} column labels; got ${rowLabels.length} and ${columnLabels.length}`);
  }
  const values = flat.map((v, k) => ({ row: rowLabels[Math.floor(k / cols)], column: columnLabels[k % cols], value: v, text: formatNumber(v, 3) }));
  const lo = Math.min(...flat);
  const hi = Math.max(...flat);
  const scheme = options.scheme ?? (lo < 0 ? "diverging" : "sequential");
  const bound = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const colorScale = scheme === "diverging" ? { scheme: "redblue" as const, reverse: true, domain: [-bound, bound] } : { scheme: "blues" as const };
  const showValues = options.showValues ?? rows * cols <= 400;
  const size = options.cellSize ?? 18;
  const x = { field: "column", type: "ordinal", sort: columnLabels, title: options.columnTitle ?? null } as const;
  const y = { field: "row", type: "ordinal", sort: rowLabels, title: options.rowTitle ?? null } as const;
  return renderVegaLite({
    ...(options.title === undefined ? {} : { title: options.title }),
    width: cols * size,
    height: rows * size,
    data: { values },
    layer: [
      { mark: "rect", encoding: { x, y, color: { field: "value", type: "quantitative", scale: colorScale, title: null } } },
      ...(showValues
        ? [
            {
              mark: { type: "text" as const, fontSize: Math.min(10, size * 0.55) },
              encoding: {
                x,
                y,
                text: { field: "text" },
                color: {
                  condition: { test: scheme === "diverging" ? `abs(datum.value) > ${bound * 0.6}` : `datum.value > ${lo + (hi - lo) * 0.6}`, value: "white" },
                  value: "black",
                },
              },
            },
          ]
        : []),
    ],
  });
}

/**
 * Counts how often class i (row, the truth) was predicted as class j (column).
 * Shape: `labels`, `predictions` `[n]`; result `[classes][classes]`.
 * @throws {ValueError} when the two differ in length, or hold a label outside 0..classes-1.
 * @example
 * ```ts
 * import { confusionCounts } from "@backprop/viz";
 * confusionCounts([0, 1, 1], [0, 1, 0], 2); // [[1, 0], [1, 1]]
 * ```
 * @category Charts
 */
export function confusionCounts(labels: Tensor | ArrayLike<number>, predictions: Tensor | ArrayLike<number>, classes?: number): number[][] {
  const t = numbers(labels);
  const p = numbers(predictions);
  if (t.length !== p.length) throw new ValueError(`confusionCounts: expected one prediction per label; expected ${t.length}, got ${p.length}`);
  const k = classes ?? Math.max(0, ...t, ...p) + 1;
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < t.length; i++) {
    for (const v of [t[i], p[i]]) {
      if (!Number.isInteger(v) || v < 0 || v >= k) throw new ValueError(`confusionCounts: labels must be integers in 0..${k - 1}; got ${v}`);
    }
    m[t[i]][p[i]] += 1;
  }
  return m;
}

/**
 * Options of {@link confusionMatrix}.
 * @category Charts
 */
export interface ConfusionMatrixOptions {
  /** Number of classes (default: largest label + 1). */
  classes?: number;
  /** Names of the classes (default "0", "1", ...). */
  classNames?: string[];
  title?: string;
}

/**
 * Draws the confusion matrix of a classifier: rows are true classes, columns predicted ones,
 * each cell with its count; the diagonal holds the correct answers.
 * Shape: `labels`, `predictions` `[n]`.
 * @throws {ValueError} as {@link confusionCounts} does.
 * @example
 * ```ts
 * import { confusionMatrix } from "@backprop/viz";
 * const fig = await confusionMatrix([0, 1, 2, 2], [0, 2, 2, 2]);
 * ```
 * @category Charts
 */
export async function confusionMatrix(
  labels: Tensor | ArrayLike<number>,
  predictions: Tensor | ArrayLike<number>,
  options: ConfusionMatrixOptions = {},
): Promise<Figure> {
  const counts = confusionCounts(labels, predictions, options.classes ?? options.classNames?.length);
  const names = options.classNames ?? counts.map((_, i) => String(i));
  return heatmap(counts, {
    title: options.title ?? "confusion matrix",
    rowLabels: names,
    columnLabels: names,
    rowTitle: "true",
    columnTitle: "predicted",
    scheme: "sequential",
    showValues: true,
    cellSize: 28,
  });
}
