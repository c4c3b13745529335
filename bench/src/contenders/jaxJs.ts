/**
 * jax-js 0.1.25 on its WebAssembly device (`init("wasm")`, single-threaded in Node 20). The
 * whole training step (forward, gradient, Adam) is one `jit`-compiled function, as jax-js's own
 * MNIST demo runs it. jax-js counts references: a function consumes its array arguments, so an
 * array used again later is passed as `x.ref`.
 * @module
 */
import { measure } from "../timing.js";
import { batchCount, runEpochs } from "../training.js";
import type { TrainSession } from "../training.js";
import type { Contender, MnistArrays, TrainSpec } from "../types.js";

type Jax = typeof import("@jax-js/jax");
type JArray = import("@jax-js/jax").numpy.Array;

let jax: Jax | undefined;

const beta1 = 0.9;
const beta2 = 0.999;
const eps = 1e-8;

/** He-uniform weights from a fixed seed, made in JS; the initial values do not change the speed. */
function heUniform(size: number, fanIn: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  const limit = Math.sqrt(6 / fanIn);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 * 2 - 1) * limit;
  }
  return out;
}

function session(j: Jax, spec: TrainSpec, data: MnistArrays): TrainSession {
  const { numpy: np, nn, lax } = j;
  const b = spec.batchSize;
  const xs: JArray[] = [];
  const ys: JArray[] = [];
  for (let i = 0; i < batchCount(spec, data); i++) {
    const pixels = data.images.slice(i * b * 784, (i + 1) * b * 784);
    xs.push(np.array(pixels).reshape(spec.model === "mlp" ? [b, 784] : [b, 1, 28, 28]));
    const onehot = new Float32Array(b * 10);
    for (let k = 0; k < b; k++) onehot[k * 10 + data.labels[i * b + k]] = 1;
    ys.push(np.array(onehot).reshape([b, 10]));
  }
  const shapes: [number[], number][] = spec.model === "mlp"
    ? [[[784, 256], 784], [[256], 0], [[256, 128], 256], [[128], 0], [[128, 10], 128], [[10], 0]]
    : [[[32, 1, 3, 3], 9], [[32], 0], [[64, 32, 3, 3], 288], [[64], 0], [[1600, 10], 1600], [[10], 0]];
  const make = (shape: number[], fanIn: number, seed: number): JArray => {
    const size = shape.reduce((p, q) => p * q, 1);
    return np.array(fanIn === 0 ? new Float32Array(size) : heUniform(size, fanIn, seed)).reshape(shape);
  };
  let params = shapes.map(([shape, fanIn], i) => make(shape, fanIn, i + 1));
  let ms = shapes.map(([shape]) => make(shape, 0, 0));
  let vs = shapes.map(([shape]) => make(shape, 0, 0));

  const maxPool2 = (x: JArray): JArray => lax.reduceWindow(x, (w: JArray) => np.max(w), [2, 2], [2, 2]);
  const forward = (p: JArray[], x: JArray): JArray => {
    if (spec.model === "mlp") {
      const h1 = nn.relu(np.matmul(x, p[0]).add(p[1]));
      const h2 = nn.relu(np.matmul(h1, p[2]).add(p[3]));
      return np.matmul(h2, p[4]).add(p[5]);
    }
    const h1 = maxPool2(nn.relu(lax.conv(x, p[0], [1, 1], "VALID").add(p[1].reshape([32, 1, 1]))));
    const h2 = maxPool2(nn.relu(lax.conv(h1, p[2], [1, 1], "VALID").add(p[3].reshape([64, 1, 1]))));
    return np.matmul(h2.reshape([b, 1600]), p[4]).add(p[5]);
  };
  // Softmax cross-entropy, mean over the batch: -mean(sum(onehot * logSoftmax(logits))).
  const lossOf = (p: JArray[], x: JArray, y: JArray): JArray => np.mean(np.sum(y.mul(nn.logSoftmax(forward(p, x), -1)), -1)).mul(-1);
  // lrT = lr * sqrt(1 - beta2^t) / (1 - beta1^t) is passed in, so that one trace serves every step.
  const step = j.jit((p: JArray[], m: JArray[], v: JArray[], lrT: JArray, x: JArray, y: JArray) => {
    const [loss, grads] = j.valueAndGrad(lossOf)(p.map((pi) => pi.ref), x, y);
    const m2 = m.map((mi, i) => mi.mul(beta1).add(grads[i].ref.mul(1 - beta1)));
    const v2 = v.map((vi, i) => vi.mul(beta2).add(np.square(grads[i]).mul(1 - beta2)));
    const p2 = p.map((pi, i) => pi.sub(m2[i].ref.mul(lrT.ref).div(np.sqrt(v2[i].ref).add(eps))));
    lrT.dispose();
    return [loss, p2, m2, v2] as [JArray, JArray[], JArray[], JArray[]];
  });
  let t = 0;
  let last: JArray | null = null;
  return {
    step(index) {
      t++;
      const lrT = np.array(new Float32Array([spec.lr * Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)])).reshape([]);
      last?.dispose();
      [last, params, ms, vs] = step(params, ms, vs, lrT, xs[index].ref, ys[index].ref);
    },
    async loss() {
      if (last === null) return NaN;
      const values = (await last.ref.data()) as Float32Array;
      return values[0];
    },
    dispose() {
      last?.dispose();
      for (const a of [...params, ...ms, ...vs, ...xs, ...ys]) a.dispose();
      step.dispose();
    },
  };
}

/** jax-js on its wasm device, jit-compiled. */
export const jaxJs: Contender = {
  name: "jax-js wasm",
  async load() {
    try {
      const j = await import("@jax-js/jax");
      const devices = await j.init("wasm");
      if (!devices.includes("wasm")) return `init("wasm") gave devices [${devices.join(", ")}]`;
      j.defaultDevice("wasm");
      jax = j;
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  },
  matmul(n, timing) {
    const j = jax!;
    const np = j.numpy;
    const a = np.array(heUniform(n * n, 3, 1)).reshape([n, n]);
    const b = np.array(heUniform(n * n, 3, 2)).reshape([n, n]);
    const mm = j.jit((x: JArray, y: JArray) => np.matmul(x, y));
    // dataSync waits for the product (and frees it).
    const result = measure(() => { mm(a.ref, b.ref).dataSync(); }, timing);
    a.dispose();
    b.dispose();
    mm.dispose();
    return Promise.resolve(result);
  },
  async train(spec, data, plan) {
    const s = session(jax!, spec, data);
    try {
      return await runEpochs(s, spec, data, plan);
    } finally {
      s.dispose();
    }
  },
};
