/**
 * Error classes thrown by backprop. Messages follow one format:
 * `<where>: <what>; expected <x>, got <y>`, with whole shapes.
 * A message starting `internal:` means a bug in backprop itself.
 * @module
 */

/**
 * A tensor had the wrong shape for an operation (broadcasting, matmul, reshape, axes).
 * @example
 * ```ts
 * import { ShapeError, tensor } from "@backprop/core";
 * try { tensor([1, 2]).add(tensor([1, 2, 3])); } catch (e) { console.log(e instanceof ShapeError); }
 * ```
 * @category Errors
 */
export class ShapeError extends Error {
  override name = "ShapeError";
}

/**
 * A tensor had the wrong dtype for an operation (gradients of integer tensors, bool arithmetic).
 * @example
 * ```ts
 * import { DTypeError, tensor } from "@backprop/core";
 * try { tensor([1, 2], { dtype: "int32" }).requiresGrad_(); } catch (e) { console.log(e instanceof DTypeError); }
 * ```
 * @category Errors
 */
export class DTypeError extends Error {
  override name = "DTypeError";
}

/**
 * A name was missing from, or already taken in, the plugin registry.
 * @example
 * ```ts
 * import { RegistryError, resolve } from "@backprop/core";
 * try { resolve("op", "mull"); } catch (e) { console.log(e instanceof RegistryError); }
 * ```
 * @category Errors
 */
export class RegistryError extends Error {
  override name = "RegistryError";
}

/**
 * A file or serialized value was malformed (truncated safetensors, bad JSON, wrong magic number).
 * @example
 * ```ts
 * import { FormatError, decodeSafetensors } from "@backprop/core";
 * try { decodeSafetensors(new Uint8Array(3)); } catch (e) { console.log(e instanceof FormatError); }
 * ```
 * @category Errors
 */
export class FormatError extends Error {
  override name = "FormatError";
}

/**
 * An argument was out of its valid range (a negative size, an unknown option value).
 * @example
 * ```ts
 * import { ValueError, zeros } from "@backprop/core";
 * try { zeros([-1]); } catch (e) { console.log(e instanceof ValueError); }
 * ```
 * @category Errors
 */
export class ValueError extends Error {
  override name = "ValueError";
}

/**
 * An object was used in a state that forbids the call: a disposed tensor, a graph freed by an
 * earlier backward, a tensor that does not require gradients, a computed tensor's autograd flag.
 * @example
 * ```ts
 * import { StateError, tensor } from "@backprop/core";
 * const t = tensor([1, 2]);
 * t.dispose();
 * try { t.add(1); } catch (e) { console.log(e instanceof StateError); }
 * ```
 * @category Errors
 */
export class StateError extends Error {
  override name = "StateError";
}

/**
 * Formats a shape the way error messages print it: `[2, 3]`.
 * @example
 * ```ts
 * import { formatShape } from "@backprop/core";
 * console.log(formatShape([2, 3])); // "[2, 3]"
 * ```
 * @category Errors
 */
export function formatShape(shape: readonly number[]): string {
  // Messages print whatever a caller passed as a shape; a message must never throw itself.
  return Array.isArray(shape) ? `[${shape.join(", ")}]` : describeValue(shape);
}

/**
 * Describes any value briefly for an error message's `got ...` part: numbers and booleans as
 * written, strings quoted (long ones cut), short lists of plain values in brackets, tensors by
 * dtype and shape, other values by kind. Never throws and never prints more than about 80 characters.
 * @example
 * ```ts
 * import { describeValue } from "@backprop/core";
 * describeValue(null);              // "null"
 * describeValue("sum");             // "\"sum\""
 * describeValue([2, 3]);            // "[2, 3]"
 * describeValue({ axis: 1 });       // "an object { axis }"
 * describeValue(() => 1);           // "a function"
 * ```
 * @category Errors
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "string":
      return value.length <= 40 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 40))}... (${value.length} characters)`;
    case "bigint":
      return `${value}n`;
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    case "undefined":
    case "boolean":
      return String(value);
  }
  if (value === null) return "null";
  const v = value as Record<string, unknown>;
  if (v.__isTensor === true) {
    const shape = Array.isArray(v.shape) ? `[${(v.shape as unknown[]).slice(0, 8).join(", ")}${v.shape.length > 8 ? ", ..." : ""}]` : "of no shape";
    return `a ${String(v.dtype)} tensor ${shape}`;
  }
  if (Array.isArray(value)) {
    const plain = value.length <= 8 && value.every((x) => x === null || (typeof x !== "object" && typeof x !== "function"));
    return plain ? `[${value.map(describeValue).join(", ")}]`.slice(0, 80) : `an array of ${value.length} items`;
  }
  let keys: string[];
  try {
    keys = Object.keys(value as object);
  } catch {
    return "an object";
  }
  return keys.length === 0 ? "an empty object {}" : `an object { ${keys.slice(0, 5).join(", ")}${keys.length > 5 ? ", ..." : ""} }`.slice(0, 80);
}
