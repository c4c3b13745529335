/**
 * Memory scopes. Storage returns to the pool when the tensors using it are disposed:
 * by `tidy`, by a `using` scope, explicitly, or at the latest when the garbage collector
 * finalizes them (the safety net). Memory is never the user's job for correctness.
 * @module
 */
import type { Tensor } from "./tensor.js";
import type { Storage } from "./backend/storage.js";
import { ValueError } from "./errors.js";
import { checkFunction } from "./validate.js";
import { checkTensorView } from "./backend/checkedBackend.js";

const stack: Scope[] = [];

/**
 * A memory scope: tensors created while it is open are disposed when it closes, except the
 * ones kept (returned from `tidy`, passed to `keep`, or reachable from those through autograd).
 * Open one with {@link startScope} and `using`, or let {@link tidy} manage it.
 * @example
 * ```ts
 * import { startScope, tensor } from "@backprop/core";
 * {
 *   using scope = startScope();
 *   const x = tensor([1, 2, 3]).mul(2);
 *   scope.keep(x); // x survives the block; other temporaries do not
 * }
 * ```
 * @category Memory
 */
export class Scope implements Disposable {
  /** @internal */
  readonly tensors = new Set<Tensor>();
  private readonly kept = new Set<Tensor>();
  private closed = false;

  /** Keeps tensors alive past this scope (they move to the enclosing scope, if any). */
  keep<T>(value: T): T {
    collect(value, this.kept);
    return value;
  }

  /** Closes the scope and disposes what it does not keep. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const index = stack.lastIndexOf(this);
    if (index >= 0) stack.splice(index, 1);
    const keepAll = new Set<Tensor>();
    for (const t of this.kept) keepGraph(t, keepAll);
    const parent = stack.length > 0 ? stack[stack.length - 1] : null;
    const escaping: Tensor[] = [];
    for (const t of this.tensors) {
      if (keepAll.has(t) || t.isKept) {
        if (parent !== null) parent.tensors.add(t);
        else if (t.isKept) t.guardWithFinalizer();
        else escaping.push(t);
      } else {
        t.dispose();
      }
    }
    this.tensors.clear();
    if (escaping.length > 0) escape(escaping);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Tensors leaving the last scope become the garbage collector's to free. Storage the collector
 * cannot free (wasm memory) and that only these tensors use is copied into a typed array (once
 * per storage, so views keep sharing it): a finalizer would free it only after the synchronous
 * loop that made it ends. Storage someone else also uses (a parameter's, under a view) stays, and
 * the finalizer takes the view's share.
 */
function escape(tensors: readonly Tensor[]): void {
  const byStorage = new Map<Storage, Tensor[]>();
  for (const t of tensors) {
    const views = byStorage.get(t.storage);
    if (views === undefined) byStorage.set(t.storage, [t]);
    else views.push(t);
  }
  for (const [s, views] of byStorage) {
    if (s.collectable === true) continue;
    if (s.refs !== views.length) {
      for (const t of views) t.guardWithFinalizer();
      continue;
    }
    views[0].moveToCollectable();
    for (const t of views.slice(1)) t.replaceStorage(views[0].storage);
  }
}

function collect(value: unknown, into: Set<Tensor>, depth = 0): void {
  if (value === null || typeof value !== "object" || depth > 4) return;
  if (isTensor(value)) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, into, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collect(v, into, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into, depth + 1);
  }
}

function isTensor(value: object): value is Tensor {
  return (value as { __isTensor?: boolean }).__isTensor === true;
}

/** Keeps a tensor and everything its autograd graph needs for a later backward. */
function keepGraph(t: Tensor, into: Set<Tensor>): void {
  const pending = [t];
  while (pending.length > 0) {
    const x = pending.pop()!;
    if (into.has(x)) continue;
    into.add(x);
    if (x.grad !== null) into.add(x.grad);
    const node = x.gradNode;
    if (node === null) continue;
    const found = new Set<Tensor>();
    collect(node.args, found);
    collect(node.saved, found);
    for (const y of found) pending.push(y);
  }
}

/**
 * Opens a memory scope for a `using` declaration.
 * @example
 * ```ts
 * import { startScope, ones } from "@backprop/core";
 * function step() {
 *   using _scope = startScope();
 *   ones([1000]).mul(3).sum().item(); // temporaries are pooled again when step returns
 * }
 * step();
 * ```
 * @category Memory
 */
export function startScope(): Scope {
  const scope = new Scope();
  stack.push(scope);
  return scope;
}

/**
 * Runs `fn` in a memory scope: every tensor it creates is disposed afterwards, except the
 * ones it returns (in an array or plain object too) and what their autograd graphs need.
 * @throws {ValueError} when `fn` returns a promise (scopes are synchronous).
 * @example
 * ```ts
 * import { tidy, tensor } from "@backprop/core";
 * const y = tidy(() => tensor([1, 2]).mul(3).add(1)); // the intermediate product is disposed
 * ```
 * @category Memory
 */
export function tidy<T>(fn: () => T): T {
  checkFunction(fn, "tidy");
  const scope = startScope();
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) throw new ValueError("tidy: the function returned a promise; expected a synchronous function (scopes are synchronous, so await outside tidy)");
    scope.keep(result);
  } finally {
    scope.close();
  }
  return result;
}

/**
 * Marks tensors as kept by every scope (parameters, optimizer state). Returns its argument.
 * @example
 * ```ts
 * import { keep, tidy, zeros } from "@backprop/core";
 * let w = zeros([2]);
 * tidy(() => { w = keep(zeros([3])); });
 * w.shape; // [3], still usable
 * ```
 * @category Memory
 */
export function keep<T>(value: T): T {
  const found = new Set<Tensor>();
  collect(value, found);
  // It hands its argument back: a forged view is refused here, as ops refuse one they hand back.
  for (const t of found) if (!t.isDisposed) checkTensorView(t, "keep");
  for (const t of found) t.markKept();
  return value;
}

/**
 * Disposes tensors now (arrays and plain objects of tensors too); disposing twice is harmless.
 * @example
 * ```ts
 * import { dispose, ones } from "@backprop/core";
 * const a = ones([3]);
 * dispose(a);
 * a.isDisposed; // true
 * ```
 * @category Memory
 */
export function dispose(value: unknown): void {
  const found = new Set<Tensor>();
  collect(value, found);
  for (const t of found) t.dispose();
}

/**
 * Whether a memory scope is open, so that tensors made now are disposed when it closes. Backends
 * whose memory the garbage collector cannot free use it to put results that nothing will
 * dispose (made outside every scope) in collectable memory.
 * @example
 * ```ts
 * import { inScope, tidy } from "@backprop/core";
 * inScope();              // false
 * tidy(() => inScope());  // true
 * ```
 * @category Memory
 */
export function inScope(): boolean {
  return stack.length > 0;
}

/** @internal Adds a new tensor to the innermost open scope. */
export function trackTensor(t: Tensor): boolean {
  if (stack.length === 0) return false;
  stack[stack.length - 1].tensors.add(t);
  return true;
}

/** @internal Removes a tensor from every open scope (it now belongs to a longer-lived owner). */
export function untrackTensor(t: Tensor): void {
  for (const s of stack) s.tensors.delete(t);
}
