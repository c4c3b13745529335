// Single-precision GEMM with SIMD128: C[m x n] (+)= A[m x k] B[k x n].
//
// GotoBLAS blocking: K in slices of KC, N in blocks of NC, M in blocks of MC. For each slice,
// B is packed into panels of 8 columns and A into panels of 4 rows, both K-major, so the 4x8
// micro-kernel streams two contiguous arrays and keeps its tile of C in 8 v128 registers
// (a 6x8 tile spills on V8 and runs at half the speed). Packing also absorbs any strides:
// transposed and broadcast (stride 0) operands cost nothing extra.
//
// Pointers are byte addresses; strides and leading dimensions are in elements.

export const KC: i32 = 256;
export const MC: i32 = 64;
export const NC: i32 = 512;

// Edge tiles of the micro-kernel are written here, then the valid part is copied out.
const edgeTile: usize = memory.data(4 * 8 * 4, 16);

/** Packs rows [0, mc) x columns [0, kc) of A (at `a`) into 4-row panels, K-major, zero-padded. */
function packA(a: usize, rs: i32, cs: i32, mc: i32, kc: i32, dst: usize): void {
  for (let i = 0; i < mc; i += 4) {
    const rows = min(4, mc - i);
    const base = a + ((<usize>(i * rs)) << 2);
    if (rows == 4) {
      const r1 = (<usize>rs) << 2;
      const step = (<usize>cs) << 2;
      let p = base;
      for (let k = 0; k < kc; k++) {
        store<f32>(dst, load<f32>(p));
        store<f32>(dst, load<f32>(p + r1), 4);
        store<f32>(dst, load<f32>(p + 2 * r1), 8);
        store<f32>(dst, load<f32>(p + 3 * r1), 12);
        dst += 16;
        p += step;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < 4; r++) {
          store<f32>(dst + ((<usize>r) << 2), r < rows ? load<f32>(base + ((<usize>(r * rs + k * cs)) << 2)) : 0);
        }
        dst += 16;
      }
    }
  }
}

/** Packs rows [0, kc) x columns [0, nc) of B (at `b`) into 8-column panels, K-major, zero-padded. */
function packB(b: usize, rs: i32, cs: i32, kc: i32, nc: i32, dst: usize): void {
  for (let j = 0; j < nc; j += 8) {
    const cols = min(8, nc - j);
    const base = b + ((<usize>(j * cs)) << 2);
    const step = (<usize>rs) << 2;
    if (cols == 8 && cs == 1) {
      let p = base;
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(p));
        v128.store(dst, v128.load(p, 16), 16);
        dst += 32;
        p += step;
      }
    } else if (cols == 8) {
      const c1 = (<usize>cs) << 2;
      let p = base;
      for (let k = 0; k < kc; k++) {
        let q = p;
        for (let c = 0; c < 8; c++) {
          store<f32>(dst + ((<usize>c) << 2), load<f32>(q));
          q += c1;
        }
        dst += 32;
        p += step;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let c = 0; c < 8; c++) {
          store<f32>(dst + ((<usize>c) << 2), c < cols ? load<f32>(base + ((<usize>(k * rs + c * cs)) << 2)) : 0);
        }
        dst += 32;
      }
    }
  }
}

/** The 4x8 micro-kernel: tile (+)= Apanel[4 x kc] Bpanel[kc x 8], tile rows `ldc` bytes apart. */
// @ts-ignore: decorator
@inline
function kernel4x8(pa: usize, pb: usize, kc: i32, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let k = 0;
  // Unrolled by two: half the loop overhead, and the loads of the next step start early.
  for (; k + 1 < kc; k += 2) {
    let b0 = v128.load(pb);
    let b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    b0 = v128.load(pb, 32);
    b1 = v128.load(pb, 48);
    a = v128.load32_splat(pa, 16);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 20);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 24);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 28);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += 32;
    pb += 64;
  }
  for (; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += 16;
    pb += 32;
  }
  if (add) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc)); c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc)); c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc)); c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/**
 * C[m x n] (+)= A B for A given by (a, aRs, aCs), B by (b, bRs, bCs), C row-major with row
 * stride ldc. `accumulate` 0 overwrites C, 1 adds to it. `pa` and `pb` are scratch of
 * MC*KC and KC*NC floats (plus padding to whole panels).
 */
export function sgemm(
  m: i32, n: i32, k: i32,
  a: usize, aRs: i32, aCs: i32,
  b: usize, bRs: i32, bCs: i32,
  c: usize, ldc: i32, accumulate: i32,
  pa: usize, pb: usize,
): void {
  if (m <= 0 || n <= 0) return;
  const ldcBytes = (<usize>ldc) << 2;
  if (k <= 0) {
    if (accumulate == 0) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcBytes, 0, (<usize>n) << 2);
    return;
  }
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = min(KC, k - k0);
      const add = accumulate != 0 || k0 > 0;
      packB(b + ((<usize>(k0 * bRs + j0 * bCs)) << 2), bRs, bCs, kc, nc, pb);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        packA(a + ((<usize>(i0 * aRs + k0 * aCs)) << 2), aRs, aCs, mc, kc, pa);
        for (let j = 0; j < nc; j += 8) {
          const cols = min(8, nc - j);
          const pbj = pb + ((<usize>(j * kc)) << 2);
          for (let i = 0; i < mc; i += 4) {
            const rows = min(4, mc - i);
            const pai = pa + ((<usize>(i * kc)) << 2);
            const cij = c + <usize>(i0 + i) * ldcBytes + ((<usize>(j0 + j)) << 2);
            if (rows == 4 && cols == 8) {
              kernel4x8(pai, pbj, kc, cij, ldcBytes, add);
            } else {
              kernel4x8(pai, pbj, kc, edgeTile, 32, false);
              for (let r = 0; r < rows; r++) {
                for (let s = 0; s < cols; s++) {
                  const dst = cij + <usize>r * ldcBytes + ((<usize>s) << 2);
                  const v = load<f32>(edgeTile + ((<usize>(r * 8 + s)) << 2));
                  store<f32>(dst, add ? load<f32>(dst) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}
