/**
 * Argument checks shared by the data loaders and datasets, so that bad input gives a
 * ValueError in the house format instead of a TypeError from deep inside. Internal.
 * @module
 */
import { Generator, ValueError } from "@backprop/core";
import type { Dataset } from "./Dataset.js";

/** Datasets are indexed with int32 arrays (orders, subsets), so this many samples at most. */
export const maxSamples = 2147483647;

/** A bad value's type for messages: `null`, `number`, `object`, `Array`, `Float32Array`. */
export function typeName(value: unknown): string {
  if (value === null || typeof value !== "object") return value === null ? "null" : typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "Object" && name !== "" ? name : "object";
}

/** A bad value for messages: primitives as written (`5`, `"yes"`, `NaN`), objects by type. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return typeName(value);
}

/** The options object, or `{}` when none was given and none is required. */
export function optionsOf<T extends object>(options: T | undefined, where: string, shape = "", required = false): T {
  if (options === undefined && !required) return {} as T;
  if (options === null || typeof options !== "object") throw new ValueError(`${where}: expected an options object${shape}; got ${typeName(options)}`);
  return options;
}

/** An optional boolean option: true, false or undefined, nothing else (no truthy strings). */
export function optionalBoolean(value: unknown, name: string, where: string): boolean | undefined {
  if (value !== undefined && typeof value !== "boolean") throw new ValueError(`${where}: ${name} must be true or false; got ${describeValue(value)}`);
  return value;
}

/** An optional function option. */
export function optionalFunction<F>(value: F | undefined, name: string, where: string): F | undefined {
  if (value !== undefined && typeof value !== "function") throw new ValueError(`${where}: ${name} must be a function; got ${typeName(value)}`);
  return value;
}

/** An optional Generator option. */
export function optionalGenerator(value: unknown, where: string): Generator | undefined {
  if (value !== undefined && !(value instanceof Generator)) throw new ValueError(`${where}: generator must be a Generator from @backprop/core; got ${typeName(value)}`);
  return value;
}

/** A random-access dataset whose length int32 indices can address. */
export function checkDataset<T>(dataset: Dataset<T>, where: string): Dataset<T> {
  const d: unknown = dataset;
  const length = (d as { length?: unknown } | null)?.length;
  if (typeof d !== "object" || d === null || typeof length !== "number" || typeof (d as { get?: unknown }).get !== "function") {
    throw new ValueError(`${where}: expected a dataset (length and get); got ${typeName(d)}`);
  }
  if (!Number.isInteger(length) || length < 0) throw new ValueError(`${where}: dataset length must be a non-negative integer; got ${length}`);
  if (length > maxSamples) throw new ValueError(`${where}: the dataset is too long; expected at most ${maxSamples} samples (int32 indices), got ${length}`);
  return dataset;
}
