/**
 * Worker handler for op cases: builds the arguments a case describes (valid tensors, malformed
 * views, bad plain values), calls one public op (a registry op, a Tensor method or an exported
 * function of core) on one backend, runs follow-up calls on its result, and describes what came
 * back: the error, or each returned tensor with any inconsistency in its geometry.
 */
import * as core from "@backprop/core";
import { Tensor, empty, registeredNames, resolve, setBackend } from "@backprop/core";
import type { DType } from "@backprop/core";
import { gather, sizeOfShape, viewProblem } from "../support/geometry.js";
import { describeError } from "./errors.js";
import type { ErrorInfo } from "./errors.js";

/** How an argument is built. */
export type ArgSpec =
  | { t: "tensor"; dtype: DType; shape: number[]; values: number[]; requiresGrad?: boolean }
  | { t: "view"; mode: "ctor" | "bypass"; dtype: DType; length: number; shape: number[]; strides: number[]; offset: number }
  | { t: "value"; v: unknown }
  | { t: "list"; items: ArgSpec[] }
  | { t: "fn"; body: "tensor" | "identity" | "squareSum" | "throws" };

export interface OpCase {
  kind: "op";
  backend: string;
  /** A registry op, a Tensor method (args[0] is the receiver) or an export of core. */
  via: "registry" | "method" | "export" | "targets";
  name: string;
  args: ArgSpec[];
  /** Dispose the receiver (args[0]) before the call. */
  disposeFirst?: boolean;
  /** Zero-argument methods called on the result, in turn. */
  then?: string[];
  /** For a valid view in args[0]: also run the call on a contiguous copy, to compare. */
  reference?: boolean;
}

/** A returned tensor as data. */
export interface TensorSummary {
  dtype: string;
  shape: unknown[];
  strides: unknown[];
  offset: unknown;
  /** What is wrong with its geometry, or null. */
  problem: string | null;
  /** Its elements when it is small, well-formed and readable. */
  values?: number[];
  readError?: ErrorInfo;
}

export type ValueSummary = { type: "tensors"; items: TensorSummary[] } | { type: "other"; what: string };
export type CallResult = { ok: true; value: ValueSummary } | { ok: false; error: ErrorInfo };

export interface OpReply {
  build?: ErrorInfo;
  call?: CallResult;
  then?: { name: string; result: CallResult }[];
  reference?: CallResult;
}

/** The message of the error a `throws` callback throws: not the library's, so any class. */
export const userErrorMessage = "fuzz: the user's callback threw";

/** Methods that are bookkeeping, not ops (marked @internal in tensor.ts). */
const internalMethods = new Set(["constructor", "markKept", "guardWithFinalizer", "setGradNode", "accumulateGrad", "runHooks", "alias"]);
/** Exports that change process-wide state (registry, backend, RNG, scopes) or are not functions of tensors. */
const skippedExports = new Set([
  "register", "unregister", "registerBackend", "setBackend", "startScope", "defineOp", "manualSeed", "setRngState",
  "trackTensor", "untrackTensor", "createJsBackend", "getBackend", "kernels", "defaultGenerator",
]);

/** Every op the fuzz cases call, by kind. */
export function listTargets(): { registry: string[]; method: string[]; export: string[] } {
  const method = Object.getOwnPropertyNames(Tensor.prototype).filter((name) => {
    const d = Object.getOwnPropertyDescriptor(Tensor.prototype, name)!;
    return typeof d.value === "function" && !internalMethods.has(name);
  });
  method.push("T");
  const exported = Object.entries(core)
    .filter(([name, value]) => typeof value === "function" && !/^[A-Z]/.test(name) && !skippedExports.has(name))
    .map(([name]) => name)
    .sort();
  return { registry: registeredNames("op"), method: method.sort(), export: exported };
}

function filled(dtype: DType, shape: number[], values: readonly number[]): Tensor {
  const t = empty(shape, { dtype });
  const data = t.storage.data;
  for (let i = 0; i < data.length; i++) data[i] = values.length === 0 ? 0 : values[i % values.length];
  return t;
}

function build(spec: ArgSpec): unknown {
  switch (spec.t) {
    case "tensor": {
      const t = filled(spec.dtype, spec.shape, spec.values);
      if (spec.requiresGrad === true) t.requiresGrad_();
      return t;
    }
    case "view": {
      const storage = filled(spec.dtype, [spec.length], Array.from({ length: spec.length }, (_, i) => (spec.dtype === "bool" ? i % 2 : i + 1))).storage;
      if (spec.mode === "ctor") return new Tensor(storage, spec.shape, spec.strides, spec.offset);
      const t = new Tensor(storage, [spec.length], [1], 0);
      Object.assign(t, { shape: spec.shape, strides: spec.strides, offset: spec.offset, size: sizeOfShape(spec.shape) });
      return t;
    }
    case "value":
      return spec.v;
    case "list":
      return spec.items.map(build);
    case "fn":
      switch (spec.body) {
        case "tensor":
          return () => core.ones([2]);
        case "identity":
          return (x: unknown) => x;
        case "squareSum":
          return (x: Tensor) => x.square().sum();
        case "throws":
          return () => {
            throw new Error(userErrorMessage);
          };
      }
  }
}

function describeTensor(t: Tensor): TensorSummary {
  const length = (t as unknown as { _storage: { length: number } })._storage.length;
  let problem = viewProblem(t.shape, t.strides, t.offset, length);
  if (problem === null && t.size !== sizeOfShape(t.shape)) problem = `size ${t.size} for shape [${t.shape.join(", ")}]`;
  const summary: TensorSummary = { dtype: t.dtype, shape: [...t.shape], strides: [...t.strides], offset: t.offset, problem };
  if (problem === null && !t.isDisposed && t.size <= 4096) {
    try {
      summary.values = Array.from(t.data());
    } catch (e) {
      summary.readError = describeError(e);
    }
  }
  return summary;
}

function summarize(value: unknown): ValueSummary {
  if (value instanceof Tensor) return { type: "tensors", items: [describeTensor(value)] };
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof Tensor)) return { type: "tensors", items: value.map(describeTensor) };
  if (!(value instanceof Tensor) && value !== null && typeof value === "object" && "value" in value && (value).value instanceof Tensor) {
    return { type: "tensors", items: [describeTensor((value as { value: Tensor }).value)] };
  }
  return { type: "other", what: typeof value === "string" ? `string of ${value.length} chars` : typeof value };
}

function invoke(c: OpCase, args: unknown[]): unknown {
  switch (c.via) {
    case "registry":
      return resolve("op", c.name).apply(...args);
    case "method": {
      const receiver = args[0] as Record<string, unknown>;
      if (c.name === "T") return receiver.T;
      return (receiver[c.name] as (...a: unknown[]) => unknown)(...args.slice(1));
    }
    case "export":
      return ((core as Record<string, unknown>)[c.name] as (...a: unknown[]) => unknown)(...args);
    case "targets":
      return listTargets();
  }
}

function call(fn: () => unknown): { result: CallResult; value?: unknown } {
  try {
    const value = fn();
    return { result: { ok: true, value: summarize(value) }, value };
  } catch (e) {
    return { result: { ok: false, error: describeError(e) } };
  }
}

export function runOpCase(c: OpCase): OpReply | ReturnType<typeof listTargets> {
  if (c.via === "targets") return listTargets();
  setBackend(c.backend);
  const reply: OpReply = {};
  let args: unknown[];
  try {
    args = c.args.map(build);
    if (c.disposeFirst === true && args[0] instanceof Tensor) args[0].dispose();
  } catch (e) {
    reply.build = describeError(e);
    return reply;
  }
  const first = call(() => invoke(c, args));
  reply.call = first.result;
  if (first.value instanceof Tensor && c.then !== undefined) {
    const result = first.value;
    reply.then = c.then.map((name) => ({ name, result: call(() => (result as unknown as Record<string, () => unknown>)[name]()).result }));
  }
  const view = c.args[0];
  if (c.reference === true && view.t === "view") {
    // The same call on a contiguous tensor holding the view's elements.
    const data = Array.from({ length: view.length }, (_, i) => (view.dtype === "bool" ? i % 2 : i + 1));
    const copy = filled(view.dtype, view.shape, gather(data, view.shape, view.strides, view.offset));
    reply.reference = call(() => invoke(c, [copy, ...args.slice(1)])).result;
  }
  return reply;
}
