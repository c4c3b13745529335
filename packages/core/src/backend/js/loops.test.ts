import { describe, expect, it } from "vitest";
import { collapseAxes as collapse } from "../../shape.js";
import { forEachRow } from "./loops.js";

/** Every element offset forEachRow visits, per operand, in order. */
function visit(shape: number[], strides: number[][], offsets: number[]): number[][] {
  const seen: number[][] = offsets.map(() => []);
  forEachRow(shape, strides, offsets, (n, offs, inner) => {
    for (let i = 0; i < n; i++) offs.forEach((o, k) => seen[k].push(o + i * inner[k]));
  });
  return seen;
}

/** The same walk done naively with an odometer over every axis. */
function naive(shape: number[], strides: number[][], offsets: number[]): number[][] {
  const seen: number[][] = offsets.map(() => []);
  const size = shape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    const pos = new Array<number>(shape.length);
    for (let a = shape.length - 1; a >= 0; a--) {
      pos[a] = rest % shape[a];
      rest = Math.floor(rest / shape[a]);
    }
    offsets.forEach((o, k) => seen[k].push(pos.reduce((s, p, a) => s + p * strides[k][a], o)));
  }
  return seen;
}

describe("collapseAxes", () => {
  it("merges axes contiguous in every operand and drops size-1 axes", () => {
    expect(collapse([2, 3, 4], [[12, 4, 1]])).toEqual([[24], [[1]]]);
    expect(collapse([2, 1, 3], [[3, 99, 1], [0, 5, 0]])).toEqual([[6], [[1], [0]]]);
    // A transposed operand blocks the merge.
    expect(collapse([2, 3], [[3, 1], [1, 2]])).toEqual([[2, 3], [[3, 1], [1, 2]]]);
    expect(collapse([], [[]])).toEqual([[], [[]]]);
  });
});

describe("forEachRow", () => {
  it("visits every element once in row-major order, for any strides", () => {
    const cases: [number[], number[][], number[]][] = [
      [[2, 3, 4], [[12, 4, 1], [1, 2, 6]], [0, 5]],
      [[3, 1, 2], [[-2, 7, 1], [0, 0, 1]], [4, 0]],
      [[4], [[-1]], [3]],
      [[2, 2, 2], [[0, 2, 1], [4, 0, 2]], [0, 1]],
    ];
    for (const [shape, strides, offsets] of cases) expect(visit(shape, strides, offsets)).toEqual(naive(shape, strides, offsets));
  });
  it("calls once for a scalar and never for an empty shape", () => {
    expect(visit([], [[]], [7])).toEqual([[7]]);
    expect(visit([3, 0, 2], [[0, 2, 1]], [0])).toEqual([[]]);
  });
});
