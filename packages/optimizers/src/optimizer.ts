/**
 * The one `Optimizer` class: parameter groups (settings missing from a group come from the
 * defaults), per-parameter state, `step()`, `zeroGrad()` and state dicts. What an optimizer
 * does to one parameter is a separate, pure {@link OptimizerRule}.
 * @module
 */
import { DTypeError, ShapeError, Tensor, ValueError, formatShape, isFloat, keep, kernels, noGrad, register, shapesEqual, withGradMode, zeros } from "@backprop/core";

declare module "@backprop/core" {
  interface Registry {
    /** Optimizer factories: `resolve("optimizer", "adam")(model.parameters(), { lr: 1e-3 })`. */
    optimizer: OptimizerFactory;
  }
}

/**
 * The elements of a float32 or float64 tensor, as the update rules see them.
 * @category Optimizers
 */
export type FloatArray = Float32Array | Float64Array;

/**
 * A setting of a parameter group: a number, a flag or a pair such as Adam's betas.
 * @category Optimizers
 */
export type HyperValue = number | boolean | readonly number[];

/**
 * The settings every optimizer has: the learning rate. Rules extend it with their own.
 * @category Optimizers
 */
export interface HyperParams {
  /** Learning rate (>= 0). */
  lr: number;
}

/**
 * A parameter group: its parameters and its settings, each one filled from the defaults
 * when the group did not set it.
 * @category Optimizers
 */
export type ParamGroup<H extends HyperParams = HyperParams> = H & { params: Tensor[] };

/**
 * A parameter group as passed in: the parameters plus any settings that differ from the defaults.
 * @category Optimizers
 */
export type ParamGroupInput<H extends HyperParams = HyperParams> = Partial<H> & { params: Iterable<Tensor> };

/**
 * What an optimizer is given: parameters, or a list of parameter groups.
 * @category Optimizers
 */
export type ParamsInput<H extends HyperParams = HyperParams> = Iterable<Tensor> | readonly ParamGroupInput<H>[];

/**
 * What an update rule sees of one parameter's state.
 * @category Optimizers
 */
export interface RuleState {
  /** How many updates this parameter has had, this one included (1 on the first). */
  step: number;
  /** The rule's buffers, shaped like the parameter. */
  buffers: Record<string, FloatArray>;
  /** Names of buffers created for this update (they hold their initial value). */
  fresh: readonly string[];
  /** The rule's per-parameter numbers (NAdam's running momentum product). */
  scalars: Record<string, number>;
}

/**
 * An optimizer's maths for one parameter, kept apart from the bookkeeping of {@link Optimizer}.
 * `update` reads the gradient and writes the parameter and its buffers in place.
 * @example
 * ```ts
 * import { Optimizer } from "@backprop/optimizers";
 * import type { OptimizerRule } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * // Plain gradient descent, p <- p - lr g
 * const plain: OptimizerRule<{ lr: number }> = {
 *   name: "example/plain",
 *   defaults: { lr: 0.1 },
 *   validate: () => undefined,
 *   buffers: () => ({}),
 *   update: (p, g, _state, h) => { for (let i = 0; i < p.length; i++) p[i] -= h.lr * g[i]; },
 * };
 * const w = tensor([1, 2], { requiresGrad: true });
 * const opt = new Optimizer(plain, [w]);
 * ```
 * @category Optimizers
 */
export interface OptimizerRule<H extends HyperParams> {
  /** The name used in messages and in the registry. */
  readonly name: string;
  /** Every setting with its default value. */
  readonly defaults: H;
  /** Checks one group's settings (the learning rate is checked already). @throws {ValueError} */
  validate(h: H, where: string): void;
  /** The buffers a parameter needs under these settings, with their initial value. */
  buffers(h: H): Record<string, number>;
  /** Per-parameter numbers and their initial values. */
  readonly scalars?: Record<string, number>;
  /** Updates one parameter in place. */
  update(p: FloatArray, g: FloatArray, state: RuleState, h: H): void;
  /**
   * Optional fast path: updates one parameter in place through a backend kernel and returns
   * true, or returns false (the backend has no such kernel, or the case does not fit it) so
   * that `update` runs instead. `g` already has the parameter's dtype and is contiguous.
   */
  fused?(p: Tensor, g: Tensor, buffers: Readonly<Record<string, Tensor>>, state: Readonly<Pick<RuleState, "step" | "fresh">>, h: H): boolean;
}

/**
 * One parameter's entry in a state dict: its step count, buffers (tensors) and numbers.
 * @category Optimizers
 */
export interface ParamStateDict {
  step: number;
  buffers: Record<string, Tensor>;
  scalars: Record<string, number>;
}

/**
 * An optimizer's state as plain data. Parameters are numbered in group order, as in PyTorch;
 * `state` holds only parameters that have been updated. The tensors are copies.
 * @category Optimizers
 */
export interface OptimizerStateDict {
  state: Record<number, ParamStateDict>;
  paramGroups: (Record<string, HyperValue> & { params: number[] })[];
}

/**
 * A function that makes an optimizer, as registered under the kind "optimizer".
 * @category Optimizers
 */
// The method form makes option types compare bivariantly, so factories with their own option
// types can be registered under one type.
export type OptimizerFactory = { factory(params: ParamsInput, options?: object): Optimizer }["factory"];

interface ParamState {
  step: number;
  buffers: Record<string, Tensor>;
  scalars: Record<string, number>;
}

const NO_FRESH: readonly string[] = [];

function sameValue(a: unknown, b: unknown): boolean {
  return typeof a === typeof b && (Array.isArray(a) ? Array.isArray(b) && a.length === b.length : true);
}

/**
 * An optimizer: parameter groups, per-parameter state and an update rule. Use the factories
 * ({@link sgd}, {@link adam}, ...) or `new Optimizer(rule, params, options)` for a custom rule.
 *
 * Updates run without recording gradients and write into the parameters' storage; state
 * buffers live across memory scopes.
 * @throws {ValueError} for an empty parameter list, a negative learning rate, an unknown or
 * invalid setting, or a parameter listed twice.
 * @example
 * ```ts
 * import { sgd } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const w = tensor([1, -2], { requiresGrad: true });
 * const opt = sgd([w], { lr: 0.1 });
 * w.square().sum().backward(); // grad 2w
 * opt.step();                  // w = [0.8, -1.6]
 * opt.zeroGrad();
 * ```
 * @category Optimizers
 */
export class Optimizer<H extends HyperParams = HyperParams> {
  /** The settings a group gets for what it does not set. */
  readonly defaults: H;
  /** The parameter groups; changing a setting here (e.g. `lr`) takes effect at the next step. */
  readonly paramGroups: ParamGroup<H>[] = [];
  private readonly state = new Map<Tensor, ParamState>();

  constructor(
    readonly rule: OptimizerRule<H>,
    params: ParamsInput<H>,
    options: Partial<H> = {},
  ) {
    this.checkKeys(options, "options");
    this.defaults = { ...rule.defaults, ...stripUndefined(options) };
    this.validate(this.defaults, rule.name);
    const groups = toGroups(params, rule.name);
    if (groups.length === 0) throw new ValueError(`${rule.name}: got an empty parameter list; expected at least one parameter`);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a parameter group (e.g. to fine-tune new layers with their own learning rate). */
  addParamGroup(group: ParamGroupInput<H>): void {
    const where = `${this.rule.name}: parameter group ${this.paramGroups.length}`;
    if (group === null || typeof group !== "object" || !("params" in group)) {
      throw new ValueError(`${where}: expected an object with a params list; got ${String(group)}`);
    }
    const { params, ...settings } = group;
    this.checkKeys(settings, `parameter group ${this.paramGroups.length}`);
    const list = toParamList(params, where);
    if (list.length === 0) throw new ValueError(`${where}: the params list is empty; expected at least one parameter`);
    const seen = new Map<Tensor, number>();
    this.paramGroups.forEach((g, i) => {
      for (const p of g.params) seen.set(p, i);
    });
    list.forEach((p, i) => {
      const other = seen.get(p);
      if (other !== undefined) {
        const place = other === this.paramGroups.length ? "twice in this group" : `in group ${other} too`;
        throw new ValueError(`${where}: parameter ${i} (${p.describe()}) is listed ${place}; each parameter may appear in one group only`);
      }
      seen.set(p, this.paramGroups.length);
    });
    const full = { ...this.defaults, ...stripUndefined(settings), params: list } as ParamGroup<H>;
    this.validate(full, where);
    this.paramGroups.push(full);
  }

  /**
   * Updates every parameter that has a gradient. With a closure, first re-evaluates the loss
   * (with gradients on) and returns it, as LBFGS-style callers expect.
   */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    const loss = closure === undefined ? undefined : withGradMode(true, closure);
    noGrad(() => {
      this.paramGroups.forEach((group, gi) => {
        this.validate(group, `${this.rule.name}: parameter group ${gi}`);
        for (const p of group.params) this.updateOne(p, group);
      });
    });
    return loss;
  }

  /** Clears the gradients of every parameter (sets them to null, as PyTorch's `set_to_none`). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.zeroGrad();
  }

  /** The state of one parameter (step count, buffers), or undefined before its first update. */
  stateOf(param: Tensor): Readonly<ParamStateDict> | undefined {
    return this.state.get(param);
  }

  /** A copy of the optimizer's state: settings per group and each parameter's state. */
  stateDict(): OptimizerStateDict {
    const state: Record<number, ParamStateDict> = {};
    const paramGroups: OptimizerStateDict["paramGroups"] = [];
    let index = 0;
    noGrad(() => {
      for (const group of this.paramGroups) {
        const { params, ...settings } = group;
        const ids: number[] = [];
        for (const p of params) {
          const s = this.state.get(p);
          if (s !== undefined) {
            const buffers: Record<string, Tensor> = {};
            for (const [k, t] of Object.entries(s.buffers)) buffers[k] = kernels().copy(t);
            state[index] = { step: s.step, buffers, scalars: { ...s.scalars } };
          }
          ids.push(index++);
        }
        paramGroups.push({ ...(cloneSettings(settings) as Record<string, HyperValue>), params: ids });
      }
    });
    return { state, paramGroups };
  }

  /**
   * Restores a state dict made by {@link Optimizer.stateDict} for the same parameter layout;
   * the values are copied.
   * @throws {ValueError} when the group count, group sizes or settings do not match.
   * @throws {ShapeError} when a buffer's shape differs from its parameter's.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const where = `${this.rule.name}.loadStateDict`;
    if (dict === null || typeof dict !== "object" || !Array.isArray(dict.paramGroups) || typeof dict.state !== "object") {
      throw new ValueError(`${where}: expected { state, paramGroups }; got ${dict === null ? "null" : typeof dict}`);
    }
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new ValueError(`${where}: expected ${this.paramGroups.length} parameter groups, got ${dict.paramGroups.length}`);
    }
    const byIndex: Tensor[] = [];
    const newGroups = this.paramGroups.map((group, gi) => {
      const saved = dict.paramGroups[gi];
      if (!Array.isArray(saved.params) || saved.params.length !== group.params.length) {
        throw new ValueError(`${where}: parameter group ${gi} expected ${group.params.length} parameters, got ${Array.isArray(saved.params) ? saved.params.length : String(saved.params)}`);
      }
      saved.params.forEach((id, i) => (byIndex[id] = group.params[i]));
      const { params: _ids, ...settings } = saved;
      this.checkKeys(settings, `parameter group ${gi}`);
      const merged = { ...group, ...(cloneSettings(settings) as Partial<H>), params: group.params } as ParamGroup<H>;
      this.validate(merged, `${where}: parameter group ${gi}`);
      return merged;
    });
    const newState = new Map<Tensor, ParamState>();
    for (const [key, s] of Object.entries(dict.state)) {
      const p = byIndex[Number(key)] as Tensor | undefined;
      if (p === undefined) throw new ValueError(`${where}: state for parameter ${key}, which no group lists`);
      const buffers: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(s.buffers)) {
        if (!(t instanceof Tensor)) throw new ValueError(`${where}: buffer "${name}" of parameter ${key} is not a tensor`);
        if (t.size !== p.size || (t.rank !== 0 && formatShape(t.shape) !== formatShape(p.shape))) {
          throw new ShapeError(`${where}: buffer "${name}" of parameter ${key}; expected ${formatShape(p.shape)}, got ${formatShape(t.shape)}`);
        }
        buffers[name] = keep(noGrad(() => kernels().copy(t.dtype === p.dtype ? t : t.cast(p.dtype)).reshape(p.shape)));
      }
      if (typeof s.step !== "number" || !(s.step >= 0)) throw new ValueError(`${where}: parameter ${key}; expected a step count >= 0, got ${String(s.step)}`);
      newState.set(p, { step: s.step, buffers, scalars: { ...this.rule.scalars, ...s.scalars } });
    }
    for (const s of this.state.values()) for (const t of Object.values(s.buffers)) t.dispose();
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
    newGroups.forEach((g, i) => (this.paramGroups[i] = g));
  }

  private updateOne(p: Tensor, group: ParamGroup<H>): void {
    const grad = p.grad;
    if (grad === null) return;
    if (!shapesEqual(grad.shape, p.shape)) {
      throw new ShapeError(`${this.rule.name}.step: gradient of a ${p.describe()}; expected shape ${formatShape(p.shape)}, got ${formatShape(grad.shape)}`);
    }
    let s = this.state.get(p);
    if (s === undefined) {
      s = { step: 0, buffers: {}, scalars: { ...this.rule.scalars } };
      this.state.set(p, s);
    }
    let fresh = NO_FRESH;
    for (const [name, init] of Object.entries(this.rule.buffers(group))) {
      if (!(name in s.buffers)) {
        s.buffers[name] = keep(zeros(p.shape, { dtype: p.dtype }));
        if (init !== 0) s.buffers[name].storage.data.fill(init);
        fresh = fresh === NO_FRESH ? [name] : [...fresh, name];
      }
    }
    const g = grad.dtype === p.dtype && grad.isContiguous ? grad : kernels().copy(grad.dtype === p.dtype ? grad : kernels().cast(grad, p.dtype));
    s.step++;
    if (this.rule.fused?.(p, g, s.buffers, { step: s.step, fresh }, group) !== true) {
      const buffers: Record<string, FloatArray> = {};
      for (const [name, t] of Object.entries(s.buffers)) buffers[name] = view(t);
      this.rule.update(view(p), view(g), { step: s.step, buffers, fresh, scalars: s.scalars }, group);
    }
    if (g !== grad) g.dispose();
  }

  private validate(h: H, where: string): void {
    if (typeof h.lr !== "number" || !(h.lr >= 0) || !Number.isFinite(h.lr)) {
      throw new ValueError(`${where}: invalid learning rate; expected a finite number >= 0, got ${String(h.lr)}`);
    }
    for (const [k, v] of Object.entries(this.rule.defaults)) {
      const got = (h as Record<string, unknown>)[k];
      if (!sameValue(v, got)) {
        throw new ValueError(`${where}: invalid ${k}; expected ${Array.isArray(v) ? `a list of ${(v as unknown[]).length} numbers` : `a ${typeof v}`}, got ${JSON.stringify(got)}`);
      }
    }
    this.rule.validate(h, where);
  }

  private checkKeys(settings: Record<string, unknown>, what: string): void {
    for (const k of Object.keys(settings)) {
      if (k !== "params" && !(k in this.rule.defaults)) {
        throw new ValueError(`${this.rule.name}: unknown setting "${k}" in ${what}; known: ${Object.keys(this.rule.defaults).join(", ")}`);
      }
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as Partial<T>;
}

function cloneSettings(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
  return out;
}

/** The elements of a contiguous float tensor, without copying. */
function view(t: Tensor): FloatArray {
  const data = t.storage.data as FloatArray;
  return t.offset === 0 && data.length === t.size ? data : data.subarray(t.offset, t.offset + t.size);
}

function isTensorLike(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

function toGroups<H extends HyperParams>(params: ParamsInput<H>, where: string): ParamGroupInput<H>[] {
  if (params === null || typeof params !== "object" || !(Symbol.iterator in params)) {
    const got = params === null ? "null" : typeof params === "object" ? "an object that is not iterable (for a model, pass model.parameters())" : typeof params;
    throw new ValueError(`${where}: expected parameters (an iterable of tensors) or a list of parameter groups; got ${got}`);
  }
  const items = [...(params as Iterable<unknown>)];
  if (items.length === 0) return [];
  if (items.every(isTensorLike)) return [{ params: items } as unknown as ParamGroupInput<H>];
  return items as ParamGroupInput<H>[];
}

function toParamList(params: Iterable<Tensor>, where: string): Tensor[] {
  if (params === null || typeof params !== "object" || !(Symbol.iterator in params)) {
    throw new ValueError(`${where}: params must be an iterable of tensors; got ${String(params)}`);
  }
  const list = [...params];
  list.forEach((p, i) => {
    if (!isTensorLike(p)) throw new ValueError(`${where}: parameter ${i} is not a tensor; got ${String(p)}`);
    if (!isFloat(p.dtype)) throw new DTypeError(`${where}: parameter ${i}; expected a float32 or float64 tensor, got a ${p.describe()}`);
    if (!p.isLeaf) throw new ValueError(`${where}: parameter ${i} (${p.describe()}) is computed by ${p.gradFn ?? "an op"}; only leaf tensors can be optimized (detach() it)`);
    if (!p.isContiguous) throw new ValueError(`${where}: parameter ${i} (${p.describe()}) is a strided view; expected a contiguous tensor (use contiguous())`);
  });
  return list;
}

/**
 * Checks that a setting lies in a range; used by the rules' `validate`.
 * @throws {ValueError} `adam: invalid eps; expected a number >= 0, got -1`
 * @example
 * ```ts
 * import { checkSetting } from "@backprop/optimizers";
 * checkSetting("sgd", "momentum", 0.9, 0); // fine
 * ```
 * @category Optimizers
 */
export function checkSetting(where: string, name: string, value: number, min: number, maxExclusive = Infinity): void {
  if (typeof value !== "number" || !(value >= min && value < maxExclusive)) {
    const range = maxExclusive === Infinity ? `>= ${min}` : `in [${min}, ${maxExclusive})`;
    throw new ValueError(`${where}: invalid ${name}; expected a number ${range}, got ${String(value)}`);
  }
}

/**
 * Checks a pair of betas, each in [0, 1).
 * @throws {ValueError} for betas out of range.
 * @example
 * ```ts
 * import { checkBetas } from "@backprop/optimizers";
 * checkBetas("adam", [0.9, 0.999]);
 * ```
 * @category Optimizers
 */
export function checkBetas(where: string, betas: readonly number[]): void {
  checkSetting(where, "betas[0]", betas[0], 0, 1);
  checkSetting(where, "betas[1]", betas[1], 0, 1);
}

/**
 * Makes an optimizer factory from a rule and registers it under the kind "optimizer" by the
 * rule's name, so that a custom rule is used exactly like the built-in ones.
 * @throws {RegistryError} when the name is taken.
 * @example
 * ```ts
 * import { defineOptimizer } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const signDescent = defineOptimizer<{ lr: number }>({
 *   name: "example/signDescent",
 *   defaults: { lr: 0.01 },
 *   validate: () => undefined,
 *   buffers: () => ({}),
 *   update: (p, g, _s, h) => { for (let i = 0; i < p.length; i++) p[i] -= h.lr * Math.sign(g[i]); },
 * });
 * const opt = signDescent([tensor([1], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export function defineOptimizer<H extends HyperParams>(rule: OptimizerRule<H>): (params: ParamsInput<H>, options?: Partial<H>) => Optimizer<H> {
  const factory = (params: ParamsInput<H>, options?: Partial<H>): Optimizer<H> => new Optimizer(rule, params, options);
  register("optimizer", rule.name, factory as OptimizerFactory);
  return factory;
}
