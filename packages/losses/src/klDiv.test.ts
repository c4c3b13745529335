import { describe, expect, it } from "vitest";
import { ShapeError, gradCheck, tensor } from "@backprop/core";
import { klDiv } from "./index.js";

const f64 = (v: number[][]) => tensor(v, { dtype: "float64" });
const P = [[0.25, 0.75], [0.5, 0.5]];
const Q = [[0.5, 0.5], [0, 1]];
const logP = P.map((r) => r.map(Math.log));
// KL(Q || P) per element: q (ln q - ln p), 0 where q = 0.
const terms = Q.map((r, i) => r.map((q, j) => (q === 0 ? 0 : q * (Math.log(q) - logP[i][j]))));
const total = terms.flat().reduce((a, b) => a + b, 0);

describe("klDiv", () => {
  it("computes q (ln q - input) with 0 where q = 0, under each reduction", () => {
    expect(klDiv(f64(logP), f64(Q), { reduction: "none" }).toArray()).toEqual(terms);
    expect(klDiv(f64(logP), f64(Q), { reduction: "sum" }).item()).toBeCloseTo(total, 12);
    expect(klDiv(f64(logP), f64(Q)).item()).toBeCloseTo(total / 4, 12);
    expect(klDiv(f64(logP), f64(Q), { reduction: "batchmean" }).item()).toBeCloseTo(total / 2, 12);
    expect(klDiv(f64(logP), f64(Q), { reduction: "batchmean" }).item()).toBeCloseTo(0.5 * (0.5 * Math.log(2) + 0.5 * Math.log(2 / 3) + Math.log(2)), 12);
  });

  it("takes log-probability targets", () => {
    const logQ = [[Math.log(0.5), Math.log(0.5)], [Math.log(0.2), Math.log(0.8)]];
    const want = logQ.flat().reduce((acc, t, k) => acc + Math.exp(t) * (t - logP.flat()[k]), 0);
    expect(klDiv(f64(logP), f64(logQ), { logTarget: true, reduction: "sum" }).item()).toBeCloseTo(want, 12);
  });

  it("passes gradCheck in input and target, also with a zero in the target", () => {
    expect(gradCheck((x, q) => klDiv(x, q, { reduction: "batchmean" }), [f64(logP), f64([[0.5, 0.5], [0.1, 0.9]])])).toBe(true);
    expect(gradCheck((x) => klDiv(x, f64(Q)), [f64(logP)])).toBe(true);
    expect(gradCheck((x, t) => klDiv(x, t, { logTarget: true }), [f64(logP), f64([[-1, -0.5], [-2, -0.1]])])).toBe(true);
  });

  it("rejects bad shapes and reductions", () => {
    expect(() => klDiv(f64(logP), f64([[1, 0]]))).toThrow(ShapeError);
    expect(() => klDiv(f64(logP), f64(Q), { reduction: "batch" as never })).toThrow(/klDiv: invalid reduction; expected "mean", "batchmean", "sum", "none", got "batch"/);
  });
});
