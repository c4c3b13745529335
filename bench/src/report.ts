/**
 * Printing results as tables with ratios, and saving them as JSON.
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { arch, cpus, hostname, loadavg } from "node:os";
import { join } from "node:path";
import type { Row } from "./types.js";

/** A contender that could not run at all, and why. */
export interface Missing {
  contender: string;
  reason: string;
}

/** Three significant digits or so: enough for figures that drift 10-30% between runs. */
export function format(value: number): string {
  if (!Number.isFinite(value)) return "-";
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function printGrid(header: readonly string[], body: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i].length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log(line(header));
  for (const cells of body) console.log(line(cells));
}

const isSubject = (name: string, subject: string): boolean => name.startsWith(subject);

/**
 * Prints one workload's rows: a line per contender with a column per case; then each
 * `subject` contender's ratio against each peer (and against the best PyTorch variant: the
 * largest figure, or the smallest when `smallerIsBetter`).
 */
export function printTable(workload: string, rows: readonly Row[], subject: string, options: { smallerIsBetter?: boolean } = {}): void {
  const smaller = options.smallerIsBetter === true;
  if (rows.length === 0) return;
  const contenders = [...new Set(rows.map((r) => r.contender))];
  const cases = [...new Set(rows.map((r) => r.case))];
  const find = (c: string, name: string): Row | undefined => rows.find((r) => r.case === c && r.contender === name);
  const value = (c: string, name: string): number => find(c, name)?.value ?? NaN;
  console.log(smaller
    ? `\n${workload} (${[...new Set(rows.map((r) => r.unit))].join(", ")}; smaller is better)`
    : `\n${workload} (${rows[0].unit}, median; larger is better)`);
  printGrid(["contender", ...cases, ""], contenders.map((name) => {
    const notes = cases.map((c) => find(c, name)).flatMap((r) => (r?.error !== undefined ? [`error: ${r.error}`] : r?.note !== undefined ? [r.note] : []));
    return [name, ...cases.map((c) => format(value(c, name))), [...new Set(notes)].join("; ")];
  }));
  const subjects = contenders.filter((n) => isSubject(n, subject));
  const peers = contenders.filter((n) => !isSubject(n, subject));
  const torch = peers.filter((p) => p.startsWith("pytorch"));
  if (subjects.length === 0 || peers.length === 0) return;
  const columns = [...peers, ...(torch.length > 1 ? ["best pytorch"] : [])];
  const bestTorch = (c: string): number => {
    const figures = torch.map((t) => value(c, t)).filter(Number.isFinite);
    return figures.length === 0 ? NaN : smaller ? Math.min(...figures) : Math.max(...figures);
  };
  const peerValue = (c: string, p: string): number => (p === "best pytorch" ? bestTorch(c) : value(c, p));
  console.log(`ratios: ${subject} / peer${smaller ? " (below 1x: backprop is better)" : ""}`);
  printGrid(["backend, case", ...columns], subjects.flatMap((s) => cases.map((c) => [
    `${s.slice(subject.length).trim()}, ${c}`,
    ...columns.map((p) => {
      const r = value(c, s) / peerValue(c, p);
      return Number.isFinite(r) ? `${format(r)}x` : "-";
    }),
  ])));
}

/** Writes every row, the missing peers and the machine to bench/results/<time>-<workloads>.json; returns the path. */
export function saveResults(dir: string, workloads: readonly string[], rows: readonly Row[], extra: { missing: Missing[]; versions: Record<string, string>; smoke: boolean }): string {
  mkdirSync(dir, { recursive: true });
  const when = new Date();
  const file = join(dir, `${when.toISOString().replace(/[:.]/g, "-")}-${extra.smoke ? "smoke-" : ""}${workloads.join("-")}.json`);
  const machine = { host: hostname(), arch: arch(), cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version, loadavg: loadavg() };
  writeFileSync(file, JSON.stringify({ date: when.toISOString(), machine, ...extra, rows }, null, 2) + "\n");
  return file;
}
