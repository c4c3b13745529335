/**
 * The Tensor: a typed n-dimensional view `{ storage, dtype, shape, strides, offset }` plus
 * the autograd fields. Methods are thin, chainable forms of the functional ops.
 * @module
 */
import type { DType, TypedArray } from "./dtype.js";
import { isFloat } from "./dtype.js";
import type { Storage } from "./backend/storage.js";
import { ArrayStorage } from "./backend/storage.js";
import { checkTensorView } from "./backend/checkedBackend.js";
import { MAX_TO_ARRAY_VALUES, checkView, contiguousStrides, isContiguous, shapesEqual } from "./shape.js";
import { DTypeError, ShapeError, StateError, ValueError, describeValue, formatShape } from "./errors.js";
import { checkBoolean, checkFunction } from "./validate.js";
import { inScope, trackTensor, untrackTensor } from "./scope.js";
import type { GradNode } from "./defineOp.js";
import { runBackward, withGradMode } from "./autograd.js";
import type { BackwardOptions } from "./autograd.js";
import { kernels } from "./backend/backend.js";
import { formatTensor } from "./format.js";
import { full } from "./creation.js";
import * as E from "./ops/elementwise.js";
import * as R from "./ops/reduce.js";
import * as M from "./ops/movement.js";
import * as N from "./ops/nn.js";
import { matmul } from "./ops/matmul.js";
import type { ReduceOptions, VarianceOptions } from "./ops/reduce.js";
import type { SliceSpec } from "./ops/movement.js";

/**
 * Something a binary op accepts as an operand: a tensor or a plain number.
 * @category Tensors
 */
export type TensorLike = Tensor | number;

/**
 * A handle returned by {@link Tensor.registerHook}; `remove()` unregisters the hook.
 * @category Autograd
 */
export interface HookHandle {
  remove(): void;
}

// The safety net for storage the garbage collector cannot free by itself (wasm or GPU memory):
// it goes back to its backend once every tensor over it is collected. Typed-array storage is
// never registered: holding it here would keep an unreachable tensor's memory alive until the
// callback runs, and callbacks never run inside a synchronous training loop.
const finalizer = new FinalizationRegistry<Storage>((storage) => {
  if (--storage.refs === 0) storage.release();
});

// Gradients in memory the collector cannot free, disposed with the tensor they belong to.
const ownedGrads = new FinalizationRegistry<{ grad: Tensor | null }>((owned) => {
  owned.grad?.dispose();
});

let nextId = 1;

/**
 * An n-dimensional array of numbers that can record the operations applied to it, so that
 * gradients flow back through them (reverse-mode autodiff).
 *
 * Create tensors with {@link tensor}, {@link zeros}, {@link randn} and friends rather than with
 * the constructor, which backends use to wrap their storage.
 * @example
 * ```ts
 * import { tensor } from "@backprop/core";
 * const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const loss = w.mul(w).sum(); // sum of squares
 * loss.backward();
 * w.grad!.toArray(); // [[2, 4], [6, 8]]: d(w^2)/dw = 2w
 * ```
 * @category Tensors
 */
export class Tensor implements Disposable {
  /** @internal Marks tensors for cheap duck-typed checks across module copies. */
  readonly __isTensor = true;
  /** A unique id, for debugging and graph drawings. */
  readonly id = nextId++;
  /** Element type. */
  readonly dtype: DType;
  /** Size of each axis. */
  readonly shape: readonly number[];
  /** Step between neighbours along each axis, in elements (0 for broadcast axes). */
  readonly strides: readonly number[];
  /** Index of the first element in the storage. */
  readonly offset: number;
  /** Number of elements. */
  readonly size: number;
  /** The gradient accumulated by `backward()`, or null. */
  grad: Tensor | null = null;
  /** An optional label, shown in graph drawings. */
  name: string | undefined;
  private _storage: Storage;
  private _requiresGrad = false;
  private _node: GradNode | null = null;
  private _hooks: ((g: Tensor) => Tensor | void)[] | null = null;
  private _retainGrad = false;
  private _disposed = false;
  private _kept = false;
  private _finalized = false;
  /** The gradient this tensor disposes when it is collected (see setGrad). */
  private _ownedGrad: { grad: Tensor | null } | null = null;

  /**
   * @internal Wraps a backend storage; use the creation functions instead.
   * @throws {ValueError} for a view that is not inside its storage (see {@link checkView}).
   */
  constructor(storage: Storage, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this._storage = storage;
    this.dtype = storage.dtype;
    this.shape = shape;
    this.strides = strides ?? contiguousStrides(shape);
    this.offset = offset;
    this.size = checkView(shape, this.strides, offset, storage.length, "Tensor");
    storage.refs++;
    // A tensor made inside a scope is disposed when the scope closes; only tensors that outlive
    // every scope need the finalizer (registering all of them costs heap churn per step).
    if (!trackTensor(this)) this.guardWithFinalizer();
  }

  /** The storage behind this view. @throws {StateError} when the tensor was disposed. */
  get storage(): Storage {
    if (this._disposed) throw new StateError(`Tensor: this ${this.describe()} was disposed (by dispose(), tidy or a scope) and cannot be used`);
    return this._storage;
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether the elements are laid out row-major without gaps. */
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** Whether dispose() has released this tensor. */
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** @internal Whether keep() protected it from scopes. */
  get isKept(): boolean {
    return this._kept;
  }

  /** @internal */
  markKept(guard = true): void {
    this._kept = true;
    untrackTensor(this);
    if (guard) this.guardWithFinalizer();
  }

  /** @internal Lets the garbage collector return this tensor's storage if nobody disposes it. */
  guardWithFinalizer(): void {
    if (this._finalized || this._disposed || this._storage.collectable === true) return;
    this._finalized = true;
    finalizer.register(this, this._storage, this);
  }

  /**
   * @internal Moves this view onto other storage holding the same elements (a backend pinning a
   * long-lived tensor in its own memory, or a scope moving an escaping one to collectable memory).
   */
  replaceStorage(storage: Storage): void {
    if (this._disposed) throw new StateError(`replaceStorage: this ${this.describe()} was disposed; expected a live tensor`);
    const s = storage as Partial<Storage> | null;
    if (typeof s !== "object" || s === null || typeof s.refs !== "number" || typeof s.release !== "function" || s.dtype !== this.dtype || typeof s.length !== "number") {
      throw new ValueError(`replaceStorage: the storage is not a ${this.dtype} storage; expected a backend's storage of dtype ${this.dtype}, got ${describeValue(storage)}`);
    }
    checkView(this.shape, this.strides, this.offset, s.length, "replaceStorage");
    if (this._finalized) finalizer.unregister(this);
    this._finalized = false;
    const old = this._storage;
    this._storage = storage;
    storage.refs++;
    if (--old.refs === 0) old.release();
    if (this._kept || !inScope()) this.guardWithFinalizer();
  }

  /** @internal Moves this view onto a copy of its storage in a typed array the garbage collector frees. */
  moveToCollectable(): void {
    this.replaceStorage(new ArrayStorage(this.storage.data.slice(), this.dtype, null));
  }

  /** Short description used in messages: `float32 tensor [2, 3]`. */
  describe(): string {
    return `${this.dtype} tensor [${this.shape.join(", ")}]`;
  }

  // ---- autograd ----

  /** Whether gradients flow to this tensor. Only floating-point tensors can require them. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(value: boolean) {
    checkBoolean(value, "requiresGrad", "the flag");
    if (value && !isFloat(this.dtype)) {
      throw new DTypeError(`requiresGrad: only float32 and float64 tensors can require gradients; got a ${this.describe()}`);
    }
    if (!value && this._node !== null) {
      throw new StateError(`requiresGrad: cannot switch off gradients of a tensor computed by "${this._node.op.name}"; expected a leaf tensor, got a computed one (use detach() instead)`);
    }
    this._requiresGrad = value;
  }

  /** Sets requiresGrad in place and returns this tensor (PyTorch's `requires_grad_`). */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    // Handed back for chaining: checked as the ops check a view they hand back unchanged.
    checkTensorView(this, "requiresGrad_");
    return this;
  }

  /** True for tensors not computed by a recorded op (user-created, parameters). */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /** @internal The autograd record of the op that made this tensor. */
  get gradNode(): GradNode | null {
    return this._node;
  }

  /** @internal */
  setGradNode(node: GradNode): void {
    this._node = node;
    this._requiresGrad = true;
  }

  /** The name of the op that made this tensor, or null for a leaf. */
  get gradFn(): string | null {
    return this._node?.op.name ?? null;
  }

  /** Whether a non-leaf keeps its gradient in `.grad` (see retainGrad). */
  get retainsGrad(): boolean {
    return this._retainGrad;
  }

  /** Asks backward() to fill `.grad` of this non-leaf tensor too. */
  retainGrad(): this {
    checkTensorView(this, "retainGrad");
    this._retainGrad = true;
    return this;
  }

  /**
   * Registers a function called with this tensor's gradient during backward; it may return a
   * replacement gradient.
   */
  registerHook(hook: (g: Tensor) => Tensor | void): HookHandle {
    checkFunction(hook, "registerHook", "hook");
    if (!this._requiresGrad) throw new StateError(`registerHook: the ${this.describe()} does not require gradients; expected requiresGrad: true`);
    (this._hooks ??= []).push(hook);
    return {
      remove: () => {
        const i = this._hooks?.indexOf(hook) ?? -1;
        if (i >= 0) this._hooks!.splice(i, 1);
      },
    };
  }

  /** @internal Whether hooks are registered. */
  get hasHooks(): boolean {
    return this._hooks !== null && this._hooks.length > 0;
  }

  /** @internal */
  runHooks(g: Tensor): Tensor {
    if (this._hooks === null) return g;
    for (const hook of this._hooks) {
      const r = hook(g);
      if (r === undefined) continue;
      if (!(r instanceof Tensor) || !shapesEqual(r.shape, g.shape)) {
        const got = r instanceof Tensor ? `a gradient of shape ${formatShape(r.shape)}` : String(r);
        throw new ShapeError(`registerHook: a hook must return nothing or a gradient of the same shape; expected ${formatShape(g.shape)}, got ${got}`);
      }
      g = r;
    }
    return g;
  }

  /** @internal Adds a gradient into `.grad`, in place when possible. */
  accumulateGrad(g: Tensor, createGraph: boolean): void {
    if (g.dtype !== this.dtype) g = withGradMode(createGraph, () => g.cast(this.dtype));
    if (createGraph) {
      this.#setGrad(this.grad === null ? g : this.grad.add(g));
      return;
    }
    if (this.grad === null || this.grad.requiresGrad) {
      // A fresh contiguous copy: g may be a broadcast view or shared with another input's gradient.
      this.#setGrad(kernels().copy(g));
    } else {
      kernels().add(this.grad, g, this.grad);
    }
  }

  #setGrad(g: Tensor): void {
    const old = this.grad;
    this.grad = g;
    // A tensor the collector frees gets a gradient it frees too (a wasm backend keeps only
    // long-lived tensors in its own memory): nothing else would free it inside a loop.
    if (g.storage.collectable !== true && this._storage.collectable === true && g.storage.refs === 1) g.moveToCollectable();
    // Any other gradient in memory the collector cannot free is released with this tensor through
    // one finalizer per tensor, not one per gradient: a registration every step would pile up
    // finalizer records that only a full collection clears.
    const owned = g.storage.collectable !== true && !g._finalized;
    g.markKept(!owned);
    if (old !== null && old !== g && !old.requiresGrad) old.dispose();
    if (owned) this.#ownGrad(g);
  }

  #ownGrad(g: Tensor | null): void {
    if (this._ownedGrad === null) {
      if (g === null) return;
      this._ownedGrad = { grad: null };
      ownedGrads.register(this, this._ownedGrad);
    }
    const previous = this._ownedGrad.grad;
    this._ownedGrad.grad = g;
    // One still alive but no longer owned (replaced by a gradient carrying a graph, or dropped
    // by assigning .grad) goes back to a finalizer of its own.
    if (previous !== null && previous !== g) previous.guardWithFinalizer();
  }

  /**
   * Backpropagation: computes the gradient of this tensor with respect to every leaf that
   * requires gradients and adds it to their `.grad`. A non-scalar needs `grad`, the gradient
   * of the final loss with respect to this tensor.
   * @throws {ValueError} for a non-scalar without `grad`; {ShapeError} when `grad` has another shape; {StateError} when
   * nothing requires gradients or an earlier backward freed the graph.
   */
  backward(grad?: Tensor, options: BackwardOptions = {}): void {
    let g = grad;
    if (g !== undefined && !(g instanceof Tensor)) {
      throw new ValueError(`backward: grad is not a tensor; expected a tensor shaped like this ${this.describe()}, got ${describeValue(g)}`);
    }
    if (g === undefined) {
      if (this.size !== 1) {
        throw new ValueError(
          `backward: a non-scalar ${this.describe()} needs an explicit gradient; call .sum() first or pass backward(grad) with the same shape`,
        );
      }
      g = withGradMode(false, () => full(this.shape, 1, { dtype: this.dtype }));
    }
    runBackward([this], [g], options);
  }

  /**
   * Zeroes the gradient (sets it to null, like PyTorch's `set_to_none`). The old gradient goes
   * back to the pool (clone it first to keep it), unless it is part of a graph (createGraph).
   */
  zeroGrad(): void {
    if (this.grad !== null && !this.grad.requiresGrad) this.grad.dispose();
    this.grad = null;
    this.#ownGrad(null);
  }

  /** A tensor sharing this one's data but cut from the autograd graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }

  /** @internal A new tensor object over the same view (used when an op returns its input). */
  alias(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }

  // ---- data access ----

  /** The single element of a one-element tensor, as a number. */
  item(): number {
    if (this.size !== 1) throw new ValueError(`item: only one-element tensors convert to a number; got a ${this.describe()}`);
    checkTensorView(this, "item");
    const v = this.storage.data[this.offset];
    return v;
  }

  /** A contiguous copy of the elements as a typed array (Uint8Array for bool). */
  data(): TypedArray {
    checkTensorView(this, "data");
    if (this.isContiguous) return this.storage.data.slice(this.offset, this.offset + this.size);
    const c = kernels().copy(this);
    const out = c.storage.data.slice();
    c.dispose();
    return out;
  }

  /**
   * The elements as nested arrays (booleans for bool tensors; a number for a scalar). Nested JS
   * arrays cost far more than typed arrays, so this is for small tensors: at most
   * {@link MAX_TO_ARRAY_VALUES} numbers and arrays together.
   * @throws {ValueError} for a larger tensor; read it with {@link Tensor.data} instead.
   */
  toArray(): NestedArray {
    // The numbers, plus one array per index prefix of length 0 to rank - 1.
    let values = this.size;
    let prefixes = 1;
    for (let axis = 0; axis < this.rank; axis++) {
      values += prefixes;
      prefixes *= this.shape[axis];
    }
    if (values > MAX_TO_ARRAY_VALUES) {
      throw new ValueError(
        `toArray: a ${this.describe()} makes ${values} numbers and nested arrays; expected at most ${MAX_TO_ARRAY_VALUES} (use data() for a typed array)`,
      );
    }
    const flat = this.data();
    const bool = this.dtype === "bool";
    const build = (axis: number, start: number): NestedArray => {
      if (axis === this.shape.length) return bool ? flat[start] !== 0 : flat[start];
      const n = this.shape[axis];
      let step = 1;
      for (let i = axis + 1; i < this.shape.length; i++) step *= this.shape[i];
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(build(axis + 1, start + i * step));
      return out;
    };
    return build(0, 0);
  }

  /** Prints like PyTorch: `tensor([[1., 2.],\n        [3., 4.]])`, summarised when large. */
  toString(): string {
    return formatTensor(this);
  }

  /** @internal Makes `console.log` and `util.inspect` in Node print {@link Tensor.toString}. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Gives the storage back to the pool (when no other view uses it). Safe to call twice. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    if (this._finalized) finalizer.unregister(this);
    untrackTensor(this);
    this._node = null;
    if (--this._storage.refs === 0) this._storage.release();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- elementwise ----
  /** -x */ neg(): Tensor { return E.neg(this); }
  /** |x| */ abs(): Tensor { return E.abs(this); }
  /** -1, 0 or 1 */ sign(): Tensor { return E.sign(this); }
  /** e^x */ exp(): Tensor { return E.exp(this); }
  /** ln x */ log(): Tensor { return E.log(this); }
  /** ln(1 + x) */ log1p(): Tensor { return E.log1p(this); }
  /** e^x - 1 */ expm1(): Tensor { return E.expm1(this); }
  /** sqrt(x) */ sqrt(): Tensor { return E.sqrt(this); }
  /** 1 / sqrt(x) */ rsqrt(): Tensor { return E.rsqrt(this); }
  /** x^2 */ square(): Tensor { return E.square(this); }
  /** 1 / x */ reciprocal(): Tensor { return E.reciprocal(this); }
  /** sin x */ sin(): Tensor { return E.sin(this); }
  /** cos x */ cos(): Tensor { return E.cos(this); }
  /** tanh x */ tanh(): Tensor { return E.tanh(this); }
  /** 1 / (1 + e^-x) */ sigmoid(): Tensor { return E.sigmoid(this); }
  /** max(x, 0) */ relu(): Tensor { return E.relu(this); }
  /** x for x > 0, slope * x otherwise */ leakyRelu(slope = 0.01): Tensor { return E.leakyRelu(this, slope); }
  /** x for x > 0, alpha * (e^x - 1) otherwise */ elu(alpha = 1): Tensor { return E.elu(this, alpha); }
  /** x * Phi(x); `approximate: "tanh"` for the tanh form */ gelu(approximate: "none" | "tanh" = "none"): Tensor { return E.gelu(this, approximate); }
  /** x * sigmoid(x) */ silu(): Tensor { return E.silu(this); }
  /** ln(1 + e^x) */ softplus(): Tensor { return E.softplus(this); }
  /** The error function */ erf(): Tensor { return E.erf(this); }
  /** Rounds down */ floor(): Tensor { return E.floor(this); }
  /** Rounds up */ ceil(): Tensor { return E.ceil(this); }
  /** Rounds half to even */ round(): Tensor { return E.round(this); }
  /** Limits values to [min, max]; null leaves a side open */ clamp(min: number | null, max: number | null): Tensor { return E.clamp(this, min, max); }
  /** this + other */ add(other: TensorLike): Tensor { return E.add(this, other); }
  /** this - other */ sub(other: TensorLike): Tensor { return E.sub(this, other); }
  /** this * other */ mul(other: TensorLike): Tensor { return E.mul(this, other); }
  /** this / other */ div(other: TensorLike): Tensor { return E.div(this, other); }
  /** this ^ other */ pow(other: TensorLike): Tensor { return E.pow(this, other); }
  /** Elementwise larger value */ maximum(other: TensorLike): Tensor { return E.maximum(this, other); }
  /** Elementwise smaller value */ minimum(other: TensorLike): Tensor { return E.minimum(this, other); }
  /** this == other, as bool */ eq(other: TensorLike): Tensor { return E.eq(this, other); }
  /** this != other, as bool */ ne(other: TensorLike): Tensor { return E.ne(this, other); }
  /** this < other, as bool */ lt(other: TensorLike): Tensor { return E.lt(this, other); }
  /** this <= other, as bool */ le(other: TensorLike): Tensor { return E.le(this, other); }
  /** this > other, as bool */ gt(other: TensorLike): Tensor { return E.gt(this, other); }
  /** this >= other, as bool */ ge(other: TensorLike): Tensor { return E.ge(this, other); }
  /** Logical and, as bool */ logicalAnd(other: TensorLike): Tensor { return E.logicalAnd(this, other); }
  /** Logical or, as bool */ logicalOr(other: TensorLike): Tensor { return E.logicalOr(this, other); }
  /** Logical not, as bool */ logicalNot(): Tensor { return E.logicalNot(this); }
  /** Elements of this where `condition` holds, of `other` elsewhere */ where(condition: Tensor, other: TensorLike): Tensor { return E.where(condition, this, other); }
  /** A copy converted to another dtype (differentiable between float dtypes) */ cast(dtype: DType): Tensor { return E.cast(this, dtype); }

  // ---- reductions ----
  /** Sum over axes (all by default) */ sum(options?: ReduceOptions): Tensor { return R.sum(this, options); }
  /** Mean over axes */ mean(options?: ReduceOptions): Tensor { return R.mean(this, options); }
  /** Largest value over axes */ max(options?: ReduceOptions): Tensor { return R.max(this, options); }
  /** Smallest value over axes */ min(options?: ReduceOptions): Tensor { return R.min(this, options); }
  /** Product over axes */ prod(options?: ReduceOptions): Tensor { return R.prod(this, options); }
  /** Index of the largest value along one axis (of the flattened tensor without one), int32 */ argmax(options?: R.ArgReduceOptions): Tensor { return R.argmax(this, options); }
  /** Index of the smallest value along one axis, int32 */ argmin(options?: R.ArgReduceOptions): Tensor { return R.argmin(this, options); }
  /** Variance over axes (Bessel-corrected by default, as in PyTorch) */ variance(options?: VarianceOptions): Tensor { return R.variance(this, options); }
  /** Standard deviation over axes */ std(options?: VarianceOptions): Tensor { return R.std(this, options); }
  /** log(sum(exp(x))) over axes, computed stably */ logSumExp(options?: ReduceOptions): Tensor { return R.logSumExp(this, options); }
  /** Whether all elements are non-zero, as bool */ all(options?: ReduceOptions): Tensor { return R.all(this, options); }
  /** Whether any element is non-zero, as bool */ any(options?: ReduceOptions): Tensor { return R.any(this, options); }

  // ---- linear algebra ----
  /** Matrix product (1-D, 2-D, or batched with broadcast batch axes) */ matmul(other: Tensor): Tensor { return matmul(this, other); }

  // ---- movement ----
  /** Same elements in a new shape (a view when contiguous); one size may be -1 */ reshape(shape: readonly number[]): Tensor { return M.reshape(this, shape); }
  /** Flattens axes startAxis..endAxis into one */ flatten(startAxis = 0, endAxis = -1): Tensor { return M.flatten(this, startAxis, endAxis); }
  /** Swaps two axes (the last two by default); a view */ transpose(axis0 = -2, axis1 = -1): Tensor { return M.transpose(this, axis0, axis1); }
  /** The transpose of a matrix (axes reversed); a view */ get T(): Tensor { return M.permute(this, this.shape.map((_, i) => this.shape.length - 1 - i)); }
  /** Reorders axes; a view */ permute(axes: readonly number[]): Tensor { return M.permute(this, axes); }
  /** Broadcasts to a larger shape without copying (-1 keeps a size) */ expand(shape: readonly number[]): Tensor { return M.expand(this, shape); }
  /** Removes axes of length 1 (all of them by default) */ squeeze(axis?: number | readonly number[]): Tensor { return M.squeeze(this, axis); }
  /** Inserts an axis of length 1 */ unsqueeze(axis: number): Tensor { return M.unsqueeze(this, axis); }
  /** Basic indexing: per axis an index, a [start, end, step] range, or null for all; a view */ slice(specs: readonly SliceSpec[]): Tensor { return M.slice(this, specs); }
  /** Splits into pieces of the given size(s) along an axis */ split(sizes: number | readonly number[], axis = 0): Tensor[] { return M.split(this, sizes, axis); }
  /** Splits into n nearly equal pieces along an axis */ chunk(n: number, axis = 0): Tensor[] { return M.chunk(this, n, axis); }
  /** Constant padding: one [before, after] pair per axis, from the first */ pad(pads: readonly (readonly [number, number])[], value = 0): Tensor { return M.pad(this, pads, value); }
  /** Picks elements along an axis by an index tensor of the same rank */ gather(axis: number, index: Tensor): Tensor { return M.gather(this, axis, index); }
  /** Picks whole slices along an axis by a 1-D index tensor */ indexSelect(axis: number, index: Tensor): Tensor { return M.indexSelect(this, axis, index); }
  /** A copy with `src` added at `index` along an axis */ scatterAdd(axis: number, index: Tensor, src: Tensor): Tensor { return M.scatterAdd(this, axis, index, src); }
  /** Repeats the tensor along each axis */ tile(reps: readonly number[]): Tensor { return M.tile(this, reps); }
  /** This tensor if contiguous, otherwise a contiguous copy */ contiguous(): Tensor { return M.contiguous(this); }
  /** A contiguous copy that stays in the autograd graph */ clone(): Tensor { return M.clone(this); }

  // ---- neural-network primitives ----
  /** Softmax along an axis (the last by default) */ softmax(axis = -1): Tensor { return N.softmax(this, axis); }
  /** Log-softmax along an axis (the last by default) */ logSoftmax(axis = -1): Tensor { return N.logSoftmax(this, axis); }
}

/**
 * Nested arrays of numbers (or booleans) as returned by `toArray()`.
 * @category Tensors
 */
export type NestedArray = number | boolean | NestedArray[];
