/**
 * The browser bundle of backprop (dist/backprop.js): every package that runs in a page, one
 * namespace each, so that the whole public surface is bundled and checked for Node built-ins,
 * not only what the playground page happens to use.
 * @example
 * ```ts
 * import { core, backendWasm } from "./backprop.js";
 * await backendWasm.wasmReady;
 * core.setBackend("wasm");
 * ```
 * @module
 */
export * as core from "@backprop/core";
export * as layers from "@backprop/layers";
export * as losses from "@backprop/losses";
export * as optimizers from "@backprop/optimizers";
export * as callbacks from "@backprop/callbacks";
export * as data from "@backprop/data";
export * as train from "@backprop/train";
export * as backendWasm from "@backprop/backend-wasm";
