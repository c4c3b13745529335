/**
 * TensorFlow.js 4.22 (the @tensorflow/tfjs union package, for its gradients) on its pure-JavaScript cpu backend (@tensorflow/tfjs-backend-cpu) and its
 * WebAssembly SIMD backend (@tensorflow/tfjs-backend-wasm, .wasm files loaded from
 * node_modules: no network). Models are written with tfjs-core ops, variables and
 * `tf.train.adam`, as a tfjs-layers model would run them.
 * @module
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { measure } from "../timing.js";
import { batchCount, runEpochs } from "../training.js";
import type { TrainSession } from "../training.js";
import type { Contender, MnistArrays, TrainSpec } from "../types.js";

type Tf = typeof import("@tensorflow/tfjs-core");
type TfTensor = import("@tensorflow/tfjs-core").Tensor;
type TfVariable = import("@tensorflow/tfjs-core").Variable;
type Tensor4D = import("@tensorflow/tfjs-core").Tensor4D;

const require = createRequire(import.meta.url);
let tf: Tf | undefined;

/** tfjs-core, loaded once with require: its ESM entry points are not Node-loadable. */
function core(): Tf {
  if (tf === undefined) {
    tf = require("@tensorflow/tfjs-core") as Tf;
    // Gradients are registered by the union package, not by tfjs-core's CommonJS bundle;
    // it shares this tfjs-core (one copy in node_modules).
    require("@tensorflow/tfjs");
    // Production mode, as a user measuring speed would run it; it also silences the hint to
    // install tfjs-node (which cannot install here: its install script downloads libtensorflow).
    tf.enableProdMode();
  }
  return tf;
}

function session(t: Tf, spec: TrainSpec, data: MnistArrays): TrainSession {
  const b = spec.batchSize;
  const xs: TfTensor[] = [];
  const ys: TfTensor[] = [];
  for (let i = 0; i < batchCount(spec, data); i++) {
    const pixels = data.images.slice(i * b * 784, (i + 1) * b * 784);
    xs.push(spec.model === "mlp" ? t.tensor2d(pixels, [b, 784]) : t.tensor4d(pixels, [b, 28, 28, 1]));
    ys.push(t.tidy(() => t.cast(t.oneHot(t.tensor1d(data.labels.slice(i * b, (i + 1) * b), "int32"), 10), "float32")));
  }
  // He-uniform weights, zero biases; the initial values do not change the speed.
  const weight = (shape: number[], fanIn: number): TfVariable => t.variable(t.randomUniform(shape, -Math.sqrt(6 / fanIn), Math.sqrt(6 / fanIn), "float32", 1));
  const bias = (n: number): TfVariable => t.variable(t.zeros([n]));
  let forward: (x: TfTensor) => TfTensor;
  const vars: TfVariable[] = [];
  if (spec.model === "mlp") {
    const [w1, b1, w2, b2, w3, b3] = [weight([784, 256], 784), bias(256), weight([256, 128], 256), bias(128), weight([128, 10], 128), bias(10)];
    vars.push(w1, b1, w2, b2, w3, b3);
    const dense = (x: TfTensor, w: TfTensor, bias: TfTensor): TfTensor => t.add(t.matMul(x, w), bias);
    forward = (x) => dense(t.relu(dense(t.relu(dense(x, w1, b1)), w2, b2)), w3, b3);
  } else {
    const [k1, c1, k2, c2, w, bw] = [weight([3, 3, 1, 32], 9), bias(32), weight([3, 3, 32, 64], 288), bias(64), weight([1600, 10], 1600), bias(10)];
    vars.push(k1, c1, k2, c2, w, bw);
    // NHWC, TF.js's native layout for conv2d and maxPool.
    const block = (x: Tensor4D, k: TfTensor, c: TfTensor): Tensor4D => t.maxPool(t.relu(t.add(t.conv2d(x, k as Tensor4D, 1, "valid"), c)) as Tensor4D, 2, 2, "valid");
    forward = (x) => t.add(t.matMul(t.reshape(block(block(x as Tensor4D, k1, c1), k2, c2), [b, 1600]), w), bw);
  }
  const optimizer = t.train.adam(spec.lr);
  let last: TfTensor | null = null;
  return {
    step(index) {
      last?.dispose();
      last = optimizer.minimize(() => t.losses.softmaxCrossEntropy<TfTensor, import("@tensorflow/tfjs-core").Scalar>(ys[index], forward(xs[index])), true, vars);
    },
    async loss() {
      return last === null ? NaN : (await last.data())[0];
    },
    dispose() {
      last?.dispose();
      optimizer.dispose();
      for (const x of [...xs, ...ys, ...vars]) x.dispose();
    },
  };
}

/** TF.js on `backend` ("cpu" or "wasm"); its name in tables is "tfjs <backend>". */
export function tfjsOn(backend: "cpu" | "wasm"): Contender {
  const use = async (): Promise<Tf> => {
    const t = core();
    if (!(await t.setBackend(backend))) throw new Error(`tfjs: the ${backend} backend did not initialise`);
    return t;
  };
  return {
    name: `tfjs ${backend}`,
    async load() {
      try {
        core();
        if (backend === "cpu") {
          require("@tensorflow/tfjs-backend-cpu");
        } else {
          const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
          // The .wasm binaries ship in the package's dist folder; a file path keeps it offline.
          wasm.setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), "/"));
        }
        await use();
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
    async matmul(n, timing) {
      const t = await use();
      const a = t.randomNormal([n, n], 0, 1, "float32", 1);
      const b = t.randomNormal([n, n], 0, 1, "float32", 2);
      // Both backends compute eagerly inside matMul; dataSync makes that certain.
      const result = measure(() => { const c = t.matMul(a, b); c.dataSync(); c.dispose(); }, timing);
      a.dispose();
      b.dispose();
      return result;
    },
    async train(spec, data, plan) {
      const t = await use();
      const s = session(t, spec, data);
      try {
        return await runEpochs(s, spec, data, plan);
      } finally {
        s.dispose();
      }
    },
  };
}
