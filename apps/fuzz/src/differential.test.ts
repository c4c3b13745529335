/**
 * Item 3 of issue 16's fuzz suite: random ops, forward and backward, on views of leaf tensors
 * (transposed, sliced with positive and negative steps, offset, broadcast) holding ordinary and
 * special values (inf, -inf, NaN, -0, subnormals, 1e30), run on js, wasm and native in float32:
 * the same NaN and infinity positions, finite values within a tolerance made for each op, and,
 * where float32 has no excuse, float64's answer rounded.
 */
import { afterAll, beforeEach, describe, it } from "vitest";
import type { DiffCase, DiffReply } from "./children/differential.js";
import { backends } from "./support/backends.js";
import { compareDiff } from "./support/compare.js";
import { check } from "./support/config.js";
import { runChecked } from "./support/outcomes.js";
import { diffCaseArb } from "./support/programs.js";
import { Sandbox } from "./support/sandbox.js";

let sandbox = new Sandbox({ timeoutMs: 10_000 });
beforeEach(async () => {
  await sandbox.close();
  sandbox = new Sandbox({ timeoutMs: 10_000 });
});
afterAll(() => sandbox.close());

describe(`differential: ${backends.join(", ")}`, () => {
  it("ordinary values: every backend gives js's answer and float64's, forward and gradients", async () => {
    await check(diffCaseArb(backends, false), async (c: DiffCase) => { compareDiff(c, await runChecked<DiffReply>(sandbox, c)); }, { numRuns: 500, budgetMs: 25_000 });
  });

  it("special values (inf, -inf, NaN, -0, subnormals, 1e30): every backend gives js's answer, NaN positions included", async () => {
    await check(diffCaseArb(backends, true), async (c: DiffCase) => { compareDiff(c, await runChecked<DiffReply>(sandbox, c)); }, {
      numRuns: 500,
      budgetMs: 25_000,
      // The two: logSoftmax([1e30, 1e30]) and the gradient of a product that underflows.
      examples: [
        { kind: "diff", op: "logSoftmax", params: { axis: -1 }, inputs: [{ base: [2], values: [1e30], steps: [] }], upstream: [1], backends },
        { kind: "diff", op: "prod", params: {}, inputs: [{ base: [3], values: [1e-30, 1e-10, 1e-5], steps: [] }], upstream: [1], backends },
      ],
    });
  });
});
