/**
 * @backprop/callbacks: hooks into the training loop, and the stock callbacks, each registered
 * by name (registry kind "callback").
 * @packageDocumentation
 */
import { register } from "@backprop/core";
import type { CallbackClass } from "./Callback.js";
import { History } from "./History.js";
import { ProgressBar } from "./ProgressBar.js";
import {
  CSVLogger,
  EarlyStopping,
  JsonlLogger,
  LambdaCallback,
  LearningRateScheduler,
  ModelCheckpoint,
  ReduceLROnPlateau,
  TerminateOnNaN,
  ThroughputLogger,
} from "./stock.js";

export * from "./Callback.js";
export * from "./monitor.js";
export * from "./History.js";
export * from "./ProgressBar.js";
export * from "./stock.js";

const stock: [string, unknown][] = [
  ["history", History],
  ["progressBar", ProgressBar],
  ["earlyStopping", EarlyStopping],
  ["modelCheckpoint", ModelCheckpoint],
  ["learningRateScheduler", LearningRateScheduler],
  ["reduceLROnPlateau", ReduceLROnPlateau],
  ["csvLogger", CSVLogger],
  ["jsonlLogger", JsonlLogger],
  ["terminateOnNaN", TerminateOnNaN],
  ["lambda", LambdaCallback],
  ["throughputLogger", ThroughputLogger],
];
for (const [name, cls] of stock) register("callback", name, cls as CallbackClass);
