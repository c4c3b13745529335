import { describe, expect, it } from "vitest";
import {
  DTypeError, Generator, ShapeError, ValueError, Tensor, arange, avgPool2d, conv1d, conv2d, convTranspose2d, dropout, embedding,
  grad, gradCheck, logSoftmax, maxPool2d, ones, randn, softmax, tensor, zeros,
} from "../index.js";
import { resolve } from "../index.js";

const gen = new Generator(5);
const r = (shape: number[]) => randn(shape, { dtype: "float64", generator: gen });

function close(actual: Tensor | number[], expected: number[], digits = 10): void {
  const a = actual instanceof Tensor ? [...actual.data()] : actual;
  expect(a.length).toBe(expected.length);
  a.forEach((v, i) => {
    expect(v).toBeCloseTo(expected[i], digits);
  });
}

/** Direct definition of the convolution, one output at a time (independent of im2col and GEMM). */
function convByHand(
  x: Tensor, w: Tensor, stride: [number, number], pad: [number, number, number, number], dil: [number, number], groups: number,
): { values: number[]; shape: number[] } {
  const [n, c, h, wd] = x.shape;
  const [o, cg, kh, kw] = w.shape;
  const oh = Math.floor((h + pad[0] + pad[1] - dil[0] * (kh - 1) - 1) / stride[0]) + 1;
  const ow = Math.floor((wd + pad[2] + pad[3] - dil[1] * (kw - 1) - 1) / stride[1]) + 1;
  const xv = x.data();
  const wv = w.data();
  const og = o / groups;
  const values: number[] = [];
  for (let b = 0; b < n; b++) for (let oc = 0; oc < o; oc++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let s = 0;
    const g = Math.floor(oc / og);
    for (let ci = 0; ci < cg; ci++) for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) {
      const y = i * stride[0] - pad[0] + p * dil[0];
      const xx = j * stride[1] - pad[2] + q * dil[1];
      if (y < 0 || y >= h || xx < 0 || xx >= wd) continue;
      s += xv[((b * c + g * cg + ci) * h + y) * wd + xx] * wv[((oc * cg + ci) * kh + p) * kw + q];
    }
    values.push(s);
  }
  return { values, shape: [n, o, oh, ow] };
}

describe("softmax and logSoftmax", () => {
  it("softmax of [1, 2, 3] by hand", () => {
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const total = e[0] + e[1] + e[2];
    close(softmax(tensor([1, 2, 3], { dtype: "float64" })), e.map((v) => v / total), 12);
    close(softmax(tensor([1, 2, 3])), [0.09003057, 0.24472847, 0.66524096], 6);
    close(logSoftmax(tensor([1, 2, 3], { dtype: "float64" })), e.map((v) => Math.log(v / total)), 12);
  });

  it("is stable for large inputs and works along any axis of strided input", () => {
    close(softmax(tensor([1000, 1000])), [0.5, 0.5]);
    close(logSoftmax(tensor([-1000, 0], { dtype: "float64" })), [-1000, 0]);
    const x = tensor([[1, 2], [3, 5]], { dtype: "float64" });
    const s = 1 / (1 + Math.exp(2));
    close(softmax(x, 0), [1 / (1 + Math.exp(2)), 1 / (1 + Math.exp(3)), 1 - s, 1 - 1 / (1 + Math.exp(3))]);
    close(softmax(x.transpose(), 1), [...softmax(x, 0).transpose().contiguous().data()]);
    expect(softmax(tensor([1, 2], { dtype: "int32" })).dtype).toBe("float32");
  });

  it("gradChecks along every axis, on transposed input, to second order", () => {
    for (const axis of [0, 1, -1]) {
      expect(gradCheck((x) => softmax(x, axis), [r([3, 4])])).toBe(true);
      expect(gradCheck((x) => logSoftmax(x, axis), [r([3, 4])])).toBe(true);
    }
    expect(gradCheck((x) => softmax(x.transpose(), 1), [r([3, 4])])).toBe(true);
    expect(gradCheck((x) => softmax(x, 1), [r([2, 3, 2])], { secondOrder: true })).toBe(true);
    expect(gradCheck((x) => logSoftmax(x), [r([2, 3])], { secondOrder: true })).toBe(true);
  });

  it("rejects a bad axis", () => {
    expect(() => softmax(r([2, 3]), 2)).toThrow(ShapeError);
  });
});

describe("conv2d", () => {
  it("computes a 2x2 convolution by hand", () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    expect(conv2d(x, tensor([[[[1, 0], [0, -1]]]])).toArray()).toEqual([[[[-4, -4], [-4, -4]]]]);
    // [[1, 2], [3, 4]] over each 2x2 window: 1*1 + 2*2 + 4*3 + 5*4 = 37 ...
    expect(conv2d(x, tensor([[[[1, 2], [3, 4]]]])).toArray()).toEqual([[[[37, 47], [67, 77]]]]);
    // bias and the unbatched form
    expect(conv2d(x.reshape([1, 3, 3]), tensor([[[[1, 2], [3, 4]]]]), { bias: tensor([1]) }).toArray()).toEqual([[[38, 48], [68, 78]]]);
  });

  it("matches the direct definition for stride, padding, dilation and groups", () => {
    const cases: { x: number[]; w: number[]; o: Parameters<typeof conv2d>[2]; s: [number, number]; p: [number, number, number, number]; d: [number, number]; g: number }[] = [
      { x: [2, 3, 6, 5], w: [4, 3, 3, 3], o: {}, s: [1, 1], p: [0, 0, 0, 0], d: [1, 1], g: 1 },
      { x: [1, 2, 7, 6], w: [3, 2, 3, 2], o: { stride: [2, 1], padding: [1, 2] }, s: [2, 1], p: [1, 1, 2, 2], d: [1, 1], g: 1 },
      { x: [1, 2, 7, 7], w: [2, 2, 3, 3], o: { dilation: 2, padding: 1 }, s: [1, 1], p: [1, 1, 1, 1], d: [2, 2], g: 1 },
      { x: [2, 4, 5, 5], w: [6, 2, 3, 3], o: { groups: 2, stride: 2 }, s: [2, 2], p: [0, 0, 0, 0], d: [1, 1], g: 2 },
      { x: [1, 3, 5, 6], w: [3, 1, 2, 2], o: { groups: 3, padding: "same" }, s: [1, 1], p: [0, 1, 0, 1], d: [1, 1], g: 3 },
      { x: [1, 1, 6, 6], w: [1, 1, 4, 3], o: { padding: "same", dilation: [1, 2] }, s: [1, 1], p: [1, 2, 2, 2], d: [1, 2], g: 1 },
    ];
    for (const c of cases) {
      const x = r(c.x);
      const w = r(c.w);
      const y = conv2d(x, w, c.o);
      const ref = convByHand(x, w, c.s, c.p, c.d, c.g);
      expect(y.shape).toEqual(ref.shape);
      close(y, ref.values);
      if (c.o?.padding === "same") expect(y.shape.slice(2)).toEqual(c.x.slice(2));
      // float32 agrees too
      close(conv2d(x.cast("float32"), w.cast("float32"), c.o), ref.values, 4);
    }
  });

  it("reads non-contiguous input", () => {
    const x = r([1, 5, 4, 2]);
    const w = r([2, 2, 2, 2]);
    const xt = x.permute([0, 3, 1, 2]); // [1, 2, 5, 4], strided
    const ref = convByHand(xt.contiguous(), w, [1, 1], [0, 0, 0, 0], [1, 1], 1);
    close(conv2d(xt, w), ref.values);
  });

  it("gradChecks input, weight and bias over strides, padding, dilation and groups", () => {
    expect(gradCheck((x, w, b) => conv2d(x, w, { bias: b }), [r([2, 2, 4, 5]), r([3, 2, 2, 3]), r([3])])).toBe(true);
    expect(gradCheck((x, w) => conv2d(x, w, { stride: 2, padding: 1 }), [r([1, 2, 5, 5]), r([2, 2, 3, 3])])).toBe(true);
    expect(gradCheck((x, w) => conv2d(x, w, { dilation: [2, 1], padding: [2, 0] }), [r([1, 1, 5, 4]), r([2, 1, 2, 2])])).toBe(true);
    expect(gradCheck((x, w) => conv2d(x, w, { groups: 2 }), [r([1, 4, 4, 4]), r([4, 2, 2, 2])])).toBe(true);
    expect(gradCheck((x, w) => conv2d(x, w, { padding: "same" }), [r([1, 2, 4, 4]), r([1, 2, 2, 2])])).toBe(true);
    expect(gradCheck((x, w) => conv2d(x.permute([0, 3, 1, 2]), w), [r([1, 4, 4, 2]), r([2, 2, 2, 2])])).toBe(true);
  });

  it("has correct second derivatives", () => {
    expect(gradCheck((x, w) => conv2d(x, w, { stride: 2, padding: 1 }).square(), [r([1, 2, 4, 4]), r([2, 2, 2, 2])], { secondOrder: true })).toBe(true);
    expect(gradCheck((x, w) => conv2d(x, w, { groups: 2, dilation: 2 }).tanh(), [r([1, 2, 5, 5]), r([2, 1, 2, 2])], { secondOrder: true })).toBe(true);
  });

  it("rejects wrong ranks, channels that groups do not divide, and kernels larger than the input", () => {
    expect(() => conv2d(r([3, 5, 5, 5, 5]), r([1, 3, 2, 2]))).toThrow("conv2d: expected input [N, C, H, W] or [C, H, W], got [3, 5, 5, 5, 5]");
    expect(() => conv2d(r([1, 3, 5, 5]), r([1, 3, 2]))).toThrow(ShapeError);
    expect(() => conv2d(r([1, 3, 5, 5]), r([2, 1, 2, 2]), { groups: 2 })).toThrow(/input channels must be divisible by groups \(2\); got input \[1, 3, 5, 5\]/);
    expect(() => conv2d(r([1, 4, 5, 5]), r([3, 2, 2, 2]), { groups: 2 })).toThrow(/output channels must be divisible/);
    expect(() => conv2d(r([1, 4, 5, 5]), r([2, 3, 2, 2]))).toThrow(/expects 3 input channels; got input \[1, 4, 5, 5\] with 4/);
    expect(() => conv2d(r([1, 1, 3, 3]), r([1, 1, 4, 4]))).toThrow(/larger than the padded input \(3 x 3\)/);
    expect(() => conv2d(r([1, 1, 3, 3]), r([1, 1, 2, 2]), { dilation: 3 })).toThrow(ShapeError);
    expect(conv2d(r([1, 1, 3, 3]), r([1, 1, 4, 4]), { padding: 1 }).shape).toEqual([1, 1, 2, 2]);
    expect(() => conv2d(r([1, 1, 3, 3]), r([1, 1, 2, 2]), { padding: "same", stride: 2 })).toThrow(ValueError);
    expect(() => conv2d(r([1, 1, 3, 3]), r([1, 1, 2, 2]), { stride: 0 })).toThrow(ValueError);
    expect(() => conv2d(r([1, 1, 3, 3]), r([1, 1, 2, 2]), { groups: 1.5 })).toThrow(ValueError);
    expect(() => conv2d(r([1, 2, 3, 3]), r([2, 2, 2, 2]), { bias: r([3]) })).toThrow("conv2d: bias must have one value per output channel; expected [2], got [3]");
  });
});

describe("conv1d", () => {
  it("computes by hand and matches conv2d with height 1", () => {
    expect(conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, 1]]])).toArray()).toEqual([[[3, 5, 7]]]);
    expect(conv1d(tensor([[1, 2, 3, 4]]), tensor([[[1, -1]]]), { padding: 1, bias: tensor([10]) }).toArray()).toEqual([[9, 9, 9, 9, 14]]);
    const x = r([2, 4, 9]);
    const w = r([2, 2, 3]);
    const y = conv1d(x, w, { stride: 2, padding: 2, dilation: 2, groups: 2 });
    const ref = convByHand(x.reshape([2, 4, 1, 9]), w.reshape([2, 2, 1, 3]), [1, 2], [0, 0, 2, 2], [1, 2], 2);
    expect(y.shape).toEqual([2, 2, ref.shape[3]]);
    close(y, ref.values);
    expect(conv1d(x, r([3, 4, 4]), { padding: "same" }).shape).toEqual([2, 3, 9]);
  });

  it("gradChecks", () => {
    expect(gradCheck((x, w, b) => conv1d(x, w, { bias: b, stride: 2, padding: 1 }), [r([2, 2, 7]), r([3, 2, 3]), r([3])])).toBe(true);
  });

  it("rejects bad input", () => {
    expect(() => conv1d(r([1, 2, 3, 4]), r([1, 2, 2]))).toThrow("conv1d: expected input [N, C, L] or [C, L], got [1, 2, 3, 4]");
    expect(() => conv1d(r([1, 2, 3]), r([1, 2, 5]))).toThrow(/conv1d: the kernel/);
    expect(() => conv1d(r([1, 2, 3]), r([1, 2, 2]), { stride: [1, 2] as never })).toThrow(ValueError);
  });
});

describe("convTranspose2d", () => {
  it("has PyTorch's output size and is the adjoint of conv2d", () => {
    const x = r([2, 3, 3, 4]);
    const w = r([3, 2, 3, 2]);
    const options = { stride: [2, 3] as [number, number], padding: [1, 0] as [number, number], outputPadding: [1, 2] as [number, number], dilation: [1, 2] as [number, number] };
    const y = convTranspose2d(x, w, options);
    // (H - 1) s - 2 p + d (k - 1) + op + 1
    expect(y.shape).toEqual([2, 2, 2 * 2 - 2 + 2 + 1 + 1, 3 * 3 + 2 + 2 + 1]);
    // <convT(x), z> = <x, conv2d(z)> for any z of y's shape
    const z = r(y.shape as number[]);
    const lhs = y.mul(z).sum().item();
    const rhs = x.mul(conv2d(z, w, { stride: options.stride, padding: options.padding, dilation: options.dilation })).sum().item();
    expect(lhs).toBeCloseTo(rhs, 10);
  });

  it("upsamples by hand", () => {
    // stride 2, 2x2 ones kernel: each input pixel paints its own 2x2 block.
    const y = convTranspose2d(tensor([[[[1, 2], [3, 4]]]]), ones([1, 1, 2, 2]), { stride: 2, bias: tensor([0.5]) });
    expect(y.toArray()).toEqual([[[[1.5, 1.5, 2.5, 2.5], [1.5, 1.5, 2.5, 2.5], [3.5, 3.5, 4.5, 4.5], [3.5, 3.5, 4.5, 4.5]]]]);
  });

  it("gradChecks, with groups, to second order", () => {
    expect(gradCheck((x, w, b) => convTranspose2d(x, w, { stride: 2, padding: 1, outputPadding: 1, bias: b }), [r([1, 2, 3, 3]), r([2, 3, 3, 3]), r([3])])).toBe(true);
    expect(gradCheck((x, w) => convTranspose2d(x, w, { groups: 2 }), [r([1, 4, 2, 3]), r([4, 1, 2, 2])])).toBe(true);
    expect(gradCheck((x, w) => convTranspose2d(x, w, { stride: 2 }).square(), [r([1, 1, 2, 2]), r([1, 2, 2, 2])], { secondOrder: true })).toBe(true);
  });

  it("rejects bad input", () => {
    expect(() => convTranspose2d(r([1, 3, 2, 2]), r([2, 1, 2, 2]))).toThrow(/expects 2 input channels; got input \[1, 3, 2, 2\] with 3/);
    expect(() => convTranspose2d(r([1, 2, 2, 2]), r([2, 1, 2, 2]), { stride: 2, outputPadding: 2 })).toThrow(ValueError);
    expect(() => convTranspose2d(r([1, 3, 2, 2]), r([3, 1, 2, 2]), { groups: 2 })).toThrow(ShapeError);
    expect(() => convTranspose2d(r([1, 1, 1, 1]), r([1, 1, 1, 1]), { padding: 1 })).toThrow(/output would be empty/);
  });
});

describe("maxPool2d", () => {
  const x = tensor([[[[1, 5, 2, 0], [3, 4, 8, 7], [0, 1, 2, 3], [9, 6, 4, 5]]]]);

  it("pools windows by hand", () => {
    expect(maxPool2d(x, { kernelSize: 2 }).toArray()).toEqual([[[[5, 8], [9, 5]]]]);
    expect(maxPool2d(x, { kernelSize: 3, stride: 1 }).toArray()).toEqual([[[[8, 8], [9, 8]]]]);
    // padding pads with -Infinity, so the corner window [-inf, -inf; -inf, 1] gives 1
    expect(maxPool2d(x, { kernelSize: 2, padding: 1 }).toArray()).toEqual([[[[1, 5, 0], [3, 8, 7], [9, 6, 5]]]]);
    // dilation 2: taps (0,0) (0,2) (2,0) (2,2)
    expect(maxPool2d(x, { kernelSize: 2, dilation: 2, stride: 1 }).toArray()).toEqual([[[[2, 5], [9, 7]]]]);
    // ceil mode keeps the partial last window: 3x3 input, k 2 -> 2x2
    expect(maxPool2d(tensor([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]), { kernelSize: 2, ceilMode: true }).toArray()).toEqual([[[5, 6], [8, 9]]]);
    expect(maxPool2d(tensor([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]), { kernelSize: 2 }).toArray()).toEqual([[[5]]]);
  });

  it("routes the gradient to each window's maximum", () => {
    const xg = x.cast("float64").requiresGrad_();
    maxPool2d(xg, { kernelSize: 3, stride: 1 }).sum().backward();
    // 8 wins three windows, 9 one
    expect(xg.grad!.toArray()).toEqual([[[[0, 0, 0, 0], [0, 0, 3, 0], [0, 0, 0, 0], [1, 0, 0, 0]]]]);
  });

  it("gradChecks with stride, padding, dilation and ceil mode", () => {
    // random normals: ties have probability zero, so each maximum is differentiable
    const distinct = r;
    expect(gradCheck((a) => maxPool2d(a, { kernelSize: 2 }), [distinct([2, 2, 4, 4])])).toBe(true);
    expect(gradCheck((a) => maxPool2d(a, { kernelSize: [3, 2], stride: [2, 1], padding: [1, 1] }), [distinct([1, 2, 5, 4])])).toBe(true);
    expect(gradCheck((a) => maxPool2d(a, { kernelSize: 2, dilation: 2, ceilMode: true, stride: 2 }), [distinct([1, 1, 6, 7])])).toBe(true);
    expect(gradCheck((a) => maxPool2d(a, { kernelSize: 2 }).square(), [distinct([1, 1, 4, 4])], { secondOrder: true })).toBe(true);
  });

  it("rejects bad input", () => {
    expect(() => maxPool2d(r([4, 4]), { kernelSize: 2 })).toThrow("maxPool2d: expected input [N, C, H, W] or [C, H, W], got [4, 4]");
    expect(() => maxPool2d(r([1, 1, 2, 2]), { kernelSize: 3 })).toThrow(ShapeError);
    expect(() => maxPool2d(r([1, 1, 4, 4]), { kernelSize: 2, padding: 2 })).toThrow(/at most half the kernel/);
    expect(() => maxPool2d(r([1, 1, 4, 4]), { kernelSize: 0 })).toThrow(ValueError);
  });
});

describe("avgPool2d", () => {
  it("averages windows by hand, with and without padded cells in the divisor", () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    expect(avgPool2d(x, { kernelSize: 2, stride: 1 }).toArray()).toEqual([[[[3, 4], [6, 7]]]]);
    // padding 1, k 2, s 2: windows [pad, pad; pad, 1] etc.
    expect(avgPool2d(x, { kernelSize: 2, padding: 1 }).toArray()).toEqual([[[[0.25, 1.25], [2.75, 7]]]]);
    expect(avgPool2d(x, { kernelSize: 2, padding: 1, countIncludePad: false }).toArray()).toEqual([[[[1, 2.5], [5.5, 7]]]]);
    // ceil mode: the overhanging window [9] divides by its cells inside the input only
    expect(avgPool2d(x, { kernelSize: 2, ceilMode: true }).toArray()).toEqual([[[[3, 4.5], [7.5, 9]]]]);
    expect(avgPool2d(tensor([[[1, 2], [3, 4]]], { dtype: "int32" }), { kernelSize: 2 }).toArray()).toEqual([[[2.5]]]);
  });

  it("gradChecks, to second order", () => {
    expect(gradCheck((a) => avgPool2d(a, { kernelSize: 2 }), [r([2, 2, 4, 4])])).toBe(true);
    expect(gradCheck((a) => avgPool2d(a, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false, ceilMode: true }), [r([1, 2, 6, 5])])).toBe(true);
    expect(gradCheck((a) => avgPool2d(a, { kernelSize: [2, 3], stride: 1 }).square(), [r([1, 1, 3, 4])], { secondOrder: true })).toBe(true);
  });
});

describe("dropout", () => {
  it("zeroes with probability p and scales the rest by 1 / (1 - p)", () => {
    const x = ones([1000]);
    const y = dropout(x, { p: 0.25, generator: new Generator(1) });
    const values = [...y.data()];
    expect(values.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    const kept = values.filter((v) => v !== 0).length;
    expect(kept).toBeGreaterThan(700);
    expect(kept).toBeLessThan(800);
    // the same generator state gives the same mask
    expect([...dropout(x, { p: 0.25, generator: new Generator(1) }).data()]).toEqual(values);
  });

  it("is the identity out of training or for p = 0, and zeros for p = 1", () => {
    const x = tensor([1, 2, 3]);
    expect(dropout(x, { training: false }).toArray()).toEqual([1, 2, 3]);
    expect(dropout(x, { p: 0 }).toArray()).toEqual([1, 2, 3]);
    expect(dropout(x, { p: 1 }).toArray()).toEqual([0, 0, 0]);
  });

  it("passes the gradient through the kept elements only, scaled", () => {
    const x = ones([50], { requiresGrad: true });
    const y = dropout(x, { p: 0.5, generator: new Generator(3) });
    y.sum().backward();
    expect([...x.grad!.data()]).toEqual([...y.data()]); // d(x * m / (1 - p)) / dx = m / (1 - p) = y at x = 1
  });

  it("rejects p outside [0, 1]", () => {
    expect(() => dropout(ones([2]), { p: 1.5 })).toThrow("dropout: p must be in [0, 1]; got 1.5");
    expect(() => dropout(ones([2]), { p: -0.1 })).toThrow(ValueError);
  });
});

describe("embedding", () => {
  const table = tensor([[0, 1], [10, 11], [20, 21]], { dtype: "float64" });

  it("looks rows up for any index shape", () => {
    const idx = tensor([[2, 0], [1, 1]], { dtype: "int32" });
    const y = embedding(idx, table);
    expect(y.shape).toEqual([2, 2, 2]);
    expect(y.toArray()).toEqual([[[20, 21], [0, 1]], [[10, 11], [10, 11]]]);
    expect(embedding(tensor(1, { dtype: "int32" }), table).toArray()).toEqual([10, 11]);
  });

  it("adds gradients of repeated rows and none to the padding row", () => {
    const w = table.detach().requiresGrad_();
    const idx = tensor([1, 2, 1, 0], { dtype: "int32" });
    embedding(idx, w, { paddingIdx: 2 }).mul(tensor([[1, 2], [3, 4], [5, 6], [7, 8]], { dtype: "float64" })).sum().backward();
    expect(w.grad!.toArray()).toEqual([[7, 8], [6, 8], [0, 0]]);
    expect(gradCheck((t) => embedding(idx, t), [r([3, 4])], { secondOrder: true })).toBe(true);
    expect(gradCheck((t) => embedding(tensor([[0, 0, 2]], { dtype: "int32" }), t).square(), [r([3, 4])], { secondOrder: true })).toBe(true);
    // second order through the padding row: d/dw of sum(dL/dw) with L = sum(embedding^2) is 2 * count, 0 on the padding row
    const inner = grad((t) => embedding(idx, t, { paddingIdx: -1 }).square().sum(), { createGraph: true });
    const [ggw] = grad((t) => inner(t)[0].sum())(r([3, 2]));
    expect(ggw.toArray()).toEqual([[2, 2], [4, 4], [0, 0]]);
  });

  it("rejects out-of-range indices, non-int indices and bad tables", () => {
    expect(() => embedding(tensor([0, 3], { dtype: "int32" }), table)).toThrow("embedding: index 3 is out of range for a table of 3 rows; expected indices in [0, 2]");
    expect(() => embedding(tensor([-1], { dtype: "int32" }), table)).toThrow(ShapeError);
    expect(() => embedding(tensor([0]), table)).toThrow(DTypeError);
    expect(() => embedding(tensor([0], { dtype: "int32" }), zeros([3]))).toThrow(ShapeError);
    expect(() => embedding(tensor([0], { dtype: "int32" }), table, { paddingIdx: 3 })).toThrow(ValueError);
  });
});

it("works through arange-made int data in matmul-free pipelines", () => {
  expect(softmax(arange(0, 3)).shape).toEqual([3]);
});

describe("bad arguments raise named errors (issue 16)", () => {
  const op = (name: string) => resolve("op", name).apply;
  const attrs = { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 };
  it("the registry's convolutions check ranks, dtypes and geometry (TypeError 'undefined is not iterable' before)", () => {
    expect(() => op("conv2d")(tensor([3]), -2, tensor([[1]]))).toThrow("conv2d: input has the wrong rank; expected 4 axes, got [1]");
    expect(() => op("conv2d")(ones([1, 1, 2, 2]), ones([1, 1, 1, 1]), undefined)).toThrow(ValueError);
    expect(() => op("conv2d")(ones([1, 1, 2, 2]), ones([1, 1, 1, 1]), undefined)).toThrow("conv2d: the geometry is malformed;");
    expect(() => op("conv2d")(ones([1, 2, 2, 2]), ones([1, 1, 1, 1]), attrs)).toThrow(ShapeError);
    expect(() => op("conv2dBackwardInput")(ones([1, 1, 3, 3]), ones([1, 1, 1, 1]), [1, 1, 2, 2], attrs)).toThrow(
      "conv2dBackwardInput: the gradient does not have the output's shape; expected [1, 1, 2, 2], got [1, 1, 3, 3]",
    );
    // Without a fused kernel (the JS backend) conv2dBias is conv2d plus the bias: 1 * 1 + 0.5 everywhere.
    expect(op("conv2dBias")(ones([1, 1, 2, 2]), ones([1, 1, 1, 1]), tensor([0.5]), attrs).toArray()).toEqual([[[[1.5, 1.5], [1.5, 1.5]]]]);
  });
  it("the registry's pooling, softmax and embedding check their recorded arguments", () => {
    // Before: TypeError "Cannot read properties of undefined (reading '0')".
    expect(() => op("maxPool2d")(tensor([1]), tensor([1]))).toThrow("maxPool2d: the geometry is malformed;");
    expect(() => op("avgPool2dBackward")(ones([1, 1, 1, 1]), 3, {})).toThrow(ValueError);
    expect(() => op("softmax")(tensor([1]), "a")).toThrow('softmax: axis is not an integer; expected an axis in [0, 1), got "a"');
    expect(() => op("logSoftmax")(tensor([1], { dtype: "int32" }), 0)).toThrow(DTypeError);
    expect(() => op("embedding")(ones([3, 2]), tensor([0], { dtype: "int32" }), 7)).toThrow("embedding: paddingIdx is not a row; expected -1 (none) or a row in [0, 3), got 7");
    // An index past its plane of 2 x 2: native refused it, the JS kernel dropped the gradient and wasm wrote past its result.
    const index = (v: number) => tensor([v], { dtype: "int32", shape: [1, 1, 1, 1] });
    expect(() => op("maxPool2dBackward")(ones([1, 1, 1, 1]), index(4), [1, 1, 2, 2])).toThrow("maxPool2dBackward: index 4 at position 0 is outside its plane; expected -1 or an index in [0, 4)");
    expect(() => op("maxPool2dBackward")(ones([1, 1, 1, 1]), index(0), [2, 1, 2, 2])).toThrow(ShapeError);
    expect(op("maxPool2dBackward")(ones([1, 1, 1, 1]), index(2), [1, 1, 2, 2]).toArray()).toEqual([[[[0, 0], [1, 0]]]]);
  });
  it("options that are not objects or flags that are not booleans: ValueError", () => {
    expect(() => dropout(tensor([1]), null as never)).toThrow("dropout: options are not an object; expected e.g. { p: 0.5 }, got null");
    expect(() => maxPool2d(ones([1, 1, 2, 2]), { kernelSize: 2, ceilMode: "yes" as never })).toThrow('maxPool2d: ceilMode is not a boolean; expected true or false, got "yes"');
    expect(() => conv2d(ones([1, 1, 2, 2]), ones([1, 1, 1, 1]), 3 as never)).toThrow(ValueError);
  });
});
