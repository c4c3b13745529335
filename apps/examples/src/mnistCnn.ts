/**
 * A small CNN on MNIST: conv 3x3 1->32, ReLU, max-pool 2, conv 3x3 32->64, ReLU, max-pool 2,
 * flatten, dense 1600->10 (the benchmark CNN), trained for one epoch on 12,000 images.
 */
import { manualSeed } from "@backprop/core";
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from "@backprop/layers";
import { adam } from "@backprop/optimizers";
import { loadMnist } from "@backprop/data";
import { fit, evaluate } from "@backprop/train";
import { useFastestBackend } from "./fastestBackend.js";

console.log(`backprop MNIST CNN on the ${await useFastestBackend()}`);
manualSeed(0);
const [xAll, yAll] = await loadMnist({ split: "train" });
const [xTest, yTest] = await loadMnist({ split: "test" });
const n = 12_000;
const x = xAll.slice([[0, n]]).reshape([n, 1, 28, 28]);
const y = yAll.slice([[0, n]]);
const model = new Sequential([
  new Conv2d({ inChannels: 1, outChannels: 32, kernelSize: 3 }),
  new ReLU(),
  new MaxPool2d({ kernelSize: 2 }),
  new Conv2d({ inChannels: 32, outChannels: 64, kernelSize: 3 }),
  new ReLU(),
  new MaxPool2d({ kernelSize: 2 }),
  new Flatten(),
  new Linear({ inFeatures: 1600, outFeatures: 10 }),
]);
console.log(model.summary([1, 1, 28, 28]));
await fit(model, [x, y], { loss: "crossEntropy", optimizer: adam(model.parameters(), { lr: 1e-3 }), metrics: ["accuracy"], epochs: 1, batchSize: 64, seed: 0 });
const test = await evaluate(model, [xTest.reshape([10_000, 1, 28, 28]), yTest], { loss: "crossEntropy", metrics: ["accuracy"], batchSize: 500 });
console.log(`test accuracy: ${(test.accuracy * 100).toFixed(2)}%`);
