import { describe, expect, it } from "vitest";
import { ShapeError, arange, zeros } from "../index.js";
import { broadcastView, permuteView, reshapeView, sliceView } from "./views.js";

describe("raw views", () => {
  it("broadcastView gives stride 0 to new and size-1 axes", () => {
    const x = arange(3).reshape([3, 1]);
    const v = broadcastView(x, [2, 3, 4]);
    expect(v.strides).toEqual([0, 1, 0]);
    expect(v.storage).toBe(x.storage);
    expect(v.toArray()).toEqual([0, 1].map(() => [0, 1, 2].map((i) => [i, i, i, i])));
    expect(broadcastView(x, [3, 2]).toArray()).toEqual([[0, 0], [1, 1], [2, 2]]);
    expect(() => broadcastView(x, [2, 1])).toThrow("axis 0: 3 vs 2");
    expect(() => broadcastView(x, [3])).toThrow(ShapeError);
  });
  it("permuteView reorders shape and strides", () => {
    const v = permuteView(arange(24).reshape([2, 3, 4]), [2, 0, 1]);
    expect(v.shape).toEqual([4, 2, 3]);
    expect(v.strides).toEqual([1, 12, 4]);
  });
  it("reshapeView splits and merges chained axes and refuses gaps", () => {
    const x = arange(24).reshape([2, 3, 4]);
    // [4, 2, 3] with strides [1, 12, 4]: axes 1 and 2 chain (12 = 4 * 3), axes 0 and 1 do not.
    const p = x.permute([2, 0, 1]);
    const merged = reshapeView(p, [4, 6]);
    expect(merged?.strides).toEqual([1, 4]);
    expect(merged?.toArray()).toEqual(p.contiguous().reshape([4, 6]).toArray());
    const split = reshapeView(p, [2, 2, 1, 2, 3]);
    expect(split?.toArray()).toEqual(p.contiguous().reshape([2, 2, 1, 2, 3]).toArray());
    expect(reshapeView(p, [24])).toBeNull();
    expect(reshapeView(p, [8, 3])).toBeNull();
  });
  it("reshapeView of an empty view returns at once", () => {
    expect(reshapeView(zeros([0, 4]).transpose(), [2, 0, 2])?.shape).toEqual([2, 0, 2]);
  });
  it("sliceView moves the offset and scales strides", () => {
    const x = arange(12).reshape([3, 4]);
    const v = sliceView(x, [
      { start: 2, step: -1, count: 2, drop: false },
      { start: 1, step: 1, count: 1, drop: true },
    ]);
    expect(v.shape).toEqual([2]);
    expect(v.offset).toBe(9);
    expect(v.toArray()).toEqual([9, 5]);
    const empty = sliceView(x, [{ start: 3, step: 1, count: 0, drop: false }, { start: 0, step: 1, count: 4, drop: false }]);
    expect(empty.shape).toEqual([0, 4]);
    expect(empty.offset).toBe(0);
  });
});
