/**
 * `npm run bench -- [workload ...] [--peers=name,...] [--reps=N] [--warmup=N]`
 *
 * Runs the named workloads (all of them when none is named) for backprop and every peer that
 * loads here, in this one process, prints a table per workload with backprop's ratio against
 * each peer, and writes every measurement to bench/results/. A new workload is a `Workload` in
 * workloads/ listed below; a new peer is a `Contender` in contenders/ listed below, with a
 * method for each workload it can run (a peer in another language runs its own timing loop in
 * a child process and returns the same `Measurement`).
 * @module
 */
import { fileURLToPath } from "node:url";
import { backprop } from "./contenders/backprop.js";
import { tfjsCpu } from "./contenders/tfjsCpu.js";
import { printTable, saveResults } from "./report.js";
import type { Contender, Row, TimingOptions, Workload } from "./types.js";
import { matmul } from "./workloads/matmul.js";

const workloads: readonly Workload[] = [matmul];
// backprop first: ratios are taken against it.
const contenders: readonly Contender[] = [backprop, tfjsCpu];

function usage(): string {
  return [
    "usage: npm run bench -- [workload ...] [--peers=name,...] [--reps=N] [--warmup=N]",
    `workloads: ${workloads.map((w) => `${w.name} (${w.description})`).join("; ")}`,
    `contenders: ${contenders.map((c) => c.name).join(", ")}`,
  ].join("\n");
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`bench: ${flag} must be a whole number; got "${text}"\n${usage()}`);
  return n;
}

async function main(argv: readonly string[]): Promise<void> {
  const timing: TimingOptions = { warmup: 2, reps: 7 };
  const names: string[] = [];
  let peerNames: string[] | undefined;
  for (const arg of argv) {
    const [flag, value = ""] = arg.split("=", 2);
    if (flag === "--help" || flag === "-h") {
      console.log(usage());
      return;
    } else if (flag === "--reps") timing.reps = Math.max(1, positiveInt(flag, value));
    else if (flag === "--warmup") timing.warmup = positiveInt(flag, value);
    else if (flag === "--peers") peerNames = value.split(",").filter((p) => p !== "");
    else if (arg.startsWith("-")) throw new Error(`bench: unknown option "${arg}"\n${usage()}`);
    else names.push(arg);
  }
  const chosen = names.length === 0 ? workloads : names.map((name) => {
    const w = workloads.find((x) => x.name === name);
    if (w === undefined) throw new Error(`bench: no workload "${name}"; known: ${workloads.map((x) => x.name).join(", ")}`);
    return w;
  });
  const loaded: Contender[] = [];
  for (const c of contenders) {
    if (c !== backprop && peerNames !== undefined && !peerNames.includes(c.name)) continue;
    const reason = await c.load();
    if (reason === undefined) loaded.push(c);
    else console.log(`skipping ${c.name}: ${reason}`);
  }
  console.log(`node ${process.version}; warm-up ${timing.warmup}, median of ${timing.reps} repetitions`);
  const rows: Row[] = [];
  for (const workload of chosen) {
    const result = await workload.run(loaded, timing);
    printTable(workload.name, result, backprop.name);
    rows.push(...result);
  }
  const file = saveResults(fileURLToPath(new URL("../results", import.meta.url)), chosen.map((w) => w.name), rows);
  console.log(`\nresults written to ${file}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
