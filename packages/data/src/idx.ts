/**
 * The IDX file format of MNIST: a 4-byte magic number (two zero bytes, a dtype byte, the
 * number of dimensions), one big-endian uint32 per dimension, then the elements, big-endian.
 * This parser works on bytes and runs anywhere; `readIdx` (Node) adds files and gzip.
 * @module
 */
import { DTypeError, FormatError, ShapeError, Tensor, ValueError, empty, formatShape } from "@backprop/core";
import { describeValue, optionsOf, typeName } from "./check.js";
import { readIdxHeader, sizeMismatch } from "./idxHeader.js";

/**
 * The element types an IDX file can hold, by their dtype byte.
 * @category Data
 */
export type IdxType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

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
 * `readIdx`, which inflates it), a dimension of size 0, a truncated file or trailing bytes; each
 * message names the file and, for a size mismatch, the expected and actual byte counts (the
 * size a header claims is checked exactly before anything is decoded).
 * @throws {ValueError} when `bytes` is not a Uint8Array.
 * @example
 * ```ts
 * import { parseIdx } from "@backprop/data";
 * const bytes = new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]);
 * parseIdx(bytes, "tiny.idx"); // { type: "uint8", shape: [3], data: Uint8Array [7, 8, 9] }
 * ```
 * @category Data
 */
export function parseIdx(bytes: Uint8Array, file = "<idx>"): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`parseIdx: expected the bytes of ${file} as a Uint8Array; got ${typeName(bytes)}`);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new FormatError(`parseIdx: ${file} is gzip-compressed; inflate it first (readIdx does)`);
  }
  const header = readIdxHeader(bytes, file);
  if (header === null) {
    if (bytes.length < 4) throw new FormatError(`parseIdx: ${file} is truncated; expected at least 4 bytes of header, got ${bytes.length}`);
    throw new FormatError(`parseIdx: ${file} is truncated; expected ${4 + 4 * bytes[3]} bytes of header for ${bytes[3]} dimensions, got ${bytes.length}`);
  }
  // The claimed size is exact (a bigint), so no product of dimensions can wrap or round
  // past the check; only a claim that matches the bytes in hand gets decoded.
  if (header.fileBytes !== BigInt(bytes.length)) throw sizeMismatch(file, header, bytes.length);
  const count = (bytes.length - header.headerBytes) / header.bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { type: header.type, shape: header.shape, data: decode(view, header.headerBytes, count, header.type) };
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
 * @throws {ShapeError} when the data does not hold exactly the elements of the shape.
 * @throws {DTypeError} for a dtype other than float32 or int32.
 * @throws {ValueError} for a scale that is not a finite number, or an `idx` that is not an IdxArray.
 * @example
 * ```ts
 * import { idxToTensor, parseIdx } from "@backprop/data";
 * const idx = parseIdx(new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 2, 0, 255]));
 * idxToTensor(idx, { scale: 1 / 255 }).toArray(); // [0, 1]
 * ```
 * @category Data
 */
export function idxToTensor(idx: IdxArray, options: IdxToTensorOptions = {}): Tensor {
  const { dtype = "float32", scale = 1 } = optionsOf(options, "idxToTensor");
  const value: unknown = idx;
  if (typeof value !== "object" || value === null || !Array.isArray(idx.shape) || !ArrayBuffer.isView(idx.data)) {
    throw new ValueError(`idxToTensor: expected an IdxArray { type, shape, data }; got ${typeName(value)}`);
  }
  if (dtype !== "float32" && dtype !== "int32") throw new DTypeError(`idxToTensor: dtype must be "float32" or "int32"; got ${describeValue(dtype)}`);
  if (typeof scale !== "number" || !Number.isFinite(scale)) throw new ValueError(`idxToTensor: scale must be a finite number; got ${describeValue(scale)}`);
  let count = 1;
  for (const d of idx.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`idxToTensor: shape must hold non-negative integers; got ${formatShape(idx.shape)}`);
    count *= d;
  }
  // Checked before allocating: the tensor gets exactly the elements the data holds.
  if (count !== idx.data.length) throw new ShapeError(`idxToTensor: data holds ${idx.data.length} elements; expected ${count} for shape ${formatShape(idx.shape)}`);
  const t = empty(idx.shape, { dtype });
  const dst = t.storage.data;
  const src = idx.data;
  if (scale === 1) dst.set(src);
  else for (let i = 0; i < src.length; i++) dst[i] = src[i] * scale;
  return t;
}
