/**
 * saveModel and loadModel: a model directory on disk (Node only; the browser-safe encoding is
 * in serialize.ts).
 * @module
 */

import type { AnyModule, Module } from "./Module.js";
import { decodeModel, encodeModel } from "./serialize.js";

// The file helper (node:fs) is loaded on first use, so that the package still bundles for
// browsers (where encodeModel/decodeModel work in memory and these two functions are unavailable).
type NodeFiles = typeof import("@backprop/core/node");
let files: Promise<NodeFiles> | null = null;
function nodeFiles(): Promise<NodeFiles> {
  files ??= import("@backprop/core/node");
  return files;
}

const modelFiles = ["model.json", "weights.safetensors"] as const;

/**
 * Saves a model to a directory: `model.json` (format version, registry names, configs) and
 * `weights.safetensors` (readable by other frameworks' safetensors loaders). Everything is
 * encoded and checked in memory first, then the folder is written whole beside `dir` under a
 * unique temporary name, flushed to disk and swapped in, so a crash at any instant leaves the
 * old model or the new one (see `writeFolderDurably` in `@backprop/core/node`); concurrent
 * saves to one folder end with one of them, whole. `dir` is replaced whole: it must be a new
 * path or a folder saveModel wrote.
 * @throws {RegistryError} when a layer class is not registered (nothing is written).
 * @throws {FormatError} naming the path when the disk refuses (`cannot write /m/weights.safetensors; ENOSPC: ...`); the old model stays.
 * @throws {ValueError} when `dir` holds files saveModel did not write.
 * @example
 * ```ts
 * import { Linear, saveModel, loadModel } from "@backprop/layers";
 * await saveModel(new Linear({ inFeatures: 2, outFeatures: 1 }), "/tmp/backprop-example-model");
 * const model = await loadModel("/tmp/backprop-example-model");
 * ```
 * @category Serialization
 */
export async function saveModel(model: AnyModule, dir: string): Promise<void> {
  const { json, weights } = encodeModel(model, "saveModel");
  await (await nodeFiles()).writeFolderDurably(dir, { "weights.safetensors": weights, "model.json": json }, "saveModel");
}

/**
 * Loads a model saved by {@link saveModel}: rebuilds it from model.json through the layer
 * registry (custom layers must be registered first) and loads the weights. The model comes back
 * in evaluation mode and gives bit-identical outputs. `M` is the type you know it has (a cast).
 * If a save was interrupted between moving the old folder aside and renaming the new one in,
 * the old one is loaded.
 * @throws {FormatError} naming the file: missing, bad JSON, wrong version, truncated or corrupt
 * weights, missing, unexpected or integer weights, a config implying far more parameters than
 * the weights file holds (see {@link decodeModel}).
 * @throws {RegistryError} for an unknown layer name (`did you mean "linear"?`).
 * @throws {ValueError} for a bad option in model.json, naming the layer and the option.
 * @throws {ShapeError} for weights whose shapes do not match the config.
 * @example
 * ```ts
 * import { Sequential, Linear, saveModel, loadModel } from "@backprop/layers";
 * await saveModel(new Sequential([new Linear({ inFeatures: 4, outFeatures: 2 })]), "/tmp/backprop-example-seq");
 * const model = await loadModel("/tmp/backprop-example-seq");
 * ```
 * @category Serialization
 */
export async function loadModel<M extends AnyModule = Module>(dir: string): Promise<M> {
  const { files: read } = await (await nodeFiles()).readFolder(dir, modelFiles, "loadModel");
  return decodeModel({ json: new TextDecoder().decode(read["model.json"]), weights: read["weights.safetensors"] }, "loadModel") as M;
}
