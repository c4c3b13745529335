// The kernels of @backprop/backend-wasm. Compiled by scripts/build-wasm.mjs with the stub
// runtime: kernels never allocate; every buffer is handed in by the JS-side allocator.
export { sgemm } from "./gemm";
export { unaryF32, binaryF32, whereF32, castU8F32, copyStrided, sumF32, softmaxRowsF32 } from "./strided";
export { im2colF32, col2imF32, maxPoolF32, maxPoolBackwardF32 } from "./conv";

/** First byte past the module's static data: the JS allocator starts above it. */
export function heapBase(): usize {
  return __heap_base;
}
