// A training run for the kill-and-resume test: `full` trains uninterrupted, `crash` trains with
// a checkpoint each epoch (the parent kills it with SIGKILL), `resume` continues from the
// checkpoint. Each prints the final weights as JSON on its last line.
import { Generator, manualSeed, randint, randn } from "@backprop/core";
import { Dropout, Linear, ReLU, Sequential } from "@backprop/layers";
import { adam } from "@backprop/optimizers";
import { LambdaCallback } from "@backprop/callbacks";
import { Trainer } from "@backprop/train";

const [mode, dir, epochsArg] = process.argv.slice(2);
const epochs = Number(epochsArg);
const g = new Generator(11);
const x = randn([256, 4], { generator: g });
const y = randint([256], 0, 3, { generator: g });
manualSeed(7);
const model = new Sequential([new Linear({ inFeatures: 4, outFeatures: 32 }), new ReLU(), new Dropout({ p: 0.2 }), new Linear({ inFeatures: 32, outFeatures: 3 })]);
const optimizer = adam(model.parameters(), { lr: 0.01 });
const trainer = new Trainer(model, { loss: "crossEntropy", optimizer });
// In crash mode, epoch 3's checkpoint carries a large extra payload, so that its write takes long
// enough for the parent's SIGKILL to land in the middle of it.
const payload = "x".repeat(64 * 1024 * 1024);
const checkpoint = new LambdaCallback({
  onEpochEnd: async (epoch) => {
    process.stdout.write(`saving ${epoch}\n`);
    if (mode !== "full") await trainer.saveCheckpoint(dir, mode === "crash" && epoch === 3 ? payload : undefined);
  },
});
const callbacks = [checkpoint];
await trainer.fit([x, y], { epochs, batchSize: 16, seed: 3, progress: false, callbacks, resumeFrom: mode === "resume" ? dir : undefined });
const weights = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.data())]));
process.stdout.write(JSON.stringify(weights) + "\n");
