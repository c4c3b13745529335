import { describe, expect, it } from "vitest";
import {
  MAX_RANK, MAX_TENSOR_SIZE, ValueError, arange, broadcastShapes, checkShape, checkView, conv2d, convTranspose2d, empty, eye, full,
  getBackend, linspace, matmul, oneHot, ones, pad, tensor, tile, zeros,
} from "./index.js";
import { contiguousStrides, isContiguous, normalizeAxes, normalizeAxis, shapesEqual, sizeOf } from "./index.js";

describe("sizes are checked against MAX_TENSOR_SIZE before anything is allocated", () => {
  it("the limit is 2^31 - 1 elements and 64 axes", () => {
    expect(MAX_TENSOR_SIZE).toBe(2147483647);
    expect(MAX_RANK).toBe(64);
  });

  it("creation functions refuse sizes past the limit with a ValueError naming the function and shape", () => {
    const cases: [() => unknown, string][] = [
      [() => zeros([2 ** 32]), "zeros: sizes must be integers in [0, 2147483647]; got [4294967296]"],
      [() => ones([2 ** 16, 2 ** 16]), "ones: shape [65536, 65536] has 4294967296 elements; expected at most 2147483647 (MAX_TENSOR_SIZE)"],
      [() => empty([2 ** 31]), "empty: sizes must be integers in [0, 2147483647]; got [2147483648]"],
      [() => full([1e300], 1), "full: sizes must be integers in [0, 2147483647]; got [1e+300]"],
      [() => eye(2 ** 16, 2 ** 16), "eye: shape [65536, 65536] has 4294967296 elements; expected at most 2147483647 (MAX_TENSOR_SIZE)"],
      [() => arange(0, 1e12), "arange: sizes must be integers in [0, 2147483647]; got [1000000000000]"],
      [() => linspace(0, 1, 2 ** 33), "linspace: sizes must be integers in [0, 2147483647]; got [8589934592]"],
      [() => tensor(new Float32Array(4), { shape: [2 ** 32, 0] }), "tensor: sizes must be integers in [0, 2147483647]; got [4294967296, 0]"],
      [() => zeros(new Array<number>(65).fill(1)), "zeros: too many axes; expected at most 64 (MAX_RANK), got 65"],
    ];
    for (const [run, message] of cases) {
      expect(run, message).toThrow(ValueError);
      expect(run, message).toThrow(message);
    }
  });

  it("a zero-size shape may not hide an oversized axis", () => {
    expect(() => zeros([0, 2 ** 32])).toThrow("zeros: sizes must be integers in [0, 2147483647]; got [0, 4294967296]");
    expect(zeros([0, 2 ** 31 - 1]).size).toBe(0);
  });

  it("expand refuses 1e300 (the JS backend used to loop forever summing it)", () => {
    expect(() => ones([1, 2, 3]).expand([1e300, 2, 3])).toThrow(ValueError);
    expect(() => ones([1, 2, 3]).expand([1e300, 2, 3])).toThrow("expand: sizes must be integers in [0, 2147483647]; got [1e+300, 2, 3]");
    expect(() => ones([1, 2]).expand([2 ** 30, 4, 2])).toThrow("expand: shape [1073741824, 4, 2] has 8589934592 elements; expected at most 2147483647");
    expect(() => ones([2]).expand(null as unknown as number[])).toThrow("expand: shape must be an array of sizes; got null");
  });

  it("ops whose result grows check its size: broadcasting, matmul, tile, pad, oneHot, conv2d, convTranspose2d", () => {
    const cases: [() => unknown, string][] = [
      [() => ones([2 ** 16, 1]).add(ones([1, 2 ** 16])), "add: shape [65536, 65536] has 4294967296 elements"],
      [() => broadcastShapes([2 ** 16, 1], [1, 2 ** 16], "mul"), "mul: shape [65536, 65536] has 4294967296 elements"],
      [() => matmul(ones([2 ** 16, 1]), ones([1, 2 ** 16])), "matmul: shape [65536, 65536] has 4294967296 elements"],
      [() => tile(ones([2 ** 16, 1]), [1, 2 ** 16]), "tile: shape [65536, 65536] has 4294967296 elements"],
      [() => pad(ones([2]), [[2 ** 31, 0]]), "pad: sizes must be integers in [0, 2147483647]; got [2147483650]"],
      [() => oneHot(zeros([2 ** 12], { dtype: "int32" }), 2 ** 20), "oneHot: shape [4096, 1048576] has 4294967296 elements"],
      [() => conv2d(ones([1, 1, 2, 2]), ones([1, 1, 1, 1]), { padding: 2 ** 20 }), "conv2d: shape [1, 1, 2097154, 2097154] has 4398054899716 elements"],
      [() => convTranspose2d(ones([1, 1, 2, 2]), ones([1, 1, 1, 1]), { stride: 2 ** 20, outputPadding: 2 ** 20 - 1 }), "convTranspose2d: shape [1, 1, 2097152, 2097152] has 4398046511104 elements"],
    ];
    for (const [run, message] of cases) {
      expect(run, message).toThrow(ValueError);
      expect(run, message).toThrow(message);
    }
  });

  it("reshape checks the resolved shape", () => {
    expect(() => zeros([0]).reshape([0, 1e300])).toThrow("reshape: sizes must be integers in [0, 2147483647]; got [0, 1e+300]");
  });

  it("every backend's alloc checks the length", () => {
    const js = getBackend("js");
    expect(() => js.alloc("float32", 2 ** 32)).toThrow(ValueError);
    expect(() => js.alloc("float32", 2 ** 32)).toThrow("js backend: alloc: sizes must be integers in [0, 2147483647]; got [4294967296]");
    expect(() => js.alloc("float32", NaN)).toThrow("js backend: alloc: sizes must be integers in [0, 2147483647]; got [NaN]");
    expect(() => js.alloc("float16" as "float32", 4)).toThrow('js backend: alloc: unknown dtype "float16"');
  });

  it("tensor() refuses arrays nested deeper than MAX_RANK (a RangeError from the stack before)", () => {
    let deep: unknown = [1];
    for (let i = 0; i < 20000; i++) deep = [deep];
    expect(() => tensor(deep as number[])).toThrow(ValueError);
    expect(() => tensor(deep as number[])).toThrow("tensor: nested arrays are too deep; expected at most 64 levels (MAX_RANK), got more");
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(() => tensor(cyclic as number[])).toThrow(/nested arrays are too deep/);
    let ok: unknown = [1];
    for (let i = 1; i < 64; i++) ok = [ok];
    expect(tensor(ok as number[]).rank).toBe(64);
  });
});

describe("checkShape and checkView", () => {
  it("checkShape returns a copy of a good shape", () => {
    const shape = [2, 3];
    const copy = checkShape(shape, "zeros");
    expect(copy).toEqual([2, 3]);
    expect(copy).not.toBe(shape);
    expect(checkShape(4, "zeros")).toEqual([4]);
  });

  it("checkView accepts views inside their storage and returns the size", () => {
    expect(checkView([2, 3], [3, 1], 0, 6, "t")).toBe(6);
    expect(checkView([2, 3], [1, 2], 0, 6, "t")).toBe(6);
    expect(checkView([3, 4], [0, 1], 2, 6, "t")).toBe(12);
    expect(checkView([3], [-2], 4, 5, "t")).toBe(3);
    expect(checkView([0, 4], [4, 1], 100, 6, "t")).toBe(0);
    expect(checkView([], [], 5, 6, "t")).toBe(1);
  });

  it("checkView refuses non-integers, a wrong rank and views past either end", () => {
    expect(() => checkView([], [], 6, 6, "t")).toThrow("t: view [] (strides [], offset 6) reaches elements 6 to 6; expected every element inside its storage of 6, [0, 6)");
    expect(() => checkView([2], [Infinity], 0, 6, "t")).toThrow("t: strides must be one safe integer per axis of [2]; got [Infinity]");
    expect(() => checkView([2], [2 ** 53], 0, 6, "t")).toThrow("t: strides must be one safe integer per axis of [2]; got [9007199254740992]");
    expect(() => checkView([2], [1], 2 ** 53, 6, "t")).toThrow("t: offset must be a non-negative safe integer; got 9007199254740992");
    expect(() => checkView([2, 2], [1, -3], 2, 6, "t")).toThrow("t: view [2, 2] (strides [1, -3], offset 2) reaches elements -1 to 3");
  });
});

describe("bad arguments raise named errors (issue 16)", () => {
  it("shape helpers given something that is not a list: ValueError (TypeErrors and a RangeError before)", () => {
    expect(() => sizeOf("abc" as never)).toThrow('sizeOf: the shape is not a list of sizes; expected e.g. [2, 3], got "abc"');
    // Before: RangeError "Invalid array length".
    expect(() => broadcastShapes(undefined as never, [1], "add")).toThrow("add: the shape is not a list of sizes; expected e.g. [2, 3], got undefined");
    expect(() => shapesEqual([1], undefined as never)).toThrow(ValueError);
    expect(() => contiguousStrides(null as never)).toThrow(ValueError);
    expect(() => isContiguous([1], null as never)).toThrow("isContiguous: the strides are not a list; expected e.g. [3, 1], got null");
    expect(() => normalizeAxes({} as never, 2, "sum")).toThrow("sum: the axes are not an axis or a list of axes; expected e.g. 0 or [0, 2], got an empty object {}");
    expect(() => normalizeAxis("a" as never, 2, "sum")).toThrow('sum: the axis is not a number; expected an integer axis, got "a"');
  });
});
