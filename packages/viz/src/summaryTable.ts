/**
 * Model summaries as HTML tables for notebooks and docs.
 * @module
 */
import { ValueError } from "@backprop/core";

/**
 * What {@link summaryTable} needs of a model; `Module` from @backprop/layers has it.
 * @category Display
 */
export interface Summarizable {
  summary(inputShape?: readonly number[]): string;
}

/**
 * A parsed model summary: the header, one row per layer, and the totals.
 * @category Display
 */
export interface SummaryTable {
  header: string[];
  rows: { depth: number; cells: string[] }[];
  totals: string[];
  /** The table as HTML (for `display.html`). */
  html: string;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Turns `model.summary(inputShape)` (layers, output shapes, parameter counts) into a table:
 * structured rows and an HTML rendering with nested layers indented.
 * @throws the model's own error when `inputShape` does not fit it.
 * @throws {ValueError} when the summary text is not in the table layout of Module.summary.
 * @example
 * ```ts
 * import { summaryTable } from "@backprop/viz";
 * import { Sequential, Linear, ReLU } from "@backprop/layers";
 * const model = new Sequential([new Linear({ inFeatures: 2, outFeatures: 4 }), new ReLU()]);
 * summaryTable(model, [1, 2]).rows.length; // 3: the Sequential and its two layers
 * ```
 * @category Display
 */
export function summaryTable(model: Summarizable, inputShape?: readonly number[]): SummaryTable {
  const lines = model.summary(inputShape).split("\n");
  const rules = lines.flatMap((l, i) => (/^=+$/.test(l) ? [i] : []));
  if (rules.length !== 2 || rules[0] !== 1) throw new ValueError("summaryTable: expected the layout of Module.summary (header, rule, rows, rule, totals); got another text");
  // Columns are separated by at least two spaces; names and shapes contain single spaces only.
  const split = (l: string): string[] => l.trim().split(/ {2,}/);
  const header = split(lines[0]);
  const rows = lines.slice(2, rules[1]).map((l) => ({ depth: (l.length - l.trimStart().length) / 2, cells: split(l) }));
  const totals = lines.slice(rules[1] + 1);
  const th = header.map((h) => `<th style="text-align:left">${escapeHtml(h)}</th>`).join("");
  const tr = rows
    .map(
      (r) =>
        `<tr>${r.cells
          .map((c, i) => `<td style="text-align:${i === 2 ? "right" : "left"}${i === 0 ? `;padding-left:${0.4 + r.depth * 1.2}em` : ""}">${escapeHtml(c)}</td>`)
          .join("")}</tr>`,
    )
    .join("");
  const foot = totals.map((t) => `<tr><td colspan="${header.length}"><b>${escapeHtml(t)}</b></td></tr>`).join("");
  return { header, rows, totals, html: `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody><tfoot>${foot}</tfoot></table>` };
}
