import { describe, expect, it } from "vitest";
import { DTypeError, FormatError, ShapeError, ValueError } from "@backprop/core";
import { idxToTensor, parseIdx } from "./index.js";

/** Builds IDX bytes: magic 0x0000TTNN, big-endian dims, then the element bytes. */
function idxBytes(typeByte: number, shape: number[], body: number[] | Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  header[2] = typeByte;
  header[3] = shape.length;
  shape.forEach((d, i) => { view.setUint32(4 + 4 * i, d, false); });
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

describe("parseIdx", () => {
  it("parses a uint8 3-D array", () => {
    const idx = parseIdx(idxBytes(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]), "tiny");
    expect(idx.type).toBe("uint8");
    expect(idx.shape).toEqual([2, 2, 3]);
    expect(Array.from(idx.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
    const t = idxToTensor(idx, { scale: 1 / 255 });
    expect(t.shape).toEqual([2, 2, 3]);
    expect(t.dtype).toBe("float32");
    expect((t.toArray() as number[][][])[1][1][2]).toBe(1);
    expect((t.toArray() as number[][][])[0][0][1]).toBeCloseTo(1 / 255, 7);
  });

  it("reads big-endian int8, int16, int32, float32 and float64 elements", () => {
    expect(Array.from(parseIdx(idxBytes(0x09, [2], [0xff, 0x7f])).data)).toEqual([-1, 127]);
    expect(Array.from(parseIdx(idxBytes(0x0b, [2], [0x01, 0x02, 0xff, 0xfe])).data)).toEqual([258, -2]);
    expect(Array.from(parseIdx(idxBytes(0x0c, [1], [0x00, 0x01, 0x00, 0x00])).data)).toEqual([65536]);
    expect(Array.from(parseIdx(idxBytes(0x0d, [1], [0x3f, 0xc0, 0x00, 0x00])).data)).toEqual([1.5]);
    expect(Array.from(parseIdx(idxBytes(0x0e, [1], [0xc0, 0x04, 0, 0, 0, 0, 0, 0])).data)).toEqual([-2.5]);
    const labels = idxToTensor(parseIdx(idxBytes(0x08, [3], [9, 0, 4])), { dtype: "int32" });
    expect(labels.dtype).toBe("int32");
    expect(labels.toArray()).toEqual([9, 0, 4]);
  });

  it("reports a truncated file with the file name, expected and actual bytes", () => {
    const bytes = idxBytes(0x08, [2, 3], [1, 2, 3, 4]);
    expect(() => parseIdx(bytes, "train-images")).toThrow(FormatError);
    expect(() => parseIdx(bytes, "train-images")).toThrow("parseIdx: train-images is truncated; header says [2, 3] uint8, expected 18 bytes, got 16");
    expect(() => parseIdx(bytes.subarray(0, 6), "x.idx")).toThrow(/x.idx is truncated; expected 12 bytes of header for 2 dimensions, got 6/);
    expect(() => parseIdx(new Uint8Array(2), "x.idx")).toThrow(/truncated/);
    expect(() => parseIdx(idxBytes(0x08, [1], [1, 2]), "x.idx")).toThrow(/has trailing bytes; header says \[1\] uint8, expected 9 bytes, got 10/);
  });

  it("rejects a wrong magic number", () => {
    const bytes = idxBytes(0x08, [1], [1]);
    bytes[0] = 0x12;
    expect(() => parseIdx(bytes, "bad.idx")).toThrow(FormatError);
    expect(() => parseIdx(bytes, "bad.idx")).toThrow(/bad.idx has a wrong magic number; .* got 0x12000801/);
    expect(() => parseIdx(idxBytes(0x07, [1], [1]), "bad.idx")).toThrow(/wrong magic number/);
    expect(() => parseIdx(new TextEncoder().encode("hello world"), "text.idx")).toThrow(/wrong magic number/);
    expect(() => parseIdx(new Uint8Array([0x1f, 0x8b, 8, 0]), "x.gz")).toThrow(/gzip-compressed/);
  });

  it("rejects lying headers with the file and the expected and actual bytes, before allocating", () => {
    // Dimensions of 2^32 - 1: the claimed size is exact, not a rounded float.
    const huge = idxBytes(0x08, [0xffffffff, 0xffffffff], [1]);
    expect(() => parseIdx(huge, "huge.idx")).toThrow(FormatError);
    expect(() => parseIdx(huge, "huge.idx")).toThrow("parseIdx: huge.idx is truncated; header says [4294967295, 4294967295] uint8, expected 18446744065119617037 bytes, got 13");
    // 255 dimensions of 2^32 - 1, float64: a product far past any safe integer.
    const absurd = idxBytes(0x0e, new Array<number>(255).fill(0xffffffff), []);
    expect(() => parseIdx(absurd, "absurd.idx")).toThrow(/^parseIdx: absurd.idx is truncated; header says \[4294967295, .*\] float64, expected about \d\.\d\de2\d{3} bytes, got 1024$/);
    // Dimensions that multiply past the data.
    expect(() => parseIdx(idxBytes(0x0c, [3, 3], new Uint8Array(20)), "short.idx")).toThrow("parseIdx: short.idx is truncated; header says [3, 3] int32, expected 48 bytes, got 32");
    // A zero dimension holds nothing: with or without data after it.
    expect(() => parseIdx(idxBytes(0x08, [2, 0], []), "empty.idx")).toThrow("parseIdx: empty.idx has an empty dimension; expected every size >= 1, got [2, 0] uint8");
    expect(() => parseIdx(idxBytes(0x08, [0, 5], [1, 2, 3]), "zero.idx")).toThrow(FormatError);
  });

  it("rejects input that is not bytes, and IdxArrays that do not hold their shape", () => {
    expect(() => parseIdx(5 as never)).toThrow(ValueError);
    expect(() => parseIdx([0, 0, 8, 1, 0, 0, 0, 1, 5] as never, "a.idx")).toThrow("parseIdx: expected the bytes of a.idx as a Uint8Array; got Array");
    expect(() => parseIdx(null as never)).toThrow("parseIdx: expected the bytes of <idx> as a Uint8Array; got null");
    expect(() => idxToTensor(null as never)).toThrow("idxToTensor: expected an IdxArray { type, shape, data }; got null");
    expect(() => idxToTensor({ type: "uint8", shape: [2], data: new Uint8Array(5) })).toThrow(ShapeError);
    expect(() => idxToTensor({ type: "uint8", shape: [2], data: new Uint8Array(5) })).toThrow("idxToTensor: data holds 5 elements; expected 2 for shape [2]");
    expect(() => idxToTensor({ type: "uint8", shape: [2, -1], data: new Uint8Array(2) })).toThrow(ShapeError);
    const idx = parseIdx(idxBytes(0x08, [2], [1, 2]));
    expect(() => idxToTensor(idx, { dtype: "bool" as never })).toThrow(DTypeError);
    expect(() => idxToTensor(idx, { dtype: "bool" as never })).toThrow('idxToTensor: dtype must be "float32" or "int32"; got "bool"');
    expect(() => idxToTensor(idx, { scale: NaN })).toThrow("idxToTensor: scale must be a finite number; got NaN");
    expect(() => idxToTensor(idx, null as never)).toThrow(ValueError);
  });
});
