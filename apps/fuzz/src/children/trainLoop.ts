// Child process of memory.test.ts: a PyTorch-style training loop (zeroGrad, forward, loss,
// backward, step) with no tidy, using or dispose, on one backend in a fresh process. Prints one
// JSON line per sample: { step, rssMb, ms } (ms: wall time since the loop started).
// Usage: node --import tsx trainLoop.ts <backend> <steps> <sampleEvery> [plain|tidy]
import { randint, randn, manualSeed, setBackend, tidy } from "@backprop/core";
import "@backprop/backend-native";
import "@backprop/backend-wasm";
import { Linear, ReLU, Sequential } from "@backprop/layers";
import { crossEntropy } from "@backprop/losses";
import { adam } from "@backprop/optimizers";

const [backend = "js", stepsArg = "3000", everyArg = "250", mode = "plain"] = process.argv.slice(2);
const steps = Number(stepsArg);
const every = Number(everyArg);
setBackend(backend);
manualSeed(0);
// The loop: a 64-128-10 MLP, Adam, crossEntropy, batch 64.
const model = new Sequential([new Linear({ inFeatures: 64, outFeatures: 128 }), new ReLU(), new Linear({ inFeatures: 128, outFeatures: 10 })]);
const optimizer = adam(model.parameters(), { lr: 1e-3 });
const x = randn([64, 64]);
const y = randint([64], 0, 10);

function step(): void {
  optimizer.zeroGrad();
  const loss = crossEntropy(model.forward(x), y);
  loss.backward();
  optimizer.step();
}

const start = performance.now();
for (let i = 1; i <= steps; i++) {
  if (mode === "tidy") tidy(step);
  else step();
  if (i % every === 0) {
    const rssMb = process.memoryUsage.rss() / 2 ** 20;
    process.stdout.write(`${JSON.stringify({ step: i, rssMb, ms: performance.now() - start })}\n`);
  }
}
