/**
 * How a differential case's results are compared: every backend against the JS backend (same
 * NaN and infinity positions, finite values within a tolerance made for the op), and, where
 * float32 can be expected to match it, every backend against the float64 run rounded to float32.
 */
import type { DiffCase, DiffReply, Run } from "../children/differential.js";
import { forwardOnly } from "../children/differential.js";
import { argOps, compareOps } from "./programs.js";
import { closeTo, expectNamed } from "./outcomes.js";

/** Elementwise ops computed with a libm-style approximation (a few ulps, and absolute error near zero crossings). */
const transcendental = new Set(["exp", "log", "log1p", "expm1", "sin", "cos", "tanh", "sigmoid", "erf", "silu", "softplus", "elu", "gelu", "pow", "powScalar", "rsqrt"]);
/**
 * Ops whose float32 result must match float64's for any finite input (issue 16 item 8): the
 * stable softmax family, and the product whose gradient must not suffer from underflow.
 */
const stable = new Set(["softmax", "logSoftmax", "logSumExp", "prod"]);

interface Tolerance {
  rtol: number;
  /** Absolute tolerance per element; Infinity skips the element (order-dependent overflow). */
  atol: (i: number) => number;
}

function forwardTolerance(c: DiffCase, scale: number[] | null): Tolerance {
  const op = c.op;
  if (argOps.includes(op) || compareOps.includes(op) || op === "max" || op === "min") return { rtol: 0, atol: () => 0 };
  if (op === "softmax") return { rtol: 1e-4, atol: () => 1e-6 };
  if (op === "logSoftmax") return { rtol: 1e-4, atol: () => 1e-5 };
  if (scale !== null) {
    // Sums of n terms round to about n * eps * sum|x|; a sum past 1e37 may overflow in one order and not another.
    return { rtol: 1e-4, atol: (i) => (!(scale[i] <= 1e37) && !Number.isNaN(scale[i]) ? Infinity : 2e-5 * (scale[i] || 0) + 1e-38) };
  }
  if (transcendental.has(op)) return { rtol: 1e-4, atol: () => 1e-6 };
  return { rtol: 1e-6, atol: () => 1e-44 };
}

/** Ops whose gradient sums terms that can cancel (beyond the sums over broadcast copies). */
const summing = new Set(["softmax", "logSoftmax", "logSumExp", "variance", "std", "matmul", "mean", "sum"]);

function gradTolerance(c: DiffCase, ref: readonly number[], reply: DiffReply, ySize: number): Tolerance {
  let max = 0;
  for (const v of ref) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  // Compared against the largest gradient element; and where an element is a sum of terms (a
  // leaf broadcast to ySize elements, or a summing op), against the terms, which can cancel.
  let atol = 1e-5 * max;
  if (ySize > ref.length || summing.has(c.op)) {
    let g = 0;
    for (const v of c.upstream) g = Math.max(g, Math.abs(v));
    let x = 1;
    for (const xs of reply.inputs) for (const v of xs) if (Number.isFinite(v)) x = Math.max(x, Math.abs(v));
    atol = Math.max(atol, 1e-6 * g * ySize * x);
  }
  const floor = transcendental.has(c.op) || c.op === "softmax" || c.op === "logSoftmax" ? 1e-6 : 1e-44;
  return { rtol: 1e-4, atol: () => (max > 1e37 ? Infinity : atol + floor) };
}

function firstMismatch(got: readonly number[], want: readonly number[], tol: Tolerance): number {
  if (got.length !== want.length) return Math.min(got.length, want.length);
  for (let i = 0; i < got.length; i++) {
    const atol = tol.atol(i);
    if (atol === Infinity) continue;
    if (!closeTo(got[i], want[i], tol.rtol, atol)) return i;
  }
  return -1;
}

function inputsAt(reply: DiffReply): string {
  return reply.inputs.map((xs) => `[${xs.slice(0, 12).join(", ")}${xs.length > 12 ? ", ..." : ""}]`).join(" and ");
}

function describeCase(c: DiffCase): string {
  const p = Object.entries(c.params).filter(([, v]) => v !== undefined);
  return `${c.op}${p.length === 0 ? "" : `(${p.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")})`}`;
}

/** Ordinary inputs (exp of them stays finite in float32), where a float32 result should be float64's rounded. */
function moderate(reply: DiffReply): boolean {
  return reply.inputs.every((xs) => xs.every((x) => x === 0 || (Math.abs(x) <= 64 && Math.abs(x) >= 1e-4)));
}

/** Throws unless the backends agree with each other and, where it applies, with float64. */
export function compareDiff(c: DiffCase, reply: DiffReply): void {
  const what = describeCase(c);
  const runs = reply.runs;
  const js = runs.js;
  // Errors: named, and the same on every backend.
  for (const [name, run] of Object.entries(runs)) if (!run.ok) expectNamed(run.error, `${what} on ${name}`);
  for (const b of c.backends) {
    const run = runs[b];
    if (run.ok !== js.ok) {
      throw new Error(`${what}: ${b} ${run.ok ? "succeeded" : `threw ${run.error.name}: ${run.error.message}`} but js ${js.ok ? "succeeded" : `threw ${js.error.name}: ${js.error.message}`}`);
    }
  }
  if (!js.ok) return;
  const ok = (run: Run): Extract<Run, { ok: true }> => run as Extract<Run, { ok: true }>;
  const ref = runs.js64.ok ? ok(runs.js64) : null;
  const fwd = forwardTolerance(c, ref?.scale ?? null);
  const overflows = ref !== null && ref.scale !== null && ref.scale.includes(Infinity);
  for (const b of c.backends.filter((n) => n !== "js")) {
    const run = ok(runs[b]);
    if (run.shape.join() !== js.shape.join() || run.dtype !== js.dtype) throw new Error(`${what}: ${b} gives ${run.dtype} [${run.shape.join(", ")}], js ${js.dtype} [${js.shape.join(", ")}]`);
    const i = firstMismatch(run.y, js.y, fwd);
    if (i >= 0) throw new Error(`${what} on ${inputsAt(reply)}: ${b} gives ${run.y[i]} at output element ${i}, js ${js.y[i]}`);
    // A product whose partial products can overflow float32 has no order-independent gradient.
    if (forwardOnly.has(c.op) || overflows) continue;
    run.grads.forEach((g, k) => {
      const want = js.grads[k];
      if ((g === null) !== (want === null)) throw new Error(`${what}: ${b} ${g === null ? "gives no" : "gives a"} gradient for input ${k}, js ${want === null ? "none" : "one"}`);
      if (g === null || want === null) return;
      const j = firstMismatch(g, want, gradTolerance(c, want, reply, js.y.length));
      if (j >= 0) throw new Error(`${what} on ${inputsAt(reply)}: ${b} gives gradient ${g[j]} at element ${j} of input ${k}'s leaf, js ${want[j]}`);
    });
  }
  // Against float64: where float32 has no excuse (ordinary inputs, or a stable formula on finite ones).
  if (ref === null) return;
  const finite = reply.inputs.every((xs) => xs.every(Number.isFinite));
  if (!(moderate(reply) || (stable.has(c.op) && finite))) return;
  const expected = ref.y.map((v) => (ref.dtype === "float64" ? Math.fround(v) : v));
  const grads64 = ref.grads.map((g) => (g === null ? null : g.map(Math.fround)));
  for (const b of c.backends) {
    const run = ok(runs[b]);
    if (run.y.length !== expected.length) continue;
    const i = firstMismatch(run.y, expected, fwd);
    if (i >= 0) throw new Error(`${what} on ${inputsAt(reply)}: ${b} gives ${run.y[i]} at output element ${i}; float64 gives ${ref.y[i]}`);
    if (forwardOnly.has(c.op) || overflows) continue;
    run.grads.forEach((g, k) => {
      const want = grads64[k];
      if (g === null || want === null) return;
      const j = firstMismatch(g, want, gradTolerance(c, want, reply, ref.y.length));
      if (j >= 0) throw new Error(`${what} on ${inputsAt(reply)}: ${b} gives gradient ${g[j]} at element ${j} of input ${k}'s leaf; float64 gives ${ref.grads[k]![j]}`);
    });
  }
}
