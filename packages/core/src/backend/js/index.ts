/**
 * The JS reference backend: every kernel in plain TypeScript. It is the correctness oracle
 * the other backends are tested against, and it runs everywhere.
 * @module
 */
import type { Backend } from "../backend.js";
import { checkedBackend } from "../checkedBackend.js";
import type { DType } from "../../dtype.js";
import { ArrayStorage } from "../storage.js";
import type { Storage } from "../storage.js";
import { binaryKernels, unaryKernels, where } from "./elementwise.js";
import { cast, copy, fill } from "./memory.js";
import { reduceKernels, argReduceKernels } from "./reduce.js";
import { gather, scatterAdd } from "./indexing.js";
import { matmul } from "./matmul.js";
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from "./conv.js";
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from "./pool.js";
import { logSoftmax, softmax } from "./softmax.js";
import { jsPool } from "./util.js";

/**
 * Creates the JS reference backend.
 * @example
 * ```ts
 * import { createJsBackend } from "@backprop/core";
 * const js = createJsBackend();
 * js.name; // "js"
 * ```
 * @category Backends
 */
export function createJsBackend(): Backend {
  return checkedBackend({
    name: "js",
    alloc: (dtype: DType, length: number): Storage => new ArrayStorage(jsPool.take(dtype, length), dtype, jsPool),
    numThreads: () => 1,
    setNumThreads: () => undefined,
    ...unaryKernels,
    ...binaryKernels,
    ...reduceKernels,
    ...argReduceKernels,
    where,
    cast,
    copy,
    fill,
    matmul,
    conv2d,
    conv2dBackwardInput,
    conv2dBackwardWeight,
    maxPool2d,
    maxPool2dBackward,
    avgPool2d,
    avgPool2dBackward,
    softmax,
    logSoftmax,
    gather,
    scatterAdd,
  });
}
