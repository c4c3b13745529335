import { describe, expect, it } from "vitest";
import { Generator, ShapeError, ValueError, grad, gradCheck, matmul, randn, tensor, arange, zeros } from "../index.js";
import { DTypeError, linear, resolve } from "../index.js";

const g = new Generator(11);
const r = (shape: number[]) => randn(shape, { dtype: "float64", generator: g });

describe("matmul", () => {
  it("multiplies a 3x3 by a 3x3 (hand-computed)", () => {
    const a = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 10]]);
    const b = tensor([[1, 0, 2], [0, 1, 0], [1, 1, 1]]);
    // rows: [1+3, 2+3, 2+3], [4+6, 5+6, 8+6], [7+10, 8+10, 14+10]
    expect(matmul(a, b).toArray()).toEqual([[4, 5, 5], [10, 11, 14], [17, 18, 24]]);
  });

  it("follows NumPy's rules for 1-D operands", () => {
    const v = tensor([1, 2, 3]);
    const m = tensor([[1, 0], [0, 1], [1, 1]]);
    const dot = matmul(v, v);
    expect(dot.shape).toEqual([]);
    expect(dot.item()).toBe(14);
    expect(matmul(v, m).toArray()).toEqual([4, 5]); // [3] x [3, 2] -> [2]
    expect(matmul(m.transpose(), v).toArray()).toEqual([4, 5]); // [2, 3] x [3] -> [2]
    const batch = arange(0, 12).reshape([2, 2, 3]);
    expect(matmul(batch, v).toArray()).toEqual([[8, 26], [44, 62]]); // [2, 2, 3] x [3] -> [2, 2]
    expect(matmul(v, arange(0, 12).reshape([2, 3, 2])).shape).toEqual([2, 2]);
  });

  it("broadcasts batch axes", () => {
    const a = r([2, 1, 3, 4]);
    const b = r([5, 4, 2]);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 5, 3, 2]);
    // one entry by hand
    const ad = a.toArray() as number[][][][];
    const bd = b.toArray() as number[][][];
    let s = 0;
    for (let k = 0; k < 4; k++) s += ad[1][0][2][k] * bd[3][k][1];
    expect((c.toArray() as number[][][][])[1][3][2][1]).toBeCloseTo(s, 12);
  });

  it("promotes dtypes: int inputs give float32, float64 wins", () => {
    const i = tensor([[1, 2], [3, 4]], { dtype: "int32" });
    expect(matmul(i, i).dtype).toBe("float32");
    expect(matmul(i, i).toArray()).toEqual([[7, 10], [15, 22]]);
    expect(matmul(i, tensor([[1], [1]], { dtype: "float64" })).dtype).toBe("float64");
  });

  it("gradChecks 2-D, 1-D, batched and broadcast operands", () => {
    expect(gradCheck(matmul, [r([3, 4]), r([4, 5])])).toBe(true);
    expect(gradCheck(matmul, [r([4]), r([4])])).toBe(true);
    expect(gradCheck(matmul, [r([4]), r([2, 4, 3])])).toBe(true);
    expect(gradCheck(matmul, [r([2, 3, 4]), r([4])])).toBe(true);
    expect(gradCheck(matmul, [r([2, 1, 3, 4]), r([3, 4, 2])])).toBe(true);
    expect(gradCheck(matmul, [r([3, 4]), r([2, 4, 2])])).toBe(true);
  });

  it("gradChecks transposed and non-contiguous operands", () => {
    expect(gradCheck((a, b) => matmul(a.transpose(), b.transpose()), [r([4, 3]), r([5, 4])])).toBe(true);
    expect(gradCheck((a, b) => matmul(a.permute([2, 0, 1]), b), [r([2, 3, 4]), r([4, 3, 5])])).toBe(true);
    // a stack times one matrix, with the stack contiguous (one tall product) and strided (batched)
    expect(gradCheck((a, b) => matmul(a, b), [r([2, 3, 4]), r([4, 2])])).toBe(true);
    expect(gradCheck((a, b) => matmul(a.transpose(0, 1), b.transpose()), [r([3, 2, 4]), r([2, 4])])).toBe(true);
    // broadcast via expand (stride 0) on a matrix axis
    expect(gradCheck((a, b) => matmul(a.expand([3, 4]), b), [r([1, 4]), r([4, 2])])).toBe(true);
  });

  it("gives a weight used as W.T (a Linear layer) a contiguous gradient with the right values", () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]); // [3, 2]
    const w = tensor([[1, 0], [0, 1], [1, 1], [2, -1]], { requiresGrad: true }); // [4, 2]
    matmul(x, w.T).sum().backward();
    // d/dW sum(x W^T) = 1^T x: every row of W gets the column sums of x, [9, 12]
    expect(w.grad!.toArray()).toEqual([[9, 12], [9, 12], [9, 12], [9, 12]]);
    // computed in W's own layout, so no transposing copy is needed to store it
    expect(grad((v) => matmul(x, v.T).sum())(w)[0].isContiguous).toBe(true);
    const x3 = r([2, 3, 4]);
    expect(gradCheck((a, b) => matmul(a, b.T), [x3, r([5, 4])])).toBe(true);
    expect(gradCheck((a, b) => matmul(a, b.T), [x3, r([5, 4])], { secondOrder: true })).toBe(true);
  });

  it("has correct second derivatives", () => {
    expect(gradCheck(matmul, [r([3, 4]), r([4, 2])], { secondOrder: true })).toBe(true);
    expect(gradCheck(matmul, [r([2, 2, 3]), r([3, 2])], { secondOrder: true })).toBe(true);
    expect(gradCheck((a) => matmul(a, a).sin(), [r([3, 3])], { secondOrder: true })).toBe(true);
  });

  it("handles empty axes", () => {
    expect(matmul(zeros([2, 0]), zeros([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(matmul(zeros([2, 0, 3]), zeros([3, 2])).shape).toEqual([2, 0, 2]);
  });

  it("accumulates gradients into leaves", () => {
    const a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const b = tensor([[1, 0], [2, 1]], { requiresGrad: true });
    matmul(a, b).sum().backward();
    // dA = ones @ B^T: row sums of B; dB = A^T @ ones: column sums of A
    expect(a.grad!.toArray()).toEqual([[1, 3], [1, 3]]);
    expect(b.grad!.toArray()).toEqual([[4, 4], [6, 6]]);
  });

  it("rejects mismatched inner sizes, bad batch axes and scalars", () => {
    expect(() => matmul(tensor([[1, 2, 3], [4, 5, 6]]), r([4, 5]))).toThrow(ShapeError);
    expect(() => matmul(r([2, 3]), r([4, 5]))).toThrow("matmul: cannot multiply [2, 3] by [4, 5] (inner sizes 3 vs 4)");
    expect(() => matmul(r([3]), r([4]))).toThrow("inner sizes 3 vs 4");
    expect(() => matmul(r([2, 2, 3]), r([3, 3, 2]))).toThrow(/cannot broadcast the batch axes of \[2, 2, 3\] and \[3, 3, 2\]/);
    expect(() => matmul(tensor(2), r([2]))).toThrow(ValueError);
    expect(() => matmul(r([2]), 3 as never)).toThrow(ValueError);
  });
});

describe("bad arguments raise named errors (issue 16)", () => {
  const op = (name: string) => resolve("op", name).apply;
  it("the registry's matmul takes matrices of one float dtype (TypeError 'reading NaN' before)", () => {
    expect(() => op("matmul")(tensor([1]), tensor([1]))).toThrow(ShapeError);
    expect(() => op("matmul")(tensor([1]), tensor([1]))).toThrow("matmul: cannot multiply [1] by [1]; expected [..., M, K] and [..., K, N]");
    expect(() => op("matmul")(tensor([[1]]), tensor([[1]], { dtype: "float64" }))).toThrow(DTypeError);
    expect(() => matmul(tensor([1]), null as never)).toThrow("matmul: second operand is not a tensor; expected a tensor, got null");
  });
  it("the registry's linear works without a fused kernel, and linear checks its options (TypeError 'kernels(...).linear is not a function' before)", () => {
    // x w^T + b = [1 + 2, 2 + 0] + [0, 1], relu keeps both.
    expect(op("linear")(tensor([[1, 2]]), tensor([[1, 1], [2, 0]]), tensor([0, 1]), "relu").toArray()).toEqual([[3, 3]]);
    expect(() => op("linear")(tensor([[1, 2]]), tensor([[1, 1]]), undefined, "none")).toThrow("linear: bias is neither a tensor nor null; expected a tensor or null, got undefined");
    expect(() => linear(tensor([[1]]), tensor([[1]]), null, null as never)).toThrow('linear: options are not an object; expected e.g. { activation: "relu" }, got null');
  });
});
