/**
 * Mutations of model folders as data (so fast-check can generate and shrink them): edits of
 * model.json (values of the wrong type, huge sizes, missing keys, deep nesting, broken text) and
 * of weights.safetensors (flipped bytes, truncation, a lying header length, lying dtypes, shapes
 * and offsets, tensors re-encoded in another dtype).
 */
import fc from "fast-check";
import { itemBytes, joinSafetensors, readSafetensors, splitSafetensors } from "./safetensors.js";

// ---- model.json ----

/** A JSON value, or `{ raw }`: text spliced in as is (`1e999` parses as Infinity). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue } | { raw: string };

export type JsonMutation =
  | { kind: "set"; at: number; value: JsonValue }
  | { kind: "delete"; at: number }
  | { kind: "setSize"; at: number; value: JsonValue }
  | { kind: "setFlag"; at: number; value: JsonValue }
  | { kind: "nest"; depth: number }
  | { kind: "deepArray"; at: number; depth: number }
  | { kind: "truncate"; keep: number }
  | { kind: "insert"; at: number; text: string };

/** Config fields that are sizes (counts of features, channels, layers...). */
export const sizeField = /^(inFeatures|outFeatures|inChannels|outChannels|numFeatures|numEmbeddings|embeddingDim|hiddenSize|inputSize|numLayers|kernelSize|numHeads|embedDim|numGroups|numChannels|normalizedShape)$/;

const hugeNumbers: JsonValue[] = [1e5, 1e6, 1e9, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e300, -1e300, { raw: "1e999" }, { raw: "-1e999" }, -1, 0.5, 1.5, { raw: "-0" }];
const anyValues: JsonValue[] = [null, true, false, 0, 1, 3, "abc", "", [], {}, [1, 2], [[[[]]]], "linear", "lstm", "sequential", { type: "linear" }, { raw: "1e999" }, "__proto__", { raw: '{"__proto__": {"polluted": 1}}' }, ...hugeNumbers];
const notBooleans: JsonValue[] = [0, 1, "abc", "true", "false", [], {}, 2];

export const jsonMutationArb: fc.Arbitrary<JsonMutation> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(200), value: fc.constantFrom(...anyValues) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(200) }),
  fc.record({ kind: fc.constant("setSize" as const), at: fc.nat(50), value: fc.constantFrom(...hugeNumbers) }),
  fc.record({ kind: fc.constant("setFlag" as const), at: fc.nat(20), value: fc.constantFrom(...notBooleans) }),
  fc.record({ kind: fc.constant("nest" as const), depth: fc.constantFrom(2, 50, 3000, 100_000) }),
  fc.record({ kind: fc.constant("deepArray" as const), at: fc.nat(200), depth: fc.constantFrom(10, 5000, 200_000) }),
  fc.record({ kind: fc.constant("truncate" as const), keep: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(5000), text: fc.constantFrom("{", "}", "]", ",", '"', "\u0000", "\uFFFF", "\\", "NaN", "-", "1e999") }),
);

type Path = (string | number)[];

/** Every value in a JSON tree with its path, parents first (iterative: trees can be 200,000 deep). */
function paths(value: unknown): { path: Path; value: unknown }[] {
  const out: { path: Path; value: unknown }[] = [];
  const stack: { path: Path; value: unknown }[] = [{ path: [], value }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    const v = node.value;
    const children: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : v !== null && typeof v === "object" ? Object.entries(v) : [];
    for (let i = children.length - 1; i >= 0; i--) stack.push({ path: [...node.path, children[i][0]], value: children[i][1] });
    if (out.length > 10_000) break;
  }
  return out;
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown): void {
  let node: Record<string | number, unknown> = root;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else Reflect.deleteProperty(node, last);
  } else node[last] = value;
}

/** What a mutation did to model.json, for the oracle. */
export interface JsonEffect {
  /** A size field set to something that is not a positive safe integer. */
  badSize?: string;
  /** A boolean field set to something that is not a boolean. */
  badFlag?: string;
}

/** Applies mutations to model.json text. */
export function mutateJson(text: string, mutations: readonly JsonMutation[]): { text: string; effect: JsonEffect } {
  const effect: JsonEffect = {};
  const raws: string[] = [];
  const encode = (v: JsonValue): unknown => {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && "raw" in v && typeof v.raw === "string") {
      raws.push(v.raw);
      return `@@raw${raws.length - 1}@@`;
    }
    return v;
  };
  let body = JSON.parse(text) as Record<string, unknown>;
  let out: string | null = null;
  for (const m of mutations) {
    if (out !== null) {
      // Text edits come last; structural edits after them have nothing to parse.
      if (m.kind === "truncate") out = out.slice(0, Math.floor(out.length * m.keep));
      else if (m.kind === "insert") out = out.slice(0, m.at % (out.length + 1)) + m.text + out.slice(m.at % (out.length + 1));
      continue;
    }
    const all = paths(body).filter((p) => p.path.length > 0);
    switch (m.kind) {
      case "set":
      case "delete": {
        const target = all[m.at % all.length];
        setAt(body, target.path, m.kind === "delete" ? undefined : encode(m.value));
        break;
      }
      case "setSize": {
        const sizes = all.filter((p) => sizeField.test(String(p.path[p.path.length - 1])) && typeof p.value === "number");
        if (sizes.length === 0) break;
        const target = sizes[m.at % sizes.length];
        setAt(body, target.path, encode(m.value));
        const v = typeof m.value === "number" ? m.value : null;
        if (v === null || !Number.isSafeInteger(v) || v < 1) effect.badSize = `${target.path.join(".")} = ${JSON.stringify(m.value)}`;
        break;
      }
      case "setFlag": {
        const flags = all.filter((p) => typeof p.value === "boolean");
        if (flags.length === 0) break;
        const target = flags[m.at % flags.length];
        setAt(body, target.path, encode(m.value));
        effect.badFlag = `${target.path.join(".")} = ${JSON.stringify(m.value)}`;
        break;
      }
      case "nest": {
        let spec = body.model;
        for (let i = 0; i < m.depth; i++) spec = { type: "sequential", config: { layers: [spec] } };
        body = { ...body, model: spec };
        break;
      }
      case "deepArray": {
        const target = all[m.at % all.length];
        let deep: unknown = 1;
        for (let i = 0; i < m.depth; i++) deep = [deep];
        setAt(body, target.path, deep);
        break;
      }
      case "truncate":
      case "insert":
        out = serialize(body, raws);
        if (m.kind === "truncate") out = out.slice(0, Math.floor(out.length * m.keep));
        else out = out.slice(0, m.at % (out.length + 1)) + m.text + out.slice(m.at % (out.length + 1));
        break;
    }
  }
  return { text: out ?? serialize(body, raws), effect };
}

/** JSON text of a tree of any depth (iterative; JSON.stringify overflows its stack), with raw splices. */
function serialize(value: unknown, raws: string[]): string {
  const parts: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string" && v.startsWith("\u0000text:")) {
      parts.push(v.slice(6));
      continue;
    }
    if (Array.isArray(v)) {
      parts.push("[");
      stack.push("\u0000text:]");
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push(v[i]);
        if (i > 0) stack.push("\u0000text:,");
      }
    } else if (v !== null && typeof v === "object") {
      const entries = Object.entries(v);
      parts.push("{");
      stack.push("\u0000text:}");
      for (let i = entries.length - 1; i >= 0; i--) {
        stack.push(entries[i][1]);
        stack.push(`\u0000text:${i > 0 ? "," : ""}${JSON.stringify(entries[i][0])}:`);
      }
    } else parts.push(JSON.stringify(v) ?? "null");
  }
  return parts.join("").replace(/"@@raw(\d+)@@"/g, (_, i: string) => raws[Number(i)]);
}

// ---- weights.safetensors ----

/** What the 8-byte header length is set to. */
type HeaderLength = "zero" | "one" | "minusOne" | "plusOne" | "fileLength" | "2^32" | "2^53" | "2^63" | "2^64-1";

export type WeightsMutation =
  | { kind: "flip"; at: number; xor: number }
  | { kind: "truncate"; keep: number }
  | { kind: "append"; bytes: number }
  | { kind: "headerLength"; value: HeaderLength }
  | { kind: "field"; at: number; field: "dtype" | "shape" | "data_offsets"; value: unknown }
  | { kind: "drop"; at: number }
  | { kind: "rename"; at: number; name: string }
  | { kind: "add"; name: string; dtype: string; shape: number[] }
  | { kind: "retype"; at: number; dtype: string }
  | { kind: "header"; text: string };

const dtypes = ["F16", "BF16", "F64", "F32", "I8", "U8", "I16", "U16", "I32", "U32", "I64", "BOOL", "F8_E4M3", "", 7, null];
const shapes: unknown[] = [[], [0], [-1], [0.5], [1e9], [2 ** 32], [2 ** 31, 2 ** 31], [1e300], "abc", null, [2 ** 53], [1, 1, 1, 1, 1, 1, 1, 1, 1], "swap", "grow", "shrink"];
const offsets: unknown[] = ["empty", "reversed", "longer", "earlier", [0, 2 ** 53], [0, 1e300], [-1, 4], "huge", "abc", [0], [0, 4, 8], null];

export const weightsMutationArb: fc.Arbitrary<WeightsMutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), keep: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }) }),
  fc.record({ kind: fc.constant("append" as const), bytes: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant("headerLength" as const), value: fc.constantFrom<HeaderLength>("zero", "one", "minusOne", "plusOne", "fileLength", "2^32", "2^53", "2^63", "2^64-1") }),
  fc.record({ kind: fc.constant("field" as const), at: fc.nat(20), field: fc.constant("dtype" as const), value: fc.constantFrom(...dtypes) }),
  fc.record({ kind: fc.constant("field" as const), at: fc.nat(20), field: fc.constant("shape" as const), value: fc.constantFrom(...shapes) }),
  fc.record({ kind: fc.constant("field" as const), at: fc.nat(20), field: fc.constant("data_offsets" as const), value: fc.constantFrom(...offsets) }),
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat(20) }),
  fc.record({ kind: fc.constant("rename" as const), at: fc.nat(20), name: fc.constantFrom("", "__metadata__", "weight", "0.weight", "x".repeat(300), "__proto__", "constructor") }),
  fc.record({ kind: fc.constant("add" as const), name: fc.constantFrom("extra", "0.weight", "__proto__"), dtype: fc.constantFrom("F32", "I64"), shape: fc.constantFrom<number[]>([0], [2], [1e9], [2 ** 32]) }),
  fc.record({ kind: fc.constant("retype" as const), at: fc.nat(20), dtype: fc.constantFrom("F64", "I8", "U8", "I16", "U16", "I32", "U32", "I64", "BOOL") }),
  fc.record({ kind: fc.constant("header" as const), text: fc.constantFrom("[]", "null", "1", '"x"', "{", "{}", '{"a":1}', '{"__metadata__":1}', '{"__metadata__":{"a":1}}', "\u0000".repeat(16)) }),
);

function writeValue(view: DataView, at: number, dtype: string, v: number): void {
  switch (dtype) {
    case "F64":
      { view.setFloat64(at, v, true); return; }
    case "F32":
      { view.setFloat32(at, v, true); return; }
    case "I64":
      { view.setBigInt64(at, BigInt(Math.trunc(v)), true); return; }
    case "I32":
      { view.setInt32(at, v, true); return; }
    case "U32":
      { view.setUint32(at, v, true); return; }
    case "I16":
      { view.setInt16(at, v, true); return; }
    case "U16":
      { view.setUint16(at, v, true); return; }
    case "I8":
      { view.setInt8(at, v); return; }
    case "U8":
      { view.setUint8(at, v); return; }
    case "BOOL":
      { view.setUint8(at, v === 0 ? 0 : 1); return; }
  }
  throw new Error(`fuzz harness: cannot write ${dtype}`);
}

/** Re-encodes one tensor in another dtype (values converted as the dtype stores them), keeping the file valid. */
function retype(bytes: Uint8Array, at: number, dtype: string): Uint8Array {
  const ref = readSafetensors(bytes);
  if (!ref.ok || ref.tensors.size === 0) return bytes;
  const names = [...ref.tensors.keys()];
  const target = names[at % names.length];
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of ref.tensors) {
    const type = name === target ? dtype : t.dtype;
    const chunk = new Uint8Array(t.values.length * itemBytes[type]);
    const view = new DataView(chunk.buffer);
    // Values scaled up so that an integer dtype changes them visibly (a silent conversion is caught).
    t.values.forEach((v, i) => { writeValue(view, i * itemBytes[type], type, name === target && type !== "F64" ? Math.round(v * 100) : v); });
    header[name] = { dtype: type, shape: t.shape, data_offsets: [offset, offset + chunk.length] };
    chunks.push(chunk);
    offset += chunk.length;
  }
  const data = new Uint8Array(offset);
  let p = 0;
  for (const c of chunks) {
    data.set(c, p);
    p += c.length;
  }
  return joinSafetensors(JSON.stringify(header), data);
}

/** Applies mutations to weights.safetensors bytes. */
export function mutateWeights(original: Uint8Array, mutations: readonly WeightsMutation[]): Uint8Array {
  let bytes: Uint8Array = original.slice();
  for (const m of mutations) {
    switch (m.kind) {
      case "flip": {
        if (bytes.length === 0) break;
        bytes = bytes.slice();
        bytes[Math.floor(m.at * bytes.length)] ^= m.xor;
        break;
      }
      case "truncate":
        bytes = bytes.slice(0, Math.floor(m.keep * bytes.length));
        break;
      case "append": {
        const out = new Uint8Array(bytes.length + m.bytes).fill(0xab);
        out.set(bytes);
        bytes = out;
        break;
      }
      case "headerLength": {
        if (bytes.length < 8) break;
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const n = view.getBigUint64(0, true);
        const values = { zero: 0n, one: 1n, minusOne: n - 1n, plusOne: n + 1n, fileLength: BigInt(bytes.length), "2^32": 2n ** 32n, "2^53": 2n ** 53n, "2^63": 2n ** 63n, "2^64-1": 2n ** 64n - 1n };
        view.setBigUint64(0, values[m.value] < 0n ? 0n : values[m.value], true);
        break;
      }
      case "retype":
        bytes = retype(bytes, m.at, m.dtype);
        break;
      case "header": {
        if (!readSafetensors(bytes).ok) break;
        bytes = joinSafetensors(m.text, splitSafetensors(bytes).data);
        break;
      }
      default: {
        if (!readSafetensors(bytes).ok) break;
        const { header, data } = splitSafetensors(bytes);
        const names = Object.keys(header).filter((k) => k !== "__metadata__");
        if (names.length === 0) break;
        const name = names[("at" in m ? m.at : 0) % names.length];
        const entry = { ...(header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] }) };
        if (m.kind === "drop") Reflect.deleteProperty(header, name);
        else if (m.kind === "rename") {
          Reflect.deleteProperty(header, name);
          Object.defineProperty(header, m.name, { value: entry, enumerable: true, configurable: true, writable: true });
        } else if (m.kind === "add") {
          const end = data.length;
          const size = m.shape.reduce((a, b) => a * b, 1) * itemBytes[m.dtype];
          Object.defineProperty(header, m.name, { value: { dtype: m.dtype, shape: m.shape, data_offsets: [end, end + size] }, enumerable: true, configurable: true, writable: true });
        } else {
          const [b, e] = entry.data_offsets;
          let value = m.value;
          if (m.field === "shape" && typeof value === "string" && ["swap", "grow", "shrink"].includes(value)) {
            value = value === "swap" ? [...entry.shape].reverse() : value === "grow" ? [...entry.shape, 1] : entry.shape.slice(1);
          }
          if (m.field === "data_offsets" && typeof value === "string") {
            const derived: Record<string, unknown> = { empty: [b, b], reversed: [e, b], longer: [b, e + 1], earlier: [Math.max(b - 1, 0), e], huge: [b, b + 1e9] };
            value = value in derived ? derived[value] : value;
          }
          header[name] = { ...entry, [m.field]: value };
        }
        bytes = joinSafetensors(JSON.stringify(header), data);
      }
    }
  }
  return bytes;
}
