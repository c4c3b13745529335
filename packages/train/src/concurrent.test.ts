import { afterEach, describe, expect, it, vi } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ShapeError, manualSeed, randint, randn } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { BatchNorm1d, Dropout, Linear, Module, ReLU, Sequential, loadModel, saveModel } from "@backprop/layers";
import { sgd } from "@backprop/optimizers";
import { DataLoader, TensorDataset } from "@backprop/data";
import type { Callback } from "@backprop/callbacks";
import { Trainer, evaluate, predict } from "./index.js";

/** Every forward call seen by a Probe: the batch's row count (which tells the calls apart) and the mode. */
const seen: { rows: number; training: boolean }[] = [];

/** Passes its input through and records `this.training`, which every module of the model shares. */
class Probe extends Module {
  static override typeName = "Probe";
  override forward(x: Tensor): Tensor {
    seen.push({ rows: x.shape[0], training: this.training });
    return x;
  }
}

// Row counts per batch tell the calls apart: fit 8 (96 samples), validation 6, a concurrent
// evaluate 5 (20 samples), a concurrent predict 3 (12 samples).
const FIT_ROWS = 8;
const STEPS = (96 / FIT_ROWS) * 3;

function model(): Sequential {
  return new Sequential([
    new Linear({ inFeatures: 4, outFeatures: 16 }),
    new BatchNorm1d({ numFeatures: 16 }),
    new ReLU(),
    new Dropout({ p: 0.5 }),
    new Probe(),
    new Linear({ inFeatures: 16, outFeatures: 3 }),
  ]);
}

type Concurrent = "none" | "evaluate" | "predict" | "trainer.evaluate";

/** The same seeded fit, with evaluate or predict calls started at every batch and from a 1 ms interval. */
async function run(concurrent: Concurrent, options: { loader?: boolean; validation?: boolean; metrics?: boolean } = {}) {
  manualSeed(7);
  const net = model();
  const x = randn([96, 4]);
  const y = randint([96], 0, 3);
  const evalData: [Tensor, Tensor] = [randn([20, 4]), randint([20], 0, 3)];
  const predictData = randn([12, 4]);
  const valData: [Tensor, Tensor] = [randn([6, 4]), randint([6], 0, 3)];
  seen.length = 0;
  const trainer = new Trainer(net, { loss: "crossEntropy", optimizer: sgd(net.parameters(), { lr: 0.1 }), metrics: options.metrics === true ? ["accuracy", "f1"] : [] });
  const pending: Promise<unknown>[] = [];
  const start = (): void => {
    if (concurrent === "evaluate") pending.push(evaluate(net, evalData, { loss: "crossEntropy", batchSize: 5 }));
    if (concurrent === "predict") predict(net, predictData, { batchSize: 3 });
    if (concurrent === "trainer.evaluate") pending.push(trainer.evaluate(evalData, { batchSize: 5 }));
  };
  const callbacks: Callback[] = concurrent === "none" ? [] : [{ onBatchBegin: start, onBatchEnd: start }];
  const interval = concurrent === "none" ? null : setInterval(start, 1);
  const data = options.loader === true ? new DataLoader({ dataset: new TensorDataset(x, y), batchSize: FIT_ROWS, shuffle: true, seed: 3 }) : ([x, y] as const);
  const history = await trainer.fit(data, {
    epochs: 3,
    batchSize: FIT_ROWS,
    seed: 1,
    progress: false,
    callbacks,
    validationData: options.validation === true ? valData : undefined,
  });
  if (interval !== null) clearInterval(interval);
  await Promise.all(pending);
  const weights = Object.fromEntries(Object.entries(net.stateDict()).map(([k, t]) => [k, Array.from(t.data() as Float32Array)]));
  return { weights, history: history.history, seen: seen.slice() };
}

/** Whether some batch of `rows` ran between two fit steps (so the calls really interleaved). */
function interleaved(log: { rows: number }[], rows: number): boolean {
  const first = log.findIndex((e) => e.rows === FIT_ROWS);
  const last = log.map((e) => e.rows).lastIndexOf(FIT_ROWS);
  return log.slice(first, last).some((e) => e.rows === rows);
}

describe("fit with evaluate and predict in flight", () => {
  it("every fit step runs in train mode and the weights are bit-identical to a fit alone, with evaluate running concurrently", async () => {
    const alone = await run("none");
    expect(alone.seen.filter((e) => e.rows === FIT_ROWS).length).toBe(STEPS);
    const busy = await run("evaluate");
    const steps = busy.seen.filter((e) => e.rows === FIT_ROWS);
    expect(steps.length).toBe(STEPS);
    expect(steps.filter((e) => !e.training).length).toBe(0);
    const evals = busy.seen.filter((e) => e.rows === 5);
    expect(evals.length).toBeGreaterThan(STEPS);
    expect(evals.every((e) => !e.training)).toBe(true);
    expect(interleaved(busy.seen, 5)).toBe(true);
    expect(busy.history).toEqual(alone.history);
    expect(busy.weights).toEqual(alone.weights);
  });

  it("the fit's own Trainer evaluating meanwhile leaves fit's metrics alone (it counts into clones)", async () => {
    const alone = await run("none", { metrics: true });
    const busy = await run("trainer.evaluate", { metrics: true });
    expect(interleaved(busy.seen, 5)).toBe(true);
    // Before, each evaluate reset and fed the shared accuracy and f1, so fit's epoch values changed.
    expect(busy.history.accuracy).toEqual(alone.history.accuracy);
    expect(busy.history.f1).toEqual(alone.history.f1);
    expect(busy.history).toEqual(alone.history);
    expect(busy.weights).toEqual(alone.weights);
  });

  it("predict during fit: each predict batch runs in eval mode, each fit step in train mode, same weights", async () => {
    const alone = await run("none");
    const busy = await run("predict");
    const steps = busy.seen.filter((e) => e.rows === FIT_ROWS);
    expect(steps.length).toBe(STEPS);
    expect(steps.every((e) => e.training)).toBe(true);
    const predicts = busy.seen.filter((e) => e.rows === 3);
    expect(predicts.length).toBeGreaterThan(STEPS);
    expect(predicts.every((e) => !e.training)).toBe(true);
    expect(busy.weights).toEqual(alone.weights);
  });

  it("the same holds for DataLoader data with validationData: validation batches in eval mode, steps in train mode", async () => {
    const alone = await run("none", { loader: true, validation: true });
    const busy = await run("evaluate", { loader: true, validation: true });
    for (const r of [alone, busy]) {
      const steps = r.seen.filter((e) => e.rows === FIT_ROWS);
      expect(steps.length).toBe(STEPS);
      expect(steps.every((e) => e.training)).toBe(true);
      const val = r.seen.filter((e) => e.rows === 6);
      expect(val.length).toBe(3);
      expect(val.every((e) => !e.training)).toBe(true);
    }
    expect(interleaved(busy.seen, 5)).toBe(true);
    expect(busy.history.val_loss).toHaveLength(3);
    expect(busy.history).toEqual(alone.history);
    expect(busy.weights).toEqual(alone.weights);
  });

  it("callbacks see the model in train mode during fit, and it is left in eval mode after", async () => {
    manualSeed(8);
    const net = model();
    const modes: boolean[] = [];
    const look: Callback = {
      onBatchEnd: () => void modes.push(net.training),
      onEpochEnd: () => void modes.push(net.training),
    };
    const trainer = new Trainer(net, { loss: "crossEntropy", optimizer: sgd(net.parameters(), { lr: 0.1 }) });
    await trainer.fit([randn([16, 4]), randint([16], 0, 3)], { epochs: 2, batchSize: 8, progress: false, callbacks: [look], validationData: [randn([6, 4]), randint([6], 0, 3)] });
    expect(modes).toEqual([true, true, true, true, true, true]);
    expect([...net.modules()].map((m) => m.training)).toEqual([false, false, false, false, false, false, false]);
  });
});

describe("fit gives the event loop a turn", () => {
  it("a 1 ms interval ticks, and a timer and a saveModel started during fit finish before fit ends", async () => {
    manualSeed(9);
    const net = new Sequential([new Linear({ inFeatures: 8, outFeatures: 16 }), new ReLU(), new Linear({ inFeatures: 16, outFeatures: 2 })]);
    const trainer = new Trainer(net, { loss: "crossEntropy", optimizer: sgd(net.parameters(), { lr: 0.01 }) });
    const dir = mkdtempSync(join(tmpdir(), "backprop-yield-"));
    let ticks = 0;
    let timerStep = -1;
    let savedStep = -1;
    let saveError: unknown = null;
    let save: Promise<void> = Promise.resolve();
    const startThem: Callback = {
      onBatchEnd: () => {
        if (trainer.step !== 20) return;
        setTimeout(() => void (timerStep = trainer.step), 1);
        save = saveModel(net, join(dir, "model")).then(
          () => void (savedStep = trainer.step),
          (e: unknown) => void (saveError = e),
        );
      },
    };
    const interval = setInterval(() => {
      ticks++;
    }, 1);
    const began = performance.now();
    // 4,000 steps of a tiny MLP: about a second or more on any backend.
    await trainer.fit([randn([4000, 8]), randint([4000], 0, 2)], { epochs: 8, batchSize: 8, progress: false, callbacks: [startThem] });
    const ms = performance.now() - began;
    clearInterval(interval);
    await save;
    expect(saveError).toBe(null);
    expect(trainer.step).toBe(4000);
    // The event loop turns about every 10 ms of training; on average at least every 100 ms here.
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(ms / 100));
    expect(ticks).toBeGreaterThan(0);
    expect(timerStep).toBeGreaterThanOrEqual(20);
    expect(timerStep).toBeLessThan(4000);
    expect(savedStep).toBeGreaterThanOrEqual(20);
    expect(savedStep).toBeLessThan(4000);
    const loaded = await loadModel(join(dir, "model"));
    expect(Object.keys(loaded.stateDict())).toEqual(Object.keys(net.stateDict()));
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});

describe("evaluate gives the event loop a turn", () => {
  it("a 1 ms interval ticks during a long evaluate", async () => {
    manualSeed(13);
    const net = new Sequential([new Linear({ inFeatures: 8, outFeatures: 16 }), new ReLU(), new Linear({ inFeatures: 16, outFeatures: 2 })]);
    const data: [Tensor, Tensor] = [randn([16000, 8]), randint([16000], 0, 2)];
    let ticks = 0;
    const interval = setInterval(() => {
      ticks++;
    }, 1);
    const began = performance.now();
    await evaluate(net, data, { loss: "crossEntropy", batchSize: 4 });
    const ms = performance.now() - began;
    clearInterval(interval);
    expect(ticks).toBeGreaterThanOrEqual(Math.max(1, Math.floor(ms / 100)));
  }, 60_000);
});

describe("without setImmediate (browsers)", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  // A fresh copy of the packages, loaded with the globals a browser has (or lacks).
  for (const [name, lacks] of [["a MessageChannel message", ["setImmediate"]], ["setTimeout", ["setImmediate", "MessageChannel"]]] as const) {
    it(`fit yields with ${name}`, async () => {
      for (const g of lacks) vi.stubGlobal(g, undefined);
      vi.resetModules();
      const core = await import("@backprop/core");
      const layers = await import("@backprop/layers");
      const { sgd: freshSgd } = await import("@backprop/optimizers");
      const { Trainer: FreshTrainer } = await import("./Trainer.js");
      core.manualSeed(12);
      const net = new layers.Sequential([new layers.Linear({ inFeatures: 8, outFeatures: 2 })]);
      const trainer = new FreshTrainer(net, { loss: "crossEntropy", optimizer: freshSgd(net.parameters(), { lr: 0.01 }) });
      let ticks = 0;
      const interval = setInterval(() => {
        ticks++;
      }, 1);
      const began = performance.now();
      await trainer.fit([core.randn([2000, 8]), core.randint([2000], 0, 2)], { epochs: 4, batchSize: 8, progress: false });
      const ms = performance.now() - began;
      clearInterval(interval);
      expect(trainer.step).toBe(1000);
      expect(ticks).toBeGreaterThanOrEqual(Math.max(1, Math.floor(ms / 100)));
    }, 60_000);
  }
});

describe("evaluate and predict leave the model's modes as they found them", () => {
  /** A model in train mode with its BatchNorm frozen in eval mode (fine-tuning), and its modes. */
  function frozen(): { net: Sequential; modes: () => boolean[] } {
    manualSeed(10);
    const net = model();
    net.train();
    net.at(1)!.eval();
    return { net, modes: () => [...net.modules()].map((m) => m.training) };
  }
  const mixed = [true, true, false, true, true, true, true];

  it("after they return", async () => {
    const { net, modes } = frozen();
    expect(modes()).toEqual(mixed);
    await evaluate(net, [randn([10, 4]), randint([10], 0, 3)], { loss: "crossEntropy", batchSize: 4 });
    expect(modes()).toEqual(mixed);
    predict(net, randn([10, 4]), { batchSize: 4 });
    expect(modes()).toEqual(mixed);
    net.eval();
    await evaluate(net, [randn([10, 4]), randint([10], 0, 3)], { loss: "crossEntropy" });
    predict(net, randn([10, 4]));
    expect(modes()).toEqual([false, false, false, false, false, false, false]);
  });

  it("after they throw", async () => {
    const { net, modes } = frozen();
    // 5 input features for a Linear of 4: the first batch throws inside forward.
    await expect(evaluate(net, [randn([10, 5]), randint([10], 0, 3)], { loss: "crossEntropy" })).rejects.toThrow(ShapeError);
    expect(modes()).toEqual(mixed);
    expect(() => predict(net, randn([10, 5]))).toThrow(/Linear.*expected.*4.*got.*5/);
    expect(modes()).toEqual(mixed);
    // A loss that throws on the second batch.
    let calls = 0;
    const failing = (p: Tensor): Tensor => {
      if (++calls === 2) throw new Error("loss failed");
      return p.sum();
    };
    await expect(new Trainer(net, { loss: failing }).evaluate([randn([10, 4]), randint([10], 0, 3)], { batchSize: 4 })).rejects.toThrow("loss failed");
    expect(modes()).toEqual(mixed);
  });
});
