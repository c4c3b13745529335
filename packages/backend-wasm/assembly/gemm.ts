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

// Edge tiles of the micro-kernel are written to a 4x8 scratch tile just past the A panel (in
// the caller's scratch, so threads sharing the memory never write the same tile), then the
// valid part is copied out.
const EDGE_TILE_OFFSET: usize = 4 * <usize>(MC * KC);

/**
 * Transposes the 4x4 block whose rows are r0..r3 and stores its columns 4 floats each,
 * `step` bytes apart from dst.
 */
// @ts-ignore: decorator
@inline
function storeTransposed4x4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, step: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // r0[0] r1[0] r0[1] r1[1]
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(dst + step, i64x2.shuffle(t0, t1, 1, 3));
  v128.store(dst + 2 * step, i64x2.shuffle(t2, t3, 0, 2));
  v128.store(dst + 3 * step, i64x2.shuffle(t2, t3, 1, 3));
}

/** Packs rows [0, mc) x columns [0, kc) of A (at `a`) into 4-row panels, K-major, zero-padded. */
function packA(a: usize, rs: i32, cs: i32, mc: i32, kc: i32, dst: usize): void {
  for (let i = 0; i < mc; i += 4) {
    const rows = min(4, mc - i);
    const base = a + ((<usize>(i * rs)) << 2);
    if (rows == 4 && cs == 1) {
      // Row-major A: four k at a time, one 4x4 transpose in registers.
      const r1 = (<usize>rs) << 2;
      let p = base;
      let k = 0;
      for (; k + 3 < kc; k += 4) {
        storeTransposed4x4(v128.load(p), v128.load(p + r1), v128.load(p + 2 * r1), v128.load(p + 3 * r1), dst, 16);
        dst += 64;
        p += 16;
      }
      for (; k < kc; k++) {
        store<f32>(dst, load<f32>(p));
        store<f32>(dst, load<f32>(p + r1), 4);
        store<f32>(dst, load<f32>(p + 2 * r1), 8);
        store<f32>(dst, load<f32>(p + 3 * r1), 12);
        dst += 16;
        p += 4;
      }
    } else if (rows == 4) {
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
    } else if (cols == 8 && rs == 1) {
      // Column-major B (a transposed weight): four k at a time, two 4x4 transposes.
      const c1 = (<usize>cs) << 2;
      let p = base;
      let k = 0;
      for (; k + 3 < kc; k += 4) {
        storeTransposed4x4(v128.load(p), v128.load(p + c1), v128.load(p + 2 * c1), v128.load(p + 3 * c1), dst, 32);
        storeTransposed4x4(v128.load(p + 4 * c1), v128.load(p + 5 * c1), v128.load(p + 6 * c1), v128.load(p + 7 * c1), dst + 16, 32);
        dst += 128;
        p += 16;
      }
      for (; k < kc; k++) {
        let q = p;
        for (let c = 0; c < 8; c++) {
          store<f32>(dst + ((<usize>c) << 2), load<f32>(q));
          q += c1;
        }
        dst += 32;
        p += 4;
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

/**
 * c + a b per lane: one relaxed fused multiply-add where the build enables relaxed SIMD
 * (scripts/build-wasm.mjs builds both), else a multiply and an add.
 */
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Bias and activation of the fused linear layer, on the 8 lanes of one tile row. */
// @ts-ignore: decorator
@inline
function epilogue(v: v128, bias: v128, hasBias: bool, relu: bool): v128 {
  let r = hasBias ? f32x4.add(v, bias) : v;
  // r < 0 ? 0 : r, like the relu kernel (keeps NaN and -0).
  if (relu) r = v128.bitselect(f32x4.splat(0), r, f32x4.lt(r, f32x4.splat(0)));
  return r;
}

/** The 4x8 micro-kernel: tile (+)= Apanel[4 x kc] Bpanel[kc x 8], tile rows `ldc` bytes apart. */
// @ts-ignore: decorator
@inline
function kernel4x8(pa: usize, pb: usize, kc: i32, c: usize, ldc: usize, add: bool, bias: usize, relu: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // One load of A's four rows per step, broadcast lane by lane in registers (shuffles), where
  // four splat loads per step ran at half the speed on V8.
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const av = v128.load(pa);
    let a = v128.shuffle<f32>(av, av, 0, 0, 0, 0);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.shuffle<f32>(av, av, 1, 1, 1, 1);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.shuffle<f32>(av, av, 2, 2, 2, 2);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.shuffle<f32>(av, av, 3, 3, 3, 3);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  if (add) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc)); c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc)); c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc)); c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  if (bias != 0 || relu) {
    const hb = bias != 0;
    const b0 = hb ? v128.load(bias) : f32x4.splat(0);
    const b1 = hb ? v128.load(bias, 16) : f32x4.splat(0);
    c00 = epilogue(c00, b0, hb, relu); c01 = epilogue(c01, b1, hb, relu);
    c10 = epilogue(c10, b0, hb, relu); c11 = epilogue(c11, b1, hb, relu);
    c20 = epilogue(c20, b0, hb, relu); c21 = epilogue(c21, b1, hb, relu);
    c30 = epilogue(c30, b0, hb, relu); c31 = epilogue(c31, b1, hb, relu);
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/** One finished element of the fused linear layer: v + bias, then relu. */
// @ts-ignore: decorator
@inline
function finish(v: f32, bias: usize, col: i32, relu: bool): f32 {
  if (bias != 0) v += load<f32>(bias + ((<usize>col) << 2));
  return relu && v < 0 ? 0 : v;
}

/**
 * C[m x n] (+)= A B for A given by (a, aRs, aCs), B by (b, bRs, bCs), C row-major with row
 * stride ldc. `accumulate` 0 overwrites C, 1 adds to it. `pa` and `pb` are the calling
 * thread's scratch of MC*KC + 32 and KC*NC floats. The epilogue of the fused linear
 * layer: when `bias` is not 0, bias[j] (n floats) is added to column j of the result, and when
 * `relu` is 1, negative results become 0; both after the last K slice, while the tile is in
 * registers.
 */
export function sgemm(
  m: i32, n: i32, k: i32,
  a: usize, aRs: i32, aCs: i32,
  b: usize, bRs: i32, bCs: i32,
  c: usize, ldc: i32, accumulate: i32,
  pa: usize, pb: usize, bias: usize, relu: i32,
): void {
  if (m <= 0 || n <= 0) return;
  const ldcBytes = (<usize>ldc) << 2;
  const act = relu != 0;
  if (k <= 0) {
    for (let i = 0; i < m; i++) {
      const row = c + <usize>i * ldcBytes;
      if (accumulate == 0) memory.fill(row, 0, (<usize>n) << 2);
      if (bias != 0 || act) for (let j = 0; j < n; j++) store<f32>(row + ((<usize>j) << 2), finish(load<f32>(row + ((<usize>j) << 2)), bias, j, act));
    }
    return;
  }
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = min(KC, k - k0);
      const add = accumulate != 0 || k0 > 0;
      const last = k0 + kc >= k;
      const epBias: usize = last && bias != 0 ? bias + ((<usize>j0) << 2) : 0;
      const epRelu = last && act;
      packB(b + ((<usize>(k0 * bRs + j0 * bCs)) << 2), bRs, bCs, kc, nc, pb);
      const edgeTile = pa + EDGE_TILE_OFFSET;
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
              kernel4x8(pai, pbj, kc, cij, ldcBytes, add, epBias != 0 ? epBias + ((<usize>j) << 2) : 0, epRelu);
            } else {
              kernel4x8(pai, pbj, kc, edgeTile, 32, false, 0, false);
              for (let r = 0; r < rows; r++) {
                for (let s = 0; s < cols; s++) {
                  const dst = cij + <usize>r * ldcBytes + ((<usize>s) << 2);
                  const v = load<f32>(edgeTile + ((<usize>(r * 8 + s)) << 2));
                  const sum = add ? load<f32>(dst) + v : v;
                  store<f32>(dst, last ? finish(sum, epBias, j + s, epRelu) : sum);
                }
              }
            }
          }
        }
      }
    }
  }
}
