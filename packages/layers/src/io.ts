/**
 * saveModel and loadModel: a model directory on disk (Node only; the browser-safe encoding is
 * in serialize.ts).
 * @module
 */

// node:fs is loaded on first use, so that the package still bundles for browsers (where
// encodeModel/decodeModel work in memory and these two functions are unavailable).
type Fs = typeof import("node:fs/promises");
let fsPromise: Promise<Fs> | null = null;
function fs(): Promise<Fs> {
  fsPromise ??= import("node:fs/promises");
  return fsPromise;
}

function join(dir: string, name: string): string {
  return `${dir.replace(/[\\/]+$/, "")}/${name}`;
}
import { FormatError } from "@backprop/core";
import type { AnyModule, Module } from "./Module.js";
import { decodeModel, encodeModel } from "./serialize.js";

let counter = 0;

async function writeDurably(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await (await fs()).open(path, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Saves a model to a directory: `model.json` (format version, registry names, configs) and
 * `weights.safetensors` (readable by other frameworks' safetensors loaders). Everything is
 * encoded and checked in memory first, then written to temporary names and renamed, so an
 * error never damages a model already in the directory.
 * @throws {RegistryError} when a layer class is not registered (nothing is written).
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
  const { mkdir, rename, rm } = await fs();
  await mkdir(dir, { recursive: true });
  const tag = `.tmp-${process.pid}-${++counter}`;
  const weightsPath = join(dir, "weights.safetensors");
  const jsonPath = join(dir, "model.json");
  try {
    await writeDurably(weightsPath + tag, weights);
    await writeDurably(jsonPath + tag, json);
    await rename(weightsPath + tag, weightsPath);
    await rename(jsonPath + tag, jsonPath);
  } finally {
    await rm(weightsPath + tag, { force: true });
    await rm(jsonPath + tag, { force: true });
  }
}

async function read(path: string, name: string, dir: string): Promise<Buffer> {
  try {
    return await (await fs()).readFile(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new FormatError(`loadModel: cannot read ${name} in ${dir} (${code === "ENOENT" ? "no such file" : (e as Error).message})`);
  }
}

/**
 * Loads a model saved by {@link saveModel}: rebuilds it from model.json through the layer
 * registry (custom layers must be registered first) and loads the weights. The model comes back
 * in evaluation mode and gives bit-identical outputs. `M` is the type you know it has (a cast).
 * @throws {FormatError} naming the file: missing, bad JSON, wrong version, truncated or corrupt weights.
 * @throws {RegistryError} for an unknown layer name (`did you mean "linear"?`) or missing and unexpected weights.
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
  const json = (await read(join(dir, "model.json"), "model.json", dir)).toString("utf8");
  const weights = await read(join(dir, "weights.safetensors"), "weights.safetensors", dir);
  return decodeModel({ json, weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength) }, "loadModel") as M;
}
