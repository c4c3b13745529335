/**
 * @backprop/backend-native: the native CPU backend (N-API addon with SIMD GEMM and its own
 * thread pool). Importing this package registers it as backend "native" with priority 100,
 * so it is used whenever it loads; `BACKPROP_BACKEND=native` insists on it. Where no binary
 * loads (no prebuild for the platform and no compiler at install), importing still works: core
 * warns once with the reason and uses the next backend, and {@link nativeBackendInfo} says why.
 * @packageDocumentation
 */
import { registerBackend } from "@backprop/core";
import { createNativeBackend } from "./nativeBackend.js";

export { createNativeBackend, nativeBackendInfo } from "./nativeBackend.js";
export type { NativeBackendInfo } from "./nativeBackend.js";

registerBackend("native", createNativeBackend, 100);
