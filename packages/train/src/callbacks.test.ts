import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { manualSeed, randn, randint, tensor } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { Sequential, Linear } from "@backprop/layers";
import { sgd } from "@backprop/optimizers";
import {
  CSVLogger,
  EarlyStopping,
  JsonlLogger,
  LambdaCallback,
  ModelCheckpoint,
  ReduceLROnPlateau,
  TerminateOnNaN,
  ThroughputLogger,
} from "@backprop/callbacks";
import type { Callback, Logs } from "@backprop/callbacks";
import { fit, readCheckpoint } from "./index.js";

/** Overwrites val_loss with a scripted sequence, so monitoring callbacks see known values. */
function scripted(values: number[]): Callback {
  return { onEpochEnd: (epoch: number, logs: Logs) => void (logs.val_loss = values[epoch]) };
}

function setup() {
  manualSeed(5);
  const model = new Sequential([new Linear({ inFeatures: 3, outFeatures: 2 })]);
  const data: [Tensor, Tensor] = [randn([40, 3]), randint([40], 0, 2)];
  const optimizer = sgd(model.parameters(), { lr: 0.1 });
  return { model, data, optimizer };
}

describe("callbacks in fit", () => {
  it("EarlyStopping stops at the right epoch and restores the best weights", async () => {
    const { model, data, optimizer } = setup();
    const losses = [1.0, 0.8, 0.85, 0.7, 0.75, 0.72, 0.74, 0.9, 0.1];
    let bestWeights: number[] = [];
    const grabBest: Callback = {
      onEpochEnd: (epoch) => {
        if (epoch === 3) bestWeights = Array.from(model.stateDict()["0.weight"].data());
      },
    };
    const stopper = new EarlyStopping({ monitor: "val_loss", patience: 2, restoreBestWeights: true });
    const history = await fit(model, data, { loss: "crossEntropy", optimizer, epochs: 9, progress: false, callbacks: [scripted(losses), grabBest, stopper] });
    // best 0.7 at epoch 3; epochs 4 and 5 use up the patience; epoch 6 is the third without improvement
    expect(stopper.bestEpoch).toBe(3);
    expect(stopper.stoppedEpoch).toBe(6);
    expect(history.epochs).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(model.stateDict()["0.weight"].data())).toEqual(bestWeights);
  });

  it("ModelCheckpoint keeps only improvements of the monitored value", async () => {
    const { model, data, optimizer } = setup();
    const dir = mkdtempSync(join(tmpdir(), "bp-ckpt-"));
    const ckpt = new ModelCheckpoint({ filepath: join(dir, "e{epoch}-{val_loss:.2f}"), monitor: "val_loss", saveBestOnly: true });
    await fit(model, data, { loss: "crossEntropy", optimizer, epochs: 5, progress: false, callbacks: [scripted([0.9, 0.5, 0.7, 0.4, 0.6]), ckpt] });
    expect(ckpt.saved.map((p) => p.slice(dir.length + 1))).toEqual(["e1-0.90", "e2-0.50", "e4-0.40"]);
    expect(ckpt.bestPath).toBe(join(dir, "e4-0.40"));
    const best = await readCheckpoint(ckpt.bestPath!);
    expect(best.state.epoch).toBe(4);
    expect(Object.keys(best.model)).toEqual(["0.weight", "0.bias"]);
  });

  it("ReduceLROnPlateau lowers the rate after patience epochs without improvement", async () => {
    const { model, data, optimizer } = setup();
    const lrs: number[] = [];
    const plateau = new ReduceLROnPlateau({ monitor: "val_loss", factor: 0.5, patience: 1, minDelta: 0 });
    await fit(model, data, {
      loss: "crossEntropy", optimizer, epochs: 7, progress: false,
      callbacks: [scripted([1, 0.9, 0.95, 0.96, 0.8, 0.85, 0.9]), plateau, new LambdaCallback({ onEpochEnd: () => void lrs.push(optimizer.paramGroups[0].lr) })],
    });
    // epoch 2: first bad epoch (wait 1); epoch 3: second (wait 2 > 1) -> halve; epoch 4 improves; 5 bad; 6 bad -> halve
    expect(lrs).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]);
  });

  it("TerminateOnNaN stops on an injected NaN loss", async () => {
    const { model, data, optimizer } = setup();
    let calls = 0;
    const nanAtFifth = (p: Tensor, t: Tensor): Tensor => {
      calls++;
      const base = p.sub(p).sum().add(t.cast("float32").sum().mul(0));
      return calls === 5 ? base.add(NaN) : base.add(1);
    };
    const guard = new TerminateOnNaN();
    const history = await fit(model, data, { loss: nanAtFifth, optimizer, epochs: 3, batchSize: 10, progress: false, callbacks: [guard] });
    expect(guard.stoppedAt).toBe(0); // fifth batch overall = first batch of epoch 1
    expect(calls).toBe(5);
    expect(history.epochs).toEqual([0, 1]);
  });

  it("CSVLogger's file parses back to the History; JsonlLogger writes one line per epoch", async () => {
    const { model, data, optimizer } = setup();
    const dir = mkdtempSync(join(tmpdir(), "bp-csv-"));
    const csvPath = join(dir, "log.csv");
    const jsonlPath = join(dir, "log.jsonl");
    const speed = new ThroughputLogger();
    const history = await fit(model, data, {
      loss: "crossEntropy", optimizer, epochs: 3, progress: false, metrics: ["accuracy"], validationData: data,
      callbacks: [speed, new CSVLogger(csvPath), new JsonlLogger(jsonlPath)],
    });
    const [header, ...rows] = readFileSync(csvPath, "utf8").trim().split("\n");
    const keys = header.split(",");
    expect(keys).toContain("val_accuracy");
    for (const key of keys.filter((k) => k !== "epoch")) {
      expect(rows.map((r) => Number(r.split(",")[keys.indexOf(key)]))).toEqual(history.history[key]);
    }
    const lines = readFileSync(jsonlPath, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
    expect(lines.map((l) => l.epoch)).toEqual([0, 1, 2]);
    expect(lines[2].loss).toBe(history.history.loss[2]);
    expect(speed.perEpoch.every((r) => r > 0)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["log.csv", "log.jsonl"]); // no temporary files left
  });

  it("callbacks see batches and epochs in order", async () => {
    const { model, data, optimizer } = setup();
    const events: string[] = [];
    await fit(model, data, {
      loss: "crossEntropy", optimizer, epochs: 2, batchSize: 20, progress: false,
      callbacks: [new LambdaCallback({
        onTrainBegin: () => void events.push("train"),
        onEpochBegin: (e) => void events.push(`epoch${e}`),
        onBatchEnd: (b, logs) => void events.push(`batch${b}:${logs.size}`),
        onEpochEnd: (e) => void events.push(`end${e}`),
        onTrainEnd: () => void events.push("done"),
      })],
    });
    expect(events).toEqual(["train", "epoch0", "batch0:20", "batch1:20", "end0", "epoch1", "batch0:20", "batch1:20", "end1", "done"]);
    expect(tensor([1]).item()).toBe(1);
  });
});
