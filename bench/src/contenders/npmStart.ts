/**
 * backprop's side of the mnist workload: the real `npm start` program (apps/examples/src/mnist.ts,
 * run by npm from the repository root exactly as a user runs it) in a child process, with
 * `BACKPROP_BACKEND` naming the backend, and its printed summary parsed.
 * @module
 */
import { fileURLToPath } from "node:url";
import { lastLine, runChild } from "../childRun.js";
import type { MnistEpoch, MnistPlan, MnistResult } from "../types.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** What `npm start` printed, parsed; undefined fields were not printed. */
export interface NpmStartSummary {
  backend?: string;
  epochs: MnistEpoch[];
  accuracy?: number;
  epochCount?: number;
  reachedAfter?: number;
  peakRssMiB?: number;
}

const number = (text: string, pattern: RegExp): number | undefined => {
  const m = pattern.exec(text);
  return m === null ? undefined : Number(m[1]);
};

/** Parses the output of apps/examples/src/mnist.ts (see its last console.log lines). */
export function parseNpmStart(stdout: string, target: number): NpmStartSummary {
  const epochs: MnistEpoch[] = [];
  for (const m of stdout.matchAll(/^Epoch\s+\d+\/\d+ - ([\d.]+)s - .*val_accuracy: ([\d.]+)/gm)) {
    epochs.push({ seconds: Number(m[1]), valAccuracy: Number(m[2]) });
  }
  const percent = Math.round(target * 100);
  const accuracy = number(stdout, /^test accuracy:\s+([\d.]+)%/m);
  return {
    backend: /^backprop MNIST MLP on the (.+)$/m.exec(stdout)?.[1],
    epochs,
    accuracy: accuracy === undefined ? undefined : accuracy / 100,
    epochCount: number(stdout, /^epochs:\s+(\d+)/m),
    reachedAfter: number(stdout, new RegExp(`\\(${percent}% reached after ([\\d.]+) s\\)`)),
    peakRssMiB: number(stdout, /^peak RSS:\s+([\d.]+) MiB/m),
  };
}

/**
 * Runs `npm start` with `BACKPROP_BACKEND=backend` (other variables, BACKPROP_THREADS among them,
 * pass through). In smoke mode the program is stopped once it has picked its backend and loaded
 * the data, and the result says so (no figures).
 * @throws {Error} when npm cannot start, the program fails, or its summary cannot be read.
 */
export async function npmStartMnist(backend: string, plan: MnistPlan): Promise<MnistResult> {
  const run = await runChild("npm", ["start", "--silent"], {
    cwd: root,
    env: { ...process.env, BACKPROP_BACKEND: backend },
    onLine: (line) => { if (line.startsWith("Epoch")) plan.progress?.(line); },
    stopWhen: plan.smoke ? (line) => line.startsWith("data: ") : undefined,
  });
  const summary = parseNpmStart(run.stdout, plan.target);
  const why = (): string => lastLine(run.stderr) || lastLine(run.stdout) || `exit code ${String(run.code)}`;
  if (summary.backend === undefined) throw new Error(`npm start did not start: ${why()}`);
  if (!summary.backend.startsWith(`${backend} backend`)) throw new Error(`npm start used the ${summary.backend}, not ${backend} (BACKPROP_BACKEND ignored?)`);
  if (plan.smoke) {
    if (!run.stopped) throw new Error(`npm start ended before loading the data: ${why()}`);
    const data = /^data: .*$/m.exec(run.stdout)?.[0] ?? "";
    return { secondsToTarget: null, epochs: [], accuracy: NaN, peakRssMiB: NaN, processSeconds: run.seconds, detail: summary.backend, smokeNote: `smoke: started on the ${summary.backend}, ${data}; stopped before training` };
  }
  const { accuracy, peakRssMiB, epochCount } = summary;
  if (accuracy === undefined || peakRssMiB === undefined || epochCount === undefined) throw new Error(`npm start printed no summary: ${why()}`);
  // mnist.ts exits with code 1 when the target was not reached; anything else is a failure.
  if (run.code !== 0 && !(run.code === 1 && accuracy < plan.target)) throw new Error(`npm start failed (exit code ${String(run.code)}): ${why()}`);
  return {
    secondsToTarget: summary.reachedAfter ?? null,
    epochs: summary.epochs,
    accuracy,
    peakRssMiB,
    processSeconds: run.seconds,
    detail: summary.backend,
  };
}
