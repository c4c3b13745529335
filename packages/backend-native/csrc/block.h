// The column-matrix moves of float32 convolutions, compiled per ISA with masked vector moves
// for the ragged ends of rows and chosen by cpuid at load: im2col copies blocks of an input
// plane into the column matrix, col2im gathers a plane's gradient back from it. A null
// function means the plain loops of nn.cc.
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

struct BlockIsa {
  BlockFn copy;
  PlaneFn col2imPlane;
};

// The block moves chosen at load (or by block_select); their functions are null on a CPU
// without AVX2.
const BlockIsa& block_isa();
// Forces an ISA ("avx512", "avx2", "portable") if the CPU supports it; false otherwise.
bool block_select(const char* isa);

#if defined(__x86_64__)
void block_copy_avx512(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols);
void col2im_plane_avx512(const float* col, int64_t ld, const ConvGeom& g, float* plane);
void block_copy_avx2(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols);
void col2im_plane_avx2(const float* col, int64_t ld, const ConvGeom& g, float* plane);
#endif

}  // namespace bp
