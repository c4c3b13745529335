/**
 * @backprop/backend-native: the native CPU backend (N-API addon with SIMD GEMM and its own
 * thread pool). Importing this package registers it as backend "native" with priority 100,
 * so it is used whenever it loads; `BACKPROP_BACKEND=native` insists on it.
 * @packageDocumentation
 */
import { registerBackend } from "@backprop/core";
import { createNativeBackend } from "./nativeBackend.js";

export { createNativeBackend } from "./nativeBackend.js";

registerBackend("native", createNativeBackend, 100);
