/**
 * Random differential cases: one op on views (permuted, sliced with positive or negative steps
 * and an offset, broadcast) of leaf tensors holding ordinary and special values (inf, -inf,
 * NaN, -0, subnormals, 1e30), with an upstream gradient.
 */
import fc from "fast-check";
import type { DiffCase, InputSpec, ViewStep } from "../children/differential.js";

export const unaryOps = ["neg", "abs", "sign", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tanh", "sigmoid", "relu", "erf", "silu", "softplus", "floor", "ceil", "round"];
export const paramOps = ["leakyRelu", "elu", "gelu", "clamp", "powScalar"];
export const binaryOps = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"];
export const compareOps = ["eq", "ne", "lt", "le", "gt", "ge"];
export const reduceOps = ["sum", "mean", "max", "min", "prod", "logSumExp", "variance", "std"];
export const argOps = ["argmax", "argmin"];
export const rowOps = ["softmax", "logSoftmax"];

/** Ordinary values, where float32 and float64 agree to rounding. */
const moderate = fc.oneof(
  fc.double({ min: -4, max: 4, noNaN: true }).map(Math.fround),
  fc.constantFrom(0, -0, 1, -1, 2, 0.5, -3, 1e-3),
);
/** Special values. */
const special = fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e30, -1e30, 1e-40, -1e-40, 1.4e-45, 1e-38, 1e-20, 3e-21, 1e-10, 1e-5, 1e15, 88.7, -103.9, 89, 1e4, 3e38);
const valueArb = (specials: boolean): fc.Arbitrary<number> => (specials ? fc.oneof({ weight: 2, arbitrary: moderate }, { weight: 1, arbitrary: special }) : moderate);

/** A layout: which view steps lead from a leaf to the op's input, and their parameters. */
interface Plan {
  order: ("permute" | "slice" | "expand")[];
  keys: number[];
  steps: number[];
  pads: number[];
  mask: boolean[];
  drop: number;
}

const planArb: fc.Arbitrary<Plan> = fc.record({
  order: fc.oneof(
    { weight: 2, arbitrary: fc.constant([] as ("permute" | "slice" | "expand")[]) },
    { weight: 3, arbitrary: fc.shuffledSubarray(["permute", "slice", "expand"] as ("permute" | "slice" | "expand")[], { minLength: 1, maxLength: 2 }) },
  ),
  keys: fc.array(fc.nat(99), { minLength: 4, maxLength: 4 }),
  steps: fc.array(fc.constantFrom(1, 2, -1, -2, 3), { minLength: 4, maxLength: 4 }),
  pads: fc.array(fc.nat(2), { minLength: 4, maxLength: 4 }),
  mask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  drop: fc.nat(2),
});

/** The leaf shape and view steps that give a view of `shape` laid out as `plan` says. */
export function realize(shape: readonly number[], plan: Plan): { base: number[]; steps: ViewStep[] } {
  let cur = [...shape];
  const steps: ViewStep[] = [];
  for (const kind of [...plan.order].reverse()) {
    const rank = cur.length;
    if (kind === "expand") {
      const drop = Math.min(plan.drop, rank);
      const pre = cur.slice(drop).map((d, i) => (plan.mask[i] && d >= 1 ? 1 : d));
      steps.unshift({ op: "expand", shape: cur });
      cur = pre;
    } else if (kind === "permute") {
      const axes = cur.map((_, i) => i).sort((a, b) => plan.keys[a] - plan.keys[b] || a - b);
      const pre = new Array<number>(rank);
      axes.forEach((p, j) => (pre[p] = cur[j]));
      steps.unshift({ op: "permute", axes });
      cur = pre;
    } else {
      const specs: [number, number | null, number][] = [];
      const pre = cur.map((n, a) => {
        const s = plan.steps[a];
        if (n === 0) {
          specs.push([0, 0, 1]);
          return plan.pads[a];
        }
        if (s > 0) {
          const start = plan.pads[a];
          specs.push([start, start + (n - 1) * s + 1, s]);
          return start + (n - 1) * s + 1 + plan.pads[(a + 1) % 4];
        }
        const t = -s;
        const start = (plan.pads[a] % t) + (n - 1) * t;
        specs.push([start, null, s]);
        return start + 1 + plan.pads[(a + 1) % 4];
      });
      steps.unshift({ op: "slice", specs });
      cur = pre;
    }
  }
  return { base: cur, steps };
}

function inputArb(shape: number[], specials: boolean): fc.Arbitrary<InputSpec> {
  return fc.record({ plan: planArb, values: fc.array(valueArb(specials), { minLength: 1, maxLength: 12 }) }).map(({ plan, values }) => ({ ...realize(shape, plan), values }));
}

const dim = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constant(0) });
const shapeArb = (minRank: number): fc.Arbitrary<number[]> => fc.integer({ min: minRank, max: 3 }).chain((r) => fc.array(dim, { minLength: r, maxLength: r }));

/** A shape that broadcasts to `out`: some leading axes dropped, some sizes set to 1. */
function broadcastFrom(out: number[]): fc.Arbitrary<number[]> {
  return fc.record({ drop: fc.nat(out.length), ones: fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }) }).map(({ drop, ones }) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

function axisArb(rank: number): fc.Arbitrary<number | number[] | undefined> {
  if (rank === 0) return fc.constant(undefined);
  return fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: -rank, max: rank - 1 }),
    fc.subarray(Array.from({ length: rank }, (_, i) => i), { minLength: 1 }),
  );
}

/** A differential case on the given backends; `specials` mixes special values into the inputs. */
export function diffCaseArb(backends: string[], specials: boolean): fc.Arbitrary<DiffCase> {
  const opArb = fc.constantFrom(...unaryOps, ...paramOps, ...binaryOps, ...compareOps, ...reduceOps, ...argOps, ...rowOps, "matmul");
  // Mostly non-zero, so that gradients carry information.
  const gradValue = fc.tuple(fc.double({ min: 0.125, max: 2, noNaN: true }), fc.boolean()).map(([v, negative]) => Math.fround(negative ? -v : v));
  const upstream = fc.array(fc.oneof({ weight: 6, arbitrary: gradValue }, { weight: 1, arbitrary: fc.constant(0) }), { minLength: 1, maxLength: 6 });
  return opArb.chain((op): fc.Arbitrary<DiffCase> => {
    const base = { kind: "diff" as const, op, backends };
    if (unaryOps.includes(op) || paramOps.includes(op)) {
      const params = fc.record({
        scalar: fc.constantFrom(0.01, 0.2, 1, 2, -1, 3, 0.5),
        scalar2: fc.constantFrom(0.5, 1, 4),
        approximate: fc.constantFrom<"none" | "tanh">("none", "tanh"),
      });
      return fc.record({ params, shape: shapeArb(0) }).chain(({ params: p, shape }) => fc.record({ inputs: fc.tuple(inputArb(shape, specials)), upstream }).map((r) => ({ ...base, params: p, ...r })));
    }
    if (binaryOps.includes(op) || compareOps.includes(op)) {
      return shapeArb(0).chain((out) =>
        fc.tuple(broadcastFrom(out), broadcastFrom(out)).chain(([a, b]) => fc.record({ inputs: fc.tuple(inputArb(a, specials), inputArb(b, specials)), upstream }).map((r) => ({ ...base, params: {}, ...r }))),
      );
    }
    if (op === "matmul") {
      const mm = fc.record({ m: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 0, max: 5 }), n: fc.integer({ min: 1, max: 4 }), batch: fc.integer({ min: 1, max: 3 }), form: fc.constantFrom("vv", "mm", "bmm", "bm", "vm", "mv") });
      return mm.chain(({ m, k, n, batch, form }) => {
        const shapes: Record<string, [number[], number[]]> = { vv: [[k], [k]], mm: [[m, k], [k, n]], bmm: [[batch, m, k], [batch, k, n]], bm: [[batch, m, k], [k, n]], vm: [[k], [k, n]], mv: [[m, k], [k]] };
        const [a, b] = shapes[form];
        return fc.record({ inputs: fc.tuple(inputArb(a, specials), inputArb(b, specials)), upstream }).map((r) => ({ ...base, params: {}, ...r }));
      });
    }
    // Reductions, arg-reductions, softmax: rank >= 1.
    return shapeArb(1).chain((shape) =>
      fc
        .record({ axis: rowOps.includes(op) || argOps.includes(op) ? fc.integer({ min: -shape.length, max: shape.length - 1 }) : axisArb(shape.length), keepDims: fc.boolean(), correction: fc.constantFrom(0, 1, 2), inputs: fc.tuple(inputArb(shape, specials)), upstream })
        .map(({ axis, keepDims, correction, inputs, upstream: g }) => ({ ...base, params: { axis, keepDims, correction }, inputs, upstream: g })),
    );
  });
}
