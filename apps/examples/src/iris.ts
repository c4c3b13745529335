/**
 * Iris classification: 4 measurements -> 3 species, a small MLP, standardized inputs,
 * 80/20 split.
 */
import { Generator, manualSeed, permutation } from "@backprop/core";
import { Linear, ReLU, Sequential } from "@backprop/layers";
import { adam } from "@backprop/optimizers";
import { loadIris, standardize } from "@backprop/data";
import { fit, evaluate } from "@backprop/train";

manualSeed(0);
const [xRaw, y] = loadIris();
const order = permutation(xRaw.shape[0], { generator: new Generator(0) });
const x = xRaw.indexSelect(0, order);
const labels = y.indexSelect(0, order);
const cut = 120;
const scaler = standardize(x.slice([[0, cut]]));
const xTrain = scaler.apply(x.slice([[0, cut]]));
const xTest = scaler.apply(x.slice([[cut, null]]));
const model = new Sequential([new Linear({ inFeatures: 4, outFeatures: 16 }), new ReLU(), new Linear({ inFeatures: 16, outFeatures: 3 })]);
await fit(model, [xTrain, labels.slice([[0, cut]])], { loss: "crossEntropy", optimizer: adam(model.parameters(), { lr: 0.01 }), metrics: ["accuracy"], epochs: 100, batchSize: 16, seed: 0, progress: false });
const test = await evaluate(model, [xTest, labels.slice([[cut, null]])], { loss: "crossEntropy", metrics: ["accuracy"] });
console.log(`Iris test accuracy: ${(test.accuracy * 100).toFixed(1)}% on ${150 - cut} flowers`);
