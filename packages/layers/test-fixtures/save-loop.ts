// The child of the SIGKILL test in src/io.test.ts: saves a wide and a narrow model over each
// other in a loop, printing "saved" after each, until the parent kills it (or 30 s pass, so a
// lost parent never leaves it running). The models are the test's `saveLoopModel(96, 2)` and
// `saveLoopModel(64, 1)`.
import { Generator } from "@backprop/core";
import { Linear, ReLU, Sequential, saveModel } from "@backprop/layers";

function model(hidden: number, seed: number): Sequential {
  const g = new Generator(seed);
  return new Sequential([new Linear({ inFeatures: 32, outFeatures: hidden, generator: g }), new ReLU(), new Linear({ inFeatures: hidden, outFeatures: 10, generator: g })]);
}

const dir = process.argv[2];
const models = [model(96, 2), model(64, 1)];
process.stdout.write("ready\n");
const start = Date.now();
for (let i = 0; Date.now() - start < 30_000; i++) {
  await saveModel(models[i % 2], dir);
  process.stdout.write("saved\n");
}
