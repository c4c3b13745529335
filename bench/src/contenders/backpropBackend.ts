/**
 * backprop itself on one of its backends (native addon, WebAssembly, or the JS reference
 * backend in core), through the public API of the built packages, as a user would write it.
 * @module
 */
import { Generator, matmul, noGrad, randn, setBackend, tensor, tidy } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from "@backprop/layers";
import { crossEntropy } from "@backprop/losses";
import { adam } from "@backprop/optimizers";
import { measure } from "../timing.js";
import { npmStartMnist } from "./npmStart.js";
import { batchCount, runEpochs } from "../training.js";
import type { TrainSession } from "../training.js";
import type { Contender, MnistArrays, TrainSpec } from "../types.js";

/** The backends backprop ships, by registry name. */
export type BackpropBackend = "native" | "wasm" | "js";

async function registerBackendPackage(backend: BackpropBackend): Promise<void> {
  if (backend === "native") await import("@backprop/backend-native");
  else if (backend === "wasm") await (await import("@backprop/backend-wasm")).wasmReady;
}

function buildModel(spec: TrainSpec): Sequential {
  if (spec.model === "mlp") {
    return new Sequential([
      new Linear({ inFeatures: 784, outFeatures: 256 }),
      new ReLU(),
      new Linear({ inFeatures: 256, outFeatures: 128 }),
      new ReLU(),
      new Linear({ inFeatures: 128, outFeatures: 10 }),
    ]);
  }
  return new Sequential([
    new Conv2d({ inChannels: 1, outChannels: 32, kernelSize: 3 }),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Conv2d({ inChannels: 32, outChannels: 64, kernelSize: 3 }),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Flatten(),
    new Linear({ inFeatures: 1600, outFeatures: 10 }),
  ]);
}

function session(spec: TrainSpec, data: MnistArrays): TrainSession {
  const b = spec.batchSize;
  const shape = spec.model === "mlp" ? [b, 784] : [b, 1, 28, 28];
  // Batches are built before timing starts, as for every contender: the loop times training only.
  const xs: Tensor[] = [];
  const ys: Tensor[] = [];
  for (let i = 0; i < batchCount(spec, data); i++) {
    xs.push(tensor(data.images.subarray(i * b * 784, (i + 1) * b * 784), { shape }));
    ys.push(tensor(data.labels.subarray(i * b, (i + 1) * b), { dtype: "int32" }));
  }
  const model = buildModel(spec);
  const optimizer = adam(model.parameters(), { lr: spec.lr });
  let last = NaN;
  let lossTensor: Tensor | undefined;
  return {
    step(index) {
      lossTensor?.dispose();
      lossTensor = tidy(() => {
        const loss = crossEntropy(model.forward(xs[index]), ys[index]);
        loss.backward();
        return loss.detach();
      });
      tidy(() => { optimizer.step(); });
      optimizer.zeroGrad();
    },
    loss() {
      if (lossTensor !== undefined) last = lossTensor.item();
      return Promise.resolve(last);
    },
    dispose() {
      lossTensor?.dispose();
      for (const t of [...xs, ...ys, ...model.parameters()]) t.dispose();
    },
  };
}

/** backprop on `backend`; its name in tables is "backprop <backend>". */
export function backpropOn(backend: BackpropBackend): Contender {
  const use = (): void => { setBackend(backend); };
  return {
    name: `backprop ${backend}`,
    async load() {
      try {
        await registerBackendPackage(backend);
        use();
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
    matmul(n, timing) {
      use();
      const generator = new Generator(1);
      const a = randn([n, n], { generator });
      const b = randn([n, n], { generator });
      const result = noGrad(() => measure(() => { matmul(a, b).dispose(); }, timing));
      a.dispose();
      b.dispose();
      return Promise.resolve(result);
    },
    async train(spec, data, plan) {
      use();
      const s = session(spec, data);
      try {
        return await runEpochs(s, spec, data, plan);
      } finally {
        s.dispose();
      }
    },
    mnist(plan) {
      return npmStartMnist(backend, plan);
    },
  };
}
