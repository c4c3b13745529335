/**
 * mlp and cnn: steady-state training samples/s on 10,000 real MNIST images per epoch, the
 * first epoch dropped (shared/BASELINES.md).
 * @module
 */
import { mnistArrays } from "../mnist.js";
import { cnnSpec, mlpSpec, samplesPerSecond } from "../training.js";
import type { Row, TrainSpec, Workload } from "../types.js";

function trainingWorkload(name: string, description: string, spec: TrainSpec): Workload {
  return {
    name,
    description,
    async run(contenders, options) {
      const data = await mnistArrays(options.smoke ? spec.batchSize * 2 : 10_000);
      const plan = options.smoke
        ? { epochs: 1, maxBatches: 1, budgetSeconds: 60 }
        : { epochs: options.epochs, maxBatches: Number.MAX_SAFE_INTEGER, budgetSeconds: options.budgetSeconds };
      const rows: Row[] = [];
      for (const contender of contenders) {
        if (contender.train === undefined) continue;
        const row: Row = { workload: name, case: `batch ${spec.batchSize}`, contender: contender.name, value: NaN, unit: "samples/s", medianSeconds: NaN, seconds: [] };
        try {
          const result = await contender.train(spec, data, plan);
          const { value, seconds } = samplesPerSecond(result);
          row.value = value;
          row.seconds = seconds;
          row.medianSeconds = seconds.length === 0 ? NaN : seconds.reduce((a, b) => a + b) / seconds.length;
          row.epochs = result.epochs;
          const partial = result.epochs.slice(1).some((e) => e.samples < Math.floor(data.count / spec.batchSize) * spec.batchSize);
          if (partial) row.note = "epochs cut short by the time budget";
          const bad = result.epochs.find((e) => !Number.isFinite(e.loss));
          if (bad !== undefined) row.error = `loss is ${bad.loss}`;
        } catch (error) {
          row.error = error instanceof Error ? error.message.split("\n")[0] : String(error);
        }
        rows.push(row);
        options.progress?.(row);
      }
      return rows;
    },
  };
}

/** MLP 784-256-128-10 (ReLU), softmax cross-entropy, Adam lr 1e-3, batch 128. */
export const mlp = trainingWorkload("mlp", "MLP 784-256-128-10 ReLU, Adam 1e-3, batch 128, 10k MNIST/epoch; samples/s", mlpSpec);

/** CNN conv3x3 1->32, pool, conv3x3 32->64, pool, dense 1600->10; Adam 1e-3, batch 64. */
export const cnn = trainingWorkload("cnn", "CNN conv3x3 32, pool, conv3x3 64, pool, dense 10; Adam 1e-3, batch 64, 10k MNIST/epoch; samples/s", cnnSpec);
