/**
 * @backprop/backend-wasm: the WebAssembly backend (AssemblyScript SIMD128 kernels over one
 * wasm memory), for Node without the native addon and for browsers. Importing this package
 * registers it as backend "wasm" with priority 50 (above js, below native);
 * `BACKPROP_BACKEND=wasm` insists on it.
 * @packageDocumentation
 */
import { registerBackend } from "@backprop/core";
import { createWasmBackend } from "./wasmBackend.js";
import { compileKernels } from "./wasmHeap.js";

export { createWasmBackend, delegatedKernels, wasmBackendInfo } from "./wasmBackend.js";
export type { WasmBackendInfo } from "./wasmBackend.js";
export { WasmStorage } from "./wasmHeap.js";

/**
 * Resolves once the kernels are compiled. Node compiles on first use without it; a browser
 * page awaits it before its first tensor op, because browsers may refuse to compile a large
 * module synchronously on the main thread.
 * @example
 * ```ts
 * import { wasmReady } from "@backprop/backend-wasm";
 * await wasmReady;
 * ```
 * @category Backends
 */
export const wasmReady: Promise<void> = compileKernels();

registerBackend("wasm", createWasmBackend, 50);
