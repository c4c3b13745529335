// A PyTorch-style training loop as users write it: zeroGrad, forward, loss, backward, step, with
// no tidy, no `using` and no dispose, in one synchronous loop (so no finalizer ever runs). Prints
// one line per sample: step, resident set size, and the backend's own memory in bytes (the wasm
// heap; 0 elsewhere). Arguments: backend (js, wasm, native), steps, sample interval, mode (plain;
// tidy, the same loop inside tidy for comparison; readme, the README's first example as a loop,
// which makes new leaf tensors every step).
import { getBackend, manualSeed, noGrad, randint, randn, setBackend, tensor, tidy } from "@backprop/core";
import { Linear, ReLU, Sequential } from "@backprop/layers";
import { adam } from "@backprop/optimizers";
import { crossEntropy } from "@backprop/losses";

const [backend = "js", stepsArg = "4000", everyArg = "500", mode = "plain"] = process.argv.slice(2);
let heapBytes = (): number => 0;
if (backend === "native") await import("@backprop/backend-native");
if (backend === "wasm") {
  const { wasmBackendInfo } = await import("@backprop/backend-wasm");
  heapBytes = () => wasmBackendInfo(getBackend("wasm")).heapBytes;
}
setBackend(backend);
manualSeed(1);
const model = new Sequential([new Linear({ inFeatures: 64, outFeatures: 128 }), new ReLU(), new Linear({ inFeatures: 128, outFeatures: 10 })]);
const optimizer = adam(model.parameters());
const x = randn([64, 64]);
const y = randint([64], 0, 10);
const steps = Number(stepsArg);
const every = Number(everyArg);
const start = performance.now();
let lastLoss = 0;
let w = tensor([[0.5]], { requiresGrad: true });
let b = tensor([0], { requiresGrad: true });
const readme = (): number => {
  const loss = tensor([[0], [1], [2], [3]]).matmul(w).add(b).sub(tensor([[-1], [1], [3], [5]])).square().mean();
  loss.backward();
  w = noGrad(() => w.sub(w.grad!.mul(0.05))).requiresGrad_();
  b = noGrad(() => b.sub(b.grad!.mul(0.05))).requiresGrad_();
  return loss.item();
};
for (let step = 1; step <= steps; step++) {
  const body = (): number => {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  lastLoss = mode === "tidy" ? tidy(body) : mode === "readme" ? readme() : body();
  if (step % every === 0) process.stdout.write(`${step} ${process.memoryUsage().rss} ${heapBytes()}\n`);
}
const cpu = process.cpuUsage();
process.stdout.write(`done ${Math.round(performance.now() - start)} ${lastLoss} ${Math.round((cpu.user + cpu.system) / 1000)}\n`);
