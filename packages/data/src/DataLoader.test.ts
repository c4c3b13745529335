import { describe, expect, it } from "vitest";
import { Generator, Tensor, ValueError, arange, getRngState, manualSeed, tensor } from "@backprop/core";
import { DataLoader, IterableDataset, TensorDataset, defaultCollate, randomSplit, stackRows } from "./index.js";

/** A dataset of 10 samples: x row [i, 10 i], label i. */
function tenRows(): TensorDataset<[Tensor, Tensor]> {
  const x = tensor(Array.from({ length: 10 }, (_, i) => [i, 10 * i]));
  const y = tensor(Array.from({ length: 10 }, (_, i) => i), { dtype: "int32" });
  return new TensorDataset(x, y);
}

function labelsOf(loader: Iterable<readonly Tensor[]>): number[][] {
  return [...loader].map(([, y]) => Array.from(y.data()));
}

describe("DataLoader batching", () => {
  it("batches a TensorDataset in order, with a partial last batch", () => {
    const loader = new DataLoader({ dataset: tenRows(), batchSize: 4 });
    const batches = [...loader];
    expect(loader.length).toBe(3);
    expect(batches.map(([x]) => x.shape)).toEqual([[4, 2], [4, 2], [2, 2]]);
    expect(batches[1][0].toArray()).toEqual([[4, 40], [5, 50], [6, 60], [7, 70]]);
    expect(batches[2][1].toArray()).toEqual([8, 9]);
    expect(batches[2][1].dtype).toBe("int32");
  });

  it("drops the partial last batch with dropLast", () => {
    const loader = new DataLoader({ dataset: tenRows(), batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    expect(labelsOf(loader)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
  });

  it("shuffles rows consistently across inputs: every x row still matches its label", () => {
    const loader = new DataLoader({ dataset: tenRows(), batchSize: 3, shuffle: true, seed: 7 });
    const seen: number[] = [];
    for (const [x, y] of loader) {
      const xs = x.toArray() as number[][];
      Array.from(y.data()).forEach((label, r) => {
        expect(xs[r]).toEqual([label, 10 * label]);
        seen.push(label);
      });
    }
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("gives the same order for the same seed, and a new order every epoch", () => {
    const a = new DataLoader({ dataset: tenRows(), batchSize: 10, shuffle: true, seed: 3 });
    const b = new DataLoader({ dataset: tenRows(), batchSize: 10, shuffle: true, generator: new Generator(3) });
    const a1 = labelsOf(a);
    const a2 = labelsOf(a);
    expect(labelsOf(b)).toEqual(a1);
    expect(labelsOf(b)).toEqual(a2);
    expect(a2).not.toEqual(a1);
    expect(a1[0]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const c = new DataLoader({ dataset: tenRows(), batchSize: 10, shuffle: true, seed: 4 });
    expect(labelsOf(c)).not.toEqual(a1);
  });

  it("seeds from the global generator when given no seed, so manualSeed makes it reproducible", () => {
    manualSeed(21);
    const a = labelsOf(new DataLoader({ dataset: tenRows(), batchSize: 10, shuffle: true }));
    manualSeed(21);
    const b = labelsOf(new DataLoader({ dataset: tenRows(), batchSize: 10, shuffle: true }));
    expect(b).toEqual(a);
    const before = getRngState();
    labelsOf(new DataLoader({ dataset: tenRows(), batchSize: 10 }));
    expect(getRngState()).toEqual(before);
  });

  it("is the training data that fit accepts: an iterable and async iterable of [x, y] pairs", async () => {
    const loader: Iterable<readonly [Tensor, Tensor]> & AsyncIterable<readonly [Tensor, Tensor]> = new DataLoader({ dataset: tenRows(), batchSize: 5 });
    let count = 0;
    for await (const [x, y] of loader) count += x.shape[0] + y.shape[0];
    expect(count).toBe(20);
  });

  it("matches a Fisher-Yates shuffle drawn from the same generator", () => {
    const g = new Generator(11);
    const order = Array.from({ length: 10 }, (_, i) => i);
    for (let i = 9; i > 0; i--) {
      const j = g.nextInt(0, i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const loader = new DataLoader({ dataset: tenRows(), batchSize: 10, shuffle: true, seed: 11 });
    expect(labelsOf(loader)[0]).toEqual(order);
  });

  it("rejects batchSize 0, fractional batch sizes and an empty dataset", () => {
    expect(() => new DataLoader({ dataset: tenRows(), batchSize: 0 })).toThrow(ValueError);
    expect(() => new DataLoader({ dataset: tenRows(), batchSize: 0 })).toThrow(/batchSize must be an integer >= 1; got 0/);
    expect(() => new DataLoader({ dataset: tenRows(), batchSize: 2.5 })).toThrow(/got 2.5/);
    expect(() => new DataLoader({ dataset: [], batchSize: 2 })).toThrow(/the dataset is empty/);
    expect(() => new DataLoader({ dataset: new TensorDataset(arange(0, 0)) })).toThrow(ValueError);
    expect(() => new DataLoader({ dataset: tenRows(), batchSize: 20, dropLast: true })).toThrow(/leaves no batch/);
    expect(() => new DataLoader({ dataset: 5 as never })).toThrow(ValueError);
  });

  it("turns every misuse into a named error: options, NaN sizes, huge datasets, bad hooks and states", () => {
    expect(() => new DataLoader(undefined as never)).toThrow("DataLoader: expected an options object { dataset, batchSize, ... }; got undefined");
    expect(() => new DataLoader(null as never)).toThrow(ValueError);
    expect(() => new DataLoader({ dataset: tenRows(), batchSize: NaN })).toThrow("DataLoader: batchSize must be an integer >= 1; got NaN");
    expect(() => new DataLoader({ dataset: tenRows(), prefetch: -1 })).toThrow(ValueError);
    expect(() => new DataLoader({ dataset: tenRows(), shuffle: "yes" as never })).toThrow('DataLoader: shuffle must be true or false; got "yes"');
    expect(() => new DataLoader({ dataset: tenRows(), dropLast: 1 as never })).toThrow("DataLoader: dropLast must be true or false; got 1");
    expect(() => new DataLoader({ dataset: tenRows(), collate: 5 as never })).toThrow("DataLoader: collate must be a function; got number");
    expect(() => new DataLoader({ dataset: tenRows(), transform: {} as never })).toThrow("DataLoader: transform must be a function; got object");
    const huge = { length: 2 ** 40, get: (i: number) => i };
    expect(() => new DataLoader({ dataset: huge })).toThrow("DataLoader: the dataset is too long; expected at most 2147483647 samples (int32 indices), got 1099511627776");
    const loader = new DataLoader({ dataset: tenRows() });
    expect(() => { loader.loadStateDict(null as never); }).toThrow(ValueError);
    expect(() => { loader.loadStateDict(5 as never); }).toThrow(ValueError);
    const notIterable = new DataLoader({ dataset: new IterableDataset(() => 5 as never) });
    expect(() => [...notIterable]).toThrow("IterableDataset: the stream function returned number; expected an iterable or async iterable");
  });
});

describe("DataLoader over a split TensorDataset", () => {
  it("copies the subset's rows, as the sample-by-sample path does", () => {
    const [train] = randomSplit(tenRows(), [7, 3], { seed: 2 });
    const fast = new DataLoader({ dataset: train, batchSize: 3, shuffle: true, seed: 8 });
    // an identity transform turns the fast path off
    const slow = new DataLoader({ dataset: train, batchSize: 3, shuffle: true, seed: 8, transform: (s) => s });
    const a = [...fast].map(([x, y]) => [x.toArray(), y.toArray()]);
    const b = [...slow].map(([x, y]) => [x.toArray(), y.toArray()]);
    expect(a).toEqual(b);
    expect(a.map(([, y]) => (y as number[]).length)).toEqual([3, 3, 1]);
    const labels = a.flatMap(([, y]) => y as number[]).sort((p, q) => p - q);
    expect(labels).toEqual(Array.from({ length: 7 }, (_, i) => train.get(i)[1].item()).sort((p, q) => p - q));
  });
});

describe("DataLoader with generic datasets", () => {
  it("collates arrays of samples and applies the transform to each sample", () => {
    const samples = Array.from({ length: 5 }, (_, i) => [tensor([i, i]), i] as [Tensor, number]);
    const loader = new DataLoader({ dataset: samples, batchSize: 2, transform: ([x, y]): [Tensor, number] => [x.mul(2), y] });
    const batches = [...loader];
    expect(batches.length).toBe(3);
    expect(batches[1][0].toArray()).toEqual([[4, 4], [6, 6]]);
    expect(batches[1][1].toArray()).toEqual([2, 3]);
    expect(batches[2][0].shape).toEqual([1, 2]);
  });

  it("uses a custom collate", () => {
    const loader = new DataLoader({ dataset: { length: 5, get: (i: number) => i }, batchSize: 2, collate: (s: number[]) => s.join("+") });
    expect([...loader]).toEqual(["0+1", "2+3", "4"]);
  });

  it("awaits datasets whose get returns promises, with prefetch", async () => {
    const started: number[] = [];
    const ds = {
      length: 7,
      get: async (i: number) => {
        started.push(i);
        await new Promise((r) => setTimeout(r, 1));
        return i;
      },
    };
    const loader = new DataLoader({ dataset: ds, batchSize: 3, prefetch: 2, collate: (s: number[]) => s });
    const out: number[][] = [];
    const startedAtFirst: number[] = [];
    for await (const b of loader) {
      if (out.length === 0) startedAtFirst.push(...started);
      out.push(b);
    }
    expect(out).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    // prefetch 2: the two batches after the first were already being read
    expect(startedAtFirst.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    started.length = 0;
    const lazy = new DataLoader({ dataset: ds, batchSize: 3, prefetch: 0, collate: (s: number[]) => s });
    for await (const b of lazy) {
      expect(b).toEqual([0, 1, 2]);
      expect(started.sort((a, c) => a - c)).toEqual([0, 1, 2]);
      break;
    }
    expect(() => [...loader]).toThrow(/for await/);
  });

  it("async iteration of a TensorDataset gives the same batches as sync iteration", async () => {
    const a = new DataLoader({ dataset: tenRows(), batchSize: 4, shuffle: true, seed: 5 });
    const b = new DataLoader({ dataset: tenRows(), batchSize: 4, shuffle: true, seed: 5 });
    const asyncLabels: number[][] = [];
    for await (const [, y] of b) asyncLabels.push(Array.from(y.data()));
    expect(asyncLabels).toEqual(labelsOf(a));
  });

  it("batches sync and async streams, keeping or dropping the last partial batch", async () => {
    const stream = new IterableDataset(function* () {
      for (let i = 0; i < 5; i++) yield i;
    });
    expect([...new DataLoader({ dataset: stream, batchSize: 2 })].map((t) => Array.from(t.data()))).toEqual([[0, 1], [2, 3], [4]]);
    const asyncStream = new IterableDataset(async function* () {
      for (let i = 0; i < 5; i++) yield await Promise.resolve(i);
    });
    const out: number[][] = [];
    for await (const t of new DataLoader({ dataset: asyncStream, batchSize: 2, dropLast: true })) out.push(Array.from(t.data()));
    expect(out).toEqual([[0, 1], [2, 3]]);
    expect(() => new DataLoader({ dataset: stream, shuffle: true })).toThrow(/shuffle needs a random-access dataset/);
    expect(() => new DataLoader({ dataset: stream }).length).toThrow(ValueError);
    const empty = new IterableDataset(function* (): Iterable<number> {});
    expect(() => [...new DataLoader({ dataset: empty })]).toThrow(/the stream is empty/);
  });
});

describe("DataLoader state", () => {
  it("resumes mid-epoch with the same order after loadStateDict", () => {
    const run = new DataLoader({ dataset: tenRows(), batchSize: 3, shuffle: true, seed: 9 });
    const full = [...labelsOf(run), ...labelsOf(run)]; // two epochs, 8 batches

    const first = new DataLoader({ dataset: tenRows(), batchSize: 3, shuffle: true, seed: 9 });
    labelsOf(first); // epoch 0
    const got: number[][] = [];
    for (const [, y] of first) {
      got.push(Array.from(y.data()));
      if (got.length === 2) break; // "crash" after two batches of epoch 1
    }
    const saved = JSON.parse(JSON.stringify(first.stateDict())) as ReturnType<DataLoader<unknown>["stateDict"]>;
    expect(saved.epoch).toBe(1);
    expect(saved.batch).toBe(2);

    const resumed = new DataLoader({ dataset: tenRows(), batchSize: 3, shuffle: true, seed: 12345 });
    resumed.loadStateDict(saved);
    const rest = labelsOf(resumed);
    expect([...got, ...rest]).toEqual(full.slice(4));
    expect(resumed.epoch).toBe(2);
    // the epoch after the resumed one continues the uninterrupted sequence too
    const next = new DataLoader({ dataset: tenRows(), batchSize: 3, shuffle: true, seed: 9 });
    labelsOf(next);
    labelsOf(next);
    expect(labelsOf(resumed)).toEqual(labelsOf(next));
  });

  it("resumes a stream after the batches already handed out", () => {
    const stream = new IterableDataset(function* () {
      for (let i = 0; i < 7; i++) yield i;
    });
    const first = new DataLoader({ dataset: stream, batchSize: 2 });
    let taken = 0;
    for (const batch of first) {
      expect(batch.dtype).toBe("int32");
      if (++taken === 2) break;
    }
    const resumed = new DataLoader({ dataset: stream, batchSize: 2 });
    resumed.loadStateDict(first.stateDict());
    expect([...resumed].map((t) => Array.from(t.data()))).toEqual([[4, 5], [6]]);
    expect([...resumed].length).toBe(4);
  });

  it("saves between epochs and counts epochs", () => {
    const a = new DataLoader({ dataset: tenRows(), batchSize: 5, shuffle: true, seed: 1 });
    expect(a.epoch).toBe(0);
    labelsOf(a);
    expect(a.epoch).toBe(1);
    const state = a.stateDict();
    expect(state.batch).toBe(0);
    const expected = labelsOf(a);
    const b = new DataLoader({ dataset: tenRows(), batchSize: 5, shuffle: true });
    b.loadStateDict(state);
    expect(labelsOf(b)).toEqual(expected);
    expect(() => { b.loadStateDict({ epoch: -1, batch: 0, generator: state.generator }); }).toThrow(ValueError);
  });
});

describe("collate", () => {
  it("stacks tensors, turns numbers into int32 or float32 and recurses into objects", () => {
    const batch = defaultCollate([
      { image: tensor([1, 2]), label: 1, weight: 0.5 },
      { image: tensor([3, 4]), label: 2, weight: 1 },
    ]);
    expect(batch.image.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(batch.label.dtype).toBe("int32");
    expect(batch.weight.dtype).toBe("float32");
    expect(batch.weight.toArray()).toEqual([0.5, 1]);
  });

  it("reports mismatched samples", () => {
    expect(() => stackRows([tensor([1, 2]), tensor([1, 2, 3])])).toThrow(/sample 0 is \[2\], sample 1 is \[3\]/);
    expect(() => stackRows([tensor([1]), tensor([1], { dtype: "int32" })])).toThrow(/sample 1 is int32/);
    expect(() => defaultCollate([[1, 2], [1]])).toThrow(/must have 2 fields/);
    expect(() => defaultCollate([])).toThrow(ValueError);
  });

  it("rejects what is not a list of samples or of tensors with named errors", () => {
    expect(() => stackRows(null as never)).toThrow("stackRows: expected an array of tensors; got null");
    expect(() => stackRows([5] as never)).toThrow("stackRows: sample 0 is not a Tensor; got number");
    expect(() => stackRows([tensor([1]), "x"] as never)).toThrow("stackRows: sample 1 is not a Tensor; got string");
    expect(() => defaultCollate(null as never)).toThrow("collate: expected an array of samples; got null");
    expect(() => defaultCollate("ab" as never)).toThrow(ValueError);
    // A sample that contains itself would recurse until the stack overflows (a RangeError).
    const loop: { self?: unknown } = {};
    loop.self = loop;
    expect(() => defaultCollate([loop, loop])).toThrow(/^collate: sample.self.self.*nests too deep; expected at most 64 levels of arrays and objects, got more/);
    expect(() => defaultCollate([[[[1]]], [[[2]]]])).not.toThrow();
  });

  it("stacks non-contiguous views correctly", () => {
    const t = tensor([[1, 2], [3, 4]]).transpose(0, 1);
    expect(stackRows([t, t]).toArray()).toEqual([[[1, 3], [2, 4]], [[1, 3], [2, 4]]]);
  });
});
