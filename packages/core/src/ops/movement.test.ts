import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  DTypeError,
  ShapeError,
  ValueError,
  arange,
  chunk,
  concat,
  expand,
  flatten,
  gather,
  gradCheck,
  indexSelect,
  oneHot,
  pad,
  permute,
  reshape,
  scatterAdd,
  slice,
  split,
  squeeze,
  stack,
  tensor,
  tile,
  transpose,
  unsqueeze,
  zeros,
} from "../index.js";
import type { SliceSpec, Tensor } from "../index.js";
import { resolve } from "../index.js";

const int = (data: number[] | number[][] | number[][][]) => tensor(data, { dtype: "int32" });
/** Deterministic float64 test data of a shape. */
function det(shape: number[], seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + seed) * 2);
  return tensor(data, { dtype: "float64" }).reshape(shape);
}

/** NumPy-style slicing of nested arrays in plain JS, the oracle for `slice`. */
function refSlice(data: unknown, shape: number[], specs: SliceSpec[]): unknown {
  if (shape.length === 0) return data;
  const n = shape[0];
  const spec = specs.length > 0 ? specs[0] : null;
  const rest = specs.slice(1);
  const arr = data as unknown[];
  if (typeof spec === "number") return refSlice(arr[spec < 0 ? spec + n : spec], shape.slice(1), rest);
  const [s, e, st] = spec === null ? [null, null, null] : [spec[0] ?? null, spec[1] ?? null, spec[2] ?? null];
  const step = st ?? 1;
  const out: unknown[] = [];
  const norm = (v: number) => (v < 0 ? v + n : v);
  if (step > 0) {
    const b = s === null ? 0 : Math.min(Math.max(norm(s), 0), n);
    const end = e === null ? n : Math.min(Math.max(norm(e), 0), n);
    for (let i = b; i < end; i += step) out.push(refSlice(arr[i], shape.slice(1), rest));
  } else {
    const b = s === null ? n - 1 : Math.min(Math.max(norm(s), -1), n - 1);
    const end = e === null ? -1 : Math.min(Math.max(norm(e), -1), n - 1);
    for (let i = b; i > end; i += step) out.push(refSlice(arr[i], shape.slice(1), rest));
  }
  return out;
}

describe("reshape and friends", () => {
  it("reshapes in row-major order with an inferred size", () => {
    expect(reshape(arange(6), [2, -1]).toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(reshape(arange(6).reshape([2, 3]).transpose(), [6]).toArray()).toEqual([0, 3, 1, 4, 2, 5]);
  });
  it("rejects a different element count, two -1s and negative sizes", () => {
    expect(() => reshape(arange(6), [4, 2])).toThrow(ShapeError);
    expect(() => reshape(arange(6), [4, 2])).toThrow("[6] (6 elements) to [4, 2]");
    expect(() => reshape(arange(6), [-1, -1])).toThrow(ShapeError);
    expect(() => reshape(arange(6), [-2, -3])).toThrow(ValueError);
    expect(() => reshape(arange(6), [2.5, 2])).toThrow(ValueError);
  });
  it("reshapes empty tensors, views included, without hanging", () => {
    const e = zeros([0, 3]).transpose();
    expect(reshape(e, [3, 0, 1]).shape).toEqual([3, 0, 1]);
    expect(reshape(zeros([2, 0]), [0, 5]).shape).toEqual([0, 5]);
  });
  it("keeps views where strides allow and copies otherwise", () => {
    const x = arange(24).reshape([2, 3, 4]);
    const v = x.permute([1, 0, 2]).reshape([3, 2, 2, 2]);
    expect(v.storage).toBe(x.storage);
    expect(v.toArray()).toEqual((x.permute([1, 0, 2]).contiguous().reshape([3, 2, 2, 2])).toArray());
    const c = x.transpose().reshape([24]);
    expect(c.storage).not.toBe(x.storage);
  });
  it("flattens, squeezes and unsqueezes", () => {
    expect(flatten(zeros([2, 3, 4]), 1).shape).toEqual([2, 12]);
    expect(flatten(zeros([2, 3, 4]), 0, 1).shape).toEqual([6, 4]);
    expect(squeeze(zeros([1, 3, 1])).shape).toEqual([3]);
    expect(squeeze(zeros([1, 3, 1]), -1).shape).toEqual([1, 3]);
    expect(() => squeeze(zeros([2, 3]), 0)).toThrow(ShapeError);
    expect(unsqueeze(zeros([3]), -1).shape).toEqual([3, 1]);
    expect(() => unsqueeze(zeros([3]), 3)).toThrow(ShapeError);
  });
  it("rejects out-of-range and repeated axes", () => {
    expect(() => permute(zeros([2, 3]), [0, 2])).toThrow(ShapeError);
    expect(() => permute(zeros([2, 3]), [0, 0])).toThrow(ShapeError);
    expect(() => transpose(zeros([2, 3]), 0, 5)).toThrow("axis 5 is out of range");
    expect(() => expand(zeros([2, 3]), [2, 4])).toThrow(ShapeError);
  });
  it("expands with -1 and size-1 axes", () => {
    expect(expand(tensor([[1], [2]]), [2, -1, 3]).shape).toEqual([2, 2, 3]);
    expect(expand(tensor([[1], [2]]), [2, 3]).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
  });
});

describe("slice", () => {
  const x = arange(12).reshape([3, 4]);
  it("indexes, ranges and steps like NumPy", () => {
    expect(slice(x, [1]).toArray()).toEqual([4, 5, 6, 7]);
    expect(slice(x, [-1, -1]).toArray()).toEqual(11);
    expect(slice(x, [null, [1, 3]]).toArray()).toEqual([[1, 2], [5, 6], [9, 10]]);
    expect(slice(x, [[null, null, -1], -1]).toArray()).toEqual([11, 7, 3]);
    expect(slice(x, [[0, 3, 2], [null, null, 3]]).toArray()).toEqual([[0, 3], [8, 11]]);
    expect(slice(x, [[-100, 100]]).shape).toEqual([3, 4]);
    expect(slice(x, [[2, 1]]).shape).toEqual([0, 4]);
    expect(slice(x, [[5, 10]]).shape).toEqual([0, 4]);
  });
  it("is a view of the same storage", () => {
    const s = slice(x, [[1, 3], [null, null, 2]]);
    expect(s.storage).toBe(x.storage);
    expect(s.offset).toBe(4);
    expect(s.strides).toEqual([4, 2]);
  });
  it("names the axis, the index and the size when out of range", () => {
    expect(() => slice(x, [null, 4])).toThrow(ShapeError);
    expect(() => slice(x, [null, 4])).toThrow("index 4 is out of range for axis 1 of size 4");
    expect(() => slice(x, [-4])).toThrow("index -4 is out of range for axis 0 of size 3");
    expect(() => slice(x, [0, 0, 0])).toThrow(ShapeError);
    expect(() => slice(x, [[0, 2, 0]])).toThrow(ValueError);
    expect(() => slice(x, [0.5])).toThrow(ValueError);
    expect(() => slice(x, [[0, 1, 1, 1] as unknown as SliceSpec])).toThrow(ValueError);
    expect(() => slice(x, "0" as unknown as SliceSpec[])).toThrow(ValueError);
  });
  it("agrees with NumPy-style indexing in plain JS (property)", () => {
    const specArb = (n: number): fc.Arbitrary<SliceSpec> =>
      fc.oneof(
        fc.constant(null),
        fc.integer({ min: -n, max: n - 1 }),
        fc.tuple(
          fc.option(fc.integer({ min: -n - 2, max: n + 2 })),
          fc.option(fc.integer({ min: -n - 2, max: n + 2 })),
          fc.option(fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0)),
        ),
      );
    const arb = fc
      .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
      .chain((shape) => fc.tuple(fc.constant(shape), fc.tuple(...shape.map(specArb)), fc.boolean()));
    fc.assert(
      fc.property(arb, ([shape, specs, flip]) => {
        const n = shape.reduce((a, b) => a * b, 1);
        // Also slice a non-contiguous source: a reversed-axes view of the same logical values.
        let t = arange(n).reshape(shape);
        if (flip) t = t.T.contiguous().T;
        const expected = refSlice(t.toArray(), shape, specs);
        expect(slice(t, specs).toArray()).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
  it("has gradients: scatter back into zeros, second order too", () => {
    gradCheck((a) => slice(a, [1]), [det([3, 4])]);
    gradCheck((a) => slice(a, [[null, null, -2], [1, 3]]), [det([5, 4])]);
    gradCheck((a) => slice(a.transpose(), [[0, 3, 2], -1]), [det([4, 3])]);
    gradCheck((a) => slice(a, [null, [1, null]]).mul(a.sum()), [det([2, 3])], { secondOrder: true });
    const a = tensor([1, 2, 3, 4], { requiresGrad: true });
    slice(a, [[1, 4, 2]]).sum().backward();
    expect(a.grad!.toArray()).toEqual([0, 1, 0, 1]);
  });
});

describe("split, chunk, concat, stack", () => {
  it("splits by piece size and by a list", () => {
    expect(split(arange(5), 2).map((t) => t.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(split(arange(5), [1, 4]).map((t) => t.toArray())).toEqual([[0], [1, 2, 3, 4]]);
    expect(split(arange(6).reshape([2, 3]), [2, 1], 1).map((t) => t.toArray())).toEqual([[[0, 1], [3, 4]], [[2], [5]]]);
    expect(() => split(arange(5), [1, 2])).toThrow("add up to 3; expected the length 5");
    expect(() => split(arange(5), 0)).toThrow(ValueError);
    expect(() => split(arange(5), [-1, 6])).toThrow(ValueError);
  });
  it("chunks like torch.chunk", () => {
    expect(chunk(arange(5), 2).map((t) => t.shape[0])).toEqual([3, 2]);
    expect(chunk(arange(6), 4).map((t) => t.shape[0])).toEqual([2, 2, 2]);
    expect(chunk(arange(2), 5).map((t) => t.shape[0])).toEqual([1, 1]);
    expect(() => chunk(arange(2), 0)).toThrow(ValueError);
  });
  it("concatenates and stacks with hand-checked values", () => {
    expect(concat([tensor([[1, 2]]), tensor([[3, 4]])]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(concat([tensor([[1, 2]]), tensor([[3]])], -1).toArray()).toEqual([[1, 2, 3]]);
    expect(concat([tensor([1]), int([2])]).dtype).toBe("float32");
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], -1).shape).toEqual([2, 2]);
    expect(stack([tensor(1), tensor(2)]).toArray()).toEqual([1, 2]);
  });
  it("lists every shape when they do not match", () => {
    expect(() => concat([zeros([2, 3]), zeros([2, 4]), zeros([3, 4])], 0)).toThrow(
      "concat: shapes must match except on axis 0; got [2, 3], [2, 4], [3, 4]",
    );
    expect(() => concat([zeros([2, 3]), zeros([3])])).toThrow(ShapeError);
    expect(() => stack([zeros([2]), zeros([3])])).toThrow("got [2], [3]");
    expect(() => concat([])).toThrow(ValueError);
  });
  it("round-trips concat then split (property)", () => {
    const arb = fc.tuple(
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
      fc.nat(2),
    );
    fc.assert(
      fc.property(arb, ([sizes, other, axisSeed]) => {
        const axis = axisSeed % (other.length + 1);
        const parts = sizes.map((d, k) => {
          const shape = [...other];
          shape.splice(axis, 0, d);
          const n = shape.reduce((a, b) => a * b, 1);
          return arange(k * 100, k * 100 + n).reshape(shape);
        });
        const back = split(concat(parts, axis), sizes, axis);
        expect(back.map((t) => t.toArray())).toEqual(parts.map((t) => t.toArray()));
      }),
      { numRuns: 100 },
    );
  });
  it("has gradients", () => {
    gradCheck((a, b) => concat([a, b], 1), [det([2, 3]), det([2, 2], 2)]);
    gradCheck((a, b) => concat([a.transpose(), b], 0), [det([3, 2]), det([1, 3], 2)]);
    gradCheck((a, b) => stack([a, b], 1), [det([2, 3]), det([2, 3], 2)]);
    gradCheck((a) => split(a, 2, 1)[1].mul(3), [det([2, 5])]);
    gradCheck((a) => chunk(a, 2, 0)[0].square(), [det([3, 2])], { secondOrder: true });
    gradCheck((a, b) => concat([a, b]).square(), [det([2]), det([3], 2)], { secondOrder: true });
    gradCheck((a, b) => concat([a.expand([2, 3]), b], 0), [det([3]), det([1, 3], 2)]);
    gradCheck((a) => slice(a.expand([3, 4, 2]), [[null, null, 2], 1]), [det([4, 1])]);
  });
});

describe("pad and tile", () => {
  it("pads from the first axis, NumPy-style, with crops", () => {
    expect(pad(tensor([[1, 2]]), [[1, 0], [0, 1]]).toArray()).toEqual([[0, 0, 0], [1, 2, 0]]);
    expect(pad(tensor([[1, 2]]), [[0, 1]], 9).toArray()).toEqual([[1, 2], [9, 9]]);
    expect(pad(tensor([1, 2, 3, 4]), [[-1, 2]]).toArray()).toEqual([2, 3, 4, 0, 0]);
    expect(pad(tensor([1, 2, 3, 4]), [[-1, -2]]).toArray()).toEqual([2]);
    expect(() => pad(tensor([1, 2]), [[-2, -1]])).toThrow(ShapeError);
    expect(() => pad(tensor([1, 2]), [[0, 0], [1, 1]])).toThrow(ShapeError);
    expect(() => pad(tensor([1, 2]), [[0.5, 0]])).toThrow(ValueError);
  });
  it("tiles like np.tile", () => {
    expect(tile(tensor([1, 2]), [2, 2]).toArray()).toEqual([[1, 2, 1, 2], [1, 2, 1, 2]]);
    expect(tile(tensor([[1, 2], [3, 4]]), [2]).toArray()).toEqual([[1, 2, 1, 2], [3, 4, 3, 4]]);
    expect(tile(tensor([[1], [2]]), [2, 1]).toArray()).toEqual([[1], [2], [1], [2]]);
    expect(tile(tensor([1, 2]), [0]).shape).toEqual([0]);
    expect(() => tile(tensor([1]), [-1])).toThrow(ValueError);
  });
  it("has gradients", () => {
    gradCheck((a) => pad(a, [[1, 2], [0, 1]], 3), [det([2, 3])]);
    gradCheck((a) => pad(a.transpose(), [[-1, 1]]), [det([2, 3])], { secondOrder: true });
    gradCheck((a) => tile(a, [2, 1, 3]), [det([2, 2])]);
    gradCheck((a) => tile(slice(a, [[null, null, 2]]), [2]), [det([5, 2])]);
  });
});

describe("gather, scatterAdd, indexSelect, oneHot", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  it("gathers like torch.gather", () => {
    expect(gather(x, 1, int([[2, 0], [1, 1]])).toArray()).toEqual([[3, 1], [5, 5]]);
    expect(gather(x, 0, int([[1, 0, 1]])).toArray()).toEqual([[4, 2, 6]]);
    expect(gather(x.transpose(), 0, int([[2, 0]])).toArray()).toEqual([[3, 4]]);
  });
  it("scatter-adds out of place, repeats accumulating", () => {
    const base = zeros([2, 3]);
    const out = scatterAdd(base, 1, int([[0, 0], [2, 1]]), tensor([[1, 2], [3, 4]]));
    expect(out.toArray()).toEqual([[3, 0, 0], [0, 4, 3]]);
    expect(base.toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(scatterAdd(zeros([3]), 0, int([0, 2, 0]), tensor([1, 2, 3])).toArray()).toEqual([4, 0, 2]);
  });
  it("selects whole slices", () => {
    const y = tensor([[1, 2], [3, 4], [5, 6]]);
    expect(indexSelect(y, 0, int([2, 0, 2])).toArray()).toEqual([[5, 6], [1, 2], [5, 6]]);
    expect(indexSelect(y, 1, int([1])).toArray()).toEqual([[2], [4], [6]]);
  });
  it("rejects indices out of range, of the wrong dtype or shape", () => {
    expect(() => gather(x, 1, int([[3]]))).toThrow("index 3 is out of range for axis 1 of size 3");
    expect(() => gather(x, 1, int([[-1]]))).toThrow(ShapeError);
    expect(() => gather(x, 1, tensor([[0]]))).toThrow(DTypeError);
    expect(() => gather(x, 1, int([0]))).toThrow(ShapeError);
    expect(() => gather(x, 1, int([[0], [0], [0]]))).toThrow("larger than x [2, 3] on axis 0");
    expect(gather(x, 0, int([[0], [1], [0]])).toArray()).toEqual([[1], [4], [1]]);
    expect(() => gather(x, 2, int([[0]]))).toThrow(ShapeError);
    expect(() => scatterAdd(zeros([3]), 0, int([3]), tensor([1]))).toThrow(ShapeError);
    expect(() => scatterAdd(zeros([3]), 0, int([0, 1]), tensor([1]))).toThrow(ShapeError);
    expect(() => scatterAdd(zeros([3]), 0, int([0]), int([1]))).toThrow(DTypeError);
    expect(() => indexSelect(x, 0, int([2]))).toThrow("index 2 is out of range for axis 0 of size 2");
    expect(() => indexSelect(x, 0, int([[0]]))).toThrow(ShapeError);
  });
  it("encodes one-hot", () => {
    const h = oneHot(int([2, 0]), 3);
    expect(h.dtype).toBe("float32");
    expect(h.toArray()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(oneHot(int([[1], [0]]), 2).shape).toEqual([2, 1, 2]);
    expect(() => oneHot(int([3]), 3)).toThrow("label 3 is out of range; expected labels in [0, 2] for numClasses 3");
    expect(() => oneHot(int([-1]), 3)).toThrow(ValueError);
    expect(() => oneHot(tensor([1]), 3)).toThrow(DTypeError);
  });
  it("has gradients, second order included", () => {
    const idx = int([[2, 0, 2], [1, 1, 0]]);
    gradCheck((a) => gather(a, 1, idx), [det([2, 4])]);
    gradCheck((a) => gather(a.transpose(), 0, int([[3, 0], [3, 3]])), [det([2, 4])]);
    gradCheck((a, s) => scatterAdd(a, 1, idx, s), [det([2, 3]), det([2, 3], 3)]);
    gradCheck((a, s) => scatterAdd(a, 0, int([[0, 0]]), s.square()), [det([2, 2]), det([1, 2], 3)], { secondOrder: true });
    gradCheck((a) => gather(a, 0, int([[1, 1], [0, 1]])).square(), [det([2, 2])], { secondOrder: true });
    gradCheck((a) => indexSelect(a, 1, int([1, 1, 0])), [det([2, 3])]);
    gradCheck((a) => gather(a.expand([3, 2]), 0, int([[2, 0], [1, 1]])), [det([2])]);
    gradCheck((a) => indexSelect(a, 0, int([0, 0, 1])), [det([2])], { secondOrder: true });
    const a = tensor([1, 2, 3], { requiresGrad: true });
    indexSelect(a, 0, int([0, 0, 2])).sum().backward();
    expect(a.grad!.toArray()).toEqual([2, 0, 1]);
  });
});

describe("transpose and permute", () => {
  it("transposing twice is the identity (property)", () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 4 })
      .chain((shape) => fc.tuple(fc.constant(shape), fc.nat(shape.length - 1), fc.nat(shape.length - 1)));
    fc.assert(
      fc.property(arb, ([shape, a, b]) => {
        const n = shape.reduce((p, q) => p * q, 1);
        const t = arange(n).reshape(shape);
        expect(transpose(transpose(t, a, b), a, b).toArray()).toEqual(t.toArray());
      }),
    );
  });
  it("reshape keeps row-major element order (property)", () => {
    const arb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(arb, fc.boolean(), (shape, viaTranspose) => {
        const n = shape.reduce((p, q) => p * q, 1);
        let t = arange(n).reshape(shape);
        if (viaTranspose && shape.length > 1) t = t.transpose().contiguous().transpose();
        expect(Array.from(t.reshape([n]).data())).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(Array.from(t.reshape([...shape].reverse()).data())).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
    );
  });
  it("has gradients", () => {
    gradCheck((a) => permute(a, [2, 0, 1]), [det([2, 3, 4])]);
    gradCheck((a) => transpose(a).reshape([6]), [det([2, 3])]);
    gradCheck((a) => expand(a, [3, 2, 4]), [det([2, 1])]);
    gradCheck((a) => squeeze(unsqueeze(a, 0).mul(2)), [det([3])]);
    gradCheck((a) => flatten(a.transpose(0, 2), 1).square(), [det([2, 2, 3])], { secondOrder: true });
  });
});

describe("broadcasting", () => {
  it("add equals an explicit loop (property)", () => {
    const arb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
        fc.nat(shape.length),
      ),
    );
    fc.assert(
      fc.property(arb, ([shape, ones, drop]) => {
        // b's shape: some axes collapsed to 1 and some leading axes removed.
        const bShape = shape.map((d, i) => (ones[i] ? 1 : d)).slice(drop);
        const n = shape.reduce((p, q) => p * q, 1);
        const m = bShape.reduce((p, q) => p * q, 1);
        const a = arange(n).reshape(shape);
        const b = arange(m).mul(10).reshape(bShape);
        const out = a.add(b).data();
        const aData = a.data();
        const bData = b.data();
        const lead = shape.length - bShape.length;
        for (let flat = 0; flat < n; flat++) {
          let rest = flat;
          const coords = new Array<number>(shape.length);
          for (let i = shape.length - 1; i >= 0; i--) {
            coords[i] = rest % shape[i];
            rest = Math.floor(rest / shape[i]);
          }
          let bi = 0;
          for (let i = 0; i < bShape.length; i++) bi = bi * bShape[i] + (bShape[i] === 1 ? 0 : coords[i + lead]);
          expect(out[flat]).toBe(aData[flat] + bData[bi]);
        }
      }),
    );
  });
});

describe("bad arguments raise named errors (issue 16)", () => {
  const op = (name: string) => resolve("op", name).apply;
  it("permute and expand given a non-list: ValueError (TypeErrors 'axes.map/join is not a function', 'shape is not iterable' before)", () => {
    expect(() => permute(tensor([[1]]), tensor([1]) as never)).toThrow(ValueError);
    expect(() => tensor([[1]]).permute(tensor([1]) as never)).toThrow("permute: axes are not a list; expected a permutation of the 2 axes, got a float32 tensor [1]");
    expect(() => op("permute")(tensor([1, 2]), {})).toThrow("permute: axes are not a permutation of the 1 axes; expected each of 0 to 0 once, got an empty object {}");
    expect(() => op("expand")(tensor([1]), -Infinity)).toThrow(ValueError);
    expect(() => op("reshape")(tensor([1]), [2])).toThrow(ShapeError);
  });
  it("concat and stack with a missing tensor: ValueError naming its index (TypeError 'reading shape' before)", () => {
    expect(() => op("concat")([tensor([1]), undefined], 0)).toThrow("concat: tensor 1 is not a tensor; expected a tensor, got undefined");
    expect(() => concat([tensor([1]), undefined as never])).toThrow(ValueError);
    expect(() => op("concat")([tensor([1]), tensor([1], { dtype: "int32" })], 0)).toThrow(DTypeError);
  });
  it("the registry's slice, gather and scatterAdd check their recorded arguments", () => {
    expect(() => op("slice")(tensor([1]), "abc")).toThrow('slice: ranges are not one { start, step, count, drop } per axis of [1]; got "abc"');
    expect(() => op("slice")(tensor([1, 2]), [{ start: 1, step: 1, count: 2, drop: false }])).toThrow(
      "slice: axis 0: the range (start 1, step 1, count 2) reaches index 2; expected every index inside the axis of size 2 in [2]",
    );
    expect(op("slice")(tensor([1, 2, 3]), [{ start: 2, step: -2, count: 2, drop: false }]).toArray()).toEqual([3, 1]);
    expect(() => op("gather")(tensor([1]), -1, tensor([0], { dtype: "int32" }))).toThrow("gather: axis -1 is out of range for a tensor of rank 1; expected an axis in [0, 1)");
    expect(() => op("scatterAdd")(zeros([2]), 0, tensor([0], { dtype: "int32" }), null)).toThrow("scatterAdd: src is not a tensor; expected a tensor, got null");
  });
  it("view ops refuse a forged input view (its fields overwritten): the new view was valid, the input was not", () => {
    const forged = tensor([1, 2, 3, 4]);
    Object.assign(forged, { shape: [], strides: [2 ** 53], offset: 0.5, size: 1 });
    expect(() => forged.T).toThrow(ValueError);
    expect(() => forged.reshape([1])).toThrow("reshape: strides must be one safe integer per axis of []; got [9007199254740992]");
    expect(() => forged.softmax()).toThrow(ValueError);
  });
});
