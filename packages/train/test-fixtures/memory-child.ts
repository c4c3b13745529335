// Trains a small MLP for 3,200 steps and prints the resident set size every 250 steps, one
// number per line, for the memory test (a fresh process, so the test runner's own allocations
// do not blur the measurement).
import { manualSeed, randint, randn } from "@backprop/core";
import { Linear, ReLU, Sequential } from "@backprop/layers";
import { adam } from "@backprop/optimizers";
import { LambdaCallback } from "@backprop/callbacks";
import { fit } from "@backprop/train";

manualSeed(1);
const model = new Sequential([new Linear({ inFeatures: 32, outFeatures: 64 }), new ReLU(), new Linear({ inFeatures: 64, outFeatures: 10 })]);
const x = randn([1024, 32]);
const y = randint([1024], 0, 10);
let step = 0;
const sampler = new LambdaCallback({
  onBatchEnd: () => {
    step++;
    if (step % 250 === 0) process.stdout.write(`${process.memoryUsage().rss}\n`);
  },
});
// 32 batches per epoch: 100 epochs = 3,200 steps
await fit(model, [x, y], { loss: "crossEntropy", optimizer: adam(model.parameters()), epochs: 100, batchSize: 32, progress: false, callbacks: [sampler] });
