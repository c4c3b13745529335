/**
 * The one plugin registry. Keys are `kind:name`; packages add kinds by declaration merging:
 * ```ts
 * declare module "@backprop/core" { interface Registry { layer: LayerClass } }
 * ```
 * @module
 */
import { RegistryError, describeValue } from "./errors.js";
import type { OpDef } from "./defineOp.js";
import type { Initializer } from "./initializer.js";
import type { BackendFactory } from "./backend/backend.js";

/**
 * What each registry kind holds. Other packages extend it by declaration merging.
 * @category Registry
 */
export interface Registry {
  /** Differentiable operations made with {@link defineOp}. */
  op: OpDef;
  /** Parameter initializers (filled in by `@backprop/layers`). */
  initializer: Initializer;
  /** Backend factories registered with {@link registerBackend}. */
  backend: BackendFactory;
}

/**
 * A registry kind: `"op"`, `"initializer"`, `"layer"`, `"loss"`, ...
 * @category Registry
 */
export type RegistryKind = Extract<keyof Registry, string>;

const tables = new Map<string, Map<string, unknown>>();
const names = new Map<string, Map<unknown, string>>();

function table(kind: string): Map<string, unknown> {
  if (typeof kind !== "string") throw new RegistryError(`registry: the kind is not a string; expected a kind such as "op" or "layer", got ${describeValue(kind)}`);
  let t = tables.get(kind);
  if (t === undefined) {
    t = new Map();
    tables.set(kind, t);
    names.set(kind, new Map());
  }
  return t;
}

/**
 * Registers a value under `kind:name`. Names are string literals (never `constructor.name`);
 * third parties prefix theirs, e.g. `"acme/flashAttention"`.
 * @throws {RegistryError} when the name is taken or empty.
 * @example
 * ```ts
 * import { full, register, resolve } from "@backprop/core";
 * register("initializer", "example/halves", (shape) => full(shape, 0.5));
 * resolve("initializer", "example/halves");
 * ```
 * @category Registry
 */
export function register<K extends RegistryKind>(kind: K, name: string, value: Registry[K]): Registry[K] {
  if (typeof name !== "string" || name.length === 0) {
    throw new RegistryError(`register: the ${kind} name is empty or not a string; expected a non-empty string, got ${describeValue(name)}`);
  }
  const t = table(kind);
  if (t.has(name)) throw new RegistryError(`register: ${kind} "${name}" is already registered; choose another name`);
  t.set(name, value);
  const n = names.get(kind)!;
  if (!n.has(value)) n.set(value, name);
  return value;
}

/**
 * Removes `kind:name` from the registry (for tests and hot reloading). Returns whether it was there.
 * @example
 * ```ts
 * import { unregister } from "@backprop/core";
 * unregister("initializer", "example/missing"); // false
 * ```
 * @category Registry
 */
export function unregister(kind: RegistryKind, name: string): boolean {
  const t = table(kind);
  const value = t.get(name);
  if (!t.has(name)) return false;
  t.delete(name);
  const n = names.get(kind)!;
  if (n.get(value) === name) n.delete(value);
  return true;
}

/** Names longer than this get no "did you mean" and are cut short in messages. */
const MAX_SUGGESTED_LENGTH = 100;

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/**
 * Looks up `kind:name`.
 * @throws {RegistryError} `no layer "lineer"; did you mean "linear"? known: conv2d, linear, ...`
 * @example
 * ```ts
 * import { resolve } from "@backprop/core";
 * const mulOp = resolve("op", "mul");
 * ```
 * @category Registry
 */
export function resolve<K extends RegistryKind>(kind: K, name: string): Registry[K] {
  const t = table(kind);
  if (t.has(name)) return t.get(name) as Registry[K];
  if (typeof name !== "string") throw new RegistryError(`resolve: the ${kind} name is not a string; expected a name such as "${[...t.keys()].sort()[0] ?? "example"}", got ${describeValue(name)}`);
  const known = [...t.keys()].sort();
  const text = name;
  // Suggestions only for names of a plausible length, against names within reach: the edit
  // distance is at least the difference in length, and costs the product of the two.
  const lower = text.length <= MAX_SUGGESTED_LENGTH ? text.toLowerCase() : null;
  const reach = lower === null ? -1 : Math.max(2, Math.floor(lower.length / 3));
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    if (lower === null || Math.abs(k.length - lower.length) > reach) continue;
    const score = editDistance(lower, k.toLowerCase());
    if (score < bestScore) {
      bestScore = score;
      best = k;
    }
  }
  const hint = best !== undefined && bestScore <= reach ? `; did you mean "${best}"?` : "";
  const list = known.length === 0 ? "none" : known.join(", ");
  const shown = text.length <= MAX_SUGGESTED_LENGTH ? text : `${text.slice(0, MAX_SUGGESTED_LENGTH)}... (${text.length} characters)`;
  throw new RegistryError(`resolve: no ${kind} "${shown}"${hint === "" ? ";" : hint} known: ${list}`);
}

/**
 * Whether `kind:name` is registered.
 * @example
 * ```ts
 * import { isRegistered } from "@backprop/core";
 * isRegistered("op", "add"); // true
 * ```
 * @category Registry
 */
export function isRegistered(kind: RegistryKind, name: string): boolean {
  return table(kind).has(name);
}

/**
 * The names registered under a kind, sorted.
 * @example
 * ```ts
 * import { registeredNames } from "@backprop/core";
 * registeredNames("op").includes("matmul"); // true
 * ```
 * @category Registry
 */
export function registeredNames(kind: RegistryKind): string[] {
  return [...table(kind).keys()].sort();
}

/**
 * The name a value was first registered under, or undefined (used when saving models).
 * @example
 * ```ts
 * import { nameOf, resolve } from "@backprop/core";
 * nameOf("op", resolve("op", "add")); // "add"
 * ```
 * @category Registry
 */
export function nameOf(kind: RegistryKind, value: unknown): string | undefined {
  table(kind);
  return names.get(kind)!.get(value);
}
