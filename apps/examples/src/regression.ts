/**
 * Linear regression on synthetic data: y = x w + b + noise; fit recovers w and b.
 */
import { manualSeed } from "@backprop/core";
import { Linear } from "@backprop/layers";
import { sgd } from "@backprop/optimizers";
import { linearRegression } from "@backprop/data";
import { fit } from "@backprop/train";

manualSeed(0);
const [x, y] = linearRegression({ samples: 1000, weights: [2, -3.4, 0.5], bias: 4.2, noise: 0.1, seed: 0 });
const model = new Linear({ inFeatures: 3, outFeatures: 1 });
const history = await fit(model, [x, y], { loss: "mse", optimizer: sgd(model.parameters(), { lr: 0.05 }), epochs: 30, batchSize: 32, seed: 0, progress: false });
console.log(`final mse: ${history.last("loss")!.toFixed(4)} (noise variance 0.01; true w = [2, -3.4, 0.5], b = 4.2)`);
console.log(`learned weights: ${model.weight.toString()}`);
console.log(`learned bias:    ${model.bias!.toString()}`);
