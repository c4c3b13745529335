// Row-block moves of float32 convolutions (im2col copies a block of an input plane into the
// column matrix; col2im adds it back): rows x cols elements between two strided regions,
// compiled per ISA with masked vector moves for the ragged end of each row, chosen by cpuid at
// load. A null function means the plain loops of nn.cc.
#pragma once
#include <cstdint>

namespace bp {

// dst[r * ds + q] = src[r * ss + q] (copy) or dst[r * ds + q] += src[r * ss + q] (add), for
// r < rows, q < cols. Touches no element outside those (masked lanes are never read or written).
typedef void (*BlockFn)(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols);

struct BlockIsa {
  BlockFn copy, add;
};

// The block moves chosen at load (or by block_select); their functions are null on a CPU
// without AVX2.
const BlockIsa& block_isa();
// Forces an ISA ("avx512", "avx2", "portable") if the CPU supports it; false otherwise.
bool block_select(const char* isa);

#if defined(__x86_64__)
void block_copy_avx512(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols);
void block_add_avx512(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols);
void block_copy_avx2(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols);
void block_add_avx2(const float* src, int64_t ss, float* dst, int64_t ds, int64_t rows, int64_t cols);
#endif

}  // namespace bp
