/**
 * Item 2 of issue 16: every public op (the op registry, the Tensor methods and the functions
 * core exports) called with bad arguments, and the ops that read data called on malformed
 * views (NaN, fractional, negative, huge or out-of-range shape, strides and offset, built with
 * the Tensor constructor or written over a valid tensor's fields), on every backend that loads.
 * Each case runs in a child process: it must throw one of core's named errors or return a
 * well-formed tensor, never hang, crash, blow up memory or corrupt a backend; a valid but
 * unusual view (zero, negative or overlapping strides) must give what a contiguous copy gives.
 */
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, it } from "vitest";
import type { ArgSpec, CallResult, OpCase, OpReply } from "./children/ops.js";
import { userErrorMessage } from "./children/ops.js";
import { backends } from "./support/backends.js";
import { check } from "./support/config.js";
import { integralProblem, viewProblem } from "./support/geometry.js";
import { closeTo, expectNamed, runChecked, unwrap } from "./support/outcomes.js";
import type { WorkerReply } from "./support/outcomes.js";
import { Sandbox } from "./support/sandbox.js";

// Each test gets a fresh worker: a case that corrupts a backend must not fail a later test.
// The arguments are tiny or far past any size limit; 2 GiB of RSS means a size went unchecked.
const limits = { timeoutMs: 5_000, rssLimitMb: 2048 };
let sandbox = new Sandbox(limits);
let targets: { registry: string[]; method: string[]; export: string[] };

beforeAll(async () => {
  targets = unwrap(await sandbox.run<WorkerReply<typeof targets>>({ kind: "op", backend: "js", via: "targets", name: "", args: [] }));
});
beforeEach(async () => {
  await sandbox.close();
  sandbox = new Sandbox(limits);
});
afterAll(() => sandbox.close());

async function runCase(c: OpCase): Promise<OpReply> {
  return runChecked<OpReply>(sandbox, c);
}

// ---- arguments ----

const badNumbers = [NaN, -1, 0.5, -0.5, 1e300, -1e300, 2 ** 32, 2 ** 53, 2 ** 53 + 2, Infinity, -Infinity, -0, 0, 1, 2, 3, -2, 1.5];
const badValues: unknown[] = [
  null, undefined, "abc", "", "float16", "sum", true, false, {}, [], [1e300], [-1], [NaN], [0.5], [2 ** 32], [2, 3], [0, 0], [-1, -1],
  [[1, 2], [3]], [null], [[0, 2, 0]], [[0, 1], [0, 1]], [1e5, 1e5, 1e5], [2 ** 31, 2 ** 31], { axis: NaN }, { axis: 0.5 }, { axis: 99 },
  { axis: [0, 0] }, { keepDims: "yes" }, { dtype: "float16" }, { dtype: "int32" }, { requiresGrad: "yes" }, { correction: -1 },
  { axis: 0, keepDims: true }, { axis: -1 },
];
const elementValues = [0, 1, -1, 2, 0.5, -3, NaN, Infinity, 3];

const shapeArb = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 });
const tensorArb: fc.Arbitrary<ArgSpec> = fc
  .record({
    dtype: fc.constantFrom<"float32" | "int32" | "bool" | "float64">("float32", "float32", "float32", "int32", "bool", "float64"),
    shape: shapeArb,
    values: fc.array(fc.constantFrom(...elementValues), { minLength: 1, maxLength: 6 }),
    requiresGrad: fc.boolean(),
  })
  .map((r) => ({ t: "tensor", ...r, requiresGrad: r.requiresGrad && (r.dtype === "float32" || r.dtype === "float64") }));

/** Any view: most are malformed. */
const anyViewArb: fc.Arbitrary<ArgSpec> = fc.integer({ min: 0, max: 3 }).chain((rank) =>
  fc.record({
    t: fc.constant("view" as const),
    mode: fc.constantFrom<"ctor" | "bypass">("ctor", "bypass"),
    dtype: fc.constantFrom<"float32" | "int32" | "bool">("float32", "float32", "int32", "bool"),
    length: fc.integer({ min: 0, max: 12 }),
    shape: fc.array(fc.constantFrom(0, 1, 2, 3, 4, -1, 0.5, NaN, 2 ** 53, 1e300, Infinity, 2 ** 31), { minLength: rank, maxLength: rank }),
    strides: fc.array(fc.constantFrom(0, 1, 2, 3, -1, -2, 0.5, NaN, Infinity, 1e9, 2 ** 53), { minLength: Math.max(0, rank - 1), maxLength: rank + 1 }),
    offset: fc.constantFrom(0, 0, 1, 2, 3, 5, -1, 0.5, NaN, 1e9, Infinity),
  }),
);

/** A view that stays inside its storage, with zero, negative or overlapping strides. */
const validViewArb: fc.Arbitrary<ArgSpec> = fc.integer({ min: 0, max: 3 }).chain((rank) =>
  fc
    .record({
      mode: fc.constantFrom<"ctor" | "bypass">("ctor", "bypass"),
      dtype: fc.constantFrom<"float32" | "int32">("float32", "float32", "int32"),
      shape: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: rank, maxLength: rank }),
      strides: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: rank, maxLength: rank }),
      before: fc.integer({ min: 0, max: 2 }),
      after: fc.integer({ min: 0, max: 2 }),
    })
    .map(({ mode, dtype, shape, strides, before, after }) => {
      let lo = 0;
      let hi = 0;
      shape.forEach((d, i) => {
        const step = Math.max(d - 1, 0) * strides[i];
        if (step < 0) lo += step;
        else hi += step;
      });
      const offset = -lo + before;
      return { t: "view" as const, mode, dtype, length: offset + hi + 1 + after, shape, strides, offset };
    }),
);

const argArb: fc.Arbitrary<ArgSpec> = fc.oneof(
  { weight: 4, arbitrary: tensorArb },
  { weight: 3, arbitrary: fc.constantFrom(...badNumbers).map((v): ArgSpec => ({ t: "value", v })) },
  { weight: 3, arbitrary: fc.constantFrom(...badValues).map((v): ArgSpec => ({ t: "value", v })) },
  { weight: 1, arbitrary: fc.array(tensorArb, { maxLength: 3 }).map((items): ArgSpec => ({ t: "list", items })) },
  { weight: 1, arbitrary: fc.constantFrom("tensor", "identity", "squareSum", "throws").map((body): ArgSpec => ({ t: "fn", body: body as "tensor" })) },
  { weight: 1, arbitrary: anyViewArb },
);

const followUps = ["toArray", "data", "item", "toString", "sum", "neg", "detach", "contiguous"];

function badArgumentsCase(backend: string): fc.Arbitrary<OpCase> {
  const target = fc.oneof(
    fc.constantFrom(...targets.registry).map((name) => ({ via: "registry" as const, name })),
    fc.constantFrom(...targets.method).map((name) => ({ via: "method" as const, name })),
    fc.constantFrom(...targets.export).map((name) => ({ via: "export" as const, name })),
  );
  return fc
    .record({
      target,
      first: fc.oneof({ weight: 5, arbitrary: tensorArb }, { weight: 1, arbitrary: argArb }),
      rest: fc.array(argArb, { maxLength: 3 }),
      then: fc.array(fc.constantFrom(...followUps), { maxLength: 2 }),
    })
    .map(({ target, first, rest, then }): OpCase => {
      // A method needs a tensor to be called on.
      const receiver = target.via === "method" && first.t !== "tensor" && first.t !== "view" ? { t: "tensor" as const, dtype: "float32" as const, shape: [2], values: [1], requiresGrad: false } : first;
      return { kind: "op", backend, via: target.via, name: target.name, args: [receiver, ...rest], then };
    });
}

function checkResult(result: CallResult | undefined, what: string): void {
  if (result === undefined) return;
  if (!result.ok) {
    if (result.error.message !== userErrorMessage) expectNamed(result.error, what);
    return;
  }
  if (result.value.type !== "tensors") return;
  for (const t of result.value.items) {
    if (t.problem !== null) throw new Error(`${what} returned a malformed tensor (${t.problem}): shape [${t.shape.join(", ")}], strides [${t.strides.join(", ")}], offset ${String(t.offset)}`);
    if (t.readError !== undefined) expectNamed(t.readError, `reading the result of ${what}`);
  }
}

function callName(c: OpCase): string {
  return c.via === "method" ? `Tensor.${c.name}` : c.via === "registry" ? `op "${c.name}"` : c.name;
}

describe.each(backends)("bad arguments on %s", (backend) => {
  it("every public op throws a named error or returns a well-formed tensor (no hang, crash, memory blow-up or corruption)", async () => {
    await check(
      badArgumentsCase(backend), async (c) => {
        const reply = await runCase(c);
        if (reply.build !== undefined) expectNamed(reply.build, "building the arguments");
        checkResult(reply.call, callName(c));
        for (const t of reply.then ?? []) checkResult(t.result, `${t.name}() on the result of ${callName(c)}`);
      },
      { numRuns: 300, budgetMs: 15_000 },
    );
  });
});

/** Use after dispose and a second backward through a freed graph: StateError, not a bare Error. */
function misuseCase(backend: string): fc.Arbitrary<OpCase> {
  const unary = ["neg", "exp", "square", "sum", "mean", "relu", "tanh", "mul", "add", "reshape", "clone", "detach", "toArray", "item", "backward"];
  return fc.oneof(
    // A call on a tensor that dispose() released.
    fc.record({ target: fc.oneof(fc.constantFrom(...targets.method).map((name) => ({ via: "method" as const, name })), fc.constantFrom(...targets.registry).map((name) => ({ via: "registry" as const, name }))), rest: fc.array(argArb, { maxLength: 2 }) })
      .map(({ target, rest }): OpCase => ({ kind: "op", backend, via: target.via, name: target.name, args: [{ t: "tensor", dtype: "float32", shape: [2], values: [1, 2], requiresGrad: true }, ...rest], disposeFirst: true })),
    // backward() twice through the graph of one op.
    fc.constantFrom(...unary.filter((n) => n !== "backward" && n !== "toArray" && n !== "item" && n !== "detach")).map((name): OpCase => ({
      kind: "op", backend, via: "method", name, args: [{ t: "tensor", dtype: "float32", shape: [], values: [1.5], requiresGrad: true }, ...(name === "mul" || name === "add" ? [{ t: "value" as const, v: 2 }] : name === "reshape" ? [{ t: "value" as const, v: [1] }] : [])], then: ["backward", "backward"],
    })),
  );
}

describe.each(backends)("misuse on %s", (backend) => {
  it("use after dispose and a second backward throw a named error (StateError)", async () => {
    await check(
      misuseCase(backend), async (c) => {
        const reply = await runCase(c);
        if (reply.build !== undefined) expectNamed(reply.build, "building the arguments");
        checkResult(reply.call, `${callName(c)}${c.disposeFirst === true ? " on a disposed tensor" : ""}`);
        for (const t of reply.then ?? []) checkResult(t.result, `${t.name}() on the result of ${callName(c)}`);
      },
      { numRuns: 60, budgetMs: 5_000 },
    );
  });
});

// ---- malformed views ----

/** Calls that read a view's elements (through a kernel), with their other arguments. */
const readers: Record<string, (view: ArgSpec) => ArgSpec[]> = {
  ...Object.fromEntries(
    ["neg", "abs", "exp", "log", "sqrt", "sin", "tanh", "sigmoid", "relu", "square", "floor", "round", "gelu", "softplus", "erf", "sign", "logicalNot",
      "sum", "mean", "max", "min", "prod", "argmax", "variance", "logSumExp", "all", "any", "softmax", "logSoftmax", "contiguous", "clone", "data", "toArray", "item", "toString"].map((name) => [name, () => []]),
  ),
  "sum(0)": () => [{ t: "value", v: 0 }],
  "max(-1, keepDims)": () => [{ t: "value", v: { axis: -1, keepDims: true } }],
  "cast(float64)": () => [{ t: "value", v: "float64" }],
  "add(2)": () => [{ t: "value", v: 2 }],
  "div(3)": () => [{ t: "value", v: 3 }],
  "pow(2)": () => [{ t: "value", v: 2 }],
  "maximum(0)": () => [{ t: "value", v: 0 }],
  "lt(2)": () => [{ t: "value", v: 2 }],
  "mul(itself)": (view) => [view],
  "sub(itself)": (view) => [view],
  "matmul(itself)": (view) => [view],
};
/** Calls that only make another view (no kernel reads the elements). */
const viewMakers: Record<string, (view: ArgSpec) => ArgSpec[]> = {
  "reshape([-1])": () => [{ t: "value", v: [-1] }],
  T: () => [],
  "transpose(0, -1)": () => [{ t: "value", v: 0 }, { t: "value", v: -1 }],
  flatten: () => [],
  squeeze: () => [],
  "unsqueeze(0)": () => [{ t: "value", v: 0 }],
  "slice([[0, null, 2]])": () => [{ t: "value", v: [[0, null, 2]] }],
  "expand([2, -1])": () => [{ t: "value", v: [2, -1] }],
  detach: () => [],
};
const allCalls = { ...readers, ...viewMakers };

function viewCase(backend: string, view: ArgSpec, call: string): OpCase {
  if (view.t !== "view") throw new Error("fuzz harness: not a view");
  return { kind: "op", backend, via: "method", name: call.replace(/\(.*$/, ""), args: [view, ...allCalls[call](view)] };
}

function describeView(view: ArgSpec, call: string): string {
  if (view.t !== "view") return "";
  const made = view.mode === "ctor" ? "built with new Tensor(storage, shape, strides, offset)" : "written over a valid tensor's fields";
  return `${call} on a ${view.dtype} view ${made} (shape [${view.shape.join(", ")}], strides [${view.strides.join(", ")}], offset ${view.offset}, storage of ${view.length})`;
}

/** Runs a view case: null when it threw a named error, else the reply. Any other error fails. */
async function runViewCase(c: OpCase, what: string): Promise<OpReply | null> {
  const reply = await runCase(c);
  if (reply.build !== undefined) {
    expectNamed(reply.build, `building the view for ${what}`);
    return null;
  }
  const result = reply.call!;
  if (!result.ok) {
    expectNamed(result.error, what);
    return null;
  }
  for (const t of reply.then ?? []) checkResult(t.result, what);
  return reply;
}

describe("malformed views", () => {
  it("the Tensor constructor refuses shapes, strides and offsets that are not safe integers (named error, on js)", async () => {
    const arb = fc.record({ view: anyViewArb.filter((v) => v.t === "view" && integralProblem(v.shape, v.strides, v.offset) !== null), call: fc.constantFrom(...Object.keys(allCalls)) });
    await check(
      arb, async ({ view, call }) => {
        if (view.t !== "view") return;
        const ctorView = { ...view, mode: "ctor" as const };
        const what = describeView(ctorView, call);
        const reply = await runViewCase(viewCase("js", ctorView, call), what);
        if (reply !== null) throw new Error(`${what} was accepted (${integralProblem(view.shape, view.strides, view.offset)}); expected a named error`);
      },
      { numRuns: 150, budgetMs: 8_000 },
    );
  });

  it.each(backends)("kernels on %s refuse views that reach outside their storage (named error; js: no crash or corruption)", async (backend) => {
    const arb = fc.record({ view: anyViewArb.filter((v) => v.t === "view" && viewProblem(v.shape, v.strides, v.offset, v.length) !== null), call: fc.constantFrom(...Object.keys(readers)) });
    await check(
      arb, async ({ view, call }) => {
        const what = describeView(view, call);
        const reply = await runViewCase(viewCase(backend, view, call), what);
        // The JS backend reads a typed array, so a bad index gives undefined, not a crash.
        if (reply !== null && backend !== "js" && view.t === "view") {
          // It may have read or written outside the view: later cases need a fresh process.
          await sandbox.restart();
          throw new Error(`the ${backend} backend accepted ${what} (${viewProblem(view.shape, view.strides, view.offset, view.length)}); expected a named error before any element is read`);
        }
      },
      { numRuns: 200, budgetMs: 10_000 },
    );
  });

  it.each(backends)("on %s, valid views with zero, negative or overlapping strides give what a contiguous copy gives", async (backend) => {
    const arb = fc.record({ view: validViewArb, call: fc.constantFrom(...Object.keys(allCalls)) });
    await check(
      arb, async ({ view, call }) => {
        const what = describeView(view, call);
        const reply = await runViewCase({ ...viewCase(backend, view, call), reference: true }, what);
        if (reply === null) return;
        const result = reply.call!;
        const ref = reply.reference;
        if (ref === undefined || !ref.ok) throw new Error(`${what} succeeded, but the same call on a contiguous copy threw ${ref?.ok === false ? `${ref.error.name}: ${ref.error.message}` : "nothing"}`);
        if (result.ok && result.value.type === "tensors" && ref.value.type === "tensors") {
          const got = result.value.items[0];
          const want = ref.value.items[0];
          if (got.problem !== null) throw new Error(`${what} returned a malformed tensor (${got.problem})`);
          if (got.values !== undefined && want.values !== undefined && !sameValues(got.values, want.values)) {
            throw new Error(`${what} gave [${got.values.join(", ")}]; a contiguous copy gives [${want.values.join(", ")}]`);
          }
        }
      },
      { numRuns: 250, budgetMs: 10_000 },
    );
  });
});

function sameValues(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => closeTo(v, b[i], 1e-5, 1e-6));
}
