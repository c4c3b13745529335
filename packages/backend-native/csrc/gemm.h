// Matrix products over raw strided operands. C is row-major with row stride ldc and is
// overwritten (accumulate = false) or added to (accumulate = true).
#pragma once
#include <cstdint>

namespace bp {

void sgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t ars, int64_t acs, const float* b, int64_t brs,
           int64_t bcs, float* c, int64_t ldc, bool accumulate, int nthreads);
void dgemm(int64_t m, int64_t n, int64_t k, const double* a, int64_t ars, int64_t acs, const double* b, int64_t brs,
           int64_t bcs, double* c, int64_t ldc, bool accumulate, int nthreads);

// Name of the float32 micro-kernel chosen at load ("avx512 12x32", "avx2 6x16", "portable 4x8").
const char* sgemm_kernel_name();
// Forces a kernel family ("avx512", "avx2", "portable") if the CPU supports it; false otherwise.
bool sgemm_select(const char* isa);

// ISA-specific micro-kernels: kc steps of a packed MR x kc panel of A times a kc x NR panel of B.
typedef void (*SgemmMicro)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate);
#if defined(__x86_64__)
void sgemm_micro_avx512_12x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate);
void sgemm_micro_avx2_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate);
#endif

}  // namespace bp
