/**
 * Metrics: running accumulators updated batch by batch, each registered by name
 * (registry kind "metric"), so `metrics: ["accuracy"]` works in `fit`.
 * @module
 */
import { ShapeError, ValueError, formatShape, noGrad, resolve } from "@backprop/core";
import type { Tensor } from "@backprop/core";

/**
 * A streaming metric: `update` with each batch's predictions and targets, `result` at the end.
 * @category Metrics
 */
export interface Metric {
  /** The key it is logged under ("accuracy", "val_accuracy", ...). */
  readonly name: string;
  update(prediction: Tensor, target: Tensor): void;
  /** The value over every update since the last reset. */
  result(): number;
  reset(): void;
  /**
   * A fresh metric with the same settings. `Trainer.evaluate` counts into clones, so an
   * evaluation running while `fit` is (a callback's, or a concurrent call's) leaves fit's counts
   * alone; a metric without it is shared by both.
   */
  clone?(): Metric;
}

/**
 * A metric class as registered by name.
 * @category Metrics
 */
export type MetricClass = new (options?: never) => Metric;

declare module "@backprop/core" {
  interface Registry {
    metric: MetricClass;
  }
}

/** Class indices from predictions: argmax over the last axis, or a 0.5 threshold for one column. */
function predictedClasses(prediction: Tensor): Int32Array {
  if (prediction.rank === 1 || prediction.shape[prediction.rank - 1] === 1) {
    const p = prediction.data();
    return Int32Array.from(p, (v) => (v >= 0.5 ? 1 : 0));
  }
  return prediction.argmax({ axis: -1 }).data() as Int32Array;
}

/** Class indices from targets: int labels as they are, one-hot or probabilities by argmax. */
function targetClasses(target: Tensor, prediction: Tensor, where: string): Int32Array {
  if (target.dtype === "int32" || target.dtype === "bool" || target.rank < prediction.rank || prediction.rank === 1) {
    const flat = target.data();
    return Int32Array.from(flat);
  }
  if (target.shape[target.rank - 1] === 1) return Int32Array.from(target.data(), (v) => (v >= 0.5 ? 1 : 0));
  if (target.rank !== prediction.rank) {
    throw new ShapeError(`${where}: targets ${formatShape(target.shape)} do not match predictions ${formatShape(prediction.shape)}`);
  }
  return target.argmax({ axis: -1 }).data() as Int32Array;
}

function checkCounts(a: ArrayLike<number>, b: ArrayLike<number>, where: string): void {
  if (a.length !== b.length) throw new ShapeError(`${where}: ${a.length} predictions but ${b.length} targets`);
}

/**
 * The share of samples a metric counts as hits: each subclass counts the hits in one batch.
 * Kept private: every such metric has the same result, reset and NaN before the first update.
 */
abstract class HitRate implements Metric {
  abstract readonly name: string;
  private hits = 0;
  private total = 0;

  /** Hits among the batch's samples, and how many samples it had. */
  protected abstract count(prediction: Tensor, target: Tensor): [hits: number, samples: number];

  update(prediction: Tensor, target: Tensor): void {
    const [hits, samples] = noGrad(() => this.count(prediction, target));
    this.hits += hits;
    this.total += samples;
  }

  result(): number {
    return this.total === 0 ? NaN : this.hits / this.total;
  }

  reset(): void {
    this.hits = 0;
    this.total = 0;
  }
}

/**
 * Fraction of samples whose predicted class (argmax) equals the target class (an int label,
 * or the argmax of a one-hot / probability target).
 * @example
 * ```ts
 * import { Accuracy } from "@backprop/train";
 * import { tensor } from "@backprop/core";
 * const acc = new Accuracy();
 * acc.update(tensor([[0.1, 0.9], [0.8, 0.2]]), tensor([1, 1], { dtype: "int32" }));
 * acc.result(); // 0.5
 * ```
 * @category Metrics
 */
export class Accuracy extends HitRate {
  readonly name: string = "accuracy";

  protected count(prediction: Tensor, target: Tensor): [number, number] {
    const p = predictedClasses(prediction);
    const t = targetClasses(target, prediction, this.name);
    checkCounts(p, t, this.name);
    let hits = 0;
    for (let i = 0; i < p.length; i++) if (p[i] === t[i]) hits++;
    return [hits, p.length];
  }

  clone(): Accuracy {
    return new Accuracy();
  }
}

/**
 * Accuracy of binary predictions thresholded at `threshold` (0.5; use 0 for logits).
 * @example
 * ```ts
 * import { BinaryAccuracy } from "@backprop/train";
 * import { tensor } from "@backprop/core";
 * const m = new BinaryAccuracy();
 * m.update(tensor([0.2, 0.7, 0.9]), tensor([0, 1, 0]));
 * m.result(); // 2/3
 * ```
 * @category Metrics
 */
export class BinaryAccuracy extends HitRate {
  readonly name: string = "binaryAccuracy";
  private readonly threshold: number;

  constructor(options: { threshold?: number } = {}) {
    super();
    this.threshold = options.threshold ?? 0.5;
  }

  clone(): BinaryAccuracy {
    return new BinaryAccuracy({ threshold: this.threshold });
  }

  protected count(prediction: Tensor, target: Tensor): [number, number] {
    const p = prediction.data();
    const t = target.data();
    checkCounts(p, t, this.name);
    let hits = 0;
    for (let i = 0; i < p.length; i++) if ((p[i] > this.threshold ? 1 : 0) === (t[i] > 0.5 ? 1 : 0)) hits++;
    return [hits, p.length];
  }
}

/**
 * Fraction of samples whose target class is among the k highest predictions.
 * @throws {ValueError} for k < 1.
 * @example
 * ```ts
 * import { TopKAccuracy } from "@backprop/train";
 * import { tensor } from "@backprop/core";
 * const m = new TopKAccuracy({ k: 2 });
 * m.update(tensor([[0.5, 0.3, 0.2]]), tensor([1], { dtype: "int32" }));
 * m.result(); // 1
 * ```
 * @category Metrics
 */
export class TopKAccuracy extends HitRate {
  readonly name: string;
  private readonly k: number;

  constructor(options: { k?: number } = {}) {
    super();
    this.k = options.k ?? 5;
    if (!Number.isInteger(this.k) || this.k < 1) throw new ValueError(`topKAccuracy: k must be a positive integer; got ${this.k}`);
    this.name = `top${this.k}Accuracy`;
  }

  clone(): TopKAccuracy {
    return new TopKAccuracy({ k: this.k });
  }

  protected count(prediction: Tensor, target: Tensor): [number, number] {
    if (prediction.rank !== 2) throw new ShapeError(`${this.name}: expected predictions [batch, classes], got ${formatShape(prediction.shape)}`);
    const [n, c] = prediction.shape;
    const p = prediction.data();
    const t = targetClasses(target, prediction, this.name);
    checkCounts(new Array<number>(n), t, this.name);
    let hits = 0;
    for (let i = 0; i < n; i++) {
      if (!(t[i] >= 0 && t[i] < c)) throw new ValueError(`${this.name}: target class ${t[i]} of sample ${i} is outside [0, ${c})`);
      const score = p[i * c + t[i]];
      let above = 0;
      for (let j = 0; j < c; j++) if (p[i * c + j] > score) above++;
      if (above < this.k) hits++;
    }
    return [hits, n];
  }
}

/**
 * Counts of (true class, predicted class) pairs; the basis of precision, recall and F1.
 * `result()` is the accuracy (the diagonal's share); `matrix()` gives the counts.
 * @example
 * ```ts
 * import { ConfusionMatrix } from "@backprop/train";
 * import { tensor } from "@backprop/core";
 * const cm = new ConfusionMatrix({ numClasses: 2 });
 * cm.update(tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), tensor([0, 1, 1], { dtype: "int32" }));
 * cm.matrix(); // [[1, 0], [1, 1]]: rows are true classes, columns predicted
 * ```
 * @category Metrics
 */
export class ConfusionMatrix implements Metric {
  readonly name: string = "confusionMatrix";
  private counts: number[][] = [];
  private numClasses: number;

  private readonly options: { numClasses?: number };

  constructor(options: { numClasses?: number } = {}) {
    this.options = { ...options };
    this.numClasses = options.numClasses ?? 0;
  }

  clone(): ConfusionMatrix {
    return new ConfusionMatrix(this.options);
  }

  update(prediction: Tensor, target: Tensor): void {
    const p = predictedClasses(prediction);
    const t = targetClasses(target, prediction, this.name);
    checkCounts(p, t, this.name);
    const classes = Math.max(this.numClasses, prediction.rank === 2 && prediction.shape[1] > 1 ? prediction.shape[1] : 2);
    this.grow(classes);
    for (let i = 0; i < p.length; i++) {
      if (t[i] < 0 || t[i] >= this.counts.length) {
        throw new ValueError(`${this.name}: label ${t[i]} at index ${i} is out of range for ${this.counts.length} classes`);
      }
      this.counts[t[i]][p[i]]++;
    }
  }

  private grow(n: number): void {
    while (this.counts.length < n) this.counts.push([]);
    for (const row of this.counts) while (row.length < n) row.push(0);
    this.numClasses = Math.max(this.numClasses, n);
  }

  /** The counts: rows are true classes, columns predicted classes. */
  matrix(): number[][] {
    this.grow(this.numClasses);
    return this.counts.map((r) => [...r]);
  }

  result(): number {
    let diag = 0;
    let total = 0;
    this.counts.forEach((row, i) => {
      row.forEach((v, j) => {
        total += v;
        if (i === j) diag += v;
      });
    });
    return total === 0 ? NaN : diag / total;
  }

  reset(): void {
    this.counts = [];
  }
}

/**
 * How per-class precision/recall/F1 are combined: "binary" reports class 1, "macro" averages
 * over classes, "micro" pools the counts.
 * @category Metrics
 */
export type Average = "binary" | "macro" | "micro";

abstract class ClassScore implements Metric {
  abstract readonly name: string;
  protected cm = new ConfusionMatrix();
  protected readonly average: Average;

  private readonly options: { average?: Average; numClasses?: number };

  constructor(options: { average?: Average; numClasses?: number } = {}) {
    this.options = { ...options };
    this.average = options.average ?? "binary";
    if (!["binary", "macro", "micro"].includes(this.average)) {
      throw new ValueError(`metric: average must be "binary", "macro" or "micro"; got ${JSON.stringify(this.average)}`);
    }
    this.cm = new ConfusionMatrix({ numClasses: options.numClasses });
  }

  clone(): Metric {
    return new (this.constructor as new (options: { average?: Average; numClasses?: number }) => Metric)(this.options);
  }

  update(prediction: Tensor, target: Tensor): void {
    this.cm.update(prediction, target);
  }

  reset(): void {
    this.cm.reset();
  }

  /** true positives, false positives and false negatives of class c. */
  protected counts(c: number): [number, number, number] {
    const m = this.cm.matrix();
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < m.length; i++) {
      if (i === c) continue;
      fp += m[i][c];
      fn += m[c][i];
    }
    return [m[c]?.[c] ?? 0, fp, fn];
  }

  protected abstract score(tp: number, fp: number, fn: number): number;

  result(): number {
    const n = this.cm.matrix().length;
    if (n === 0) return NaN;
    if (this.average === "binary") return this.score(...this.counts(1));
    if (this.average === "micro") {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (let c = 0; c < n; c++) {
        const [a, b, d] = this.counts(c);
        tp += a;
        fp += b;
        fn += d;
      }
      return this.score(tp, fp, fn);
    }
    let sum = 0;
    for (let c = 0; c < n; c++) sum += this.score(...this.counts(c));
    return sum / n;
  }
}

/**
 * Precision tp / (tp + fp); 0 when nothing was predicted positive.
 * @example
 * ```ts
 * import { Precision } from "@backprop/train";
 * import { tensor } from "@backprop/core";
 * const m = new Precision();
 * m.update(tensor([0.9, 0.8, 0.1]), tensor([1, 0, 0]));
 * m.result(); // 0.5
 * ```
 * @category Metrics
 */
export class Precision extends ClassScore {
  readonly name = "precision";
  protected score(tp: number, fp: number): number {
    return tp + fp === 0 ? 0 : tp / (tp + fp);
  }
}

/**
 * Recall tp / (tp + fn); 0 when there were no positives.
 * @example
 * ```ts
 * import { Recall } from "@backprop/train";
 * import { tensor } from "@backprop/core";
 * const m = new Recall();
 * m.update(tensor([0.9, 0.2, 0.1]), tensor([1, 1, 0]));
 * m.result(); // 0.5
 * ```
 * @category Metrics
 */
export class Recall extends ClassScore {
  readonly name = "recall";
  protected score(tp: number, _fp: number, fn: number): number {
    return tp + fn === 0 ? 0 : tp / (tp + fn);
  }
}

/**
 * F1, the harmonic mean of precision and recall: 2tp / (2tp + fp + fn).
 * @example
 * ```ts
 * import { F1 } from "@backprop/train";
 * import { tensor } from "@backprop/core";
 * const m = new F1();
 * m.update(tensor([0.9, 0.8, 0.1]), tensor([1, 0, 1]));
 * m.result(); // 0.5
 * ```
 * @category Metrics
 */
export class F1 extends ClassScore {
  readonly name = "f1";
  protected score(tp: number, fp: number, fn: number): number {
    return 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
}

abstract class MeanError implements Metric {
  abstract readonly name: string;
  private sum = 0;
  private count = 0;
  protected abstract term(d: number): number;

  clone(): Metric {
    return new (this.constructor as new () => Metric)();
  }

  update(prediction: Tensor, target: Tensor): void {
    const p = prediction.data();
    const t = target.data();
    if (p.length !== t.length) {
      throw new ShapeError(`${this.name}: predictions ${formatShape(prediction.shape)} and targets ${formatShape(target.shape)} differ in size`);
    }
    for (let i = 0; i < p.length; i++) this.sum += this.term(p[i] - t[i]);
    this.count += p.length;
  }

  result(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * Mean absolute error over every element.
 * @example
 * ```ts
 * import { MeanAbsoluteError } from "@backprop/train";
 * import { tensor } from "@backprop/core";
 * const m = new MeanAbsoluteError();
 * m.update(tensor([1, 2]), tensor([2, 4]));
 * m.result(); // 1.5
 * ```
 * @category Metrics
 */
export class MeanAbsoluteError extends MeanError {
  readonly name = "mae";
  protected term(d: number): number {
    return Math.abs(d);
  }
}

/**
 * Mean squared error over every element.
 * @example
 * ```ts
 * import { MeanSquaredError } from "@backprop/train";
 * import { tensor } from "@backprop/core";
 * const m = new MeanSquaredError();
 * m.update(tensor([1, 2]), tensor([2, 4]));
 * m.result(); // 2.5
 * ```
 * @category Metrics
 */
export class MeanSquaredError extends MeanError {
  readonly name = "mse";
  protected term(d: number): number {
    return d * d;
  }
}

/**
 * A metric from a registry name or an instance.
 * @throws {RegistryError} for an unknown name, with suggestions.
 * @example
 * ```ts
 * import { toMetric } from "@backprop/train";
 * toMetric("accuracy").name; // "accuracy"
 * ```
 * @category Metrics
 */
export function toMetric(metric: string | Metric): Metric {
  if (typeof metric !== "string") return metric;
  const cls = resolve("metric", metric);
  return new cls();
}
