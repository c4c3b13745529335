// Fused optimizer steps over contiguous float32 ranges, compiled once per ISA (optim_impl.h
// included by optim.cc, optim_avx2.cc, optim_avx512.cc with their own flags) and chosen at
// load by cpuid. The arithmetic is float32 throughout, as PyTorch's CPU kernels do it.
#pragma once
#include <cstdint>

namespace bp {

// Adam/AdamW with every per-step constant folded: p' = p * shrink, g' = gsign g + l2 p',
// m = m + c1 (g' - m), v = beta2 v + c2 g'^2, p = p' - stepSize m / (sqrt(v) invBc2 + eps).
struct AdamF {
  float shrink, gsign, l2, c1, beta2, c2, stepSize, invBc2, eps;
};
// SGD: d = gsign g + wd p; with a buffer b = fresh ? d : mu b + damp d, then
// d = nesterov ? d + mu b : b; p = p - lr d.
struct SgdF {
  float gsign, wd, mu, damp, lr;
  bool fresh, nesterov;
};

typedef void (*AdamRangeFn)(float* p, const float* g, float* m, float* v, int64_t n, const AdamF& a);
typedef void (*SgdRangeFn)(float* p, const float* g, float* b, int64_t n, const SgdF& s);

void adam_range_portable(float* p, const float* g, float* m, float* v, int64_t n, const AdamF& a);
void sgd_range_portable(float* p, const float* g, float* b, int64_t n, const SgdF& s);
#if defined(__x86_64__)
void adam_range_avx2(float* p, const float* g, float* m, float* v, int64_t n, const AdamF& a);
void sgd_range_avx2(float* p, const float* g, float* b, int64_t n, const SgdF& s);
void adam_range_avx512(float* p, const float* g, float* m, float* v, int64_t n, const AdamF& a);
void sgd_range_avx512(float* p, const float* g, float* b, int64_t n, const SgdF& s);
#endif

// Forces the ISA of these loops ("avx512", "avx2", "portable") if the CPU supports it.
bool optim_select(const char* isa);

}  // namespace bp
