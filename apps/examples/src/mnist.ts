/**
 * The main job (`npm start`): an MLP (784-256-128-10, ReLU) trained with Adam on the full
 * MNIST (60,000 training and 10,000 test digits) until test accuracy reaches 98%.
 */
import { manualSeed } from "@backprop/core";
import { Linear, ReLU, Sequential } from "@backprop/layers";
import { adam } from "@backprop/optimizers";
import { loadMnist } from "@backprop/data";
import { fit } from "@backprop/train";
import { LambdaCallback, ThroughputLogger } from "@backprop/callbacks";
import { useFastestBackend } from "./fastestBackend.js";

const target = 0.98;
const maxEpochs = 20;

const backend = await useFastestBackend();
console.log(`backprop MNIST MLP on the ${backend}`);
manualSeed(0);
const [xTrain, yTrain] = await loadMnist({ split: "train", flatten: true });
const [xTest, yTest] = await loadMnist({ split: "test", flatten: true });
console.log(`data: ${xTrain.shape[0]} training and ${xTest.shape[0]} test images`);

const model = new Sequential([
  new Linear({ inFeatures: 784, outFeatures: 256 }),
  new ReLU(),
  new Linear({ inFeatures: 256, outFeatures: 128 }),
  new ReLU(),
  new Linear({ inFeatures: 128, outFeatures: 10 }),
]);

const start = performance.now();
let reachedAt: number | null = null;
const speed = new ThroughputLogger();
const stopAtTarget = new LambdaCallback({
  onEpochEnd: (_epoch, logs, ctx) => {
    if (reachedAt === null && logs.val_accuracy >= target) {
      reachedAt = (performance.now() - start) / 1000;
      ctx.stop(`reached ${(target * 100).toFixed(0)}% test accuracy`);
    }
  },
});

const history = await fit(model, [xTrain, yTrain], {
  loss: "crossEntropy",
  optimizer: adam(model.parameters(), { lr: 1e-3 }),
  metrics: ["accuracy"],
  epochs: maxEpochs,
  batchSize: 128,
  validationData: [xTest, yTest],
  seed: 0,
  callbacks: [speed, stopAtTarget],
});

const wall = (performance.now() - start) / 1000;
const accuracy = history.last("val_accuracy") ?? NaN;
const steady = speed.perEpoch.length > 1 ? speed.perEpoch.slice(1) : speed.perEpoch;
const samplesPerSecond = steady.reduce((a, b) => a + b, 0) / steady.length;
console.log("");
console.log(`test accuracy:   ${(accuracy * 100).toFixed(2)}%`);
console.log(`epochs:          ${history.epochs.length}`);
console.log(`wall time:       ${wall.toFixed(1)} s${reachedAt === null ? "" : ` (98% reached after ${(reachedAt as number).toFixed(1)} s)`}`);
console.log(`samples/second:  ${samplesPerSecond.toFixed(0)} (training, first epoch dropped)`);
console.log(`peak RSS:        ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
if (!(accuracy >= target)) {
  console.error(`test accuracy ${(accuracy * 100).toFixed(2)}% is below the ${target * 100}% target`);
  process.exitCode = 1;
}
