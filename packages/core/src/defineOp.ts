/**
 * `defineOp`: one differentiable primitive, forward and backward in one place.
 * @module
 */
import { register } from "./registry.js";
import { Tensor } from "./tensor.js";
import { isGradEnabled, withGradMode } from "./autograd.js";
import { isFloat } from "./dtype.js";
import { ValueError } from "./errors.js";
import { inScope, tidy } from "./scope.js";

/**
 * What a forward may return besides a plain tensor: the output plus anything the backward
 * needs that is not an argument (max-pooling indices, a random mask).
 * @category Autograd
 */
export interface ForwardResult {
  output: Tensor;
  saved: unknown;
}

/**
 * The gradients a backward returns, one entry per argument of the op: a tensor shaped like
 * that argument, `null` where there is none (non-tensor or non-differentiable arguments), or
 * an array of them for an argument that is an array of tensors.
 * @category Autograd
 */
export type InputGrads = readonly (Tensor | null | undefined | readonly (Tensor | null | undefined)[])[];

/**
 * The definition of an op: its name, its forward (calling kernels or other ops) and its
 * backward, written in differentiable ops so that higher-order gradients work.
 * @category Autograd
 */
export interface OpSpec<A extends unknown[]> {
  /** Registry name; third-party ops prefix theirs ("acme/swish"). */
  name: string;
  /** Computes the output; runs without recording, whatever ops it uses. */
  forward: (...args: A) => Tensor | ForwardResult;
  /**
   * Given the gradient of the loss with respect to the output, returns the gradients with
   * respect to each argument. Omit it for non-differentiable ops (comparisons, argmax).
   */
  backward?: (g: Tensor, args: A, output: Tensor, saved: unknown) => InputGrads;
  /** Whether to add the op to the registry (default true). */
  register?: boolean;
}

/**
 * A registered op: its spec and the function that applies it.
 * @category Autograd
 */
// any[] by default: an OpDef of specific arguments must fit where any op is stored (registry, graph nodes).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface OpDef<A extends unknown[] = any[]> {
  readonly name: string;
  readonly spec: OpSpec<A>;
  readonly apply: (...args: A) => Tensor;
}

/**
 * The autograd record on an op's output: which op made it and from what.
 * @category Autograd
 */
export interface GradNode {
  readonly op: OpDef;
  args: unknown[];
  saved: unknown;
  /** Set once a backward without `retainGraph` has consumed the record. */
  freed: boolean;
}

function needsGrad(args: readonly unknown[]): boolean {
  for (const a of args) {
    if (a instanceof Tensor) {
      if (a.requiresGrad) return true;
    } else if (Array.isArray(a)) {
      for (const b of a) if (b instanceof Tensor && b.requiresGrad) return true;
    }
  }
  return false;
}

/**
 * Defines a differentiable op. The returned function behaves like the built-in ops: it runs
 * the forward, and when gradients are being recorded and an argument requires them, it
 * records the call so that `backward()` reaches the op's backward.
 *
 * @throws {RegistryError} when the name is taken.
 * @example
 * ```ts
 * import { defineOp, tensor, gradCheck } from "@backprop/core";
 * // cube(x) = x^3; d/dx = 3x^2
 * const cube = defineOp({
 *   name: "example/cube",
 *   forward: (x) => x.mul(x).mul(x),
 *   backward: (g, [x]) => [g.mul(x.square().mul(3))],
 * });
 * const x = tensor([1, 2], { requiresGrad: true });
 * cube(x).sum().backward();
 * x.grad!.toArray(); // [3, 12]
 * ```
 * @category Autograd
 */
export function defineOp<A extends unknown[]>(spec: OpSpec<A>): (...args: A) => Tensor {
  const def: OpDef<A> = {
    name: spec.name,
    spec,
    apply: (...args: A): Tensor => {
      if (args.length < spec.forward.length) {
        throw new ValueError(`${spec.name}: expected at least ${spec.forward.length} arguments; got ${args.length}`);
      }
      const record = spec.backward !== undefined && isGradEnabled() && needsGrad(args);
      const forward = (): Tensor | ForwardResult => (record ? withGradMode(false, () => spec.forward(...args)) : spec.forward(...args));
      // Outside every scope, the forward's own temporaries (views, intermediate results) are
      // disposed as it returns, not left to the garbage collector.
      const result = inScope() ? forward() : tidy(forward);
      let output: Tensor;
      let saved: unknown;
      if (result instanceof Tensor) {
        output = result;
      } else {
        output = result.output;
        saved = result.saved;
      }
      if (!record || !isFloat(output.dtype)) return output;
      // An op that hands back one of its own inputs still needs a node of its own.
      if (args.includes(output)) output = output.alias();
      output.setGradNode({ op: def as OpDef, args, saved, freed: false });
      return output;
    },
  };
  if (spec.register !== false) register("op", spec.name, def as OpDef);
  return def.apply;
}
