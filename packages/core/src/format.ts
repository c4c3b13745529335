/**
 * Printing tensors the way PyTorch does: aligned columns, `1.` for integral floats, four
 * decimals or scientific notation otherwise, and `...` summaries of large tensors.
 * @module
 */
import type { Tensor } from "./tensor.js";
import { isFloat } from "./dtype.js";
import { ValueError, describeValue } from "./errors.js";
import { checkNumber, checkOptions, checkTensor } from "./validate.js";
import { checkTensorView } from "./backend/checkedBackend.js";

/**
 * Options of {@link formatTensor}; the defaults are PyTorch's.
 * @category Tensors
 */
export interface FormatOptions {
  /** Digits after the decimal point (default 4). */
  precision?: number;
  /** Tensors with more elements than this are summarised (default 1000). */
  threshold?: number;
  /** Items kept at each end of a summarised axis (default 3). */
  edgeItems?: number;
  /** Characters per line before rows wrap (default 80). */
  lineWidth?: number;
}

interface Formatter {
  width: number;
  format: (v: number) => string;
}

/** Python's `{:.Ne}`: the exponent has a sign and at least two digits. */
function exponential(v: number, precision: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const s = v.toExponential(precision);
  const e = s.indexOf("e");
  const exp = s.slice(e + 1);
  const sign = exp[0] === "-" ? "-" : "+";
  const digits = exp.replace(/^[+-]/, "");
  return `${s.slice(0, e)}e${sign}${digits.padStart(2, "0")}`;
}

function nonFinite(v: number): string {
  return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

function fixed(v: number, precision: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const s = v.toFixed(precision);
  // toFixed drops the sign of -0 and of negatives that round to zero; Python keeps it.
  return (v < 0 || Object.is(v, -0)) && !s.startsWith("-") ? `-${s}` : s;
}

/** Chooses the number style from the values shown, as PyTorch's `_Formatter` does. */
function makeFormatter(values: readonly number[], dtype: string, precision: number): Formatter {
  if (dtype === "bool") return { width: values.some((v) => v === 0) ? 5 : 4, format: (v) => (v !== 0 ? "True" : "False") };
  if (!isFloat(dtype as "float32")) {
    let width = 1;
    for (const v of values) width = Math.max(width, String(v).length);
    return { width, format: String };
  }
  const finite = values.filter((v) => Number.isFinite(v) && v !== 0);
  // As in PyTorch, only non-zero finite values set the column width.
  let width = 1;
  if (finite.length === 0) return { width, format: (v) => (Number.isFinite(v) ? `${fixed(v, 0)}.` : nonFinite(v)) };
  let min = Infinity;
  let max = 0;
  let integral = true;
  for (const v of finite) {
    const a = Math.abs(v);
    if (a < min) min = a;
    if (a > max) max = a;
    if (v !== Math.ceil(v)) integral = false;
  }
  const sci = max / min > 1000 || max > 1e8 || (!integral && min < 1e-4);
  let format: (v: number) => string;
  if (sci) format = (v) => exponential(v, precision);
  else if (integral) format = (v) => (Number.isFinite(v) ? `${fixed(v, 0)}.` : nonFinite(v));
  else format = (v) => fixed(v, precision);
  for (const v of finite) width = Math.max(width, format(v).length);
  return { width, format };
}

/** The indices kept along an axis of length n: all, or the first and last `edge` ones. */
function shownIndices(n: number, summarize: boolean, edge: number): number[] | [number[], number[]] {
  const all = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
  if (summarize && n > 2 * edge) return [all(0, edge), all(n - edge, n)];
  return all(0, n);
}

function isSplit(ix: number[] | [number[], number[]]): ix is [number[], number[]] {
  return ix.length === 2 && Array.isArray(ix[0]);
}

/** Values that will be printed (the summary when summarising), for choosing the number style. */
function shownValues(data: ArrayLike<number>, shape: readonly number[], summarize: boolean, edge: number): number[] {
  const out: number[] = [];
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  const walk = (axis: number, base: number): void => {
    if (axis === shape.length) {
      out.push(data[base]);
      return;
    }
    const ix = shownIndices(shape[axis], summarize, edge);
    for (const i of isSplit(ix) ? [...ix[0], ...ix[1]] : ix) walk(axis + 1, base + i * strides[axis]);
  };
  walk(0, 0);
  return out;
}

/**
 * Formats a tensor as PyTorch does: `tensor([[1., 2.],\n        [3., 4.]])`, aligned columns,
 * `...` summaries beyond `threshold` elements, and suffixes for a non-default dtype
 * (`dtype=float64`), gradients (`requiresGrad=true`, `gradFn=<mul>`) and empty shapes.
 * `Tensor.toString()`, `console.log` and notebooks show this.
 * @example
 * ```ts
 * import { formatTensor, tensor } from "@backprop/core";
 * formatTensor(tensor([1, 2])); // "tensor([1., 2.])"
 * formatTensor(tensor([0.5], { dtype: "float64" })); // "tensor([0.5000], dtype=float64)"
 * ```
 * @category Tensors
 */
export function formatTensor(t: Tensor, options: FormatOptions = {}): string {
  checkTensor(t, "formatTensor");
  checkOptions(options, "formatTensor", "{ precision: 2 }");
  const precision = options.precision ?? 4;
  const threshold = options.threshold ?? 1000;
  const edge = options.edgeItems ?? 3;
  const lineWidth = options.lineWidth ?? 80;
  // toFixed and toExponential take 0 to 100 digits.
  if (!Number.isInteger(precision) || precision < 0 || precision > 100) {
    throw new ValueError(`formatTensor: precision is not a number of digits; expected an integer in [0, 100], got ${describeValue(precision)}`);
  }
  checkNumber(threshold, "formatTensor", "threshold");
  checkNumber(edge, "formatTensor", "edgeItems");
  checkNumber(lineWidth, "formatTensor", "lineWidth");
  if (t.isDisposed) return `tensor(<disposed ${t.describe()}>)`;
  checkTensorView(t, "formatTensor");
  const prefix = "tensor(";
  const indent = prefix.length;
  const shape = t.shape;
  const suffixes: string[] = [];
  let body: string;
  if (t.size === 0) {
    body = "[]";
    if (shape.length !== 1) suffixes.push(`size=[${shape.join(", ")}]`);
  } else {
    const data = t.data();
    const summarize = t.size > threshold;
    const formatter = makeFormatter(shownValues(data, shape, summarize, edge), t.dtype, precision);
    const strides = new Array<number>(shape.length);
    let s = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= shape[i];
    }
    const pad = (v: number): string => formatter.format(v).padStart(formatter.width);
    const vector = (base: number, stride: number, n: number, ind: number): string => {
      const ix = shownIndices(n, summarize, edge);
      const items = isSplit(ix)
        ? [...ix[0].map((i) => pad(data[base + i * stride])), " ...", ...ix[1].map((i) => pad(data[base + i * stride]))]
        : ix.map((i) => pad(data[base + i * stride]));
      const perLine = Math.max(1, Math.floor((lineWidth - ind) / (formatter.width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
      return `[${lines.join(`,\n${" ".repeat(ind + 1)}`)}]`;
    };
    const nested = (axis: number, base: number, ind: number): string => {
      const rank = shape.length - axis;
      if (rank === 1) return vector(base, strides[axis], shape[axis], ind);
      const ix = shownIndices(shape[axis], summarize, edge);
      const part = (i: number): string => nested(axis + 1, base + i * strides[axis], ind + 1);
      const slices = isSplit(ix) ? [...ix[0].map(part), "...", ...ix[1].map(part)] : ix.map(part);
      return `[${slices.join(`,${"\n".repeat(rank - 1)}${" ".repeat(ind + 1)}`)}]`;
    };
    body = shape.length === 0 ? formatter.format(data[0]) : nested(0, 0, indent);
  }
  if (t.dtype !== "float32" && t.dtype !== "bool") suffixes.push(`dtype=${t.dtype}`);
  const gradFn = t.gradFn;
  if (gradFn !== null) suffixes.push(`gradFn=<${gradFn}>`);
  else if (t.requiresGrad) suffixes.push("requiresGrad=true");
  // Suffixes go on the last line while it fits, else on a line of their own (as in PyTorch).
  let out = prefix + body;
  let lastLine = out.length - out.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLine + suffix.length + 2 > lineWidth) {
      out += `,\n${" ".repeat(indent)}${suffix}`;
      lastLine = indent + suffix.length;
    } else {
      out += `, ${suffix}`;
      lastLine += suffix.length + 2;
    }
  }
  return `${out})`;
}
