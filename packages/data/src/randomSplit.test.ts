import { describe, expect, it } from "vitest";
import { Generator, ValueError } from "@backprop/core";
import { randomSplit } from "./index.js";

const numbers = { length: 10, get: (i: number) => i };
const contents = (d: { length: number; get(i: number): unknown }): number[] => Array.from({ length: d.length }, (_, i) => d.get(i) as number);

describe("randomSplit", () => {
  it("splits by counts into disjoint parts covering the dataset", () => {
    const parts = randomSplit(numbers, [6, 3, 1], { seed: 0 });
    expect(parts.map((p) => p.length)).toEqual([6, 3, 1]);
    const all = parts.flatMap(contents).sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(contents(parts[0])).not.toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("splits by fractions, giving the remainder to the first parts", () => {
    expect(randomSplit(numbers, [0.5, 0.5], { seed: 1 }).map((p) => p.length)).toEqual([5, 5]);
    expect(randomSplit(numbers, [0.25, 0.25, 0.5], { seed: 1 }).map((p) => p.length)).toEqual([3, 2, 5]);
    expect(randomSplit({ length: 7, get: (i: number) => i }, [0.8, 0.2], { seed: 1 }).map((p) => p.length)).toEqual([6, 1]);
  });

  it("is reproducible for a seed or generator", () => {
    const a = randomSplit(numbers, [7, 3], { seed: 4 }).map(contents);
    const b = randomSplit(numbers, [7, 3], { generator: new Generator(4) }).map(contents);
    const c = randomSplit(numbers, [7, 3], { seed: 5 }).map(contents);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("rejects lengths that do not add up", () => {
    expect(() => randomSplit(numbers, [6, 3])).toThrow(ValueError);
    expect(() => randomSplit(numbers, [6, 3])).toThrow("randomSplit: lengths must add up to the dataset's length; expected 10, got 9 ([6, 3])");
    expect(() => randomSplit(numbers, [0.5, 0.4])).toThrow(/fractions must add up to 1; got 0.9/);
    expect(() => randomSplit(numbers, [-1, 11])).toThrow(/non-negative/);
    expect(() => randomSplit(numbers, [])).toThrow(ValueError);
    expect(() => randomSplit(null as never, [1])).toThrow("randomSplit: expected a dataset (length and get); got null");
    expect(() => randomSplit(numbers, [10], null as never)).toThrow("randomSplit: expected an options object; got null");
    expect(() => randomSplit(numbers, [10], { generator: 5 as never })).toThrow("randomSplit: generator must be a Generator from @backprop/core; got number");
    expect(() => randomSplit({ length: 2 ** 40, get: (i: number) => i }, [0.5, 0.5])).toThrow(
      "randomSplit: the dataset is too long; expected at most 2147483647 samples (int32 indices), got 1099511627776",
    );
  });
});
