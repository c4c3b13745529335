/**
 * Item 4 of issue 16's fuzz suite: saves killed with SIGKILL. A child process saves a model
 * (saveModel) or a checkpoint (writeCheckpoint) over another one and dies right after its n-th
 * file-system call (every fs call counts; n chosen by fast-check), or at a random time while
 * saving in a loop. After each death the folder must load as the old or the new model, never a
 * mix or nothing, and temporary files must not pile up. Concurrent saves to one folder must
 * all succeed and leave one of the models.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, it } from "vitest";
import { loadModel, saveModel } from "@backprop/layers";
import { readCheckpoint, writeCheckpoint } from "@backprop/train";
import { check } from "./support/config.js";
import { checkpointOf, twoModels, whichModel } from "./support/twoModels.js";

type Kind = "model" | "checkpoint";
const appDir = fileURLToPath(new URL("..", import.meta.url));
const script = fileURLToPath(new URL("./children/save.ts", import.meta.url));

/** Runs the save child; resolves with its output and how it ended. */
function child(args: string[], killAfterStartMs?: number): Promise<{ output: string; signal: string | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: appDir, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let armed = false;
    const limit = setTimeout(() => p.kill("SIGKILL"), 60_000);
    p.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      if (killAfterStartMs !== undefined && !armed && output.startsWith("started")) {
        armed = true;
        setTimeout(() => p.kill("SIGKILL"), killAfterStartMs).unref();
      }
    });
    p.stderr.on("data", (d: Buffer) => (output += d.toString()));
    p.on("error", reject);
    p.on("exit", (code, signal) => {
      clearTimeout(limit);
      resolve({ output, signal, code });
    });
  });
}

async function save(kind: Kind, dir: string, name: "A" | "B"): Promise<void> {
  if (kind === "model") await saveModel(twoModels(name), dir);
  else await writeCheckpoint(dir, checkpointOf(name));
}

/** Which model the folder loads as, or throws saying why it does not load as either. */
async function loaded(kind: Kind, dir: string): Promise<"A" | "B"> {
  let which: string;
  if (kind === "model") which = whichModel((await loadModel(dir)).stateDict());
  else {
    const ckpt = await readCheckpoint(dir);
    which = whichModel(ckpt.model);
    const extra = ckpt.state.extra as { model?: string } | undefined;
    if (which !== extra?.model) which = `weights of ${which} with state.json of ${extra?.model ?? "neither"}`;
  }
  if (which !== "A" && which !== "B") throw new Error(`the folder holds neither model: ${which}`);
  return which;
}

/** Every file or folder in the temporary root other than the saved folder and its own files. */
function leftovers(kind: Kind, root: string): string[] {
  const own = kind === "model" ? ["model.json", "weights.safetensors"] : ["state.json", "weights.safetensors", "optimizer.safetensors"];
  const outside = readdirSync(root).filter((n) => n !== "saved");
  const inside = readdirSync(join(root, "saved")).filter((n) => !own.includes(n));
  return [...outside, ...inside.map((n) => `saved/${n}`)];
}

/** At most this many stray entries may stay after a clean save (e.g. one old copy). */
const maxLeftovers = 2;

async function withRoot(fn: (root: string, dir: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "backprop-fuzz-kill-"));
  try {
    await fn(root, join(root, "saved"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe.each(["model", "checkpoint"] as const)("SIGKILL during %s saves", (kind) => {
  const save1 = kind === "model" ? "saveModel" : "writeCheckpoint";
  const load1 = kind === "model" ? "loadModel" : "readCheckpoint";

  it(`killed after any file-system call, ${save1} leaves the old or the new model and no pile of temporary files`, async () => {
    // saveModel makes 13 file-system calls today, writeCheckpoint 16; a durable rewrite may make more.
    const stepArb = fc.record({ model: fc.constantFrom<"A" | "B">("A", "B"), crashAfter: fc.integer({ min: 1, max: 40 }) });
    await check(
      fc.array(stepArb, { minLength: 1, maxLength: 4 }),
      (steps) =>
        withRoot(async (root, dir) => {
          await save(kind, dir, "A");
          let current: "A" | "B" = "A";
          for (const [i, step] of steps.entries()) {
            const run = await child([kind, dir, step.model, "inject", String(step.crashAfter)]);
            const completed = run.output.includes("done");
            if (!completed && run.signal !== "SIGKILL") throw new Error(`the save child failed: ${run.output}`);
            let now: "A" | "B";
            try {
              now = await loaded(kind, dir);
            } catch (e) {
              throw new Error(`after a ${save1} of ${step.model} over ${current} killed after file-system call ${step.crashAfter} (step ${i + 1}), ${load1} fails: ${(e as Error).message}`);
            }
            if (completed && now !== step.model) throw new Error(`${save1} of ${step.model} completed, but ${load1} gives ${now}`);
            if (now !== current && now !== step.model) throw new Error(`after a killed ${save1} of ${step.model} over ${current}, ${load1} gives ${now}`);
            current = now;
          }
          // A clean save afterwards; then nothing of the killed saves may pile up.
          const last = current === "A" ? "B" : "A";
          await save(kind, dir, last);
          if ((await loaded(kind, dir)) !== last) throw new Error(`a clean ${save1} after killed ones does not load as the model it saved`);
          const extra = leftovers(kind, root);
          if (extra.length > maxLeftovers) throw new Error(`after ${steps.length} killed ${save1} calls and a clean one, ${extra.length} temporary files or folders are left: ${extra.join(", ")}`);
        }),
      { numRuns: 4, budgetMs: 20_000, examples: kind === "model" ? [[{ model: "B", crashAfter: 10 }]] : [] },
    );
  });

  it(`killed at random times while saving in a loop, ${save1} leaves A or B`, async () => {
    await check(
      fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 3 }),
      (delays) =>
        withRoot(async (root, dir) => {
          await save(kind, dir, "A");
          for (const delay of delays) {
            const run = await child([kind, dir, "A", "loop"], delay);
            if (run.signal !== "SIGKILL") throw new Error(`the save loop ended by itself: ${run.output}`);
            const saves = run.output.split("done").length - 1;
            try {
              await loaded(kind, dir);
            } catch (e) {
              throw new Error(`killed ${delay} ms into a loop of ${save1} (after ${saves} complete saves), ${load1} fails: ${(e as Error).message}`);
            }
          }
          await save(kind, dir, "B");
          const extra = leftovers(kind, root);
          if (extra.length > maxLeftovers) throw new Error(`after ${delays.length} killed loops of ${save1} and a clean save, ${extra.length} temporary files or folders are left: ${extra.join(", ")}`);
        }),
      { numRuns: 2, budgetMs: 15_000 },
    );
  });

  it(`concurrent ${save1} calls on one folder all succeed and leave one of the models`, async () => {
    await check(
      fc.array(fc.constantFrom<"A" | "B">("A", "B"), { minLength: 2, maxLength: 4 }),
      (names) =>
        withRoot(async (root, dir) => {
          const results = await Promise.allSettled(names.map((name) => save(kind, dir, name)));
          const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
          if (failed !== undefined) throw new Error(`${names.length} concurrent ${save1} calls (${names.join(", ")}): one failed with ${String(failed.reason)}`);
          const now = await loaded(kind, dir);
          if (!names.includes(now)) throw new Error(`concurrent ${save1} of ${names.join(", ")} left ${now}`);
          const extra = leftovers(kind, root);
          if (extra.length > 0) throw new Error(`concurrent ${save1} calls that all succeeded left ${extra.join(", ")}`);
        }),
      { numRuns: 10, budgetMs: 10_000 },
    );
  });
});
