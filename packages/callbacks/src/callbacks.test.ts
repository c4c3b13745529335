import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { FormatError, ValueError } from "@backprop/core";
import { CSVLogger, EarlyStopping, History, JsonlLogger, Monitor, ProgressBar, ReduceLROnPlateau, formatPath } from "./index.js";
import type { CallbackContext, Logs } from "./index.js";

function fakeContext(lr = 0.1): CallbackContext & { stopped: string | null } {
  const ctx = {
    model: { forward: (x: never) => x, parameters: () => [], stateDict: () => ({}), loadStateDict: () => undefined, train: () => undefined, eval: () => undefined },
    optimizer: { step: () => undefined, zeroGrad: () => undefined, paramGroups: [{ lr }], stateDict: () => null, loadStateDict: () => undefined },
    params: { epochs: 3, stepsPerEpoch: 2, batchSize: 4, samples: 8, metrics: [], validation: true },
    epoch: 0,
    step: 0,
    logs: {},
    stopped: null as string | null,
    stop(reason?: string) {
      ctx.stopped = reason ?? "stopped";
    },
    get stopRequested() {
      return ctx.stopped !== null;
    },
    saveCheckpoint: () => Promise.resolve(),
  };
  return ctx;
}

describe("Monitor", () => {
  it("guesses the direction from the name and respects minDelta", () => {
    expect(new Monitor("t", "val_loss", "auto", 0).direction).toBe("min");
    expect(new Monitor("t", "val_accuracy", "auto", 0).direction).toBe("max");
    const m = new Monitor("t", "val_loss", "auto", 0.1);
    expect(m.improved({ val_loss: 1 })).toBe(true);
    expect(m.improved({ val_loss: 0.95 })).toBe(false); // within minDelta
    expect(m.improved({ val_loss: 0.85 })).toBe(true);
    expect(m.improved({ val_loss: NaN })).toBe(false);
    expect(m.missing({ loss: 1 })).toBe('t: "val_loss" is not in the logs; available: loss');
    expect(() => new Monitor("t", "x", "down" as never, 0)).toThrow(/mode must be "auto", "min" or "max"; got "down"/);
  });
});

describe("formatPath", () => {
  it("fills epoch (1-based) and logged keys with precision", () => {
    expect(formatPath("ckpt/e{epoch}-{val_loss:.2f}", 4, { val_loss: 0.1234 })).toBe("ckpt/e5-0.12");
    expect(() => formatPath("{val_acc}", 0, { loss: 1 })).toThrow(/"\{val_acc\}" .* is not a logged key/);
  });
});

describe("History", () => {
  it("aligns keys that appear late and round-trips its state", () => {
    const h = new History();
    h.onEpochEnd(0, { loss: 2 });
    h.onEpochEnd(1, { loss: 1, val_loss: 1.5 });
    expect(h.history.loss).toEqual([2, 1]);
    expect(h.history.val_loss).toEqual([NaN, 1.5]);
    const copy = new History();
    copy.loadStateDict(h.stateDict());
    expect(copy.history).toEqual(h.history);
    expect(copy.last("loss")).toBe(1);
  });
});

describe("EarlyStopping and ReduceLROnPlateau driven by hand", () => {
  it("stop after patience epochs without improvement", () => {
    const ctx = fakeContext();
    const es = new EarlyStopping({ patience: 1 });
    es.onTrainBegin();
    const losses = [3, 2, 2.5, 2.4];
    losses.forEach((v, e) => {
      if (ctx.stopped === null) es.onEpochEnd(e, { val_loss: v }, ctx);
    });
    expect(es.stoppedEpoch).toBe(3);
    expect(ctx.stopped).toMatch(/val_loss did not improve for 2 epochs \(best 2 at epoch 1\)/);
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(ValueError);
  });

  it("halves the rate and honours minLr", () => {
    const ctx = fakeContext(0.1);
    const r = new ReduceLROnPlateau({ factor: 0.5, patience: 0, minLr: 0.03, minDelta: 0 });
    const logs: Logs[] = [{ val_loss: 1 }, { val_loss: 1 }, { val_loss: 1 }, { val_loss: 1 }];
    logs.forEach((l, e) => {
      r.onEpochEnd(e, l, ctx);
    });
    expect(ctx.optimizer!.paramGroups[0].lr).toBe(0.03);
    expect(logs[1].lr).toBe(0.05);
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(/factor must be in \(0, 1\)/);
  });
});

describe("ProgressBar", () => {
  it("writes one line per epoch without a terminal", () => {
    let text = "";
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    const bar = new ProgressBar({ mode: "lines", stream });
    const ctx = fakeContext();
    bar.onEpochBegin(0, ctx);
    bar.onBatchEnd(0, { loss: 1, size: 4 });
    bar.onEpochEnd(0, { loss: 0.5, accuracy: 0.75 }, ctx);
    expect(text).toMatch(/^Epoch 1\/3 - \d+\.\ds - loss: 0\.5000 - accuracy: 0\.7500\n$/);
    expect(() => new ProgressBar({ mode: "fancy" as never })).toThrow(ValueError);
    expect(() => new ProgressBar({ mode: "display" })).toThrow(/needs options.display/);
  });

  it("redraws one notebook display entry with a bar, then a line per finished epoch", () => {
    const frames: string[] = [];
    const bar = new ProgressBar({ display: { html: (s) => frames.push(s) } });
    const ctx = fakeContext();
    bar.onTrainBegin();
    bar.onEpochBegin(0, ctx);
    bar.onBatchEnd(0, { loss: 2, size: 4 });
    expect(frames.at(-1)).toMatch(/Epoch 1\/3 <progress value="1" max="2"[^>]*><\/progress> 1\/2 - ETA \d+s - loss: 2\.0000/);
    bar.onEpochEnd(0, { loss: 1.5 }, ctx);
    expect(frames.at(-1)).toMatch(/<div>Epoch 1\/3 - \d+\.\ds - loss: 1\.5000<\/div><\/div>$/);
  });
});

describe("file loggers", () => {
  const ctx = { epoch: 0, step: 0 } as unknown as CallbackContext;

  it("two CSVLoggers writing one file at once do not collide, and leave no temporary files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bp-csv-"));
    const path = join(dir, "log.csv");
    const loggers = [new CSVLogger(path), new CSVLogger(path), new CSVLogger(path)];
    for (let epoch = 0; epoch < 3; epoch++) {
      await Promise.all(loggers.map((l, i) => l.onEpochEnd(epoch, { loss: i })));
    }
    expect(readdirSync(dir)).toEqual(["log.csv"]);
    expect(readFileSync(path, "utf8")).toMatch(/^epoch,loss\n0,[012]\n1,[012]\n2,[012]\n$/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a write that fails names the file (FormatError), not a raw ENOENT", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bp-csv-"));
    const path = join(dir, "missing", "log.csv");
    await expect(new CSVLogger(path).onEpochEnd(0, { loss: 1 })).rejects.toThrow(FormatError);
    await expect(new CSVLogger(path).onEpochEnd(0, { loss: 1 })).rejects.toThrow(/^CSVLogger: cannot write .*missing\/log\.csv; ENOENT: no such file or directory/);
    await expect(new JsonlLogger(path).onEpochEnd(0, { loss: 1 }, ctx)).rejects.toThrow(/^JsonlLogger: cannot write .*missing\/log\.csv; ENOENT: no such file or directory/);
    mkdirSync(join(dir, "missing"));
    await new CSVLogger(path).onEpochEnd(0, { loss: 1 });
    expect(readdirSync(join(dir, "missing"))).toEqual(["log.csv"]);
    rmSync(dir, { recursive: true, force: true });
  });
});
