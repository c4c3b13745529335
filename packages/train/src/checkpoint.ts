/**
 * Checkpoints: everything a run needs to continue exactly where it stopped (model weights,
 * optimizer state, schedule and callback state, epoch, step, random generators), written as a
 * directory that replaces the previous one atomically, so a crash at any moment leaves a
 * loadable checkpoint behind.
 * @module
 */
import { FormatError, Tensor, decodeSafetensors, encodeSafetensors } from "@backprop/core";
import type { GeneratorState } from "@backprop/core";

// node:fs is loaded on first use, so that train still bundles for browsers (where checkpoints
// are unavailable but fit works).
type Fs = typeof import("node:fs/promises");
let fsPromise: Promise<Fs> | null = null;
function fs(): Promise<Fs> {
  fsPromise ??= import("node:fs/promises");
  return fsPromise;
}

function join(dir: string, name: string): string {
  return `${dir.replace(/[\\/]+$/, "")}/${name}`;
}

/**
 * The JSON part of a checkpoint (tensors live in the safetensors files beside it).
 * @category Checkpoints
 */
export interface CheckpointState {
  format: "backprop-checkpoint";
  version: 1;
  /** The next epoch to run. */
  epoch: number;
  /** Optimizer steps taken so far. */
  step: number;
  /** The global generator (dropout, initializers) and the shuffling generator. */
  rng: { global: GeneratorState; shuffle: GeneratorState | null };
  /** The optimizer's state dict with tensors replaced by references into optimizer.safetensors. */
  optimizer: unknown;
  /** Each callback's type (registry name or class name) and state, in callback order. */
  callbacks: unknown[];
  /** The training DataLoader's position (its stateDict), or null for tensor data. */
  data?: unknown;
  /** Anything else the caller stores. */
  extra?: unknown;
}

/**
 * A loaded checkpoint: its JSON state, the model weights and the optimizer state with its
 * tensors put back.
 * @category Checkpoints
 */
export interface Checkpoint {
  state: CheckpointState;
  model: Record<string, Tensor>;
  optimizer: unknown;
}

/** Replaces every tensor inside a JSON-like value with a `{ $tensor: key }` reference. */
function extractTensors(value: unknown, into: Record<string, Tensor>, path: string): unknown {
  if (value instanceof Tensor) {
    into[path] = value;
    return { $tensor: path };
  }
  if (Array.isArray(value)) return value.map((v, i) => extractTensors(v, into, `${path}.${i}`));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, extractTensors(v, into, path === "" ? k : `${path}.${k}`)]));
  }
  return value;
}

function restoreTensors(value: unknown, tensors: Record<string, Tensor>, file: string): unknown {
  if (Array.isArray(value)) return value.map((v) => restoreTensors(v, tensors, file));
  if (value !== null && typeof value === "object") {
    const ref = (value as { $tensor?: unknown }).$tensor;
    if (typeof ref === "string") {
      const t = tensors[ref];
      if (t === undefined) throw new FormatError(`loadCheckpoint: ${file} lacks tensor "${ref}" that state.json refers to`);
      return t;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restoreTensors(v, tensors, file)]));
  }
  return value;
}

async function writeDurably(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await (await fs()).open(path, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await (await fs()).stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a checkpoint directory atomically: the files go to `<dir>.tmp`, are flushed to disk,
 * then the old checkpoint is moved aside, the new one renamed into place and the old one removed.
 * @example
 * ```ts
 * import { writeCheckpoint } from "@backprop/train";
 * import { tensor, getRngState } from "@backprop/core";
 * await writeCheckpoint("/tmp/ckpt-example", {
 *   state: { format: "backprop-checkpoint", version: 1, epoch: 1, step: 10, rng: { global: getRngState(), shuffle: null }, optimizer: null, callbacks: [] },
 *   model: { w: tensor([1, 2]) },
 *   optimizer: null,
 * });
 * ```
 * @category Checkpoints
 */
export async function writeCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const optimizerTensors: Record<string, Tensor> = {};
  const optimizerJson = extractTensors(checkpoint.optimizer, optimizerTensors, "");
  const state: CheckpointState = { ...checkpoint.state, optimizer: optimizerJson };
  const { mkdir, rename, rm } = await fs();
  const tmp = `${dir}.tmp`;
  const old = `${dir}.old`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await writeDurably(join(tmp, "weights.safetensors"), encodeSafetensors(checkpoint.model));
  await writeDurably(join(tmp, "optimizer.safetensors"), encodeSafetensors(optimizerTensors));
  // state.json last: a directory with it is complete.
  await writeDurably(join(tmp, "state.json"), JSON.stringify(state, null, 1));
  if (await exists(dir)) {
    await rm(old, { recursive: true, force: true });
    await rename(dir, old);
  }
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
}

/**
 * Reads a checkpoint directory. If the process died between moving the previous checkpoint
 * aside and renaming the new one, the previous one (`<dir>.old`) is used.
 * @throws {FormatError} naming the file when the checkpoint is missing, incomplete or corrupt.
 * @example
 * ```ts
 * import { readCheckpoint } from "@backprop/train";
 * const ckpt = await readCheckpoint("/tmp/ckpt-example");
 * ckpt.state.epoch; // 1
 * ```
 * @category Checkpoints
 */
export async function readCheckpoint(dir: string): Promise<Checkpoint> {
  const { readFile } = await fs();
  let base = dir;
  if (!(await exists(join(dir, "state.json")))) {
    if (await exists(join(`${dir}.old`, "state.json"))) base = `${dir}.old`;
    else throw new FormatError(`loadCheckpoint: no checkpoint at ${dir} (state.json is missing)`);
  }
  let state: CheckpointState;
  const statePath = join(base, "state.json");
  try {
    state = JSON.parse(await readFile(statePath, "utf8")) as CheckpointState;
  } catch (e) {
    throw new FormatError(`loadCheckpoint: ${statePath} is not valid JSON (${(e as Error).message})`);
  }
  if (state.format !== "backprop-checkpoint" || state.version !== 1) {
    throw new FormatError(`loadCheckpoint: ${statePath} is not a backprop checkpoint of version 1; got format ${JSON.stringify(state.format)}, version ${JSON.stringify(state.version)}`);
  }
  const weightsPath = join(base, "weights.safetensors");
  const optimizerPath = join(base, "optimizer.safetensors");
  const model = decodeSafetensors(new Uint8Array(await readFile(weightsPath)), weightsPath).tensors;
  const optTensors = decodeSafetensors(new Uint8Array(await readFile(optimizerPath)), optimizerPath).tensors;
  return { state, model, optimizer: restoreTensors(state.optimizer, optTensors, optimizerPath) };
}
