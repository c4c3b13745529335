/**
 * Checkpoints: everything a run needs to continue exactly where it stopped (model weights,
 * optimizer state, schedule and callback state, epoch, step, random generators), written as a
 * directory that replaces the previous one atomically, so a crash at any moment leaves a
 * loadable checkpoint behind.
 * @module
 */
import { FormatError, Tensor, decodeSafetensors, encodeSafetensors } from "@backprop/core";
import type { GeneratorState } from "@backprop/core";

// The file helper (node:fs) is loaded on first use, so that train still bundles for browsers
// (where checkpoints are unavailable but fit works).
type NodeFiles = typeof import("@backprop/core/node");
let files: Promise<NodeFiles> | null = null;
function nodeFiles(): Promise<NodeFiles> {
  files ??= import("@backprop/core/node");
  return files;
}

function join(dir: string, name: string): string {
  return `${dir.replace(/[\\/]+$/, "")}/${name}`;
}

const checkpointFiles = ["state.json", "weights.safetensors", "optimizer.safetensors"] as const;

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

/**
 * Writes a checkpoint directory atomically: the files go to a temporary sibling with a unique
 * name (so concurrent writers, such as two ModelCheckpoints on one folder, never collide), are
 * flushed to disk, then the folder replaces the previous one whole (`writeFolderDurably` in
 * `@backprop/core/node`), so a crash at any instant leaves the previous checkpoint or this one.
 * @throws {FormatError} naming the path when the disk refuses (`ENOSPC`); the previous checkpoint stays.
 * @throws {ValueError} when `dir` holds files a checkpoint does not.
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
  await (await nodeFiles()).writeFolderDurably(
    dir,
    {
      "weights.safetensors": encodeSafetensors(checkpoint.model),
      "optimizer.safetensors": encodeSafetensors(optimizerTensors),
      "state.json": JSON.stringify(state, null, 1),
    },
    "saveCheckpoint",
  );
}

/**
 * Reads a checkpoint directory. If the process died between moving the previous checkpoint
 * aside and renaming the new one, the previous one (`<dir>.old-...`) is used. All files come
 * from one checkpoint even when a write replaces the folder meanwhile.
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
  const { readFolder } = await nodeFiles();
  let read: Awaited<ReturnType<typeof readFolder>>;
  try {
    read = await readFolder(dir, checkpointFiles, "loadCheckpoint");
  } catch (e) {
    // state.json is read first: without it there is no checkpoint at all; another missing file names its path.
    if (e instanceof FormatError && (e.cause as { code?: string } | undefined)?.code === "ENOENT" && e.message.includes("/state.json;")) {
      throw new FormatError(`loadCheckpoint: no checkpoint at ${dir} (state.json is missing)`);
    }
    throw e;
  }
  const base = read.folder;
  let state: CheckpointState;
  const statePath = join(base, "state.json");
  try {
    state = JSON.parse(new TextDecoder().decode(read.files["state.json"])) as CheckpointState;
  } catch (e) {
    throw new FormatError(`loadCheckpoint: ${statePath} is not valid JSON (${(e as Error).message})`);
  }
  if (state === null || typeof state !== "object" || state.format !== "backprop-checkpoint" || state.version !== 1) {
    throw new FormatError(`loadCheckpoint: ${statePath} is not a backprop checkpoint of version 1; got format ${JSON.stringify(state?.format)}, version ${JSON.stringify(state?.version)}`);
  }
  const weightsPath = join(base, "weights.safetensors");
  const optimizerPath = join(base, "optimizer.safetensors");
  const model = decodeSafetensors(read.files["weights.safetensors"], weightsPath).tensors;
  const optTensors = decodeSafetensors(read.files["optimizer.safetensors"], optimizerPath).tensors;
  return { state, model, optimizer: restoreTensors(state.optimizer, optTensors, optimizerPath) };
}
