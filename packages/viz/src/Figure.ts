/**
 * Figure: a rendered picture (SVG text) that can be saved, turned into PNG, or shown in a
 * notebook; and the one place where Vega-Lite specs become SVG.
 * @module
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { ValueError } from "@backprop/core";

/**
 * What a notebook offers to show rich output; `require("tslab").display` and
 * `tslab.newDisplay()` (which overwrites one output in place) both fit.
 * @category Display
 */
export interface NotebookDisplay {
  svg(s: string): void;
  html(s: string): void;
  png?(b: Uint8Array): void;
}

/**
 * A rendered picture. `svg` is the SVG document; {@link Figure.toPng} rasterises it.
 * @example
 * ```ts
 * import { linePlot } from "@backprop/viz";
 * const fig = await linePlot({ x: [0, 1, 2], series: { y: [0, 1, 4] } });
 * fig.svg.startsWith("<svg"); // true
 * ```
 * @category Display
 */
export class Figure {
  constructor(
    /** The SVG document. */
    readonly svg: string,
  ) {}

  /**
   * Rasterises the SVG to PNG with resvg (prebuilt binaries from npm, loaded on first use).
   * @param scale pixels per SVG unit (default 2, for sharp pictures on high-density screens).
   * @throws {ValueError} for a scale that is not a positive finite number.
   */
  async toPng(scale = 2): Promise<Uint8Array> {
    if (!(scale > 0 && Number.isFinite(scale))) throw new ValueError(`Figure.toPng: scale must be a positive number; got ${scale}`);
    const { Resvg } = await import("@resvg/resvg-js");
    const resvg = new Resvg(this.svg, { fitTo: { mode: "zoom", value: scale }, background: "white", font: { loadSystemFonts: true } });
    return new Uint8Array(resvg.render().asPng());
  }

  /**
   * Writes the figure to a file: PNG when the name ends in `.png`, else SVG. Node only.
   * @throws {ValueError} for an extension other than .svg or .png.
   */
  async save(path: string): Promise<void> {
    const { writeFile } = await import("node:fs/promises");
    if (path.endsWith(".png")) await writeFile(path, await this.toPng());
    else if (path.endsWith(".svg")) await writeFile(path, this.svg);
    else throw new ValueError(`Figure.save: expected a file name ending in .svg or .png; got ${JSON.stringify(path)}`);
  }

  /** Shows the figure in a notebook through `display` (for example tslab's). */
  show(display: NotebookDisplay): void {
    display.svg(this.svg);
  }
}

/**
 * Compiles a Vega-Lite spec and renders it to SVG in Node (no browser, no canvas). Every chart
 * function of this package ends here; use it directly for charts of your own.
 * @throws {ValueError} when Vega-Lite rejects the spec.
 * @example
 * ```ts
 * import { renderVegaLite } from "@backprop/viz";
 * const fig = await renderVegaLite({
 *   data: { values: [{ a: "x", b: 1 }, { a: "y", b: 3 }] },
 *   mark: "bar",
 *   encoding: { x: { field: "a", type: "nominal" }, y: { field: "b", type: "quantitative" } },
 * });
 * ```
 * @category Display
 */
export async function renderVegaLite(spec: TopLevelSpec): Promise<Figure> {
  let compiled: vega.Spec;
  try {
    compiled = compile({ config: { background: "white", font: "sans-serif" }, ...spec }).spec;
  } catch (e) {
    throw new ValueError(`renderVegaLite: Vega-Lite rejected the spec; ${(e as Error).message}`);
  }
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return new Figure(await view.toSVG());
  } finally {
    view.finalize();
  }
}
