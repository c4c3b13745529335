/** IDX files for the fuzz cases: a writer and the test's own reader, from the format's description. */

export const idxTypes: Record<number, { name: string; bytes: number } | undefined> = {
  0x08: { name: "uint8", bytes: 1 },
  0x09: { name: "int8", bytes: 1 },
  0x0b: { name: "int16", bytes: 2 },
  0x0c: { name: "int32", bytes: 4 },
  0x0d: { name: "float32", bytes: 4 },
  0x0e: { name: "float64", bytes: 8 },
};

function put(view: DataView, at: number, type: number, v: number): void {
  switch (type) {
    case 0x08:
      { view.setUint8(at, v); return; }
    case 0x09:
      { view.setInt8(at, v); return; }
    case 0x0b:
      { view.setInt16(at, v, false); return; }
    case 0x0c:
      { view.setInt32(at, v, false); return; }
    case 0x0d:
      { view.setFloat32(at, v, false); return; }
    case 0x0e:
      { view.setFloat64(at, v, false); return; }
  }
}

function get(view: DataView, at: number, type: number): number {
  switch (type) {
    case 0x08:
      return view.getUint8(at);
    case 0x09:
      return view.getInt8(at);
    case 0x0b:
      return view.getInt16(at, false);
    case 0x0c:
      return view.getInt32(at, false);
    case 0x0d:
      return view.getFloat32(at, false);
    default:
      return view.getFloat64(at, false);
  }
}

/** A valid IDX file of one type and shape; values repeat cyclically. */
export function writeIdx(type: number, dims: readonly number[], values: readonly number[]): Uint8Array {
  const kind = idxTypes[type]!;
  const count = dims.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(4 + 4 * dims.length + count * kind.bytes);
  const view = new DataView(bytes.buffer);
  bytes[2] = type;
  bytes[3] = dims.length;
  dims.forEach((d, i) => { view.setUint32(4 + 4 * i, d, false); });
  for (let i = 0; i < count; i++) put(view, 4 + 4 * dims.length + i * kind.bytes, type, values.length === 0 ? 0 : values[i % values.length]);
  return bytes;
}

export type RefIdx = { ok: true; type: string; shape: number[]; values: number[] } | { ok: false; problem: string };

/** Reads an IDX file strictly: magic 00 00 TT NN, NN big-endian uint32 sizes, exactly the elements. */
export function readIdxBytes(bytes: Uint8Array): RefIdx {
  if (bytes.length < 4) return { ok: false, problem: "shorter than 4 bytes" };
  const kind = idxTypes[bytes[2]];
  if (bytes[0] !== 0 || bytes[1] !== 0 || kind === undefined || bytes[3] === 0) return { ok: false, problem: "wrong magic number" };
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * rank) return { ok: false, problem: "truncated header" };
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== 4 + 4 * rank + count * kind.bytes) return { ok: false, problem: `${bytes.length} bytes for ${kind.name} [${shape.join(", ")}]` };
  const values = Array.from({ length: count }, (_, i) => get(view, 4 + 4 * rank + i * kind.bytes, bytes[2]));
  return { ok: true, type: kind.name, shape, values };
}
