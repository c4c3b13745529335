// The kernels of @backprop/backend-wasm. Compiled by scripts/build-wasm.mjs with the stub
// runtime: kernels never allocate; every buffer is handed in by the JS-side allocator.
export { sgemm } from "./gemm";
export { unaryF32, binaryF32, whereF32, castU8F32, copyStrided, reduceF32, argF32, indexF32, softmaxRowsF32 } from "./strided";
export { im2colF32, col2imF32, maxPoolF32, maxPoolBackwardF32, avgPoolF32, avgPoolBackwardF32 } from "./conv";
export { adamF32, sgdF32 } from "./optim";

/** First byte past the module's static data: the JS allocator starts above it. */
export function heapBase(): usize {
  return __heap_base;
}
