// Fused optimizer updates over contiguous float32 parameters: the per-step constants are
// folded here in double, then the per-element work runs in float32 (as PyTorch's CPU kernels
// do) through the widest loop the CPU supports, split across the pool for large tensors.
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "optim.h"
#include "pool.h"

#define BP_OPTIM_SUFFIX portable
#include "optim_impl.h"

namespace bp {

namespace {

// Elements per thread below which a hand-off costs more than it saves: these loops stream
// about 16-20 bytes per element at a few GB/s per core, so 32k elements are ~20-40 us.
constexpr int64_t kOptimGrain = 1 << 15;

struct OptimIsa {
  AdamRangeFn adam;
  SgdRangeFn sgd;
};

const OptimIsa kPortable = {adam_range_portable, sgd_range_portable};
#if defined(__x86_64__)
const OptimIsa kAvx2 = {adam_range_avx2, sgd_range_avx2};
const OptimIsa kAvx512 = {adam_range_avx512, sgd_range_avx512};
bool cpu_avx512() { return __builtin_cpu_supports("avx512f"); }
bool cpu_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
#endif

const OptimIsa* best() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (cpu_avx512()) return &kAvx512;
  if (cpu_avx2()) return &kAvx2;
#endif
  return &kPortable;
}

const OptimIsa* g_isa = best();

// Runs fn(begin, end) over [0, n), split across the pool when each thread gets at least a
// grain; chunks on 16-element boundaries keep every vector loop aligned alike.
template <typename F>
void split(int64_t n, F fn) {
  int nt = num_threads();
  if (n / kOptimGrain < nt) nt = static_cast<int>(n / kOptimGrain);
  if (nt <= 1 || inside_parallel()) {
    fn(0, n);
    return;
  }
  parallel_for(nt, n, kOptimGrain / 2, fn);
}

}  // namespace

bool optim_select(const char* isa) {
  if (std::strcmp(isa, "portable") == 0) {
    g_isa = &kPortable;
    return true;
  }
#if defined(__x86_64__)
  if (std::strcmp(isa, "avx512") == 0 && cpu_avx512()) {
    g_isa = &kAvx512;
    return true;
  }
  if (std::strcmp(isa, "avx2") == 0 && cpu_avx2()) {
    g_isa = &kAvx2;
    return true;
  }
#endif
  return false;
}

void k_adam(float* p, const float* g, float* m, float* v, int64_t n, const AdamParams& a) {
  AdamF f;
  f.shrink = static_cast<float>(a.decoupled ? 1.0 - a.lr * a.weightDecay : 1.0);
  f.gsign = a.maximize ? -1.0f : 1.0f;
  f.l2 = static_cast<float>(a.decoupled ? 0.0 : a.weightDecay);
  f.c1 = static_cast<float>(1.0 - a.beta1);
  f.beta2 = static_cast<float>(a.beta2);
  f.c2 = static_cast<float>(1.0 - a.beta2);
  f.stepSize = static_cast<float>(a.lr / (1.0 - std::pow(a.beta1, a.step)));
  f.invBc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(a.beta2, a.step)));
  f.eps = static_cast<float>(a.eps);
  const AdamRangeFn fn = g_isa->adam;
  split(n, [&](int64_t b, int64_t e) { fn(p + b, g + b, m + b, v + b, e - b, f); });
}

void k_sgd(float* p, const float* g, float* buf, int64_t n, const SgdParams& s) {
  SgdF f;
  f.gsign = s.maximize ? -1.0f : 1.0f;
  f.wd = static_cast<float>(s.weightDecay);
  f.mu = static_cast<float>(s.momentum);
  f.damp = static_cast<float>(1.0 - s.dampening);
  f.lr = static_cast<float>(s.lr);
  f.fresh = s.fresh;
  f.nesterov = s.nesterov;
  const SgdRangeFn fn = g_isa->sgd;
  split(n, [&](int64_t b, int64_t e) { fn(p + b, g + b, buf == nullptr ? nullptr : buf + b, e - b, f); });
}

}  // namespace bp
