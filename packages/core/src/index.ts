/**
 * @backprop/core: tensors, reverse-mode autograd, backends and the plugin registry.
 * @module index
 */
import { registerBackend } from "./backend/backend.js";
import { createJsBackend } from "./backend/js/index.js";

export * from "./errors.js";
export * from "./dtype.js";
export * from "./shape.js";
export * from "./validate.js";
export * from "./registry.js";
export * from "./initializer.js";
export * from "./backend/kernels.js";
export * from "./backend/storage.js";
export * from "./backend/backend.js";
export * from "./backend/checkedBackend.js";
export { createJsBackend } from "./backend/js/index.js";
export * from "./tensor.js";
export * from "./scope.js";
export * from "./autograd.js";
export * from "./defineOp.js";
export * from "./creation.js";
export * from "./random.js";
export * from "./randomTensors.js";
export * from "./gradCheck.js";
export * from "./format.js";
export * from "./safetensors.js";
export * from "./ops/elementwise.js";
export * from "./ops/reduce.js";
export * from "./ops/movement.js";
export * from "./ops/matmul.js";
export * from "./ops/nn.js";

registerBackend("js", createJsBackend, 0);
