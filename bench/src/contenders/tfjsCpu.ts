/**
 * TensorFlow.js 4.22 with its pure-JavaScript cpu backend (@tensorflow/tfjs-backend-cpu).
 * @module
 */
import { createRequire } from "node:module";
import { measure } from "../timing.js";
import type { Contender } from "../types.js";

type Tf = typeof import("@tensorflow/tfjs-core");

const require = createRequire(import.meta.url);
let tf: Tf | undefined;

/** TF.js on the cpu backend. */
export const tfjsCpu: Contender = {
  name: "tfjs cpu",
  async load() {
    // CommonJS builds, loaded with require: their ESM entry points are not Node-loadable.
    const core = require("@tensorflow/tfjs-core") as Tf;
    require("@tensorflow/tfjs-backend-cpu");
    // Production mode, as a user measuring speed would run it; it also silences the hint to
    // install tfjs-node (which cannot install here: its install script downloads libtensorflow).
    core.enableProdMode();
    if (!(await core.setBackend("cpu"))) return "the cpu backend did not initialise";
    tf = core;
    return undefined;
  },
  matmul(n, timing) {
    const t = tf!;
    const a = t.randomNormal([n, n], 0, 1, "float32", 1);
    const b = t.randomNormal([n, n], 0, 1, "float32", 2);
    // The cpu backend computes eagerly inside matMul, so timing the call times the product.
    const result = measure(() => { t.matMul(a, b).dispose(); }, timing);
    a.dispose();
    b.dispose();
    return Promise.resolve(result);
  },
};
