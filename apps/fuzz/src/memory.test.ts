/**
 * Item 5 of issue 16's fuzz suite: the PyTorch-style training loop (zeroGrad, forward, loss,
 * backward, step) written with no tidy, using or dispose keeps its memory flat. Each backend
 * runs the loop in a fresh child process (src/children/trainLoop.ts: the issue's 64-128-10 MLP,
 * Adam, crossEntropy, batch 64), which reports its RSS every 250 steps; no --expose-gc, so
 * the loop gets only the collections a user's program gets.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { backends } from "./support/backends.js";
import { runs } from "./support/config.js";

const appDir = fileURLToPath(new URL("..", import.meta.url));
const script = fileURLToPath(new URL("./children/trainLoop.ts", import.meta.url));

interface Sample {
  step: number;
  rssMb: number;
  ms: number;
}

function trainLoop(backend: string, steps: number): Promise<Sample[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", script, backend, String(steps), "250", "plain"], { cwd: appDir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("error", reject);
    p.on("exit", (code, signal) => {
      if (code !== 0) reject(new Error(`the training loop on ${backend} exited with code ${code}, signal ${signal}:\n${err.slice(-2000)}`));
      else resolve(out.trim().split("\n").map((line) => JSON.parse(line) as Sample));
    });
  });
}

// 3000 steps by default (BACKPROP_FUZZ_RUNS scales them): past the warm-up by step 1000, and long
// enough that the leak the issue measured (about 195 MB per 1000 steps) shows ten times over.
const steps = Math.max(3000, runs(3000));
const early = 1000;

describe("plain training loops", () => {
  it.each(backends)("on %s, RSS stays flat between step 1000 and the last step (growth under 5% + 16 MiB)", async (backend) => {
    const samples = await trainLoop(backend, steps);
    const start = samples.find((s) => s.step === early)!;
    const late = samples.filter((s) => s.step > early);
    const peak = late.reduce((a, b) => (b.rssMb > a.rssMb ? b : a));
    const allowed = start.rssMb * 0.05 + 16;
    const trace = samples.map((s) => `${s.step}: ${Math.round(s.rssMb)} MB`).join(", ");
    expect(peak.rssMb - start.rssMb, `RSS grew from ${Math.round(start.rssMb)} MB at step ${early} to ${Math.round(peak.rssMb)} MB at step ${peak.step} (allowed ${Math.round(allowed)} MB); ${trace}`).toBeLessThan(allowed);
  });
});
