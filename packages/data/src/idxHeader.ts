/**
 * The header of an IDX file, read from its first bytes alone, so that a loader can judge a
 * file (and the size it claims) before reading or inflating the rest. Internal.
 * @module
 */
import { FormatError, formatShape } from "@backprop/core";
import type { IdxType } from "./idx.js";

const idxTypes: Record<number, { type: IdxType; bytes: number } | undefined> = {
  0x08: { type: "uint8", bytes: 1 },
  0x09: { type: "int8", bytes: 1 },
  0x0b: { type: "int16", bytes: 2 },
  0x0c: { type: "int32", bytes: 4 },
  0x0d: { type: "float32", bytes: 4 },
  0x0e: { type: "float64", bytes: 8 },
};

/** What an IDX header says. */
export interface IdxHeader {
  type: IdxType;
  /** Bytes per element. */
  bytes: number;
  shape: number[];
  headerBytes: number;
  /**
   * The whole file's size as the header claims it: exact, as a bigint, since 255 dimensions
   * of up to 2^32 - 1 each can claim far more than any safe integer.
   */
  fileBytes: bigint;
  /** `header says [2, 28, 28] uint8`, for messages. */
  says: string;
}

/**
 * Reads the header at the start of an IDX file: null while `bytes` ends before the header does.
 * @throws {FormatError} for a wrong magic number or a dimension of size 0.
 */
export function readIdxHeader(bytes: Uint8Array, file: string): IdxHeader | null {
  if (bytes.length < 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = idxTypes[bytes[2]];
  if (bytes[0] !== 0 || bytes[1] !== 0 || kind === undefined || bytes[3] === 0) {
    throw new FormatError(
      `parseIdx: ${file} has a wrong magic number; expected 0x0000TTNN (TT a dtype byte in 08 09 0B 0C 0D 0E, NN >= 1 dimensions, e.g. 0x00000803 for images), got 0x${view.getUint32(0, false).toString(16).padStart(8, "0")}`,
    );
  }
  const rank = bytes[3];
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) return null;
  const shape: number[] = [];
  let elements = 1n;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    elements *= BigInt(d);
  }
  const says = `header says ${formatShape(shape)} ${kind.type}`;
  if (elements === 0n) throw new FormatError(`parseIdx: ${file} has an empty dimension; expected every size >= 1, got ${formatShape(shape)} ${kind.type}`);
  return { type: kind.type, bytes: kind.bytes, shape, headerBytes, fileBytes: BigInt(headerBytes) + elements * BigInt(kind.bytes), says };
}

/** The error for a file whose size is not the one its header claims. */
export function sizeMismatch(file: string, header: IdxHeader, actual: number): FormatError {
  const what = BigInt(actual) < header.fileBytes ? "is truncated" : "has trailing bytes";
  return new FormatError(`parseIdx: ${file} ${what}; ${header.says}, expected ${formatBytes(header.fileBytes)} bytes, got ${actual}`);
}

/** A byte count for messages: exact up to 20 digits, else `about 2.03e2457`. */
export function formatBytes(n: bigint): string {
  const s = n.toString();
  return s.length <= 20 ? s : `about ${s[0]}.${s.slice(1, 3)}e${s.length - 1}`;
}
