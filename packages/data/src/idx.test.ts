import { describe, expect, it } from "vitest";
import { FormatError } from "@backprop/core";
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
});
