import { describe, expect, it } from "vitest";
import { softmax, logSoftmax } from "./softmax.js";
import { tensor } from "../../index.js";

describe("JS softmax kernels", () => {
  it("normalise rows along a strided axis and give NaN for a fully masked row", () => {
    const x = tensor([[0, -Infinity], [Math.log(3), -Infinity]], { dtype: "float64" });
    const s = softmax(x, 0).toArray() as number[][];
    expect(s[0][0]).toBeCloseTo(0.25, 12);
    expect(s[1][0]).toBeCloseTo(0.75, 12);
    expect(Number.isNaN(s[0][1])).toBe(true);
    const l = logSoftmax(x.transpose(), 1).toArray() as number[][];
    expect(l[0][1]).toBeCloseTo(Math.log(0.75), 12);
  });
});
