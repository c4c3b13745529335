/**
 * Image grids: digits, filters and feature maps, with optional true and predicted labels.
 * @module
 */
import { ShapeError, ValueError, type Tensor } from "@backprop/core";
import { renderVegaLite, type Figure } from "./Figure.js";
import { numbers } from "./util.js";

/**
 * Options of {@link imageGrid}.
 * @category Charts
 */
export interface ImageGridOptions {
  /** True label of each image, printed under it. Shape: `[n]`. */
  labels?: Tensor | ArrayLike<number>;
  /** Predicted label of each image; a wrong one is printed in red. Shape: `[n]`. */
  predictions?: Tensor | ArrayLike<number>;
  /** Images per row (default: up to 8). */
  columns?: number;
  /** Rendered pixels per image pixel (default 3). */
  pixelSize?: number;
  /** Scale each image to its own min..max (default true); false uses the min..max of all. */
  normalizeEach?: boolean;
  title?: string;
}

function imageShape(images: Tensor): [n: number, h: number, w: number] {
  const s = images.shape;
  if (s.length === 3) return [s[0], s[1], s[2]];
  if (s.length === 4 && s[1] === 1) return [s[0], s[2], s[3]];
  throw new ShapeError(`imageGrid: images must have shape [n, h, w] or [n, 1, h, w]; got [${s.join(", ")}]`);
}

/**
 * Draws grey-scale images in a grid, dark for high values (ink on paper), each captioned with
 * its label, or `pred (true)` when predictions are given, wrong ones in red.
 * Shape: `images` `[n, h, w]` or `[n, 1, h, w]`; `labels`, `predictions` `[n]`.
 * @throws {ShapeError} for images of another shape.
 * @throws {ValueError} when labels or predictions differ in number from the images.
 * @example
 * ```ts
 * import { imageGrid } from "@backprop/viz";
 * import { rand } from "@backprop/core";
 * const fig = await imageGrid(rand([4, 8, 8]), { labels: [0, 1, 2, 3] });
 * ```
 * @category Charts
 */
export async function imageGrid(images: Tensor, options: ImageGridOptions = {}): Promise<Figure> {
  const [n, h, w] = imageShape(images);
  if (n === 0) throw new ValueError("imageGrid: expected at least one image; got [0, ...]");
  const check = (name: string, v: Tensor | ArrayLike<number> | undefined): number[] | null => {
    if (v === undefined) return null;
    const out = numbers(v);
    if (out.length !== n) throw new ValueError(`imageGrid: expected one ${name} per image; expected ${n}, got ${out.length}`);
    return out;
  };
  const labels = check("label", options.labels);
  const predictions = check("prediction", options.predictions);
  const columns = options.columns ?? Math.min(8, n);
  if (!Number.isInteger(columns) || columns < 1) throw new ValueError(`imageGrid: columns must be a positive integer; got ${columns}`);
  const px = options.pixelSize ?? 3;
  const pixels = numbers(images);
  const normalizeEach = options.normalizeEach ?? true;
  let globalLo = Infinity;
  let globalHi = -Infinity;
  for (const v of pixels) {
    if (v < globalLo) globalLo = v;
    if (v > globalHi) globalHi = v;
  }
  const caption = labels !== null || predictions !== null;
  const cellH = h + (caption ? 4 : 1);
  const cellW = w + 1;
  const values: { x: number; y: number; v: number }[] = [];
  const texts: { x: number; y: number; text: string; wrong: boolean }[] = [];
  for (let k = 0; k < n; k++) {
    const base = k * h * w;
    let lo = globalLo;
    let hi = globalHi;
    if (normalizeEach) {
      lo = Infinity;
      hi = -Infinity;
      for (let p = 0; p < h * w; p++) {
        lo = Math.min(lo, pixels[base + p]);
        hi = Math.max(hi, pixels[base + p]);
      }
    }
    const span = hi - lo || 1;
    const ox = (k % columns) * cellW;
    const oy = Math.floor(k / columns) * cellH;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const v = (pixels[base + i * w + j] - lo) / span;
        // White pixels are the background; leaving them out keeps the SVG small.
        if (v > 0.02) values.push({ x: ox + j, y: oy + i, v });
      }
    }
    if (caption) {
      const truth = labels === null ? null : labels[k];
      const pred = predictions === null ? null : predictions[k];
      const text = pred === null ? String(truth) : truth === null ? String(pred) : `${pred} (${truth})`;
      texts.push({ x: ox + w / 2, y: oy + h + 2.5, text, wrong: pred !== null && truth !== null && pred !== truth });
    }
  }
  const rows = Math.ceil(n / columns);
  const totalW = columns * cellW;
  const totalH = rows * cellH;
  const x = { type: "quantitative" as const, scale: { domain: [0, totalW], nice: false }, axis: null };
  const y = { type: "quantitative" as const, scale: { domain: [0, totalH], nice: false, reverse: true }, axis: null };
  return renderVegaLite({
    ...(options.title === undefined ? {} : { title: options.title }),
    width: totalW * px,
    height: totalH * px,
    view: { stroke: null },
    layer: [
      {
        data: { values },
        transform: [{ calculate: "datum.x + 1", as: "x2" }, { calculate: "datum.y + 1", as: "y2" }],
        // Per-pixel accessibility labels would triple the size of the SVG and help no one.
        mark: { type: "rect", aria: false },
        encoding: {
          x: { field: "x", ...x },
          x2: { field: "x2" },
          y: { field: "y", ...y },
          y2: { field: "y2" },
          color: { field: "v", type: "quantitative", scale: { scheme: "greys", domain: [0, 1] }, legend: null },
        },
      },
      {
        data: { values: texts },
        mark: { type: "text", fontSize: 10, baseline: "middle" },
        encoding: {
          x: { field: "x", ...x },
          y: { field: "y", ...y },
          text: { field: "text" },
          color: { condition: { test: "datum.wrong", value: "#d62728" }, value: "#222222" },
        },
      },
    ],
  });
}
