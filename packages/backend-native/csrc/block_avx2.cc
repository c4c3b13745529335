// AVX2 row-block moves: 8 lanes per step, the ragged end of a row by vmaskmovps (which, like
// AVX-512's masked moves, never touches the masked-off elements).
#include <immintrin.h>

#include "block.h"

namespace bp {
namespace {
inline __m256i tail_mask(int64_t cols) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(cols & 7)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
}  // namespace

void block_copy_avx2(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols) {
  const int64_t full = cols & ~int64_t(7);
  const bool ragged = (cols & 7) != 0;
  const __m256i tail = tail_mask(cols);
  for (int64_t r = 0; r < rows; r++, src += ss, dst += ds) {
    for (int64_t q = 0; q < full; q += 8) _mm256_storeu_ps(dst + q, _mm256_loadu_ps(src + q));
    if (ragged) _mm256_maskstore_ps(dst + full, tail, _mm256_maskload_ps(src + full, tail));
  }
}

void block_add_avx2(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols) {
  const int64_t full = cols & ~int64_t(7);
  const bool ragged = (cols & 7) != 0;
  const __m256i tail = tail_mask(cols);
  for (int64_t r = 0; r < rows; r++, src += ss, dst += ds) {
    for (int64_t q = 0; q < full; q += 8) _mm256_storeu_ps(dst + q, _mm256_add_ps(_mm256_loadu_ps(dst + q), _mm256_loadu_ps(src + q)));
    if (ragged) {
      const __m256 sum = _mm256_add_ps(_mm256_maskload_ps(dst + full, tail), _mm256_maskload_ps(src + full, tail));
      _mm256_maskstore_ps(dst + full, tail, sum);
    }
  }
}

}  // namespace bp
