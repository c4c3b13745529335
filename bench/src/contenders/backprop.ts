/**
 * backprop itself, on the backend named by `BACKPROP_BACKEND` (default: the JS reference backend),
 * through the public API of the built @backprop/core.
 * @module
 */
import { Generator, matmul, noGrad, randn, setBackend } from "@backprop/core";
import { measure } from "../timing.js";
import type { Contender } from "../types.js";

const backendName = process.env.BACKPROP_BACKEND ?? "js";

/** backprop on one backend. */
export const backprop: Contender = {
  name: `backprop ${backendName}`,
  load() {
    setBackend(backendName);
    return Promise.resolve(undefined);
  },
  matmul(n, timing) {
    const generator = new Generator(1);
    const a = randn([n, n], { generator });
    const b = randn([n, n], { generator });
    const result = noGrad(() => measure(() => { matmul(a, b).dispose(); }, timing));
    a.dispose();
    b.dispose();
    return Promise.resolve(result);
  },
};
