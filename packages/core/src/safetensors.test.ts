import { describe, expect, it } from "vitest";
import { FormatError, decodeSafetensors, encodeSafetensors, tensor, zeros } from "./index.js";
import { ValueError } from "./index.js";

/** A safetensors file from its JSON header and data bytes, with the length written by hand. */
function file(header: string, data: number[]): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  let n = h.length;
  for (let i = 0; i < 8; i++) {
    out[i] = n & 0xff;
    n = Math.floor(n / 256);
  }
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const f32 = (name: string, shape: number[], begin: number, end: number): string =>
  `"${name}":{"dtype":"F32","shape":${JSON.stringify(shape)},"data_offsets":[${begin},${end}]}`;

describe("safetensors", () => {
  it("decodes a file written byte by byte", () => {
    // 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0 (little-endian); int32 7 = 07 00 00 00; bool true = 01.
    const header = `{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1,1],"data_offsets":[8,12]},"c":{"dtype":"BOOL","shape":[],"data_offsets":[12,13]}}`;
    const bytes = file(header, [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 7, 0, 0, 0, 1]);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: "pt" });
    expect(tensors.a.dtype).toBe("float32");
    expect(tensors.a.toArray()).toEqual([1, -2]);
    expect(tensors.b.dtype).toBe("int32");
    expect(tensors.b.toArray()).toEqual([[7]]);
    expect(tensors.c.dtype).toBe("bool");
    expect(tensors.c.toArray()).toBe(true);
  });

  it("widens F16 and BF16 to float32, and I64, U32, I16, U16, I8, U8 to int32", () => {
    const entry = (name: string, dtype: string, n: number, begin: number, width: number): string =>
      `"${name}":{"dtype":"${dtype}","shape":[${n}],"data_offsets":[${begin},${begin + n * width}]}`;
    const header = `{${[
      entry("h", "F16", 6, 0, 2), entry("b", "BF16", 3, 12, 2), entry("l", "I64", 2, 18, 8), entry("u32", "U32", 1, 34, 4),
      entry("i16", "I16", 2, 38, 2), entry("u16", "U16", 1, 42, 2), entry("i8", "I8", 2, 44, 1), entry("u8", "U8", 2, 46, 1),
    ].join(",")}}`;
    const data = [
      // F16: 1 = 3c00, -2 = c000, 0.5 = 3800, 65504 = 7bff, -inf = fc00, 2^-24 = 0001 (the smallest subnormal).
      0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0xff, 0x7b, 0x00, 0xfc, 0x01, 0x00,
      // BF16 (the top half of a float32): 1 = 3f80, -2.5 = c020, 3.140625 = 4049.
      0x80, 0x3f, 0x20, 0xc0, 0x49, 0x40,
      // I64: -3 and 2^31 - 1.
      0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0,
      // U32 70000; I16 -300, 300; U16 65535; I8 -128, 127; U8 0, 255.
      0x70, 0x11, 0x01, 0x00, 0xd4, 0xfe, 0x2c, 0x01, 0xff, 0xff, 0x80, 0x7f, 0x00, 0xff,
    ];
    const { tensors } = decodeSafetensors(file(header, data));
    expect(tensors.h.dtype).toBe("float32");
    expect(tensors.h.toArray()).toEqual([1, -2, 0.5, 65504, -Infinity, Math.fround(2 ** -24)]);
    expect(tensors.b.toArray()).toEqual([1, -2.5, 3.140625]);
    expect(tensors.l.dtype).toBe("int32");
    expect(tensors.l.toArray()).toEqual([-3, 2147483647]);
    expect(tensors.u32.toArray()).toEqual([70000]);
    expect(tensors.i16.toArray()).toEqual([-300, 300]);
    expect(tensors.u16.toArray()).toEqual([65535]);
    expect(tensors.i8.toArray()).toEqual([-128, 127]);
    expect(tensors.u8.toArray()).toEqual([0, 255]);
  });

  it("refuses 64-bit integers that do not fit int32, naming the tensor and element", () => {
    const header = `{"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}`;
    const bytes = file(header, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0]);
    expect(() => decodeSafetensors(bytes, "ids.safetensors")).toThrow(
      new FormatError('decodeSafetensors: ids.safetensors tensor "ids" (I64) holds 2147483648 at element 1, outside int32, the widest integer type backprop holds'),
    );
  });

  it("encodes the standard layout: u64 length, JSON padded with spaces to 8 bytes, raw data", () => {
    const bytes = encodeSafetensors({ w: tensor([1, -2]) }, { producer: "test" });
    const n = new DataView(bytes.buffer).getBigUint64(0, true);
    expect(Number(n) % 8).toBe(0);
    const json = new TextDecoder().decode(bytes.subarray(8, 8 + Number(n)));
    expect(JSON.parse(json)).toEqual({ __metadata__: { producer: "test" }, w: { dtype: "F32", shape: [2], data_offsets: [0, 8] } });
    expect(json.trimEnd().length + (json.length - json.trimEnd().length)).toBe(Number(n));
    expect([...bytes.subarray(8 + Number(n))]).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
  });

  it("round-trips every dtype, views and empty tensors", () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float64" });
    const src = {
      f64: m.transpose(),
      i32: tensor([-1, 2147483647], { dtype: "int32" }),
      b: tensor([true, false, true]),
      e: zeros([0, 3]),
      s: tensor(0.1),
    };
    const { tensors } = decodeSafetensors(encodeSafetensors(src));
    for (const [k, t] of Object.entries(src)) {
      expect(tensors[k].dtype).toBe(t.dtype);
      expect(tensors[k].shape).toEqual(t.shape);
      expect(tensors[k].toArray()).toEqual(t.toArray());
    }
    expect(tensors.s.item()).toBe(Math.fround(0.1));
  });

  it("rejects a truncated file with the sizes", () => {
    const bytes = encodeSafetensors({ w: zeros([235]) });
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 428), "weights.safetensors")).toThrow(
      "decodeSafetensors: weights.safetensors is truncated; header says 940 bytes of data, file has 512",
    );
    expect(() => decodeSafetensors(bytes.subarray(0, 5))).toThrow(/is truncated; expected at least 8 bytes/);
    expect(() => decodeSafetensors(bytes.subarray(0, 20))).toThrow(/header length says \d+ bytes, but only 12 follow/);
  });

  it("rejects an absurd header length", () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 62n, true);
    expect(() => decodeSafetensors(bytes)).toThrow(FormatError);
    expect(() => decodeSafetensors(bytes)).toThrow(/absurd header length; expected at most 100000000 bytes/);
  });

  it("rejects overlapping offsets, gaps and offsets outside the data", () => {
    const data = new Array<number>(16).fill(0);
    expect(() => decodeSafetensors(file(`{${f32("a", [2], 0, 8)},${f32("b", [2], 4, 12)}}`, data.slice(0, 12)))).toThrow(
      /overlapping tensors: "b" \[4, 12\) overlaps "a" which ends at 8/,
    );
    expect(() => decodeSafetensors(file(`{${f32("a", [1], 0, 4)},${f32("b", [1], 8, 12)}}`, data.slice(0, 12)))).toThrow(
      /do not cover the data; bytes \[4, 8\) belong to no tensor/,
    );
    expect(() => decodeSafetensors(file(`{${f32("a", [1], 0, 4)}}`, data.slice(0, 8)))).toThrow(/do not cover the data; header says 4 bytes of data, file has 8/);
    expect(() => decodeSafetensors(file(`{${f32("a", [4], 8, 24)}}`, data))).toThrow(/truncated; header says 24 bytes of data, file has 16/);
    // Header order need not follow data order.
    const swapped = decodeSafetensors(file(`{${f32("b", [1], 4, 8)},${f32("a", [1], 0, 4)}}`, [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40])).tensors;
    expect([swapped.a.item(), swapped.b.item()]).toEqual([1, 2]);
  });

  it("rejects dtype, shape and size mismatches and bad JSON", () => {
    const d = new Array<number>(8).fill(0);
    expect(() => decodeSafetensors(file(`{"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}`, d))).toThrow(/unsupported dtype "F8_E4M3"; expected one of F32, F64, I32, BOOL, F16, BF16, I64, U32, I16, U16, I8, U8/);
    expect(() => decodeSafetensors(file(`{${f32("a", [3], 0, 8)}}`, d))).toThrow(/needs 12 bytes; expected data_offsets spanning 12, got \[0, 8\] \(8 bytes\)/);
    expect(() => decodeSafetensors(file(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, d))).toThrow(/bad shape/);
    expect(() => decodeSafetensors(file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, d))).toThrow(/bad data_offsets/);
    expect(() => decodeSafetensors(file(`{"a": oops}`, d))).toThrow(/header that is not valid JSON/);
    expect(() => decodeSafetensors(file(`[1, 2]`, d))).toThrow(/not a JSON object; got an array/);
    expect(() => decodeSafetensors(file(`{"__metadata__":{"n":1}}`, []))).toThrow(/__metadata__ "n" that is not a string/);
  });

  it("keeps a tensor or metadata named __proto__ as an own entry (not the object's prototype)", () => {
    const bytes = encodeSafetensors({ abcdefghi: tensor([1, 2]) }); // as long as __proto__
    const at = new TextDecoder("latin1").decode(bytes).indexOf("abcdefghi");
    bytes.set(new TextEncoder().encode("__proto__"), at);
    const { tensors } = decodeSafetensors(bytes);
    expect(Object.keys(tensors)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(tensors, "__proto__")!.value.toArray()).toEqual([1, 2]);
  });

  it("rejects bad arguments when encoding", () => {
    expect(() => encodeSafetensors({ __metadata__: zeros([1]) })).toThrow(/reserved/);
    expect(() => encodeSafetensors({ a: [1, 2] as never })).toThrow(/"a" must be a tensor/);
    expect(() => encodeSafetensors({}, { n: 1 as never })).toThrow(/metadata values must be strings/);
  });
});

describe("bad arguments raise named errors (issue 16)", () => {
  it("metadata that is not an object: ValueError (TypeError 'Cannot convert undefined or null to object' before)", () => {
    expect(() => encodeSafetensors({}, null as never)).toThrow(ValueError);
    expect(() => encodeSafetensors({}, null as never)).toThrow('encodeSafetensors: metadata is not an object; expected strings by name, e.g. { format: "pt" }, got null');
  });
});
