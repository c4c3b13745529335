// AVX-512 float32 micro-kernel: a 12 x 32 tile of C in 24 zmm accumulators; per k step two
// loads of B and twelve broadcasts of A feed 24 FMAs. The driver keeps one B panel in L1 across
// a block of A panels, which come from L2: the loop prefetches A 16 steps ahead (1-2% at
// 1024^3 on one thread, up to 6% on the CNN's weight-gradient products, over prefetching B).
// Compiled with -mavx512f only; called only when cpuid says the CPU has AVX-512F.
#include <immintrin.h>

// GCC 12 reports _mm512_max_ps's internal _mm512_undefined_ps() as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "gemm.h"

namespace bp {

void sgemm_micro_avx512_12x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, const float* bias,
                              bool relu) {
#define ROW(r) __m512 c##r##0 = _mm512_setzero_ps(), c##r##1 = _mm512_setzero_ps();
  ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11)
#undef ROW
  // The C tile is read (accumulate) or written once at the end: start fetching it now.
  for (int r = 0; r < 12; r++) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 16), _MM_HINT_T0);
  }
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(a + 192), _MM_HINT_T0);
#define STEP(r)                               \
  {                                           \
    const __m512 ar = _mm512_set1_ps(a[r]);   \
    c##r##0 = _mm512_fmadd_ps(ar, b0, c##r##0); \
    c##r##1 = _mm512_fmadd_ps(ar, b1, c##r##1); \
  }
    STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7) STEP(8) STEP(9) STEP(10) STEP(11)
#undef STEP
    a += 12;
    b += 32;
  }
  const __m512 zero = _mm512_setzero_ps();
  const __m512 bias0 = bias != nullptr ? _mm512_loadu_ps(bias) : zero;
  const __m512 bias1 = bias != nullptr ? _mm512_loadu_ps(bias + 16) : zero;
  const bool epilogue = bias != nullptr || relu;
#define OUT(r)                                                                   \
  {                                                                              \
    float* p = c + (r) * ldc;                                                    \
    if (accumulate) {                                                            \
      c##r##0 = _mm512_add_ps(c##r##0, _mm512_loadu_ps(p));                      \
      c##r##1 = _mm512_add_ps(c##r##1, _mm512_loadu_ps(p + 16));                 \
    }                                                                            \
    if (epilogue) {                                                              \
      c##r##0 = _mm512_add_ps(c##r##0, bias0);                                   \
      c##r##1 = _mm512_add_ps(c##r##1, bias1);                                   \
      if (relu) {                                                                \
        c##r##0 = _mm512_max_ps(zero, c##r##0);                                  \
        c##r##1 = _mm512_max_ps(zero, c##r##1);                                  \
      }                                                                          \
    }                                                                            \
    _mm512_storeu_ps(p, c##r##0);                                                \
    _mm512_storeu_ps(p + 16, c##r##1);                                           \
  }
  OUT(0) OUT(1) OUT(2) OUT(3) OUT(4) OUT(5) OUT(6) OUT(7) OUT(8) OUT(9) OUT(10) OUT(11)
#undef OUT
}

namespace {

// The first `rows` (R) rows and `cols` columns of a 12 x 32 tile, written straight into C: the
// rows by instantiation (R accumulator pairs; the packed A panel keeps its 12-float stride), the
// columns by masked loads and stores, which touch no memory in their masked-off lanes. An edge
// tile thus costs its own work only (a 4-row tile a third of a full one) instead of a full tile
// computed into a buffer and copied.
template <int R>
void edge_12x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, const float* bias, bool relu,
                int cols) {
  __m512 acc0[R], acc1[R];
#pragma GCC unroll 12
  for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm512_setzero_ps();
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(a + 192), _MM_HINT_T0);
#pragma GCC unroll 12
    for (int r = 0; r < R; r++) {
      const __m512 ar = _mm512_set1_ps(a[r]);
      acc0[r] = _mm512_fmadd_ps(ar, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(ar, b1, acc1[r]);
    }
    a += 12;
    b += 32;
  }
  const __mmask16 m0 = cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? __mmask16(0xFFFF) : cols <= 16 ? __mmask16(0) : __mmask16((1u << (cols - 16)) - 1);
  const __m512 zero = _mm512_setzero_ps();
  const __m512 bias0 = bias != nullptr ? _mm512_maskz_loadu_ps(m0, bias) : zero;
  const __m512 bias1 = bias != nullptr ? _mm512_maskz_loadu_ps(m1, bias + 16) : zero;
#pragma GCC unroll 12
  for (int r = 0; r < R; r++) {
    float* p = c + r * ldc;
    __m512 x0 = acc0[r], x1 = acc1[r];
    if (accumulate) {
      x0 = _mm512_add_ps(x0, _mm512_maskz_loadu_ps(m0, p));
      x1 = _mm512_add_ps(x1, _mm512_maskz_loadu_ps(m1, p + 16));
    }
    if (bias != nullptr) {
      x0 = _mm512_add_ps(x0, bias0);
      x1 = _mm512_add_ps(x1, bias1);
    }
    if (relu) {
      x0 = _mm512_max_ps(zero, x0);
      x1 = _mm512_max_ps(zero, x1);
    }
    _mm512_mask_storeu_ps(p, m0, x0);
    _mm512_mask_storeu_ps(p + 16, m1, x1);
  }
}

}  // namespace

void sgemm_edge_avx512_12x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, const float* bias, bool relu,
                             int rows, int cols) {
  typedef void (*Edge)(int64_t, const float*, const float*, float*, int64_t, bool, const float*, bool, int);
  static const Edge kByRows[12] = {edge_12x32<1>, edge_12x32<2>, edge_12x32<3>, edge_12x32<4>,  edge_12x32<5>,  edge_12x32<6>,
                                   edge_12x32<7>, edge_12x32<8>, edge_12x32<9>, edge_12x32<10>, edge_12x32<11>, edge_12x32<12>};
  kByRows[rows - 1](kc, a, b, c, ldc, accumulate, bias, relu, cols);
}

}  // namespace bp
