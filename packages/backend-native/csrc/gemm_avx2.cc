// AVX2 + FMA float32 micro-kernel: a 6 x 16 tile of C in 12 ymm accumulators.
#include <immintrin.h>

#include "gemm.h"

namespace bp {

void sgemm_micro_avx2_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, const float* bias,
                           bool relu) {
#define ROW(r) __m256 c##r##0 = _mm256_setzero_ps(), c##r##1 = _mm256_setzero_ps();
  ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5)
#undef ROW
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
#define STEP(r)                                  \
  {                                              \
    const __m256 ar = _mm256_broadcast_ss(a + r); \
    c##r##0 = _mm256_fmadd_ps(ar, b0, c##r##0);  \
    c##r##1 = _mm256_fmadd_ps(ar, b1, c##r##1);  \
  }
    STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5)
#undef STEP
    a += 6;
    b += 16;
  }
  const __m256 zero = _mm256_setzero_ps();
  const __m256 bias0 = bias != nullptr ? _mm256_loadu_ps(bias) : zero;
  const __m256 bias1 = bias != nullptr ? _mm256_loadu_ps(bias + 8) : zero;
  const bool epilogue = bias != nullptr || relu;
#define OUT(r)                                                \
  {                                                           \
    float* p = c + (r) * ldc;                                 \
    if (accumulate) {                                         \
      c##r##0 = _mm256_add_ps(c##r##0, _mm256_loadu_ps(p));   \
      c##r##1 = _mm256_add_ps(c##r##1, _mm256_loadu_ps(p + 8)); \
    }                                                         \
    if (epilogue) {                                           \
      c##r##0 = _mm256_add_ps(c##r##0, bias0);                \
      c##r##1 = _mm256_add_ps(c##r##1, bias1);                \
      if (relu) {                                             \
        c##r##0 = _mm256_max_ps(zero, c##r##0);               \
        c##r##1 = _mm256_max_ps(zero, c##r##1);               \
      }                                                       \
    }                                                         \
    _mm256_storeu_ps(p, c##r##0);                             \
    _mm256_storeu_ps(p + 8, c##r##1);                         \
  }
  OUT(0) OUT(1) OUT(2) OUT(3) OUT(4) OUT(5)
#undef OUT
}

namespace {

// The first `rows` (R) rows and `cols` columns of a 6 x 16 tile, straight into C (masked loads
// and stores for the columns), as the AVX-512 edge kernel does for its tiles.
template <int R>
void edge_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, const float* bias, bool relu, int cols) {
  __m256 acc0[R], acc1[R];
#pragma GCC unroll 6
  for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
      const __m256 ar = _mm256_broadcast_ss(a + r);
      acc0[r] = _mm256_fmadd_ps(ar, b0, acc0[r]);
      acc1[r] = _mm256_fmadd_ps(ar, b1, acc1[r]);
    }
    a += 6;
    b += 16;
  }
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), lane);
  const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols - 8), lane);
  const __m256 zero = _mm256_setzero_ps();
  const __m256 bias0 = bias != nullptr ? _mm256_maskload_ps(bias, m0) : zero;
  const __m256 bias1 = bias != nullptr ? _mm256_maskload_ps(bias + 8, m1) : zero;
#pragma GCC unroll 6
  for (int r = 0; r < R; r++) {
    float* p = c + r * ldc;
    __m256 x0 = acc0[r], x1 = acc1[r];
    if (accumulate) {
      x0 = _mm256_add_ps(x0, _mm256_maskload_ps(p, m0));
      x1 = _mm256_add_ps(x1, _mm256_maskload_ps(p + 8, m1));
    }
    if (bias != nullptr) {
      x0 = _mm256_add_ps(x0, bias0);
      x1 = _mm256_add_ps(x1, bias1);
    }
    if (relu) {
      x0 = _mm256_max_ps(zero, x0);
      x1 = _mm256_max_ps(zero, x1);
    }
    _mm256_maskstore_ps(p, m0, x0);
    _mm256_maskstore_ps(p + 8, m1, x1);
  }
}

}  // namespace

void sgemm_edge_avx2_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, const float* bias, bool relu,
                          int rows, int cols) {
  typedef void (*Edge)(int64_t, const float*, const float*, float*, int64_t, bool, const float*, bool, int);
  static const Edge kByRows[6] = {edge_6x16<1>, edge_6x16<2>, edge_6x16<3>, edge_6x16<4>, edge_6x16<5>, edge_6x16<6>};
  kByRows[rows - 1](kc, a, b, c, ldc, accumulate, bias, relu, cols);
}

}  // namespace bp

namespace bp {

namespace {

// Transposes an 8 x 8 block: rows s[0..7] (stride ld) at columns k..k+7 become rows of o (stride nr).
inline void transpose8(const float* s, int64_t ld, float* o, int64_t nr) {
  __m256 r0 = _mm256_loadu_ps(s + 0 * ld), r1 = _mm256_loadu_ps(s + 1 * ld);
  __m256 r2 = _mm256_loadu_ps(s + 2 * ld), r3 = _mm256_loadu_ps(s + 3 * ld);
  __m256 r4 = _mm256_loadu_ps(s + 4 * ld), r5 = _mm256_loadu_ps(s + 5 * ld);
  __m256 r6 = _mm256_loadu_ps(s + 6 * ld), r7 = _mm256_loadu_ps(s + 7 * ld);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(o + 0 * nr, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(o + 1 * nr, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(o + 2 * nr, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(o + 3 * nr, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(o + 4 * nr, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(o + 5 * nr, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(o + 6 * nr, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(o + 7 * nr, _mm256_permute2f128_ps(u3, u7, 0x31));
}

// The same for a 4 x 4 block.
inline void transpose4(const float* s, int64_t ld, float* o, int64_t nr) {
  __m128 r0 = _mm_loadu_ps(s), r1 = _mm_loadu_ps(s + ld), r2 = _mm_loadu_ps(s + 2 * ld), r3 = _mm_loadu_ps(s + 3 * ld);
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  _mm_storeu_ps(o, r0);
  _mm_storeu_ps(o + nr, r1);
  _mm_storeu_ps(o + 2 * nr, r2);
  _mm_storeu_ps(o + 3 * nr, r3);
}

}  // namespace

// Packs nr-wide panels [p0, p1) of the rows of a row-major block (row j, column k at
// b[j * ld + k]; nc rows, kc columns) into [kc][nr] panels: B stored transposed (w^T of a
// linear layer) and A stored row-major both pack this way. Groups of 8 and then 4 rows go
// through register transposes; the rest element by element, and rows past nc are zeros.
void sgemm_pack_bt_avx2(const float* b, int64_t ld, int64_t nc, int64_t kc, int nr, int64_t p0, int64_t p1, float* dst) {
  const int64_t k8 = kc / 8 * 8, k4 = kc / 4 * 4;
  for (int64_t p = p0; p < p1; p++) {
    const int64_t j0 = p * nr;
    const int64_t cols = nc - j0 < nr ? nc - j0 : nr;
    float* d = dst + p * nr * kc;
    int64_t jb = 0;
    for (; jb + 8 <= cols; jb += 8) {
      const float* s = b + (j0 + jb) * ld;
      for (int64_t k = 0; k < k8; k += 8) transpose8(s + k, ld, d + k * nr + jb, nr);
      for (int64_t k = k8; k < kc; k++)
        for (int j = 0; j < 8; j++) d[k * nr + jb + j] = s[j * ld + k];
    }
    for (; jb + 4 <= cols; jb += 4) {
      const float* s = b + (j0 + jb) * ld;
      for (int64_t k = 0; k < k4; k += 4) transpose4(s + k, ld, d + k * nr + jb, nr);
      for (int64_t k = k4; k < kc; k++)
        for (int j = 0; j < 4; j++) d[k * nr + jb + j] = s[j * ld + k];
    }
    for (; jb < cols; jb++) {
      const float* s = b + (j0 + jb) * ld;
      for (int64_t k = 0; k < kc; k++) d[k * nr + jb] = s[k];
    }
    for (; jb < nr; jb++)
      for (int64_t k = 0; k < kc; k++) d[k * nr + jb] = 0;
  }
}

}  // namespace bp
