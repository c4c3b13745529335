// Row kernels of float32 convolutions and pooling, compiled per ISA with masked vector moves
// for the ragged ends of rows and chosen by cpuid at load: im2col copies blocks of an input
// plane into the column matrix, col2im gathers a plane's gradient back from it, and the common
// 2 x 2 max pool takes 16 windows per step. A null function means the plain loops of nn.cc.
#pragma once
#include <cstdint>

#include "kernels.h"

namespace bp {

// dst[r * ds + q] = src[r * ss + q] for r < rows, q < cols. Touches no element outside those
// (masked lanes are never read or written).
typedef void (*BlockFn)(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols);
// col2im of one input plane for a convolution of horizontal stride 1: writes plane[iy][ix] =
// the sum, in kernel order (i, j), of column row (i, j) (at col + (i * kw + j) * ld, an oh x ow
// image) at (y, x) over iy = y * sh - pt + i * dh, ix = x - pl + j * dw. Each output row is
// summed in registers and stored once (adding the kh * kw rows into memory one after another
// stalls on every load that overlaps the previous, shifted store).
typedef void (*PlaneFn)(const float* col, int64_t ld, const ConvGeom& g, float* plane);

// One output row of a 2 x 2, stride 2 max pool whose windows lie inside the input: input rows
// r0 and r0 + w (row 2y of its plane, whose first element has plane index `at`), ow outputs.
// best[x] is the window's maximum (a NaN wins, the first in window order), where[x] its plane
// index (the first of equal maxima), exactly as the scalar loop of nn.cc.
typedef void (*Pool2Fn)(const float* r0, int64_t w, int64_t ow, int32_t at, float* best, int32_t* where);

// (static: each ISA's file compiles its own copy with its own flags; a shared inline copy
// could reach an AVX2-only CPU as AVX-512 code.)
// Shared by the col2im gathers: the column row y that input row iy takes from kernel row i
// (iy = y * sh - pt + i * dh), or g.oh when there is none. Stride 1 needs no division (one per
// kernel row would cost more than the row's loads).
static inline int64_t col2im_source_row(const ConvGeom& g, int64_t iy, int64_t i) {
  const int64_t t = iy + g.pt - i * g.dh;  // y * sh
  const int64_t y = t < 0 ? g.oh : g.sh == 1 ? t : t % g.sh != 0 ? g.oh : t / g.sh;
  return y < g.oh ? y : g.oh;
}

// Shared by the col2im gathers: of `lanes` output columns from ix0, the lanes [lo, hi) that
// kernel column j feeds (column x of its row feeds ix = x + off, off = j * dw - pl, 0 <= x < ow;
// hi <= lo when it feeds none). Returns off.
static inline int64_t col2im_tap_lanes(const ConvGeom& g, int64_t j, int64_t ix0, int64_t lanes, int64_t& lo, int64_t& hi) {
  const int64_t off = j * g.dw - g.pl;
  lo = off - ix0 > 0 ? off - ix0 : 0;
  hi = g.ow + off - ix0 < lanes ? g.ow + off - ix0 : lanes;
  return off;
}

struct BlockIsa {
  BlockFn copy;
  PlaneFn col2imPlane;
  Pool2Fn maxpool2x2Row;  // null on AVX2: the scalar loop
};

// The block moves chosen at load (or by block_select); their functions are null on a CPU
// without AVX2.
const BlockIsa& block_isa();
// Forces an ISA ("avx512", "avx2", "portable") if the CPU supports it; false otherwise.
bool block_select(const char* isa);

#if defined(__x86_64__)
void block_copy_avx512(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols);
void col2im_plane_avx512(const float* col, int64_t ld, const ConvGeom& g, float* plane);
void maxpool2x2_row_avx512(const float* r0, int64_t w, int64_t ow, int32_t at, float* best, int32_t* where);
void block_copy_avx2(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols);
void col2im_plane_avx2(const float* col, int64_t ld, const ConvGeom& g, float* plane);
#endif

}  // namespace bp
