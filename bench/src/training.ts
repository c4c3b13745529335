/**
 * The training workloads' shared parts: the two models of shared/BASELINES.md, the epoch
 * loop with its time budget, and the steady-state samples/s that drops the first epoch.
 * @module
 */
import { median } from "./timing.js";
import type { EpochTiming, MnistArrays, TrainPlan, TrainResult, TrainSpec } from "./types.js";

/** MLP 784-256-128-10 (ReLU), batch 128, Adam lr 1e-3, softmax cross-entropy. */
export const mlpSpec: TrainSpec = { model: "mlp", batchSize: 128, lr: 1e-3 };

/**
 * CNN: conv 3x3 1->32, ReLU, maxpool 2, conv 3x3 32->64, ReLU, maxpool 2, flatten,
 * dense 1600->10; batch 64, Adam lr 1e-3, softmax cross-entropy.
 */
export const cnnSpec: TrainSpec = { model: "cnn", batchSize: 64, lr: 1e-3 };

/** One framework's training state, ready to run batch `index` of the data it was built from. */
export interface TrainSession {
  /** One optimizer step on batch `index` (images index*B .. (index+1)*B). */
  step(index: number): void;
  /** The last step's loss; also waits for queued work of frameworks that run asynchronously. */
  loss(): Promise<number>;
  dispose(): void;
}

/** Number of whole batches in the data (the partial last batch is dropped, for every contender). */
export function batchCount(spec: TrainSpec, data: MnistArrays): number {
  return Math.floor(data.count / spec.batchSize);
}

/**
 * Runs `plan.epochs` epochs (the first one warms up and is not counted). An epoch is every
 * whole batch of the data, cut short after `plan.maxBatches` batches or once it has run
 * `plan.budgetSeconds` (at least one batch), so slow peers finish in bounded time.
 */
export async function runEpochs(session: TrainSession, spec: TrainSpec, data: MnistArrays, plan: TrainPlan): Promise<TrainResult> {
  const batches = Math.min(batchCount(spec, data), plan.maxBatches);
  const epochs: EpochTiming[] = [];
  let batch = 0;
  for (let epoch = 0; epoch < plan.epochs; epoch++) {
    const t0 = performance.now();
    let done = 0;
    // Frameworks that queue work (jax-js) return from step() at once, so the clock only sees
    // their real pace when the queue drains: drain it after steps 1, 2, 4, 8, ... of each epoch,
    // which bounds a slow epoch near the budget while keeping a fast one's pipelining.
    let drainAt = 1;
    while (done < batches) {
      session.step(batch);
      batch = (batch + 1) % batches;
      done++;
      if (done === drainAt) {
        await session.loss();
        drainAt *= 2;
      }
      if ((performance.now() - t0) / 1000 > plan.budgetSeconds) break;
    }
    const loss = await session.loss();
    epochs.push({ samples: done * spec.batchSize, seconds: (performance.now() - t0) / 1000, loss });
  }
  return { epochs };
}

/** Median samples/s over the epochs after the first (all epochs when there is only one). */
export function samplesPerSecond(result: TrainResult): { value: number; seconds: number[] } {
  const steady = result.epochs.length > 1 ? result.epochs.slice(1) : result.epochs;
  return { value: median(steady.map((e) => e.samples / e.seconds)), seconds: steady.map((e) => e.seconds) };
}
