/**
 * @backprop/train: fit, evaluate and predict, metrics, and resumable checkpoints.
 * @packageDocumentation
 */
import { register } from "@backprop/core";
import type { MetricClass } from "./metrics.js";
import {
  Accuracy,
  BinaryAccuracy,
  ConfusionMatrix,
  F1,
  MeanAbsoluteError,
  MeanSquaredError,
  Precision,
  Recall,
  TopKAccuracy,
} from "./metrics.js";

export * from "./metrics.js";
export * from "./checkpoint.js";
export * from "./Trainer.js";

const metrics: [string, unknown][] = [
  ["accuracy", Accuracy],
  ["binaryAccuracy", BinaryAccuracy],
  ["topKAccuracy", TopKAccuracy],
  ["precision", Precision],
  ["recall", Recall],
  ["f1", F1],
  ["mae", MeanAbsoluteError],
  ["mse", MeanSquaredError],
  ["confusionMatrix", ConfusionMatrix],
];
for (const [name, cls] of metrics) register("metric", name, cls as MetricClass);
