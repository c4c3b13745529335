// AVX2 + FMA float32 micro-kernel: a 6 x 16 tile of C in 12 ymm accumulators.
#include <immintrin.h>

#include "gemm.h"

namespace bp {

void sgemm_micro_avx2_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
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
#define OUT(r)                                                \
  {                                                           \
    float* p = c + (r) * ldc;                                 \
    if (accumulate) {                                         \
      c##r##0 = _mm256_add_ps(c##r##0, _mm256_loadu_ps(p));   \
      c##r##1 = _mm256_add_ps(c##r##1, _mm256_loadu_ps(p + 8)); \
    }                                                         \
    _mm256_storeu_ps(p, c##r##0);                             \
    _mm256_storeu_ps(p + 8, c##r##1);                         \
  }
  OUT(0) OUT(1) OUT(2) OUT(3) OUT(4) OUT(5)
#undef OUT
}

}  // namespace bp
