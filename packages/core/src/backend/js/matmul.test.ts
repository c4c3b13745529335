import { describe, expect, it } from "vitest";
import { gemm, matmul } from "./matmul.js";
import { Generator, randn, tensor, Tensor, arange } from "../../index.js";

/** The reference: a plain triple loop over strided operands. */
function naive(m: number, n: number, k: number, a: ArrayLike<number>, ars: number, acs: number, b: ArrayLike<number>, brs: number, bcs: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * ars + p * acs] * b[p * brs + j * bcs];
      c[i * n + j] = s;
    }
  }
  return c;
}

function random(n: number, seed: number): Float64Array {
  const g = new Generator(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = g.nextFloat() * 2 - 1;
  return out;
}

describe("JS gemm kernel", () => {
  it("matches a naive triple loop for sizes that are not multiples of 4 and K over one block", () => {
    for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [4, 4, 4], [9, 13, 300], [17, 2, 513], [2, 270, 5]]) {
      const a = random(m * k, m);
      const b = random(k * n, n);
      const c = new Float64Array(m * n);
      gemm(m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, n);
      const ref = naive(m, n, k, a, k, 1, b, n, 1);
      for (let i = 0; i < c.length; i++) expect(c[i]).toBeCloseTo(ref[i], 10);
    }
  });

  it("reads transposed and offset operands through strides and accumulates into C", () => {
    const m = 6, n = 7, k = 5;
    const a = random(m * k + 3, 1); // A stored transposed: A[i][p] = a[3 + p * m + i]
    const b = random(k * n, 2); // B stored transposed: B[p][j] = b[j * k + p]
    const c = new Float64Array(m * 10).fill(1); // ldc 10, C starts at 1
    gemm(m, n, k, a, 3, 1, m, b, 0, 1, k, c, 0, 10);
    const ref = naive(m, n, k, a.subarray(3), 1, m, b, 1, k);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) expect(c[i * 10 + j]).toBeCloseTo(ref[i * n + j] + 1, 10);
      for (let j = n; j < 10; j++) expect(c[i * 10 + j]).toBe(1);
    }
  });

  it("multiplies a 67x45 by a 45x71 random float64 matrix like the triple loop", () => {
    const g = new Generator(3);
    const a = randn([1, 67, 45], { dtype: "float64", generator: g });
    const b = randn([1, 45, 71], { dtype: "float64", generator: g });
    const c = matmul(a, b).data();
    const ref = naive(67, 71, 45, a.data(), 45, 1, b.data(), 71, 1);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(c[i] - ref[i]));
    expect(worst).toBeLessThan(1e-12);
  });

  it("handles batches with stride-0 (broadcast) operands, float32 and int32", () => {
    const a = arange(0, 6).reshape([1, 2, 3]);
    const b = arange(0, 6).reshape([3, 2]);
    const bb = new Tensor(b.storage, [2, 3, 2], [0, 2, 1], 0);
    const aa = new Tensor(a.storage, [2, 2, 3], [0, 3, 1], 0);
    const c = matmul(aa, bb);
    expect(c.dtype).toBe("float32");
    expect(c.toArray()).toEqual([[[10, 13], [28, 40]], [[10, 13], [28, 40]]]);
    const ai = tensor([[[1, 2], [3, 4]]], { dtype: "int32" });
    const ci = matmul(ai, ai);
    expect(ci.dtype).toBe("int32");
    expect(ci.toArray()).toEqual([[[7, 10], [15, 22]]]);
  });

  it("gives zeros for an empty inner axis", () => {
    const a = new Tensor(tensor([1]).storage, [1, 2, 0], [0, 0, 1], 0);
    const b = new Tensor(tensor([1]).storage, [1, 0, 3], [0, 3, 1], 0);
    expect(matmul(a, b).toArray()).toEqual([[[0, 0, 0], [0, 0, 0]]]);
  });
});
