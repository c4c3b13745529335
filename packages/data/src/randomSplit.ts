/**
 * Splitting a dataset into random, non-overlapping parts (train / validation / test).
 * @module
 */
import { Generator, ValueError, defaultGenerator } from "@backprop/core";
import { checkDataset, optionalGenerator, optionsOf } from "./check.js";
import { Subset } from "./Dataset.js";
import type { Dataset } from "./Dataset.js";

/**
 * Options of {@link randomSplit}.
 * @category Data
 */
export interface RandomSplitOptions {
  /** The generator that draws the permutation (default: the global one). */
  generator?: Generator;
  /** Seed of a fresh generator (ignored when `generator` is given). */
  seed?: number;
}

/**
 * Splits a dataset into random non-overlapping subsets (PyTorch's `random_split`). Lengths are
 * sample counts that add up to the dataset's length, or fractions that add up to 1: each part
 * gets `floor(n * fraction)` samples and the remainder goes one by one to the first parts.
 * @throws {ValueError} for counts that do not add up to the dataset's length, fractions that
 * do not add up to 1, negative / non-finite entries, a dataset longer than 2^31 - 1 samples, or
 * a generator that is not a Generator.
 * @example
 * ```ts
 * import { randn } from "@backprop/core";
 * import { TensorDataset, randomSplit } from "@backprop/data";
 * const [train, validation] = randomSplit(new TensorDataset(randn([100, 3])), [0.8, 0.2], { seed: 0 });
 * train.length; // 80
 * ```
 * @category Data
 */
export function randomSplit<D extends Dataset<unknown>>(dataset: D, lengths: readonly number[], options: RandomSplitOptions = {}): Subset<D>[] {
  const { generator, seed } = optionsOf(options, "randomSplit");
  const n = checkDataset(dataset, "randomSplit").length;
  optionalGenerator(generator, "randomSplit");
  const list: unknown = lengths;
  if (!Array.isArray(list) || lengths.length === 0) throw new ValueError("randomSplit: lengths must be a non-empty array of counts or fractions");
  if (lengths.some((v) => typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
    throw new ValueError(`randomSplit: lengths must be non-negative numbers; got [${lengths.join(", ")}]`);
  }
  const total = lengths.reduce((a, b) => a + b, 0);
  let counts: number[];
  if (lengths.every((v) => Number.isInteger(v)) && total !== 1) {
    if (total !== n) throw new ValueError(`randomSplit: lengths must add up to the dataset's length; expected ${n}, got ${total} ([${lengths.join(", ")}])`);
    counts = [...lengths];
  } else {
    if (Math.abs(total - 1) > 1e-6) throw new ValueError(`randomSplit: fractions must add up to 1; got ${total} ([${lengths.join(", ")}])`);
    counts = lengths.map((f) => Math.floor(n * f));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]++;
  }
  const g = generator ?? (seed !== undefined ? new Generator(seed) : defaultGenerator());
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.nextInt(0, i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  let start = 0;
  return counts.map((c) => {
    const part = new Subset(dataset, order.subarray(start, start + c));
    start += c;
    return part;
  });
}
