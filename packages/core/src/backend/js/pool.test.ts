import { describe, expect, it } from "vitest";
import { avgPool2d, maxPool2d, poolOutputSize } from "./pool.js";
import { tensor } from "../../index.js";
import type { Pool2dAttrs } from "../kernels.js";

const attrs = (k: number, s: number, p: number, ceilMode = false): Pool2dAttrs & { ceilMode: boolean } => ({
  kernel: [k, k], stride: [s, s], padding: [p, p], dilation: [1, 1], countIncludePad: true, ceilMode,
});

describe("JS pooling kernels", () => {
  it("size the output like PyTorch, ceil mode included", () => {
    expect(poolOutputSize(5, 2, 2, 0, 1, false)).toBe(2);
    expect(poolOutputSize(5, 2, 2, 0, 1, true)).toBe(3);
    // the last ceil-mode window would start in the right padding: dropped
    expect(poolOutputSize(4, 2, 2, 1, 1, true)).toBe(3);
    expect(poolOutputSize(7, 3, 2, 1, 2, false)).toBe(3);
  });

  it("max pooling records flat indices within each plane", () => {
    const x = tensor([[[[1, 5, 2], [3, 4, 8], [0, 9, 2]]], [[[7, 1, 0], [0, 0, 0], [0, 0, 6]]]]);
    const [y, idx] = maxPool2d(x, attrs(2, 2, 0, true));
    expect(y.toArray()).toEqual([[[[5, 8], [9, 2]]], [[[7, 0], [0, 6]]]]);
    expect(idx.dtype).toBe("int32");
    expect(idx.toArray()).toEqual([[[[1, 5], [7, 8]]], [[[0, 2], [6, 8]]]]);
  });

  it("average pooling counts padding but not the ceil-mode overhang", () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    // windows rows/cols {-1, 0}, {1, 2}: padded cells count (4 per window)
    expect(avgPool2d(x, attrs(2, 2, 1)).toArray()).toEqual([[[[0.25, 1.25], [2.75, 7]]]]);
    expect(avgPool2d(x, attrs(2, 2, 0, true)).toArray()).toEqual([[[[3, 4.5], [7.5, 9]]]]);
  });
});
