// Matrix products over raw strided operands. C is row-major with row stride ldc and is
// overwritten (accumulate = false) or added to (accumulate = true).
#pragma once
#include <cstdint>

namespace bp {

void sgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t ars, int64_t acs, const float* b, int64_t brs,
           int64_t bcs, float* c, int64_t ldc, bool accumulate, int nthreads);
void dgemm(int64_t m, int64_t n, int64_t k, const double* a, int64_t ars, int64_t acs, const double* b, int64_t brs,
           int64_t bcs, double* c, int64_t ldc, bool accumulate, int nthreads);

// Fused fully connected layer: y[m, n] = act(x[m, k] w[n, k]^T + bias[n]) with x and w of any
// strides (xrs, xcs, wrs, wcs), contiguous bias (or null) and y. The bias and relu are applied
// to each C tile in registers after its last K slice.
void linear_f32(int64_t m, int64_t n, int64_t k, const float* x, int64_t xrs, int64_t xcs, const float* w, int64_t wrs, int64_t wcs,
                const float* bias, bool relu, float* y, int nthreads);

// Name of the float32 micro-kernel chosen at load ("avx512 12x32", "avx2 6x16", "portable 4x8").
const char* sgemm_kernel_name();
// Forces a kernel family ("avx512", "avx2", "portable") if the CPU supports it; false otherwise.
bool sgemm_select(const char* isa);

// ISA-specific micro-kernels: kc steps of a packed MR x kc panel of A times a kc x NR panel of B,
// written to (or added to, when accumulate) the C tile; then, when given, bias[j] is added to
// column j and relu applied (the epilogue of the last K slice of a fused linear layer).
#if defined(__x86_64__)
void sgemm_micro_avx512_12x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, const float* bias, bool relu);
// The top-left rows x cols (1..12 x 1..32) of a 12 x 32 tile, computed and stored without
// touching C outside it (the partial tiles at the bottom and right edges of C).
void sgemm_edge_avx512_12x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, const float* bias, bool relu,
                             int rows, int cols);
void sgemm_micro_avx2_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, const float* bias, bool relu);
void sgemm_edge_avx2_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, const float* bias, bool relu,
                          int rows, int cols);
// Packs nr-wide panels [p0, p1) of B stored transposed (element (k, j) at b[j * ld + k]), or of
// row-major A (any nr: 8- and 4-row register transposes, then scalar); needs AVX2.
void sgemm_pack_bt_avx2(const float* b, int64_t ld, int64_t nc, int64_t kc, int nr, int64_t p0, int64_t p1, float* dst);
#endif

}  // namespace bp
