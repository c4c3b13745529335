// AVX2 column-matrix moves: 8 lanes per step, the ragged end of a row by vmaskmovps (which,
// like AVX-512's masked moves, never touches the masked-off elements).
#include <immintrin.h>

#include <cstdint>

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

void col2im_plane_avx2(const float* col, int64_t ld, const ConvGeom& g, float* plane) {
  // As col2im_plane_avx512, 8 lanes wide: per kernel column j and chunk, its lanes and shift.
  constexpr int64_t kCols = 32;
  __m256i masks[kCols];
  int64_t shift[kCols];
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int64_t ix0 = 0; ix0 < g.w; ix0 += 8) {
    const int64_t lanes = g.w - ix0 < 8 ? g.w - ix0 : 8;
    const __m256i out = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(lanes)), iota);
    for (int64_t j0 = 0; j0 < g.kw; j0 += kCols) {
      const int64_t j1 = g.kw - j0 < kCols ? g.kw : j0 + kCols;
      for (int64_t j = j0; j < j1; j++) {
        int64_t lo, hi;
        const int64_t off = col2im_tap_lanes(g, j, ix0, lanes, lo, hi);
        // Lanes lo <= L < hi: (L > lo - 1) and (hi > L); none when hi <= lo.
        masks[j - j0] = _mm256_and_si256(_mm256_cmpgt_epi32(iota, _mm256_set1_epi32(static_cast<int>(lo) - 1)),
                                         _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(hi)), iota));
        shift[j - j0] = (j - j0) * ld + ix0 - off;
      }
      for (int64_t iy = 0; iy < g.h; iy++) {
        float* dst = plane + iy * g.w + ix0;
        __m256 acc = j0 == 0 ? _mm256_setzero_ps() : _mm256_maskload_ps(dst, out);
        for (int64_t i = 0; i < g.kh; i++) {
          const int64_t y = col2im_source_row(g, iy, i);
          if (y == g.oh) continue;
          const uintptr_t base = reinterpret_cast<uintptr_t>(col + i * g.kw * ld + j0 * ld + y * g.ow);
          for (int64_t j = 0; j < j1 - j0; j++) {
            const float* at = reinterpret_cast<const float*>(base + shift[j] * static_cast<intptr_t>(sizeof(float)));
            acc = _mm256_add_ps(acc, _mm256_maskload_ps(at, masks[j]));
          }
        }
        _mm256_maskstore_ps(dst, out, acc);
      }
    }
  }
}

}  // namespace bp
