/**
 * The test's own reading of safetensors bytes, written from the format's description (8-byte
 * little-endian header length, JSON header, little-endian data; every tensor's bytes inside the
 * data, no overlaps, no uncovered bytes), to check what the library decodes.
 */

export const itemBytes: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U32: 4, I16: 2, U16: 2, I8: 1, U8: 1, BOOL: 1 };
export const floatTypes = new Set(["F64", "F32", "F16", "BF16"]);

export interface RefTensor {
  dtype: string;
  shape: number[];
  /** The exact values (I64 as a number, possibly beyond int32). */
  values: number[];
}

/** Either the file's tensors, or why the file is not valid safetensors. */
export type RefFile = { ok: true; tensors: Map<string, RefTensor> } | { ok: false; problem: string };

function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function read(view: DataView, at: number, dtype: string): number {
  switch (dtype) {
    case "F64":
      return view.getFloat64(at, true);
    case "F32":
      return view.getFloat32(at, true);
    case "F16":
      return half(view.getUint16(at, true));
    case "BF16": {
      const f = new DataView(new ArrayBuffer(4));
      f.setUint32(0, view.getUint16(at, true) << 16);
      return f.getFloat32(0);
    }
    case "I64":
      return Number(view.getBigInt64(at, true));
    case "I32":
      return view.getInt32(at, true);
    case "U32":
      return view.getUint32(at, true);
    case "I16":
      return view.getInt16(at, true);
    case "U16":
      return view.getUint16(at, true);
    case "I8":
      return view.getInt8(at);
    case "U8":
      return view.getUint8(at);
    case "BOOL":
      return view.getUint8(at) === 0 ? 0 : 1;
  }
  throw new Error(`fuzz harness: unknown dtype ${dtype}`);
}

/** Parses a safetensors file strictly. */
export function readSafetensors(bytes: Uint8Array): RefFile {
  const fail = (problem: string): RefFile => ({ ok: false, problem });
  if (bytes.length < 8) return fail("shorter than 8 bytes");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) return fail(`header length ${n} is past the end`);
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch {
    return fail("the header is not UTF-8 JSON");
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) return fail("the header is not a JSON object");
  const dataLength = bytes.length - headerEnd;
  const tensors = new Map<string, RefTensor>();
  const ranges: [number, number][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry) || Object.values(entry).some((v) => typeof v !== "string")) return fail("__metadata__ is not an object of strings");
      continue;
    }
    if (entry === null || typeof entry !== "object") return fail(`"${name}" is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== "string" || !(dtype in itemBytes)) return fail(`"${name}" has dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) return fail(`"${name}" has shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) return fail(`"${name}" has data_offsets ${JSON.stringify(offsets)}`);
    const [begin, end] = offsets as [number, number];
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (begin > end || end > dataLength || end - begin !== size * itemBytes[dtype]) return fail(`"${name}" has data_offsets [${begin}, ${end}] for ${dtype} [${shape.join(", ")}] in ${dataLength} bytes`);
    const data = new DataView(bytes.buffer, bytes.byteOffset + headerEnd + begin, end - begin);
    const values = Array.from({ length: size }, (_, i) => read(data, i * itemBytes[dtype], dtype));
    tensors.set(name, { dtype, shape: shape as number[], values });
    ranges.push([begin, end]);
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let covered = 0;
  for (const [begin, end] of ranges) {
    if (begin !== covered) return fail(begin < covered ? "tensors overlap" : `bytes [${covered}, ${begin}) belong to no tensor`);
    covered = end;
  }
  if (covered !== dataLength) return fail(`bytes [${covered}, ${dataLength}) belong to no tensor`);
  return { ok: true, tensors };
}

/** Splits a safetensors file into its header object and data (for mutating the header). */
export function splitSafetensors(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  return { header, data: bytes.subarray(8 + n) };
}

/** Joins a header (any JSON text) and data into safetensors bytes, with the header's true length. */
export function joinSafetensors(headerText: string, data: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

/** Whether a value read back equals the file's (NaN equals NaN; float32 targets round). */
export function sameValue(got: number, want: number, dtype: string): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  return Object.is(got, dtype === "float32" ? Math.fround(want) : want) || (got === 0 && want === 0);
}
