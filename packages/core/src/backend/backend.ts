/**
 * Backend registration and selection. Backends register with a priority
 * (native > wasm > js); the best one that loads is used unless `BACKPROP_BACKEND` or
 * {@link setBackend} says otherwise.
 * @module
 */
import type { DType } from "../dtype.js";
import { RegistryError } from "../errors.js";
import { register, registeredNames, resolve, isRegistered } from "../registry.js";
import type { Kernels } from "./kernels.js";
import type { Storage } from "./storage.js";

/**
 * A backend: storage allocation plus every kernel.
 * @category Backends
 */
export interface Backend extends Kernels {
  /** Registry name: "js", "wasm", "native". */
  readonly name: string;
  /** A storage of `length` elements with unspecified contents, from the pool when possible. */
  alloc(dtype: DType, length: number): Storage;
  /** Threads used by large kernels (1 for single-threaded backends). */
  numThreads(): number;
  /** Sets how many threads large kernels may use (ignored by single-threaded backends). */
  setNumThreads(n: number): void;
}

/**
 * How a backend is registered: a priority and a factory that may throw when the backend
 * cannot load here (no addon, no WebAssembly).
 * @category Backends
 */
export interface BackendFactory {
  priority: number;
  create: () => Backend;
}

const instances = new Map<string, Backend>();
const failures = new Map<string, string>();
let current: Backend | null = null;

/**
 * Registers a backend factory under a name with a priority (higher wins).
 * @throws {RegistryError} when the name is taken.
 * @example
 * ```ts
 * import { registerBackend, getBackend } from "@backprop/core";
 * registerBackend("example-js", () => getBackend("js"), -1);
 * ```
 * @category Backends
 */
export function registerBackend(name: string, create: () => Backend, priority = 0): void {
  register("backend", name, { priority, create });
}

function instantiate(name: string): Backend {
  const existing = instances.get(name);
  if (existing !== undefined) return existing;
  const factory = resolve("backend", name);
  const backend = factory.create();
  instances.set(name, backend);
  return backend;
}

function envBackend(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.BACKPROP_BACKEND;
  return value === undefined || value === "" ? undefined : value;
}

function pickDefault(): Backend {
  const requested = envBackend();
  if (requested !== undefined) {
    if (!isRegistered("backend", requested)) {
      throw new RegistryError(
        `BACKPROP_BACKEND: no backend "${requested}"; known: ${registeredNames("backend").join(", ")}` +
          (requested === "native" || requested === "wasm" ? ` (import "@backprop/backend-${requested}" to register it)` : ""),
      );
    }
    return instantiate(requested);
  }
  const names = registeredNames("backend").sort((a, b) => resolve("backend", b).priority - resolve("backend", a).priority);
  for (const name of names) {
    try {
      return instantiate(name);
    } catch (e) {
      if (!failures.has(name)) {
        failures.set(name, String(e));
        console.warn(`backprop: backend "${name}" did not load (${(e as Error).message}); falling back to the next one`);
      }
    }
  }
  throw new RegistryError("getBackend: no backend could be loaded");
}

/**
 * The backend in use, or a named one (created on first use).
 * @throws {RegistryError} for an unknown name.
 * @example
 * ```ts
 * import { getBackend } from "@backprop/core";
 * getBackend().name; // "js" unless a faster backend is registered
 * ```
 * @category Backends
 */
export function getBackend(name?: string): Backend {
  if (name !== undefined) return instantiate(name);
  current ??= pickDefault();
  return current;
}

/**
 * Makes a registered backend the one in use. Existing tensors stay valid: every backend reads
 * every other's storage as typed arrays.
 * @throws {RegistryError} for an unknown backend name, with suggestions.
 * @example
 * ```ts
 * import { setBackend } from "@backprop/core";
 * setBackend("js");
 * ```
 * @category Backends
 */
export function setBackend(name: string): Backend {
  current = instantiate(name);
  return current;
}

/**
 * The kernels of the backend in use.
 * @example
 * ```ts
 * import { kernels, tensor } from "@backprop/core";
 * kernels().exp(tensor([0, 1])); // a new tensor [1, e]
 * ```
 * @category Backends
 */
export function kernels(): Backend {
  return current ?? getBackend();
}
