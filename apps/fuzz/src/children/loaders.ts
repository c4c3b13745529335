/**
 * Worker handlers for the file loaders: loadModel, decodeSafetensors, parseIdx/readIdx and
 * parseCsv/readCsv. Each gives the loaded values (so the test can check them against its own
 * reading of the bytes) or the error.
 */
import { decodeSafetensors } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { parseCsv, parseIdx, readCsv, readIdx } from "@backprop/data";
import type { CsvOptions } from "@backprop/data";
import { loadModel } from "@backprop/layers";
import { describeError } from "./errors.js";
import type { ErrorInfo } from "./errors.js";

/** A tensor as data. */
export interface TensorData {
  dtype: string;
  shape: number[];
  values: number[];
}

export type LoadReply<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export type LoaderRequest =
  | { kind: "loadModel"; dir: string }
  | { kind: "decodeSafetensors"; bytes: Uint8Array }
  | { kind: "parseIdx"; bytes: Uint8Array }
  | { kind: "readIdx"; path: string }
  | { kind: "parseCsv"; text: string; options: CsvOptions }
  | { kind: "readCsv"; path: string; options: CsvOptions };

function tensorData(t: Tensor): TensorData {
  return { dtype: t.dtype, shape: [...t.shape], values: Array.from(t.data()) };
}

async function attemptAsync<T>(fn: () => Promise<T> | T): Promise<LoadReply<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}

function tensorsData(tensors: Record<string, Tensor>): Record<string, TensorData> {
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, tensorData(t)]));
}

export async function runLoader(request: LoaderRequest): Promise<LoadReply<unknown>> {
  switch (request.kind) {
    case "loadModel":
      return attemptAsync(async () => tensorsData((await loadModel(request.dir)).stateDict()));
    case "decodeSafetensors":
      return attemptAsync(() => tensorsData(decodeSafetensors(request.bytes).tensors));
    case "parseIdx":
      return attemptAsync(() => {
        const idx = parseIdx(request.bytes, "fuzz.idx");
        return { type: idx.type, shape: idx.shape, values: Array.from(idx.data) };
      });
    case "readIdx":
      return attemptAsync(async () => {
        const idx = await readIdx(request.path);
        return { type: idx.type, shape: idx.shape, values: Array.from(idx.data) };
      });
    case "parseCsv":
    case "readCsv":
      return attemptAsync(async () => {
        const data = request.kind === "parseCsv" ? parseCsv(request.text, request.options) : await readCsv(request.path, request.options);
        return { x: tensorData(data.x), y: data.y === null ? null : tensorData(data.y), columns: data.columns, classes: data.classes };
      });
  }
}
