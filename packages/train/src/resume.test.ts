import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, renameSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError, getRngState, tensor } from "@backprop/core";
import { manualSeed, randint, randn } from "@backprop/core";
import { Linear, Sequential } from "@backprop/layers";
import { sgd } from "@backprop/optimizers";
import { EarlyStopping, ModelCheckpoint } from "@backprop/callbacks";
import { Trainer, readCheckpoint, writeCheckpoint } from "./index.js";
import type { Checkpoint } from "./index.js";

const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, "..", "test-fixtures", "resume-child.ts");

/** Runs the child; with `killAt`, sends SIGKILL as soon as it announces that epoch's checkpoint. */
function run(mode: string, dir: string, epochs: number, killAt?: number): Promise<{ lines: string[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    // node itself with tsx as a loader (tsx's CLI would run the script in a grandchild that SIGKILL misses)
    const p = spawn(process.execPath, ["--import", "tsx", "--conditions=@backprop/source", child, mode, dir, String(epochs)], {
      cwd: here,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let killed = false;
    p.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (killAt !== undefined && !killed && out.includes(`saving ${killAt}\n`)) {
        killed = true;
        p.kill("SIGKILL");
      }
    });
    p.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    p.on("error", reject);
    p.on("close", (code) => {
      if (!killed && code !== 0) reject(new Error(`child ${mode} exited ${code}: ${err}`));
      else resolve({ lines: out.trim().split("\n"), killed });
    });
  });
}

function sample(epoch: number): Checkpoint {
  return {
    state: { format: "backprop-checkpoint", version: 1, epoch, step: epoch * 10, rng: { global: getRngState(), shuffle: null }, optimizer: null, callbacks: [] },
    model: { w: tensor([epoch, epoch + 0.5]) },
    optimizer: { state: { m: tensor([1, 2, 3]) }, lr: 0.1 },
  };
}

describe("checkpoints", () => {
  it("SIGKILL during training, even mid-checkpoint, leaves a loadable checkpoint, and resuming reproduces the uninterrupted weights exactly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bp-resume-"));
    const ckpt = join(dir, "last");
    const full = await run("full", ckpt, 6);
    const crash = await run("crash", ckpt, 6, 3);
    expect(crash.killed).toBe(true);
    const saved = await readCheckpoint(ckpt);
    expect(saved.state.epoch).toBe(3); // epoch 2's checkpoint: epoch 3's write was killed midway
    const resumed = await run("resume", ckpt, 6);
    expect(resumed.lines.filter((l) => l.startsWith("saving")).length).toBe(6 - saved.state.epoch);
    expect(JSON.parse(resumed.lines.at(-1)!)).toEqual(JSON.parse(full.lines.at(-1)!));
  }, 120_000);

  it("recovers from every crash point of the atomic write", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bp-atomic-"));
    const path = join(dir, "ckpt");
    await writeCheckpoint(path, sample(1));
    // crash while writing the next one: a half-written temporary directory
    mkdirSync(`${path}.tmp`, { recursive: true });
    writeFileSync(join(`${path}.tmp`, "weights.safetensors"), "garbage");
    expect((await readCheckpoint(path)).state.epoch).toBe(1);
    // crash after moving the old one aside, before renaming the new one into place
    renameSync(path, `${path}.old`);
    const recovered = await readCheckpoint(path);
    expect(recovered.state.epoch).toBe(1);
    expect(Array.from(recovered.model.w.data())).toEqual([1, 1.5]);
    // the next write cleans up both leftovers
    await writeCheckpoint(path, sample(2));
    expect((await readCheckpoint(path)).state.epoch).toBe(2);
    expect(existsSync(`${path}.tmp`) || existsSync(`${path}.old`)).toBe(false);
    const back = await readCheckpoint(path);
    expect(Array.from((back.optimizer as { state: { m: { data(): Float32Array } } }).state.m.data())).toEqual([1, 2, 3]);
  });

  it("concurrent writes of one checkpoint (two ModelCheckpoints on a folder) do not collide; the folder holds one of them, whole", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bp-concurrent-"));
    const path = join(dir, "ckpt");
    for (let round = 0; round < 3; round++) {
      await Promise.all([1, 2, 3, 4].map((epoch) => writeCheckpoint(path, sample(epoch))));
      const back = await readCheckpoint(path);
      expect([1, 2, 3, 4]).toContain(back.state.epoch);
      expect(Array.from(back.model.w.data())).toEqual([back.state.epoch, back.state.epoch + 0.5]);
      expect(readdirSync(dir)).toEqual(["ckpt"]);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives saved callback states to callbacks of the same type when the resumed run's list differs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bp-cbstate-"));
    const path = join(dir, "ckpt");
    manualSeed(3);
    const data = [randn([32, 3]), randint([32], 0, 2)] as const;
    const make = () => {
      manualSeed(4);
      const model = new Sequential([new Linear({ inFeatures: 3, outFeatures: 2 })]);
      return new Trainer(model, { loss: "crossEntropy", optimizer: sgd(model.parameters(), { lr: 0.1 }) });
    };
    const first = new EarlyStopping({ monitor: "loss", patience: 5 });
    await make().fit(data, { epochs: 3, progress: false, callbacks: [new ModelCheckpoint({ filepath: path }), first] });
    const resumed = new EarlyStopping({ monitor: "loss", patience: 5 });
    const history = await make().fit(data, { epochs: 5, progress: false, callbacks: [resumed], resumeFrom: path });
    expect(resumed.bestEpoch).toBeGreaterThanOrEqual(first.bestEpoch);
    expect(history.epochs).toEqual([0, 1, 2, 3, 4]); // the saved History continues
  });

  it("names the problem for missing or corrupt checkpoints", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bp-bad-"));
    await expect(readCheckpoint(join(dir, "nothing"))).rejects.toThrow(/no checkpoint at .*nothing/);
    const path = join(dir, "ckpt");
    await writeCheckpoint(path, sample(1));
    writeFileSync(join(path, "weights.safetensors"), new Uint8Array(4));
    await expect(readCheckpoint(path)).rejects.toThrow(FormatError);
    await expect(readCheckpoint(path)).rejects.toThrow(/weights\.safetensors/);
    writeFileSync(join(path, "state.json"), "{ not json");
    await expect(readCheckpoint(path)).rejects.toThrow(/state\.json is not valid JSON/);
    // A file missing from the folder: a named error with its path, not a raw ENOENT.
    await writeCheckpoint(path, sample(1));
    rmSync(join(path, "optimizer.safetensors"));
    await expect(readCheckpoint(path)).rejects.toThrow(FormatError);
    await expect(readCheckpoint(path)).rejects.toThrow(/^loadCheckpoint: cannot read .*ckpt\/optimizer\.safetensors; ENOENT: no such file or directory/);
    // A save the file system refuses (a file where the parent folder should be): named, with the path.
    writeFileSync(join(dir, "file"), "x");
    await expect(writeCheckpoint(join(dir, "file", "ckpt"), sample(1))).rejects.toThrow(FormatError);
    await expect(writeCheckpoint(join(dir, "file", "ckpt"), sample(1))).rejects.toThrow(/^saveCheckpoint: cannot write .*file\/ckpt; (ENOTDIR|EEXIST): /);
    rmSync(dir, { recursive: true, force: true });
  });
});
