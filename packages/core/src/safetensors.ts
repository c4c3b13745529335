/**
 * The safetensors codec: the file format other frameworks' loaders read
 * (8-byte little-endian header length, a JSON header, then raw little-endian tensor data).
 * @module
 */
import type { DType } from "./dtype.js";
import { FormatError, ValueError, describeValue } from "./errors.js";
import { Tensor } from "./tensor.js";
import { empty } from "./creation.js";

const codes: Record<DType, string> = { float32: "F32", float64: "F64", int32: "I32", bool: "BOOL" };
const itemBytes: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
/** The reference implementation refuses headers above 100 MB; so do we. */
const maxHeaderBytes = 100_000_000;
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE half precision bits to a number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const bfloatBits = new Uint32Array(1);
const bfloatValue = new Float32Array(bfloatBits.buffer);

/**
 * A dtype as the file names it: the backprop dtype it loads as, its bytes per element, and for
 * the types backprop does not hold, how to read one element (widened to float32 or int32).
 */
interface FileType {
  type: DType;
  bytes: number;
  read?: (v: DataView, at: number) => number;
}
const fileTypes: Record<string, FileType | undefined> = {
  F32: { type: "float32", bytes: 4 },
  F64: { type: "float64", bytes: 8 },
  I32: { type: "int32", bytes: 4 },
  BOOL: { type: "bool", bytes: 1 },
  F16: { type: "float32", bytes: 2, read: (v, at) => halfToNumber(v.getUint16(at, true)) },
  BF16: {
    type: "float32",
    bytes: 2,
    read: (v, at) => {
      bfloatBits[0] = v.getUint16(at, true) << 16;
      return bfloatValue[0];
    },
  },
  I64: { type: "int32", bytes: 8, read: (v, at) => Number(v.getBigInt64(at, true)) },
  U32: { type: "int32", bytes: 4, read: (v, at) => v.getUint32(at, true) },
  I16: { type: "int32", bytes: 2, read: (v, at) => v.getInt16(at, true) },
  U16: { type: "int32", bytes: 2, read: (v, at) => v.getUint16(at, true) },
  I8: { type: "int32", bytes: 1, read: (v, at) => v.getInt8(at) },
  U8: { type: "int32", bytes: 1, read: (v, at) => v.getUint8(at) },
};
const fileTypeNames = Object.keys(fileTypes).join(", ");

/**
 * What {@link decodeSafetensors} returns: the tensors by name and the `__metadata__` strings.
 * @category Serialization
 */
export interface Safetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** The bytes of a contiguous typed array in little-endian order. */
function bytesOf(t: Tensor): Uint8Array {
  const data = t.data();
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (littleEndian || itemBytes[t.dtype] === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const size = itemBytes[t.dtype];
  for (let i = 0; i < bytes.length; i += size) for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j];
  return out;
}

/**
 * Encodes named tensors in the safetensors layout: an 8-byte little-endian header length n,
 * n bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`
 * padded with spaces to a multiple of 8, then the raw little-endian data of each tensor in order.
 * Views are written as their logical (contiguous) elements.
 * @throws {ValueError} for a non-tensor value, an empty or reserved name, or non-string metadata.
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors, tensor } from "@backprop/core";
 * const bytes = encodeSafetensors({ w: tensor([[1, 2], [3, 4]]) }, { note: "demo" });
 * decodeSafetensors(bytes).tensors.w.toArray(); // [[1, 2], [3, 4]]
 * ```
 * @category Serialization
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const where = "encodeSafetensors";
  if (tensors === null || typeof tensors !== "object") throw new ValueError(`${where}: tensors must be an object of named tensors; got ${String(tensors)}`);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (typeof metadata !== "object" || metadata === null) {
      throw new ValueError(`${where}: metadata is not an object; expected strings by name, e.g. { format: "pt" }, got ${describeValue(metadata)}`);
    }
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new ValueError(`${where}: metadata values must be strings; "${k}" is ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name.length === 0 || name === "__metadata__") throw new ValueError(`${where}: tensor name ${JSON.stringify(name)} is empty or reserved`);
    if (!(t instanceof Tensor)) throw new ValueError(`${where}: "${name}" must be a tensor; got ${t === null ? "null" : typeof t}`);
    const bytes = bytesOf(t);
    header[name] = { dtype: codes[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  // Spaces after the JSON keep the data 8-byte aligned, as the reference writer does.
  const padded = Math.ceil(headerBytes.length / 8) * 8;
  if (padded !== headerBytes.length) {
    json += " ".repeat(padded - headerBytes.length);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Sets an own property, also for names like `__proto__` that plain assignment treats specially. */
function own<T>(target: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function checkEntry(name: string, value: unknown, fail: (what: string) => never): HeaderEntry & { file: FileType } {
  if (!isObject(value)) fail(`tensor "${name}" must be described by an object; got ${JSON.stringify(value)}`);
  const { dtype, shape, data_offsets: offsets } = value;
  const file = typeof dtype === "string" ? fileTypes[dtype] : undefined;
  if (file === undefined) fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)}; expected one of ${fileTypeNames}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    fail(`tensor "${name}" has a bad shape; expected an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) || (offsets[0] as number) > (offsets[1] as number)) {
    fail(`tensor "${name}" has bad data_offsets; expected [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
  }
  const s = shape as number[];
  const [begin, end] = offsets as [number, number];
  const expected = s.reduce((a, b) => a * b, 1) * file.bytes;
  if (end - begin !== expected) {
    fail(`tensor "${name}" (${dtype as string} [${s.join(", ")}]) needs ${expected} bytes; expected data_offsets spanning ${expected}, got [${begin}, ${end}] (${end - begin} bytes)`);
  }
  return { dtype: dtype as string, shape: s, data_offsets: [begin, end], file };
}

/**
 * Decodes a safetensors file. F32, F64, I32 and BOOL load as they are; F16 and BF16 load as
 * float32, and I64, U32, I16, U16, I8 and U8 as int32 (an I64 or U32 value outside int32 is an
 * error). The file is checked strictly: a truncated file, a header length larger
 * than the file or over 100 MB, bad JSON, an unsupported dtype, a shape that does not match
 * the byte size, and offsets that point outside the data, overlap or leave bytes uncovered
 * are all errors naming `source` (a file name for the messages).
 * @throws {FormatError} e.g. `decodeSafetensors: weights.safetensors is truncated; header says 940 bytes of data, file has 512`.
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors, ones } from "@backprop/core";
 * const { tensors, metadata } = decodeSafetensors(encodeSafetensors({ b: ones([3]) }), "bias.safetensors");
 * tensors.b.shape; // [3]
 * ```
 * @category Serialization
 */
export function decodeSafetensors(bytes: Uint8Array, source = "the data"): Safetensors {
  const fail: (what: string) => never = (what) => {
    throw new FormatError(`decodeSafetensors: ${source} ${what}`);
  };
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`decodeSafetensors: expected a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 8) fail(`is truncated; expected at least 8 bytes (the header length), got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(maxHeaderBytes)) fail(`has an absurd header length; expected at most ${maxHeaderBytes} bytes, got ${headerLength}`);
  const n = Number(headerLength);
  if (n > bytes.length - 8) fail(`is truncated or not safetensors; header length says ${n} bytes, but only ${bytes.length - 8} follow`);
  if (n < 2) fail(`has a header of ${n} bytes; expected a JSON object`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`has a header that is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) fail(`has a header that is not a JSON object; got ${Array.isArray(header) ? "an array" : typeof header}`);
  const h = header;
  const start = 8 + n;
  const dataLength = bytes.length - start;
  const metadata: Record<string, string> = {};
  const entries: [string, HeaderEntry & { file: FileType }][] = [];
  for (const [name, value] of Object.entries(h)) {
    if (name === "__metadata__") {
      if (!isObject(value)) fail(`has __metadata__ that is not an object of strings; got ${JSON.stringify(value)}`);
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== "string") fail(`has __metadata__ "${k}" that is not a string; got ${JSON.stringify(v)}`);
        own(metadata, k, v);
      }
      continue;
    }
    entries.push([name, checkEntry(name, value, fail)]);
  }
  const end = entries.reduce((m, [, e]) => Math.max(m, e.data_offsets[1]), 0);
  if (end > dataLength) fail(`is truncated; header says ${end} bytes of data, file has ${dataLength}`);
  const sorted = [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1]);
  let covered = 0;
  let previous = "";
  for (const [name, e] of sorted) {
    const [b, f] = e.data_offsets;
    if (b < covered) fail(`has overlapping tensors: "${name}" [${b}, ${f}) overlaps "${previous}" which ends at ${covered}`);
    if (b > covered) fail(`has offsets that do not cover the data; bytes [${covered}, ${b}) belong to no tensor`);
    covered = f;
    previous = name;
  }
  if (covered !== dataLength) fail(`has offsets that do not cover the data; header says ${covered} bytes of data, file has ${dataLength}`);
  const tensors: Record<string, Tensor> = {};
  for (const [name, e] of entries) {
    const t = empty(e.shape, { dtype: e.file.type });
    const data = t.storage.data;
    const { read, bytes: width } = e.file;
    if (read !== undefined) {
      // A type backprop does not hold: each element widened; integers must fit int32.
      const source = new DataView(bytes.buffer, bytes.byteOffset + start + e.data_offsets[0], e.data_offsets[1] - e.data_offsets[0]);
      for (let i = 0; i < data.length; i++) {
        const v = read(source, i * width);
        if (e.file.type === "int32" && (v < -2147483648 || v > 2147483647)) {
          t.dispose();
          fail(`tensor "${name}" (${e.dtype}) holds ${v} at element ${i}, outside int32, the widest integer type backprop holds`);
        }
        data[i] = v;
      }
      own(tensors, name, t);
      continue;
    }
    const target = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    target.set(bytes.subarray(start + e.data_offsets[0], start + e.data_offsets[1]));
    const size = width;
    if (!littleEndian && size > 1) {
      for (let i = 0; i < target.length; i += size) target.subarray(i, i + size).reverse();
    }
    own(tensors, name, t);
  }
  return { tensors, metadata };
}
