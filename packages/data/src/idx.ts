/**
 * The IDX file format of MNIST: a 4-byte magic number (two zero bytes, a dtype byte, the
 * number of dimensions), one big-endian uint32 per dimension, then the elements, big-endian.
 * This parser works on bytes and runs anywhere; `readIdx` (Node) adds files and gzip.
 * @module
 */
import { FormatError, Tensor, empty, formatShape } from "@backprop/core";

/**
 * The element types an IDX file can hold, by their dtype byte.
 * @category Data
 */
export type IdxType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

const idxTypes: Record<number, { type: IdxType; bytes: number } | undefined> = {
  0x08: { type: "uint8", bytes: 1 },
  0x09: { type: "int8", bytes: 1 },
  0x0b: { type: "int16", bytes: 2 },
  0x0c: { type: "int32", bytes: 4 },
  0x0d: { type: "float32", bytes: 4 },
  0x0e: { type: "float64", bytes: 8 },
};

/**
 * A parsed IDX file: its element type, its dimensions, and the elements as a typed array in
 * that type (uint8 files stay bytes, so 47 MB of MNIST pixels are not widened yet).
 * @category Data
 */
export interface IdxArray {
  type: IdxType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/**
 * Parses the bytes of an (uncompressed) IDX file.
 * @param bytes the whole file.
 * @param file the file's name, for error messages.
 * @throws {FormatError} for a wrong magic number, an unknown dtype byte, a gzip stream (use
 * `readIdx`, which inflates it), a truncated file or trailing bytes; each message names the file
 * and, for a size mismatch, the expected and actual byte counts.
 * @example
 * ```ts
 * import { parseIdx } from "@backprop/data";
 * const bytes = new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]);
 * parseIdx(bytes, "tiny.idx"); // { type: "uint8", shape: [3], data: Uint8Array [7, 8, 9] }
 * ```
 * @category Data
 */
export function parseIdx(bytes: Uint8Array, file = "<idx>"): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new FormatError(`parseIdx: ${file} is gzip-compressed; inflate it first (readIdx does)`);
  }
  if (bytes.length < 4) throw new FormatError(`parseIdx: ${file} is truncated; expected at least 4 bytes of header, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const kind = idxTypes[bytes[2]];
  if (bytes[0] !== 0 || bytes[1] !== 0 || kind === undefined || bytes[3] === 0) {
    throw new FormatError(
      `parseIdx: ${file} has a wrong magic number; expected 0x0000TTNN (TT a dtype byte in 08 09 0B 0C 0D 0E, NN >= 1 dimensions, e.g. 0x00000803 for images), got 0x${magic.toString(16).padStart(8, "0")}`,
    );
  }
  const rank = bytes[3];
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new FormatError(`parseIdx: ${file} is truncated; expected ${headerBytes} bytes of header for ${rank} dimensions, got ${bytes.length}`);
  }
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const expected = headerBytes + count * kind.bytes;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? "is truncated" : "has trailing bytes";
    throw new FormatError(`parseIdx: ${file} ${what}; header says ${formatShape(shape)} ${kind.type}, expected ${expected} bytes, got ${bytes.length}`);
  }
  return { type: kind.type, shape, data: decode(view, headerBytes, count, kind.type) };
}

function decode(view: DataView, at: number, count: number, type: IdxType): IdxArray["data"] {
  const { buffer, byteOffset } = view;
  switch (type) {
    case "uint8":
      return new Uint8Array(buffer, byteOffset + at, count);
    case "int8":
      return new Int8Array(buffer, byteOffset + at, count);
    case "int16": {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(at + 2 * i, false);
      return out;
    }
    case "int32": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(at + 4 * i, false);
      return out;
    }
    case "float32": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + 4 * i, false);
      return out;
    }
    case "float64": {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(at + 8 * i, false);
      return out;
    }
  }
}

/**
 * Options of {@link idxToTensor}.
 * @category Data
 */
export interface IdxToTensorOptions {
  /** Target dtype: "float32" (default for images) or "int32" (labels). */
  dtype?: "float32" | "int32";
  /** Multiply every element by this (e.g. 1/255 to map pixels to [0, 1]; default 1). */
  scale?: number;
}

/**
 * Converts a parsed IDX array into a tensor of its shape, optionally scaled.
 * Shape: the IDX file's dimensions.
 * @example
 * ```ts
 * import { idxToTensor, parseIdx } from "@backprop/data";
 * const idx = parseIdx(new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 2, 0, 255]));
 * idxToTensor(idx, { scale: 1 / 255 }).toArray(); // [0, 1]
 * ```
 * @category Data
 */
export function idxToTensor(idx: IdxArray, options: IdxToTensorOptions = {}): Tensor {
  const dtype = options.dtype ?? "float32";
  const scale = options.scale ?? 1;
  const t = empty(idx.shape, { dtype });
  const dst = t.storage.data;
  const src = idx.data;
  if (scale === 1) dst.set(src);
  else for (let i = 0; i < src.length; i++) dst[i] = src[i] * scale;
  return t;
}
