/**
 * Matrix product of the JS backend: a packed GEMM with a 4x4 register tile.
 *
 * C (+)= A B is computed block by block: K in slices of {@link KC}, and for each slice A is
 * packed into panels of 4 rows and B into panels of 4 columns, both K-major, so the
 * micro-kernel streams two small contiguous arrays and keeps a 4x4 tile of C in 16 locals.
 * Packing also absorbs any strides (transposed and broadcast operands cost nothing extra).
 * @module
 */
import type { TypedArray } from "../../dtype.js";
import type { Tensor } from "../../tensor.js";
import { ShapeError, formatShape } from "../../errors.js";
import { newTensor } from "./util.js";

/** K slice: a 4 x KC panel of each operand (16 KiB in float64) stays in L1. */
const KC = 256;
/** N block: a KC x NC packed slice of B (512 KiB) stays in L2. */
const NC = 256;
/** M block: an MC x KC packed block of A (128 KiB). */
const MC = 64;

// Reused across calls: fresh memory is slow (see DESIGN.md). Float64 holds every dtype exactly.
let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);

function ensurePackA(length: number): Float64Array {
  if (packA.length < length) packA = new Float64Array(length);
  return packA;
}

function ensurePackB(length: number): Float64Array {
  if (packB.length < length) packB = new Float64Array(length);
  return packB;
}

/**
 * Packs rows [0, m) x columns [k0, k0 + kc) of A into panels of 4 rows, K-major:
 * panel p holds A[4p + r][k0 + k] at 4 * kc * p + 4 * k + r; rows past m are zero.
 */
function packRows(a: TypedArray, aOff: number, rs: number, cs: number, m: number, k0: number, kc: number, dst: Float64Array): void {
  let d = 0;
  for (let i = 0; i < m; i += 4) {
    const rows = Math.min(4, m - i);
    if (rows === 4) {
      let p0 = aOff + i * rs + k0 * cs;
      let p1 = p0 + rs;
      let p2 = p1 + rs;
      let p3 = p2 + rs;
      for (let k = 0; k < kc; k++) {
        dst[d] = a[p0];
        dst[d + 1] = a[p1];
        dst[d + 2] = a[p2];
        dst[d + 3] = a[p3];
        d += 4;
        p0 += cs;
        p1 += cs;
        p2 += cs;
        p3 += cs;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const base = aOff + i * rs + (k0 + k) * cs;
        for (let r = 0; r < 4; r++) dst[d + r] = r < rows ? a[base + r * rs] : 0;
        d += 4;
      }
    }
  }
}

/**
 * The 4x4 micro-kernel over packed panels: C[i..i+4][j..j+4] += Apanel * Bpanel, where only
 * the first `rows` x `cols` of the tile are stored (edges of M and N).
 */
function microKernel(
  pa: Float64Array, ia: number, pb: Float64Array, ib: number, kc: number,
  c: TypedArray, cOff: number, ldc: number, rows: number, cols: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = ia + 4 * kc;
  while (ia < end) {
    const a0 = pa[ia], a1 = pa[ia + 1], a2 = pa[ia + 2], a3 = pa[ia + 3];
    const b0 = pb[ib], b1 = pb[ib + 1], b2 = pb[ib + 2], b3 = pb[ib + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ia += 4;
    ib += 4;
  }
  if (rows === 4 && cols === 4) {
    let o = cOff;
    c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03;
    o += ldc;
    c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13;
    o += ldc;
    c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23;
    o += ldc;
    c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
    return;
  }
  const tile = edgeTile;
  tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
  tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
  tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
  tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
  for (let r = 0; r < rows; r++) for (let s = 0; s < cols; s++) c[cOff + r * ldc + s] += tile[4 * r + s];
}
const edgeTile = new Float64Array(16);

/**
 * General matrix product C[m x n] += A[m x k] B[k x n] over raw arrays, each operand given by
 * an offset and its row and column strides (any strides, including 0 and transposed). C is
 * row-major with row stride `ldc` and is accumulated into, so zero it first for a plain product.
 * Shared by matmul and the convolution kernels.
 */
export function gemm(
  m: number, n: number, k: number,
  a: TypedArray, aOff: number, aRs: number, aCs: number,
  b: TypedArray, bOff: number, bRs: number, bCs: number,
  c: TypedArray, cOff: number, ldc: number,
): void {
  if (m === 0 || n === 0 || k === 0) return;
  // GotoBLAS loop order: each packed slice of B is reused by every block of A's rows.
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = Math.min(KC, k - k0);
      const pb = ensurePackB(((nc + 3) >> 2) * 4 * kc);
      // B's columns are A^T's rows: the same packing with the strides swapped.
      packRows(b, bOff + j0 * bCs, bCs, bRs, nc, k0, kc, pb);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        const pa = ensurePackA(((mc + 3) >> 2) * 4 * kc);
        packRows(a, aOff + i0 * aRs, aRs, aCs, mc, k0, kc, pa);
        for (let i = 0; i < mc; i += 4) {
          const rows = Math.min(4, mc - i);
          const ia = (i >> 2) * 4 * kc;
          const cRow = cOff + (i0 + i) * ldc + j0;
          for (let j = 0; j < nc; j += 4) {
            microKernel(pa, ia, pb, (j >> 2) * 4 * kc, kc, c, cRow + j, ldc, rows, Math.min(4, nc - j));
          }
        }
      }
    }
  }
}

/** Batched product: a [B, M, K] times b [B, K, N] gives a contiguous [B, M, N]; any strides. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1] || a.dtype !== b.dtype) {
    throw new ShapeError(
      `internal: kernel matmul expects [B, M, K] and [B, K, N] of one dtype; got ${a.dtype} ${formatShape(a.shape)} and ${b.dtype} ${formatShape(b.shape)}`,
    );
  }
  const [batch, m, k] = a.shape;
  const n = b.shape[2];
  const out = newTensor([batch, m, n], a.dtype);
  const od = out.storage.data;
  od.fill(0);
  const ad = a.storage.data;
  const bd = b.storage.data;
  for (let i = 0; i < batch; i++) {
    gemm(
      m, n, k,
      ad, a.offset + i * a.strides[0], a.strides[1], a.strides[2],
      bd, b.offset + i * b.strides[0], b.strides[1], b.strides[2],
      od, i * m * n, n,
    );
  }
  return out;
}
