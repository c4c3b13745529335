/**
 * Layer specs: a module as `{ type, config }` JSON (its registry name and options) and back.
 * Browser-safe; the file side lives in io.ts.
 * @module
 */
import { FormatError, RegistryError, ValueError, decodeSafetensors, encodeSafetensors, getRngState, nameOf, resolve, setRngState } from "@backprop/core";
import type { DType, Tensor } from "@backprop/core";
import type { AnyModule, JsonObject } from "./Module.js";
import { BufferTensor } from "./Parameter.js";
import { nested, withParameterBudget } from "./util.js";
import { layerLimits } from "./limits.js";

/**
 * A module as JSON: its registry name and its config (containers nest their children's specs).
 * @category Serialization
 */
export interface LayerSpec {
  type: string;
  config: JsonObject;
}

/**
 * The spec of a module: `{ type: "linear", config: { inFeatures: 2, ... } }`.
 * @throws {RegistryError} when the module's class is not registered under "layer".
 * @example
 * ```ts
 * import { Linear, layerSpec } from "@backprop/layers";
 * layerSpec(new Linear({ inFeatures: 2, outFeatures: 1 })).type; // "linear"
 * ```
 * @category Serialization
 */
export function layerSpec(module: AnyModule): LayerSpec {
  const type = nameOf("layer", module.constructor);
  if (type === undefined) {
    throw new RegistryError(
      `layerSpec: ${module.where()} is not a registered layer class; register it first, e.g. register("layer", "myproject/${module.typeName}", ${module.typeName})`,
    );
  }
  // Containers call this for each child: the nesting depth is checked here.
  return nested("layerSpec", () => ({ type, config: module.config() }));
}

/**
 * Builds a module from its spec, through the "layer" registry (with fresh parameters). Every
 * option is checked against {@link layerLimits} before anything is allocated.
 * @throws {RegistryError} for an unknown type (with the closest registered name).
 * @throws {FormatError} for a spec that is not `{ type: string, config: object }`, or specs
 * nested deeper than {@link layerLimits}.maxDepth.
 * @throws {ValueError} for a bad option, naming the layer and the option.
 * @example
 * ```ts
 * import { layerFromSpec } from "@backprop/layers";
 * const layer = layerFromSpec({ type: "linear", config: { inFeatures: 2, outFeatures: 1 } });
 * ```
 * @category Serialization
 */
export function layerFromSpec(spec: LayerSpec): AnyModule {
  if (spec === null || typeof spec !== "object" || typeof spec.type !== "string" || spec.config === null || typeof spec.config !== "object" || Array.isArray(spec.config)) {
    throw new FormatError(`layerFromSpec: expected { type: string, config: object }, got ${JSON.stringify(spec)}`);
  }
  const cls = resolve("layer", spec.type);
  // Containers call this for each child spec: the nesting depth is checked here.
  return nested("layerFromSpec", () => (cls.fromConfig !== undefined ? cls.fromConfig(spec.config) : new cls(spec.config as never)), FormatError);
}

/**
 * The version of the model.json layout this package writes and reads.
 * @example
 * ```ts
 * import { modelFormatVersion } from "@backprop/layers";
 * modelFormatVersion; // 1
 * ```
 * @category Serialization
 */
export const modelFormatVersion = 1;

/**
 * What model.json holds.
 * @category Serialization
 */
export interface ModelJson {
  format: "backprop-model";
  formatVersion: number;
  /** The model's spec; containers nest their children's. */
  model: LayerSpec;
  /** The file with the weights, beside model.json. */
  weights: string;
}

/**
 * A model as bytes: model.json text and safetensors weights (what saveModel writes to disk).
 * @category Serialization
 */
export interface EncodedModel {
  json: string;
  weights: Uint8Array;
}

function rethrow(e: unknown, where: string, prefix: RegExp, context: string, as?: new (message: string) => Error): never {
  if (e instanceof Error && (e instanceof RegistryError || e instanceof FormatError || e.name === "ShapeError" || e.name === "ValueError" || e.name === "DTypeError")) {
    const Ctor = as ?? (e.constructor as new (message: string) => Error);
    throw new Ctor(`${where}: ${context}${e.message.replace(prefix, "")}`);
  }
  throw e;
}

/** What each dtype of a safetensors file may load into: its own dtype family, converted. */
const loadsInto: Record<DType, readonly string[]> = {
  float32: ["F32", "F64", "F16", "BF16"],
  float64: ["F64", "F32", "F16", "BF16"],
  int32: ["I32", "I64", "U32", "I16", "U16", "I8", "U8"],
  bool: ["BOOL"],
};

/** The dtype each tensor has in a safetensors file (read after decodeSafetensors has checked the file). */
function fileDTypes(bytes: Uint8Array): Record<string, string> {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, { dtype?: unknown }>;
  return Object.fromEntries(Object.entries(header).map(([k, v]) => [k, String(v.dtype)]));
}

/**
 * Encodes a model in memory: model.json text (format version, registry names, configs) and
 * its state dict as safetensors bytes. The spec is rebuilt and checked against the weights
 * first, so what is encoded always decodes. Browser-safe; saveModel writes the result to disk.
 * @throws {RegistryError} when a layer class is not registered.
 * @throws {ShapeError} when the config does not rebuild a model with the same parameters.
 * @example
 * ```ts
 * import { Linear, encodeModel, decodeModel } from "@backprop/layers";
 * const { json, weights } = encodeModel(new Linear({ inFeatures: 2, outFeatures: 1 }));
 * const copy = decodeModel({ json, weights });
 * ```
 * @category Serialization
 */
export function encodeModel(model: AnyModule, where = "encodeModel"): EncodedModel {
  let spec: LayerSpec;
  try {
    spec = layerSpec(model);
  } catch (e) {
    rethrow(e, where, /^layerSpec: /, "");
  }
  const body: ModelJson = { format: "backprop-model", formatVersion: modelFormatVersion, model: spec, weights: "weights.safetensors" };
  const json = JSON.stringify(body, null, 2) + "\n";
  const state = model.stateDict();
  // Building draws initial weights; the global generator must not notice (saving mid-run keeps runs reproducible).
  const rng = getRngState();
  try {
    const rebuilt = layerFromSpec((JSON.parse(json) as ModelJson).model);
    rebuilt.loadStateDict(state, { strict: true });
    for (const t of Object.values(rebuilt.stateDict())) t.dispose();
  } catch (e) {
    rethrow(e, where, /^\S+: /, `the model's config does not rebuild it (check config() of each custom layer); `);
  } finally {
    setRngState(rng);
  }
  return { json, weights: encodeSafetensors(state, { producer: "backprop", formatVersion: String(modelFormatVersion) }) };
}

/** Most levels of arrays and objects a model.json may nest: a module's spec takes at most 4. */
const maxJsonDepth = 4 * layerLimits.maxDepth + 16;

/** How deep arrays and objects nest in a parsed JSON value, counted without recursion up to `cap` + 1. */
function jsonDepth(value: unknown, cap: number): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [v, d] = pending.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d + 1 > deepest) deepest = d + 1;
    if (deepest > cap) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) pending.push([child, d + 1]);
  }
  return deepest;
}

/**
 * Decodes a model from model.json text and safetensors bytes; the result is in evaluation mode
 * and gives bit-identical outputs to the encoded one. Errors name the file and the problem.
 * The config is checked before anything is allocated: every option against
 * {@link layerLimits}, and the parameters it implies against what the weights file holds (so
 * a hostile model.json fails at once). Float weights (F16, BF16, F32, F64) convert to the
 * parameter's float dtype; integer and bool tensors never load into float parameters.
 * @throws {FormatError} for bad JSON, a wrong format version, a corrupt weights file, missing,
 * unexpected or wrongly typed weights, a config that implies more parameters than the file holds,
 * or specs nested too deep.
 * @throws {RegistryError} for an unknown layer name (with the closest registered one).
 * @throws {ValueError} for a bad option in the config, naming the layer and the option.
 * @throws {ShapeError} for weights whose shapes do not match the config.
 * @example
 * ```ts
 * import { Linear, encodeModel, decodeModel } from "@backprop/layers";
 * const model = decodeModel(encodeModel(new Linear({ inFeatures: 2, outFeatures: 1 })));
 * model.training; // false
 * ```
 * @category Serialization
 */
export function decodeModel(encoded: EncodedModel, where = "decodeModel", files: { json: string; weights: string } = { json: "model.json", weights: "weights.safetensors" }): AnyModule {
  let body: unknown;
  try {
    body = JSON.parse(encoded.json);
  } catch (e) {
    throw new FormatError(`${where}: ${files.json} is not valid JSON (${(e as Error).message})`);
  }
  const depth = jsonDepth(body, maxJsonDepth);
  if (depth > maxJsonDepth) {
    throw new FormatError(`${where}: ${files.json} nests too deep; expected at most ${maxJsonDepth} levels of arrays and objects (4 per module, layerLimits.maxDepth modules), got more`);
  }
  const b = body as Partial<ModelJson> | null;
  if (b === null || typeof b !== "object" || b.format !== "backprop-model") {
    throw new FormatError(`${where}: ${files.json} is not a backprop model; expected "format": "backprop-model", got ${JSON.stringify(b?.format)}`);
  }
  if (b.formatVersion !== modelFormatVersion) {
    throw new FormatError(`${where}: ${files.json} has format version ${JSON.stringify(b.formatVersion)}; expected ${modelFormatVersion}`);
  }
  // The weights first: the model may not allocate more parameters than the file holds.
  let tensors: Record<string, Tensor>;
  try {
    tensors = decodeSafetensors(encoded.weights, files.weights).tensors;
  } catch (e) {
    rethrow(e, where, /^decodeSafetensors: /, "");
  }
  const release = (): void => { for (const t of Object.values(tensors)) t.dispose(); };
  let model: AnyModule;
  const rng = getRngState();
  try {
    const held = Object.values(tensors).reduce((n, t) => n + t.size, 0);
    model = withParameterBudget(held, files.weights, () => layerFromSpec(b.model as LayerSpec));
  } catch (e) {
    release();
    rethrow(e, where, /^(resolve|layerFromSpec): /, `${files.json}: `);
  } finally {
    setRngState(rng);
  }
  const stored = fileDTypes(encoded.weights);
  for (const [key, target] of Object.entries(model.stateDict())) {
    const dtype = stored[key];
    const allowed = loadsInto[target.dtype];
    if (dtype === undefined || allowed.includes(dtype)) continue;
    release();
    const expected = allowed.length === 1 ? allowed[0] : `${allowed.slice(0, -1).join(", ")} or ${allowed[allowed.length - 1]} (converted)`;
    throw new FormatError(`${where}: ${files.weights}: tensor "${key}" has the wrong dtype for its ${target.dtype} ${target instanceof BufferTensor ? "buffer" : "parameter"}; expected ${expected}, got ${dtype}`);
  }
  try {
    model.loadStateDict(tensors, { strict: true });
  } catch (e) {
    // Keys that do not match come from the file: a FormatError (shapes stay a ShapeError).
    rethrow(e, where, /^.*?loadStateDict: the state dict does not match the model; /, `${files.weights} does not match ${files.json}; `, e instanceof ValueError ? FormatError : undefined);
  } finally {
    release();
  }
  return model.eval();
}
