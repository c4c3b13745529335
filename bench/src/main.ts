/**
 * `npm run bench -- [workload ...] [options]`; `--help` lists the options.
 *
 * Runs the named workloads (all of them when none is named) for backprop's backends and every
 * peer, in this one process (PyTorch in child processes), prints a table per workload with
 * each backprop backend's ratio against each peer, and writes every measurement to
 * bench/results/. A peer that cannot run here is reported as missing, with the reason.
 * A new workload is a `Workload` in workloads/ listed below; a new peer is a `Contender` in
 * contenders/ listed below, with a method for each workload it can run.
 * @module
 */
import { fileURLToPath } from "node:url";
import { backpropOn } from "./contenders/backpropBackend.js";
import { jaxJs } from "./contenders/jaxJs.js";
import { pytorch } from "./contenders/pytorch.js";
import { tfjsOn } from "./contenders/tfjs.js";
import { format, printTable, saveResults } from "./report.js";
import type { Missing } from "./report.js";
import type { Contender, Row, RunOptions, Workload } from "./types.js";
import { matmul } from "./workloads/matmul.js";
import { mnist } from "./workloads/mnist.js";
import { cnn, mlp } from "./workloads/training.js";

const workloads: readonly Workload[] = [matmul, mlp, cnn, mnist];
const subject = "backprop";
const backends = ["native", "wasm", "js"] as const;

/** Command-line id of a contender: its name with dashes for spaces ("tfjs-cpu", "pytorch-tuned"). */
const slug = (name: string): string => name.replace(/ /g, "-");

function peersFor(torchThreads: readonly number[]): Contender[] {
  const torch = torchThreads.flatMap((threads) => [pytorch({ tuned: false, threads }), pytorch({ tuned: true, threads })]);
  return [tfjsOn("cpu"), tfjsOn("wasm"), jaxJs, ...torch];
}

function usage(): string {
  return [
    "usage: npm run bench -- [workload ...] [options]",
    `workloads: ${workloads.map((w) => `${w.name} (${w.description})`).join("; ")}`,
    "options:",
    `  --backends=a,b     backprop backends to run (default all: ${backends.join(",")}; "none" for peers only)`,
    `  --peers=a,b        peers to run, by id or id prefix (default all: ${peersFor([1, 2]).map((p) => slug(p.name)).join(",")}; "none")`,
    "  --smoke            one tiny iteration of every workload (mnist: npm start stopped after loading the data,",
    "                     PyTorch 1 epoch on 2,048 images); fails unless backprop's numbers are finite",
    "  --epochs=N         training epochs per contender, the first dropped (default 10)",
    "  --budget=S         seconds after which a training epoch is cut short (default 8)",
    "  --reps=N --warmup=N  matmul repetitions (default 7, halved at n=1024) and warm-up calls (default 2)",
    "  --torch-threads=a,b  PyTorch intra-op thread counts, each run default and tuned (default 1,2)",
  ].join("\n");
}

function wholeNumber(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`bench: ${flag} must be a whole number >= ${min}; got "${text}"\n${usage()}`);
  return n;
}

function list(flag: string, text: string, known: readonly string[]): string[] {
  const items = text.split(",").filter((p) => p !== "" && p !== "none");
  for (const item of items) {
    if (!known.some((k) => k.startsWith(item))) throw new Error(`bench: ${flag} has no "${item}"; known: ${known.join(", ")}`);
  }
  return items;
}

async function main(argv: readonly string[]): Promise<void> {
  const options: RunOptions = { warmup: 2, reps: 7, epochs: 10, budgetSeconds: 8, smoke: false };
  const names: string[] = [];
  let backendNames: string[] = [...backends];
  let peerIds: string[] | undefined;
  let torchThreads = [1, 2];
  for (const arg of argv) {
    const [flag, value = ""] = arg.split("=", 2);
    if (flag === "--help" || flag === "-h") {
      console.log(usage());
      return;
    } else if (flag === "--reps") options.reps = wholeNumber(flag, value, 1);
    else if (flag === "--warmup") options.warmup = wholeNumber(flag, value, 0);
    else if (flag === "--epochs") options.epochs = wholeNumber(flag, value, 1);
    else if (flag === "--budget") options.budgetSeconds = wholeNumber(flag, value, 1);
    else if (flag === "--torch-threads") torchThreads = value.split(",").map((t) => wholeNumber(flag, t, 1));
    else if (flag === "--smoke") options.smoke = true;
    else if (flag === "--backends") backendNames = list(flag, value, backends);
    else if (flag === "--peers") peerIds = list(flag, value, peersFor([1, 2]).map((p) => slug(p.name)));
    else if (arg.startsWith("-")) throw new Error(`bench: unknown option "${arg}"\n${usage()}`);
    else names.push(arg);
  }
  const chosen = names.length === 0 ? workloads : names.map((name) => {
    const w = workloads.find((x) => x.name === name);
    if (w === undefined) throw new Error(`bench: no workload "${name}"; known: ${workloads.map((x) => x.name).join(", ")}`);
    return w;
  });
  const candidates = [
    ...backends.filter((b) => backendNames.some((n) => b.startsWith(n))).map(backpropOn),
    ...peersFor(torchThreads).filter((p) => peerIds === undefined || peerIds.some((id) => slug(p.name).startsWith(id))),
  ];
  const loaded: Contender[] = [];
  const missing: Missing[] = [];
  const versions: Record<string, string> = {};
  for (const c of candidates) {
    const reason = await c.load();
    if (reason === undefined) {
      loaded.push(c);
      if (c.version !== undefined) versions[c.name] = c.version;
    } else {
      missing.push({ contender: c.name, reason });
      console.log(`MISSING ${c.name}: ${reason}`);
    }
  }
  console.log(`node ${process.version}; ${loaded.map((c) => (c.version === undefined ? c.name : `${c.name} (${c.version})`)).join(", ")}`);
  console.log(options.smoke
    ? "smoke mode: one tiny iteration each (numbers are not measurements)"
    : `matmul: warm-up ${options.warmup}, median of ${options.reps} (n=1024: ${Math.max(3, Math.ceil(options.reps / 2))}); training: ${options.epochs} epochs of 10,000 images (the first dropped), each cut at ${options.budgetSeconds} s; mnist: one run each to 98%`);
  options.progress = (row) => {
    const figure = row.error === undefined ? `${format(row.value)} ${row.unit}` : `error: ${row.error}`;
    console.log(`  ${row.workload} ${row.case} ${row.contender}: ${figure}`);
  };
  const rows: Row[] = [];
  try {
    for (const workload of chosen) {
      const result = await workload.run(loaded, options);
      printTable(workload.name, result, subject, { smallerIsBetter: workload.smallerIsBetter });
      rows.push(...result);
    }
  } finally {
    for (const c of loaded) c.close?.();
  }
  if (missing.length > 0) {
    console.log("\nmissing peers (not measured):");
    for (const m of missing) console.log(`  ${m.contender}: ${m.reason}`);
  }
  const file = saveResults(fileURLToPath(new URL("../results", import.meta.url)), chosen.map((w) => w.name), rows, { missing, versions, smoke: options.smoke });
  console.log(`\nresults written to ${file}`);
  if (options.smoke) {
    const bad = rows.filter((r) => r.contender.startsWith(subject) && (r.error !== undefined || !(Number.isFinite(r.value) && r.value > 0)));
    const badMissing = missing.filter((m) => m.contender.startsWith(subject));
    const peerErrors = rows.filter((r) => !r.contender.startsWith(subject) && r.error !== undefined);
    for (const r of peerErrors) console.log(`smoke: peer ${r.contender} failed ${r.workload} ${r.case}: ${r.error ?? ""}`);
    if (bad.length > 0 || badMissing.length > 0) {
      for (const r of bad) console.error(`smoke: FAIL ${r.contender} ${r.workload} ${r.case}: ${r.error ?? `value ${r.value}`}`);
      for (const m of badMissing) console.error(`smoke: FAIL ${m.contender} did not load: ${m.reason}`);
      process.exitCode = 1;
    } else {
      console.log(`smoke: OK (${rows.filter((r) => r.contender.startsWith(subject)).length} backprop rows finite)`);
    }
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
