// AVX-512F column-matrix moves: 16 lanes per step, the ragged end of a row by one masked load
// and store (an 11-wide row of a 13 x 13 convolution input is one masked move instead of a
// short scalar loop: im2col of the benchmark CNN's second layer runs 3x faster).
#include <immintrin.h>

#include <cstdint>

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

void col2im_plane_avx512(const float* col, int64_t ld, const ConvGeom& g, float* plane) {
  // Per kernel column j and 16-wide chunk of the output row: the lanes it feeds and where its
  // lane 0 reads (relative to the column row), fixed for every output row.
  constexpr int64_t kCols = 32;
  __mmask16 masks[kCols];
  int64_t shift[kCols];
  for (int64_t ix0 = 0; ix0 < g.w; ix0 += 16) {
    const int64_t lanes = g.w - ix0 < 16 ? g.w - ix0 : 16;
    for (int64_t j0 = 0; j0 < g.kw; j0 += kCols) {
      // Kernel columns [j0, j1) at a time (all of them, for any kernel up to 32 wide); later
      // groups add to the row already stored.
      const int64_t j1 = g.kw - j0 < kCols ? g.kw : j0 + kCols;
      for (int64_t j = j0; j < j1; j++) {
        int64_t lo, hi;
        const int64_t off = col2im_tap_lanes(g, j, ix0, lanes, lo, hi);
        masks[j - j0] = hi <= lo ? 0 : static_cast<__mmask16>(((1u << hi) - 1) & ~((1u << lo) - 1));
        shift[j - j0] = (j - j0) * ld + ix0 - off;
      }
      const __mmask16 out = static_cast<__mmask16>((1u << lanes) - 1);
      for (int64_t iy = 0; iy < g.h; iy++) {
        float* dst = plane + iy * g.w + ix0;
        __m512 acc = j0 == 0 ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(out, dst);
        for (int64_t i = 0; i < g.kh; i++) {
          const int64_t y = col2im_source_row(g, iy, i);
          if (y == g.oh) continue;
          const uintptr_t base = reinterpret_cast<uintptr_t>(col + i * g.kw * ld + j0 * ld + y * g.ow);
          for (int64_t j = 0; j < j1 - j0; j++) {
            // Lanes below the mask would read before the column row: masked off, never touched.
            const float* at = reinterpret_cast<const float*>(base + shift[j] * static_cast<intptr_t>(sizeof(float)));
            acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(masks[j], at));
          }
        }
        _mm512_mask_storeu_ps(dst, out, acc);
      }
    }
  }
}

void maxpool2x2_row_avx512(const float* r0, int64_t w, int64_t ow, int32_t at, float* best, int32_t* where) {
  const float* r1 = r0 + w;
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i w32 = _mm512_set1_epi32(static_cast<int>(w));
  for (int64_t x0 = 0; x0 < ow; x0 += 16) {
    const int64_t n = ow - x0 < 16 ? ow - x0 : 16;  // outputs in this step: 2n inputs per row
    const __mmask16 lo = static_cast<__mmask16>(n >= 8 ? 0xFFFF : (1u << (2 * n)) - 1);
    const __mmask16 hi = static_cast<__mmask16>(n <= 8 ? 0 : (1u << (2 * (n - 8))) - 1);
    const float* a = r0 + 2 * x0;
    const float* b = r1 + 2 * x0;
    const __m512 a0 = _mm512_maskz_loadu_ps(lo, a), a1 = _mm512_maskz_loadu_ps(hi, a + 16);
    const __m512 b0 = _mm512_maskz_loadu_ps(lo, b), b1 = _mm512_maskz_loadu_ps(hi, b + 16);
    // Taps in window order: (0, 0), (0, 1), (1, 0), (1, 1).
    const __m512 t[4] = {_mm512_permutex2var_ps(a0, even, a1), _mm512_permutex2var_ps(a0, odd, a1),
                         _mm512_permutex2var_ps(b0, even, b1), _mm512_permutex2var_ps(b0, odd, b1)};
    const __m512i first = _mm512_add_epi32(_mm512_set1_epi32(at + static_cast<int32_t>(2 * x0)), even);
    const __m512i idx[4] = {first, _mm512_add_epi32(first, _mm512_set1_epi32(1)), _mm512_add_epi32(first, w32),
                            _mm512_add_epi32(first, _mm512_add_epi32(w32, _mm512_set1_epi32(1)))};
    __m512 m = t[0];
    __m512i mi = idx[0];
    for (int k = 1; k < 4; k++) {
      // beats(v, m): v > m, or v is NaN and m is not.
      const __mmask16 take = _mm512_cmp_ps_mask(t[k], m, _CMP_GT_OQ) |
                             (_mm512_cmp_ps_mask(t[k], t[k], _CMP_UNORD_Q) & _mm512_cmp_ps_mask(m, m, _CMP_ORD_Q));
      m = _mm512_mask_blend_ps(take, m, t[k]);
      mi = _mm512_mask_blend_epi32(take, mi, idx[k]);
    }
    const __mmask16 out = static_cast<__mmask16>((1u << n) - 1);
    _mm512_mask_storeu_ps(best + x0, out, m);
    _mm512_mask_storeu_epi32(where + x0, out, mi);
  }
}

}  // namespace bp
