/**
 * Module: the base class of every layer and model. Parameters, buffers and child modules are
 * found on the object's own fields; state-dict keys are their dotted paths (`fc1.weight`).
 * @module
 */
import { DTypeError, ShapeError, Tensor, ValueError, formatShape, noGrad, tidy, zeros } from "@backprop/core";
import type { DType } from "@backprop/core";
import { BufferTensor, Parameter, assignInPlace } from "./Parameter.js";
import { layerLimits } from "./limits.js";
import { nested, tooDeep } from "./util.js";

/**
 * A JSON value, as `config()` returns and `model.json` stores.
 * @category Modules
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON object: the options a layer was built with.
 * @category Modules
 */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Any module, whatever its forward signature.
 * @category Modules
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any[], unknown>;

/**
 * What the "layer" registry kind holds: a Module class built from its config, `new Layer(config)`,
 * or by a static `fromConfig(config)` when building needs more (containers rebuild their children).
 * @category Modules
 */
export interface LayerClass {
  new (options: never): AnyModule;
  fromConfig?(config: JsonObject): AnyModule;
}

declare module "@backprop/core" {
  interface Registry {
    /** Layer and model classes, for configs and saved models (`@backprop/layers`). */
    layer: LayerClass;
  }
}

/**
 * Options of {@link Module.loadStateDict}.
 * @category Modules
 */
export interface LoadStateDictOptions {
  /** Missing and unexpected keys are errors (default true); mis-shaped keys always are. */
  strict?: boolean;
}

/**
 * Options of {@link Module.summary}.
 * @category Modules
 */
export interface SummaryOptions {
  /** Element type of the zero input fed through the model (default float32; int32 for embeddings). */
  dtype?: DType;
}

function isModule(v: unknown): v is AnyModule {
  return v instanceof Module;
}

const count = (n: number): string => n.toLocaleString("en-US");

/** Keys for a message: at most 10, each at most 100 characters, with how many more there are. */
function keyList(what: string, keys: readonly string[]): string {
  const shown = keys.slice(0, 10).map((k) => (k.length > 100 ? `${k.slice(0, 100)}...` : k));
  return keys.length > 10 ? `${what} (${keys.length}): ${shown.join(", ")}, and ${keys.length - 10} more` : `${what}: ${shown.join(", ")}`;
}

/** The dtype family a value must share with its target: floats convert among themselves, nothing else does. */
const family = (dtype: DType): string => (dtype === "float32" || dtype === "float64" ? "float" : dtype);

/**
 * The base class of layers and models. Subclasses create parameters in the constructor (as
 * {@link Parameter} fields), hold child modules as fields (or arrays of them), and define
 * `forward`. Fields whose names start with `_` are not searched.
 * @example
 * ```ts
 * import { Module, Linear, ReLU } from "@backprop/layers";
 * import { randn, type Tensor } from "@backprop/core";
 * class Mlp extends Module {
 *   fc1 = new Linear({ inFeatures: 4, outFeatures: 8 });
 *   act = new ReLU();
 *   fc2 = new Linear({ inFeatures: 8, outFeatures: 2 });
 *   override forward(x: Tensor): Tensor {
 *     return this.fc2.forward(this.act.forward(this.fc1.forward(x)));
 *   }
 * }
 * const model = new Mlp();
 * model.forward(randn([3, 4])).shape; // [3, 2]
 * Object.keys(model.stateDict()); // ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
 * ```
 * @category Modules
 */
export class Module<Args extends unknown[] = [x: Tensor], Out = Tensor> {
  /** Display name used in messages and printing; minifiers rename classes, so layers set it. */
  static typeName: string | undefined;
  /** Whether the module is in training mode (dropout active, batch norm on batch statistics). */
  training = true;
  private _path: string | undefined;

  /** The computation. Subclasses override it. @throws {Error} for a module without one (containers). */
  forward(..._args: Args): Out {
    throw new Error(`${this.where()}: this module has no forward; call its children instead`);
  }

  /** Alias of {@link Module.forward}. */
  call(...args: Args): Out {
    return this.forward(...args);
  }

  /** The class's display name, `Linear`. */
  get typeName(): string {
    const ctor = this.constructor as typeof Module;
    return Object.prototype.hasOwnProperty.call(ctor, "typeName") && ctor.typeName !== undefined ? ctor.typeName : ctor.name;
  }

  /** The dotted path of this module in the model last traversed from its root, or undefined. */
  get path(): string | undefined {
    return this._path;
  }

  /** @internal Sets the dotted path used in messages (containers and traversals call it). */
  setPath(path: string): void {
    this._path = path;
  }

  /** `Linear(fc1)`, or `Linear` when the path is not known: the prefix of this module's messages. */
  where(): string {
    return this._path === undefined || this._path === "" ? this.typeName : `${this.typeName}(${this._path})`;
  }

  /**
   * Throws the standard input error: `Linear(fc1): expected input [..., 784], got [32, 28, 28]`.
   * For layers checking their input.
   */
  badInput(expected: string, x: Tensor): never {
    throw new ShapeError(`${this.where()}: expected input ${expected}, got ${formatShape(x.shape)}`);
  }

  /**
   * Runs `fn`, prefixing the message of a ShapeError, ValueError or DTypeError it throws with
   * this module's name, so errors from the ops inside a layer say which layer failed.
   */
  protected guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if ((e instanceof ShapeError || e instanceof ValueError || e instanceof DTypeError) && !e.message.startsWith(this.where())) {
        const Ctor = e.constructor as new (message: string) => Error;
        throw new Ctor(`${this.where()}: ${e.message}`);
      }
      throw e;
    }
  }

  /** Checks that the input is a tensor. @throws {ValueError} otherwise. */
  protected checkTensor(x: unknown, what = "input"): asserts x is Tensor {
    if (!(x instanceof Tensor)) throw new ValueError(`${this.where()}: ${what} must be a tensor; got ${x === null ? "null" : typeof x}`);
  }

  /** The named values searched for parameters, buffers and children (overridden by containers). */
  protected ownEntries(): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (key.startsWith("_")) continue;
      if (Array.isArray(value)) value.forEach((v, i) => out.push([`${key}.${i}`, v]));
      else out.push([key, value]);
    }
    return out;
  }

  /** Direct children with their field names. */
  namedChildren(): [string, AnyModule][] {
    return this.ownEntries().filter((e): e is [string, AnyModule] => isModule(e[1]));
  }

  /** Direct children. */
  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module and all below it, pre-order, with dotted paths ("" for this one); each module
   * once. Records each descendant's path for its messages.
   * @throws {ValueError} when modules nest deeper than {@link layerLimits}.maxDepth.
   */
  namedModules(): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const visit = (m: AnyModule, prefix: string, depth: number): void => {
      if (seen.has(m)) return;
      if (depth > layerLimits.maxDepth) throw new ValueError(tooDeep(this.where()));
      seen.add(m);
      if (m !== this) m._path = prefix;
      out.push([prefix, m]);
      for (const [name, child] of m.namedChildren()) visit(child, prefix === "" ? name : `${prefix}.${name}`, depth + 1);
    };
    visit(this, "", 1);
    return out;
  }

  /** This module and all below it, pre-order. */
  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  private namedTensors<T>(kind: abstract new (...args: never[]) => T): [string, T][] {
    const out: [string, T][] = [];
    const seen = new Set<T>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, value] of m.ownEntries()) {
        if (!(value instanceof kind) || seen.has(value)) continue;
        seen.add(value);
        out.push([prefix === "" ? name : `${prefix}.${name}`, value]);
      }
    }
    return out;
  }

  /** Every parameter with its dotted name (`fc1.weight`); a shared parameter once. */
  namedParameters(): [string, Parameter][] {
    return this.namedTensors(Parameter);
  }

  /** Every parameter (what an optimizer takes). */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer (running statistics) with its dotted name. */
  namedBuffers(): [string, BufferTensor][] {
    return this.namedTensors(BufferTensor);
  }

  /** Every buffer. */
  buffers(): BufferTensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** The number of parameter elements (only trainable ones with `trainableOnly`). */
  countParameters(trainableOnly = false): number {
    return this.parameters().reduce((n, p) => n + (trainableOnly && !p.requiresGrad ? 0 : p.size), 0);
  }

  /**
   * Parameters and buffers by dotted name. The values are the module's own tensors (not
   * copies), as in PyTorch; encode or clone them to keep a snapshot.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, p] of this.namedParameters()) out[name] = p;
    for (const [name, b] of this.namedBuffers()) out[name] = b;
    return out;
  }

  /**
   * Copies a state dict into the parameters and buffers, in place (optimizers keep working).
   * Float values convert to the parameter's float dtype; integer and bool values never load
   * into float parameters (nor floats into integer buffers). Nothing is written unless every
   * key checks out.
   * @returns the missing and unexpected keys (empty in strict mode).
   * @throws {ShapeError} listing the mis-shaped keys (and any other problem).
   * @throws {DTypeError} listing the keys of the wrong dtype (and missing or unexpected ones).
   * @throws {ValueError} in strict mode, listing the missing and unexpected keys (10 of each at most) in one message.
   */
  loadStateDict(dict: Record<string, Tensor>, options: LoadStateDictOptions = {}): { missingKeys: string[]; unexpectedKeys: string[] } {
    if (dict === null || typeof dict !== "object") throw new ValueError(`${this.where()}.loadStateDict: expected an object of tensors, got ${String(dict)}`);
    const strict = options.strict ?? true;
    const own = new Map<string, Parameter | BufferTensor>([...this.namedParameters(), ...this.namedBuffers()]);
    const missing = [...own.keys()].filter((k) => !Object.prototype.hasOwnProperty.call(dict, k));
    const unexpected = Object.keys(dict).filter((k) => !own.has(k));
    const misShaped: string[] = [];
    const misTyped: string[] = [];
    for (const [key, target] of own) {
      if (!Object.prototype.hasOwnProperty.call(dict, key)) continue;
      const value = dict[key];
      if (!(value instanceof Tensor)) misShaped.push(`${key} (expected a tensor, got ${value === null ? "null" : typeof value})`);
      else if (value.rank !== target.rank || value.shape.some((d, i) => d !== target.shape[i])) {
        misShaped.push(`${key} (expected ${formatShape(target.shape)}, got ${formatShape(value.shape)})`);
      } else if (family(value.dtype) !== family(target.dtype)) misTyped.push(`${key} (expected ${target.dtype}, got ${value.dtype})`);
    }
    if (misShaped.length > 0 || misTyped.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
      const parts: string[] = [];
      if (missing.length > 0) parts.push(keyList("missing keys", missing));
      if (unexpected.length > 0) parts.push(keyList("unexpected keys", unexpected));
      if (misShaped.length > 0) parts.push(keyList("mis-shaped keys", misShaped));
      if (misTyped.length > 0) parts.push(keyList("mis-typed keys", misTyped));
      const message = `${this.where()}.loadStateDict: the state dict does not match the model; ${parts.join("; ")}`;
      throw misShaped.length > 0 ? new ShapeError(message) : misTyped.length > 0 ? new DTypeError(message) : new ValueError(message);
    }
    noGrad(() => {
      for (const [key, target] of own) if (Object.prototype.hasOwnProperty.call(dict, key)) assignInPlace(target, dict[key]);
    });
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  /** Sets training mode here and below (dropout on, batch norm on batch statistics). Returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode here and below; `train(false)`. Returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Freezes (false) or unfreezes (true) every parameter here and below. Returns this. */
  requiresGrad_(value = true): this {
    for (const p of this.parameters()) p.requiresGrad = value;
    return this;
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * Calls `fn` on every module below, children first, then on this one (PyTorch order). Returns this.
   * @throws {ValueError} when modules nest deeper than {@link layerLimits}.maxDepth.
   */
  apply(fn: (module: AnyModule) => void): this {
    const seen = new Set<AnyModule>();
    const visit = (m: AnyModule, depth: number): void => {
      if (seen.has(m)) return;
      if (depth > layerLimits.maxDepth) throw new ValueError(tooDeep(this.where()));
      seen.add(m);
      for (const c of m.children()) visit(c, depth + 1);
      fn(m);
    };
    visit(this, 1);
    return this;
  }

  /**
   * The options this module was built with, as JSON: `new Layer(layer.config())` builds an equal
   * layer (with fresh parameters). Override it in a custom layer with options.
   */
  config(): JsonObject {
    return {};
  }

  /** The text inside the parentheses of {@link Module.toString}: the config as `key=value`. */
  extraRepr(): string {
    return Object.entries(this.config())
      .filter(([, v]) => v === null || typeof v !== "object" || Array.isArray(v))
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(", ");
  }

  /** Prints like PyTorch: `Sequential(\n  (0): Linear(inFeatures=2, outFeatures=1, bias=true)\n)`. */
  toString(): string {
    const children = this.namedChildren();
    const extra = this.extraRepr();
    if (children.length === 0) return `${this.typeName}(${extra})`;
    const lines = [`${this.typeName}(`];
    if (extra !== "") lines.push(`  ${extra}`);
    for (const [name, child] of children) lines.push(`  (${name}): ${nested(() => this.where(), () => child.toString()).split("\n").join("\n  ")}`);
    lines.push(")");
    return lines.join("\n");
  }

  /**
   * A table of the layers: name and type, output shape for a zero input of `inputShape` (run
   * in evaluation mode without gradients, so nothing changes), own parameter count and whether
   * they are trainable, then the totals.
   * @throws the model's own error when `inputShape` does not fit it.
   */
  summary(inputShape?: readonly number[], options: SummaryOptions = {}): string {
    const mods = this.namedModules();
    const shapes = new Map<AnyModule, string>();
    if (inputShape !== undefined) {
      const restore: (() => void)[] = [];
      const modes = mods.map(([, m]) => m.training);
      for (const [, m] of mods) {
        const own = Object.getOwnPropertyDescriptor(m, "forward");
        const original = m.forward.bind(m);
        Object.defineProperty(m, "forward", {
          configurable: true,
          writable: true,
          value: (...args: unknown[]) => {
            const out: unknown = original(...args);
            const list = Array.isArray(out) ? out : [out];
            shapes.set(m, list.map((t) => (t instanceof Tensor ? formatShape(t.shape) : "?")).join(", "));
            return out;
          },
        });
        restore.push(() => {
          if (own === undefined) Reflect.deleteProperty(m, "forward");
          else Object.defineProperty(m, "forward", own);
        });
      }
      try {
        this.eval();
        noGrad(() => { tidy(() => void (this as AnyModule).forward(zeros(inputShape, { dtype: options.dtype }))); });
      } finally {
        restore.forEach((r) => { r(); });
        mods.forEach(([, m], i) => (m.training = modes[i]));
      }
    }
    const rows = mods.map(([name, m], i) => {
      const own = m.ownEntries().filter((e): e is [string, Parameter] => e[1] instanceof Parameter).map(([, p]) => p);
      const n = own.reduce((s, p) => s + p.size, 0);
      const trainable = own.filter((p) => p.requiresGrad).length;
      const depth = i === 0 ? 0 : name.split(".").length;
      return [
        `${"  ".repeat(depth)}${name === "" ? "" : `${name} `}(${m.typeName})`,
        shapes.get(m) ?? "-",
        count(n),
        own.length === 0 ? "-" : trainable === own.length ? "yes" : trainable === 0 ? "no" : "partly",
      ];
    });
    const header = ["Layer (type)", "Output shape", "Params", "Trainable"];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    const line = (r: string[]): string => r.map((v, c) => (c === 2 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join("  ").trimEnd();
    const rule = "=".repeat(widths.reduce((a, b) => a + b + 2, -2));
    const total = this.countParameters();
    const trainable = this.countParameters(true);
    return [
      line(header),
      rule,
      ...rows.map(line),
      rule,
      `Total params: ${count(total)}`,
      `Trainable params: ${count(trainable)}`,
      `Non-trainable params: ${count(total - trainable)}`,
    ].join("\n");
  }
}
