/**
 * The safetensors codec (stub; being written).
 * @module
 */
export {};
