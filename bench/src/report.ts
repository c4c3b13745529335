/**
 * Printing results as a table with ratios, and saving them as JSON.
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { arch, cpus, hostname } from "node:os";
import { join } from "node:path";
import type { Row } from "./types.js";

/** Three significant digits or so: enough for figures that drift 10-30% between runs. */
function format(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** Prints one workload's rows: a column per contender, then backprop's ratio against each peer. */
export function printTable(workload: string, rows: readonly Row[], subject: string): void {
  if (rows.length === 0) return;
  const contenders = [...new Set(rows.map((r) => r.contender))];
  const peers = contenders.filter((c) => c !== subject);
  const cases = [...new Set(rows.map((r) => r.case))];
  const unit = rows[0].unit;
  const header = ["case", ...contenders.map((c) => `${c} (${unit})`), ...peers.map((p) => `${subject} / ${p}`)];
  const body = cases.map((c) => {
    const value = (name: string): number | undefined => rows.find((r) => r.case === c && r.contender === name)?.value;
    const mine = value(subject);
    return [
      c,
      ...contenders.map((name) => { const v = value(name); return v === undefined ? "-" : format(v); }),
      ...peers.map((p) => { const v = value(p); return mine === undefined || v === undefined ? "-" : `${format(mine / v)}x`; }),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i].length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log(`\n${workload}`);
  console.log(line(header));
  for (const cells of body) console.log(line(cells));
}

/** Writes every row and the machine it ran on to bench/results/<time>-<workloads>.json; returns the path. */
export function saveResults(dir: string, workloads: readonly string[], rows: readonly Row[]): string {
  mkdirSync(dir, { recursive: true });
  const when = new Date();
  const file = join(dir, `${when.toISOString().replace(/[:.]/g, "-")}-${workloads.join("-")}.json`);
  const machine = { host: hostname(), arch: arch(), cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version };
  writeFileSync(file, JSON.stringify({ date: when.toISOString(), machine, rows }, null, 2) + "\n");
  return file;
}
