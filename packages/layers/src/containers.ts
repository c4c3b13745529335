/**
 * Containers: Sequential, ModuleList and ModuleDict. Their children are named by position
 * ("0", "1", ...) or by key, so state-dict keys read `0.weight` or `encoder.weight`.
 * @module
 */
import { FormatError, ValueError } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { Module } from "./Module.js";
import type { AnyModule, JsonObject, JsonValue } from "./Module.js";
import { layerFromSpec, layerSpec } from "./serialize.js";
import type { LayerSpec } from "./serialize.js";
import { nested } from "./util.js";

function isModule(m: unknown): m is AnyModule {
  return m instanceof Module;
}

function checkModule(m: unknown, where: string, key: string): AnyModule {
  if (!isModule(m)) throw new ValueError(`${where}: entry ${key} must be a Module; got ${m === null ? "null" : typeof m}`);
  return m;
}

function checkKey(key: string, where: string): void {
  if (key === "" || key.includes(".")) throw new ValueError(`${where}: names must be non-empty and without dots; got ${JSON.stringify(key)}`);
}

function specs(config: JsonObject, where: string): [string, AnyModule][] {
  const layers = config.layers;
  if (Array.isArray(layers)) return layers.map((s, i) => [String(i), layerFromSpec(s as unknown as LayerSpec)]);
  if (layers !== null && typeof layers === "object") return Object.entries(layers).map(([k, s]) => [k, layerFromSpec(s as unknown as LayerSpec)]);
  throw new FormatError(`${where}: config.layers must be an array or an object of layer specs; got ${JSON.stringify(layers)}`);
}

/** Shared body of the three containers: an ordered map of named children. */
abstract class Container extends Module {
  protected readonly _modules = new Map<string, AnyModule>();
  /** Whether the children are numbered (a list) rather than named. */
  protected readonly _numbered: boolean;

  constructor(entries: readonly AnyModule[] | Readonly<Record<string, AnyModule>> | undefined, where: string) {
    super();
    const list = entries ?? [];
    this._numbered = Array.isArray(list);
    if (Array.isArray(list)) (list as readonly unknown[]).forEach((m, i) => { this.set(String(i), m, where); });
    else if (typeof list === "object") for (const [k, m] of Object.entries(list)) this.set(k, m, where);
    else throw new ValueError(`${where}: expected an array or an object of modules, got ${typeof list}`);
  }

  protected set(key: string, value: unknown, where: string): void {
    checkKey(key, where);
    const m = checkModule(value, where, JSON.stringify(key));
    this._modules.set(key, m);
    // Until a traversal from the root knows the full path, the key names the child in messages.
    if (m.path === undefined) m.setPath(key);
  }

  protected override ownEntries(): [string, unknown][] {
    return [...this._modules.entries()];
  }

  /** Number of children. */
  get length(): number {
    return this._modules.size;
  }

  /** The children in order. */
  [Symbol.iterator](): IterableIterator<AnyModule> {
    return this._modules.values();
  }

  /** Containers print their children, not their config. */
  override extraRepr(): string {
    return "";
  }

  override config(): JsonObject {
    const entries = [...this._modules.entries()].map(([k, m]) => [k, layerSpec(m) as unknown as JsonValue] as const);
    return { layers: this._numbered ? entries.map(([, s]) => s) : Object.fromEntries(entries) };
  }
}

/**
 * Runs layers one after another: `forward(x) = layers[n-1](... layers[0](x))`. Built from a
 * list (children named "0", "1", ...) or from named entries.
 * Shape: the first layer's input -> the last layer's output.
 * @throws {ValueError} for an entry that is not a Module, or in forward for containers nested
 * deeper than {@link layerLimits}.maxDepth.
 * @example
 * ```ts
 * import { Sequential, Linear, ReLU } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * const model = new Sequential([new Linear({ inFeatures: 4, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 1 })]);
 * model.forward(randn([2, 4])).shape; // [2, 1]
 * const named = new Sequential({ hidden: new Linear({ inFeatures: 4, outFeatures: 8 }), act: new ReLU() });
 * ```
 * @category Containers
 */
export class Sequential extends Container {
  static override typeName = "Sequential";

  constructor(layers: readonly AnyModule[] | Readonly<Record<string, AnyModule>> = []) {
    super(layers, "Sequential");
  }

  /**
   * Builds a Sequential from `{ layers: [spec, ...] }` or `{ layers: { name: spec } }`; a
   * registered subclass gets an instance of itself.
   */
  static fromConfig(this: new (layers: AnyModule[] | Record<string, AnyModule>) => Sequential, config: JsonObject): Sequential {
    const entries = specs(config, "Sequential");
    return Array.isArray(config.layers) ? new this(entries.map(([, m]) => m)) : new this(Object.fromEntries(entries));
  }

  /** The child at a position (negative counts from the end). */
  at(index: number): AnyModule | undefined {
    return [...this._modules.values()].at(index);
  }

  /** Adds a layer at the end (named by position, or by `name` for a named Sequential). Returns this. */
  add(layer: AnyModule, name?: string): this {
    this.set(name ?? String(this._modules.size), layer, "Sequential.add");
    return this;
  }

  override forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this._modules.values()) y = nested(() => this.where(), () => (m as Module).forward(y));
    return y;
  }
}

/**
 * A list of modules whose parameters the parent sees (`blocks.0.weight`); it has no forward.
 * A plain array field of modules works too; ModuleList adds push, at and iteration.
 * @throws {ValueError} for an entry that is not a Module.
 * @example
 * ```ts
 * import { ModuleList, Linear } from "@backprop/layers";
 * const blocks = new ModuleList([1, 2, 3].map(() => new Linear({ inFeatures: 4, outFeatures: 4 })));
 * blocks.length; // 3
 * ```
 * @category Containers
 */
export class ModuleList extends Container {
  static override typeName = "ModuleList";

  constructor(modules: readonly AnyModule[] = []) {
    super(modules, "ModuleList");
  }

  /** Builds a ModuleList from `{ layers: [spec, ...] }`. */
  static fromConfig(this: new (modules: AnyModule[]) => ModuleList, config: JsonObject): ModuleList {
    return new this(specs(config, "ModuleList").map(([, m]) => m));
  }

  /** The module at a position (negative counts from the end). */
  at(index: number): AnyModule | undefined {
    return [...this._modules.values()].at(index);
  }

  /** Appends modules. Returns this. */
  push(...modules: AnyModule[]): this {
    for (const m of modules) this.set(String(this._modules.size), m, "ModuleList.push");
    return this;
  }
}

/**
 * Modules by name, whose parameters the parent sees (`heads.cls.weight`); it has no forward.
 * @throws {ValueError} for an entry that is not a Module or a name with a dot.
 * @example
 * ```ts
 * import { ModuleDict, Linear } from "@backprop/layers";
 * const heads = new ModuleDict({ cls: new Linear({ inFeatures: 4, outFeatures: 3 }) });
 * heads.get("cls");
 * ```
 * @category Containers
 */
export class ModuleDict extends Container {
  static override typeName = "ModuleDict";

  constructor(modules: Readonly<Record<string, AnyModule>> = {}) {
    super(modules, "ModuleDict");
  }

  /** Builds a ModuleDict from `{ layers: { name: spec } }`. */
  static fromConfig(this: new (modules: Record<string, AnyModule>) => ModuleDict, config: JsonObject): ModuleDict {
    return new this(Object.fromEntries(specs(config, "ModuleDict")));
  }

  /** The module under a name, or undefined. */
  get(name: string): AnyModule | undefined {
    return this._modules.get(name);
  }

  /** Whether a name is present. */
  has(name: string): boolean {
    return this._modules.has(name);
  }

  /** The names, in insertion order. */
  keys(): string[] {
    return [...this._modules.keys()];
  }

  /** Adds or replaces a module. Returns this. */
  setModule(name: string, module: AnyModule): this {
    this.set(name, module, "ModuleDict.setModule");
    return this;
  }
}
