/**
 * Worker handler for differential cases: one op on views of fresh leaf tensors (transposed,
 * sliced, flipped, broadcast), forward and backward, on each backend in float32 and on the JS
 * backend in float64 (the oracle). Also gives, per output element, the scale the op's rounding
 * error is proportional to (the op applied to |x| for sums and products of matrices), so the
 * test can tell rounding from wrong results.
 */
import { Tensor, empty, setBackend } from "@backprop/core";
import type { DType } from "@backprop/core";
import { describeError } from "./errors.js";
import type { ErrorInfo } from "./errors.js";

/** One step from a leaf tensor to the op's input view. */
export type ViewStep =
  | { op: "permute"; axes: number[] }
  | { op: "slice"; specs: [number, number | null, number][] }
  | { op: "expand"; shape: number[] };

export interface InputSpec {
  /** The leaf's shape and its elements, row-major (repeated to fill it). */
  base: number[];
  values: number[];
  steps: ViewStep[];
}

export interface DiffCase {
  kind: "diff";
  op: string;
  /** Options of the op: axis, keepDims, correction, slope, exponent, ... */
  params: { axis?: number | number[]; keepDims?: boolean; correction?: number; scalar?: number; scalar2?: number; approximate?: "none" | "tanh" };
  inputs: InputSpec[];
  /** The gradient of the loss with respect to the output (repeated to its size). */
  upstream: number[];
  backends: string[];
}

export type Run =
  | { ok: true; shape: number[]; dtype: string; y: number[]; grads: (number[] | null)[]; scale: number[] | null }
  | { ok: false; error: ErrorInfo };

export interface DiffReply {
  /** By backend name, plus "js64" for the float64 run on the JS backend. */
  runs: Record<string, Run>;
  /** The inputs' logical elements (float64). */
  inputs: number[][];
}

/** Ops with no gradient (comparisons, indices). */
export const forwardOnly = new Set(["eq", "ne", "lt", "le", "gt", "ge", "argmax", "argmin"]);
const sumLike = new Set(["sum", "mean", "matmul"]);

function leaf(spec: InputSpec, dtype: DType): Tensor {
  const t = empty(spec.base, { dtype });
  const data = t.storage.data;
  for (let i = 0; i < data.length; i++) data[i] = spec.values[i % spec.values.length];
  return t;
}

function view(t: Tensor, steps: readonly ViewStep[]): Tensor {
  let v = t;
  for (const s of steps) {
    if (s.op === "permute") v = v.permute(s.axes);
    else if (s.op === "slice") v = v.slice(s.specs);
    else v = v.expand(s.shape);
  }
  return v;
}

/** Applies the case's op to its input views. */
export function apply(c: Pick<DiffCase, "op" | "params">, xs: Tensor[]): Tensor {
  const [a, b] = xs;
  const p = c.params;
  const reduce = { axis: p.axis, keepDims: p.keepDims ?? false };
  switch (c.op) {
    case "leakyRelu":
      return a.leakyRelu(p.scalar);
    case "elu":
      return a.elu(p.scalar);
    case "gelu":
      return a.gelu(p.approximate);
    case "clamp":
      return a.clamp(p.scalar ?? null, p.scalar2 ?? null);
    case "powScalar":
      return a.pow(p.scalar ?? 2);
    case "sum":
    case "mean":
    case "max":
    case "min":
    case "prod":
    case "logSumExp":
      return a[c.op](reduce);
    case "variance":
    case "std":
      return a[c.op]({ ...reduce, correction: p.correction });
    case "argmax":
    case "argmin":
      return a[c.op]({ axis: typeof p.axis === "number" ? p.axis : undefined, keepDims: p.keepDims ?? false });
    case "softmax":
    case "logSoftmax":
      return a[c.op](typeof p.axis === "number" ? p.axis : -1);
    case "matmul":
      return a.matmul(b);
    default: {
      const method = (a as unknown as Record<string, (other?: Tensor) => Tensor>)[c.op];
      return xs.length === 2 ? method.call(a, b) : method.call(a);
    }
  }
}

/** Per output element, what its rounding error scales with (float64, JS backend). */
function errorScale(c: DiffCase, xs: Tensor[], y: Tensor): number[] | null {
  if (sumLike.has(c.op)) return Array.from(apply(c, xs.map((x) => x.abs())).data());
  if (c.op === "variance" || c.op === "std") {
    const meanSquare = xs[0].square().mean({ axis: c.params.axis, keepDims: c.params.keepDims ?? false });
    return Array.from((c.op === "std" ? meanSquare.sqrt() : meanSquare).mul(4).data());
  }
  if (c.op === "logSumExp") return Array.from(xs[0].abs().max({ axis: c.params.axis, keepDims: c.params.keepDims ?? false }).add(1).data());
  if (c.op === "prod") {
    // Rows whose partial products can overflow float32 give order-dependent results (Infinity marks
    // them); rows that can underflow are exact only to float32's smallest normal (1e-38).
    const reduce = { axis: c.params.axis, keepDims: c.params.keepDims ?? false };
    const big = xs[0].abs().maximum(1).prod(reduce).data();
    const small = xs[0].abs().minimum(1).prod(reduce).data();
    const yv = y.data();
    return Array.from(yv, (v, i) => (big[i] > 1e30 ? Infinity : Math.max(Math.abs(v), small[i] < 1e-30 ? 1e-38 : 0)));
  }
  return null;
}

function runOn(c: DiffCase, backend: string, dtype: DType): { run: Run; inputs?: number[][] } {
  setBackend(backend);
  try {
    const withGrad = !forwardOnly.has(c.op);
    const leaves = c.inputs.map((spec) => {
      const t = leaf(spec, dtype);
      return withGrad ? t.requiresGrad_() : t;
    });
    const xs = leaves.map((t, i) => view(t, c.inputs[i].steps));
    const y = apply(c, xs);
    const values = Array.from(y.data());
    let grads: (number[] | null)[] = leaves.map(() => null);
    if (withGrad && y.requiresGrad) {
      const g = empty(y.shape, { dtype });
      const gd = g.storage.data;
      for (let i = 0; i < gd.length; i++) gd[i] = c.upstream[i % c.upstream.length];
      y.backward(g);
      grads = leaves.map((t) => (t.grad === null ? null : Array.from(t.grad.data())));
    }
    const scale = dtype === "float64" ? errorScale(c, xs.map((x) => x.detach()), y.detach()) : null;
    const run: Run = { ok: true, shape: [...y.shape], dtype: y.dtype, y: values, grads, scale };
    return { run, inputs: dtype === "float64" ? xs.map((x) => Array.from(x.detach().contiguous().data())) : undefined };
  } catch (e) {
    return { run: { ok: false, error: describeError(e) } };
  }
}

export function runDiffCase(c: DiffCase): DiffReply {
  const runs: Record<string, Run> = {};
  const reference = runOn(c, "js", "float64");
  runs.js64 = reference.run;
  for (const b of c.backends) runs[b] = runOn(c, b, "float32").run;
  setBackend("js");
  return { runs, inputs: reference.inputs ?? [] };
}
