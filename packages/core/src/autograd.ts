/**
 * Reverse-mode automatic differentiation: a dynamic tape (define-by-run). Each op's output
 * remembers the op and its arguments; `backward()` walks that graph from the loss back to the
 * leaves in reverse topological order, applying the chain rule at every node:
 * dL/dx = sum over uses of x of (dL/dy * dy/dx).
 * @module
 */
import type { Tensor } from "./tensor.js";
import { ShapeError, StateError, ValueError, describeValue, formatShape } from "./errors.js";
import { shapesEqual } from "./shape.js";
import { full } from "./creation.js";
import { inScope, startScope } from "./scope.js";
import { checkBoolean, checkFunction, checkOptions, checkTensor } from "./validate.js";

let gradEnabled = true;

/**
 * Whether ops are being recorded for backward.
 * @example
 * ```ts
 * import { isGradEnabled, noGrad } from "@backprop/core";
 * noGrad(() => isGradEnabled()); // false
 * ```
 * @category Autograd
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` with recording switched on or off, restoring the previous mode afterwards.
 * @example
 * ```ts
 * import { withGradMode } from "@backprop/core";
 * withGradMode(false, () => 1 + 1);
 * ```
 * @category Autograd
 */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  checkBoolean(enabled, "withGradMode", "enabled");
  checkFunction(fn, "withGradMode");
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Runs `fn` without recording ops: for inference and parameter updates.
 * @example
 * ```ts
 * import { noGrad, tensor } from "@backprop/core";
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2));
 * y.requiresGrad; // false
 * ```
 * @category Autograd
 */
export function noGrad<T>(fn: () => T): T {
  checkFunction(fn, "noGrad");
  return withGradMode(false, fn);
}

/**
 * Options of {@link Tensor.backward}, {@link grad} and {@link valueAndGrad}.
 * @category Autograd
 */
export interface BackwardOptions {
  /** Record the backward pass itself, so the gradients can be differentiated again. */
  createGraph?: boolean;
  /** Keep the graph for another backward (implied by createGraph). */
  retainGraph?: boolean;
}

/** Topological order of the tensors that need gradients, from the roots down. */
function topoOrder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative depth-first search (deep graphs, e.g. long RNNs, would overflow recursion).
  const stack: [Tensor, boolean][] = roots.map((r) => [r, false]);
  while (stack.length > 0) {
    const [t, done] = stack.pop()!;
    if (done) {
      order.push(t);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    stack.push([t, true]);
    const node = t.gradNode;
    if (node === null) continue;
    for (const a of node.args) {
      if (Array.isArray(a)) {
        for (const b of a as unknown[]) if (isGradTensor(b) && !visited.has(b)) stack.push([b, false]);
      } else if (isGradTensor(a) && !visited.has(a)) {
        stack.push([a, false]);
      }
    }
  }
  return order.reverse();
}

function isGradTensor(x: unknown): x is Tensor {
  return x !== null && typeof x === "object" && (x as { __isTensor?: boolean }).__isTensor === true && (x as Tensor).requiresGrad;
}

/**
 * The engine behind `backward`, `grad` and `valueAndGrad`. With `inputs`, returns their
 * gradients and leaves every `.grad` alone; without, accumulates into the leaves' `.grad`.
 * @internal
 */
export function runBackward(
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[],
  options: BackwardOptions & { inputs?: readonly Tensor[] } = {},
): Map<Tensor, Tensor> {
  const options_ = checkBackwardOptions(options, "backward");
  if (!Array.isArray(roots) || !Array.isArray(rootGrads) || roots.length !== rootGrads.length) {
    throw new ValueError(`backward: roots and gradients are not two lists of one length; expected e.g. [loss] and [ones], got ${describeValue(roots)} and ${describeValue(rootGrads)}`);
  }
  const createGraph = options_.createGraph ?? false;
  const retainGraph = options_.retainGraph ?? createGraph;
  const inputs = options_.inputs === undefined ? null : new Set(options_.inputs);
  const grads = new Map<Tensor, Tensor>();
  roots.forEach((r, i) => {
    checkTensor(r, "backward", `root ${i}`);
    checkTensor(rootGrads[i], "backward", `gradient ${i}`);
    if (!r.requiresGrad) {
      throw new StateError(
        `backward: the ${r.describe()} does not require gradients; expected requiresGrad: true on one of its inputs, got none (or it was computed under noGrad)`,
      );
    }
    const g = rootGrads[i];
    if (!shapesEqual(g.shape, r.shape)) {
      throw new ShapeError(`backward: gradient shape must match the tensor; expected ${formatShape(r.shape)}, got ${formatShape(g.shape)}`);
    }
    grads.set(r, g);
  });
  const result = new Map<Tensor, Tensor>();
  // Outside every scope, the intermediate gradients are disposed as backward returns (the
  // garbage collector would free them only later, and wasm memory not at all without a scope);
  // what it hands out is kept: .grad fields, requested gradients, and what hooks saw.
  const scope = inScope() ? null : startScope();
  const handedOut: Tensor[] = [];
  try {
    withGradMode(createGraph, () => {
      walk(roots, grads, inputs, createGraph, retainGraph, result, handedOut);
    });
    if (scope !== null) scope.keep(handedOut);
  } finally {
    scope?.close();
  }
  return result;
}

/** Checks backward's options: an object whose flags are booleans (and inputs a list of tensors). */
function checkBackwardOptions(options: unknown, where: string): BackwardOptions & { inputs?: readonly Tensor[] } {
  checkOptions(options, where, "{ retainGraph: true }");
  const o = options as BackwardOptions & { inputs?: unknown };
  if (o.createGraph !== undefined) checkBoolean(o.createGraph, where, "createGraph");
  if (o.retainGraph !== undefined) checkBoolean(o.retainGraph, where, "retainGraph");
  if (o.inputs !== undefined) {
    if (!Array.isArray(o.inputs)) throw new ValueError(`${where}: inputs are not a list; expected a list of tensors, got ${describeValue(o.inputs)}`);
    (o.inputs as unknown[]).forEach((x, i) => { checkTensor(x, where, `inputs[${i}]`); });
  }
  return o as BackwardOptions & { inputs?: readonly Tensor[] };
}

function walk(
  roots: readonly Tensor[], grads: Map<Tensor, Tensor>, inputs: Set<Tensor> | null, createGraph: boolean, retainGraph: boolean,
  result: Map<Tensor, Tensor>, handedOut: Tensor[],
): void {
  for (const t of topoOrder(roots)) {
    let g = grads.get(t);
    if (g === undefined) continue;
    grads.delete(t);
    if (t.hasHooks) handedOut.push(g);
    g = t.runHooks(g);
    if (t.hasHooks) handedOut.push(g);
    if (inputs?.has(t)) {
      result.set(t, g);
      handedOut.push(g);
    }
    const node = t.gradNode;
    if (node === null || t.retainsGrad) {
      if (inputs === null) {
        t.accumulateGrad(g, createGraph);
        if (t.grad !== null) handedOut.push(t.grad);
      }
      if (node === null) continue;
    }
    if (node.freed) {
      throw new StateError(
        `backward: the graph through "${node.op.name}" was freed by an earlier backward; pass { retainGraph: true } to the first backward to call it twice`,
      );
    }
    const spec = node.op.spec;
    const inputGrads = spec.backward!(g, node.args, t, node.saved);
    node.args.forEach((a, i) => {
      const gi = inputGrads[i];
      if (Array.isArray(a)) {
        (a as unknown[]).forEach((b, j) => {
          addGrad(grads, b, (gi as readonly (Tensor | null | undefined)[] | undefined)?.[j], node.op.name);
        });
      } else {
        addGrad(grads, a, gi as Tensor | null | undefined, node.op.name);
      }
    });
    if (!retainGraph) {
      node.freed = true;
      node.args = [];
      node.saved = undefined;
    }
  }
}

function addGrad(grads: Map<Tensor, Tensor>, x: unknown, g: Tensor | null | undefined, opName: string): void {
  if (!isGradTensor(x) || g === null || g === undefined) return;
  if (!shapesEqual(g.shape, x.shape)) {
    throw new ShapeError(
      `internal: the backward of "${opName}" returned a gradient of shape ${formatShape(g.shape)} for an input of shape ${formatShape(x.shape)}`,
    );
  }
  const previous = grads.get(x);
  grads.set(x, previous === undefined ? g : previous.add(g));
}

/**
 * Functional gradient: turns `f(...xs) -> scalar` into a function returning the gradients of
 * f with respect to each tensor argument (JAX's `grad`, PyTorch's `autograd.grad`). No `.grad`
 * field is touched. Pass `{ createGraph: true }` to differentiate the result again.
 * @throws {ValueError} when f does not return a one-element tensor.
 * @example
 * ```ts
 * import { grad, tensor } from "@backprop/core";
 * const df = grad((x) => x.pow(3).sum()); // d/dx x^3 = 3x^2
 * df(tensor([2]))[0].item(); // 12
 * ```
 * @category Autograd
 */
export function grad(f: (...xs: Tensor[]) => Tensor, options: BackwardOptions = {}): (...xs: Tensor[]) => Tensor[] {
  checkFunction(f, "grad", "f");
  checkBackwardOptions(options, "grad");
  return (...xs: Tensor[]) => valueAndGrad(f, options)(...xs).grads;
}

/**
 * Like {@link grad}, but also returns the value of f.
 * @throws {ValueError} when f does not return a one-element tensor.
 * @example
 * ```ts
 * import { valueAndGrad, tensor } from "@backprop/core";
 * const { value, grads } = valueAndGrad((x) => x.square().sum())(tensor([3]));
 * value.item();    // 9
 * grads[0].item(); // 6
 * ```
 * @category Autograd
 */
export function valueAndGrad(
  f: (...xs: Tensor[]) => Tensor,
  options: BackwardOptions = {},
): (...xs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  checkFunction(f, "valueAndGrad", "f");
  checkBackwardOptions(options, "valueAndGrad");
  return (...xs: Tensor[]) => {
    xs.forEach((x, i) => { checkTensor(x, "grad", `argument ${i}`); });
    // Fresh leaves that share the data, so the caller's tensors and their .grad stay untouched.
    const inputs = xs.map((x) => (options.createGraph === true && x.requiresGrad ? x : x.detach().requiresGrad_()));
    const value = withGradMode(true, () => f(...inputs));
    checkTensor(value, "grad", "the function's result");
    if (value.size !== 1) {
      throw new ValueError(`grad: the function must return a one-element tensor (a loss); got ${value.describe()}`);
    }
    // Ones, not value * 0 + 1, which is NaN for an infinite or NaN value.
    const one = full(value.shape, 1, { dtype: value.dtype });
    const found = value.requiresGrad ? runBackward([value], [one], { ...options, inputs }) : new Map<Tensor, Tensor>();
    const grads = inputs.map((x) => found.get(x) ?? withGradMode(false, () => x.detach().mul(0)));
    return { value: options.createGraph === true ? value : value.detach(), grads };
  };
}
