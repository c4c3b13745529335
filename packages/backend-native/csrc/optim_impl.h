// The optimizer loops, written so the compiler vectorizes them for whatever ISA the including
// file is built for. The including file defines BP_OPTIM_SUFFIX (portable, avx2, avx512).
#include "optim.h"

#include <cmath>

#define BP_CAT2(a, b) a##_##b
#define BP_CAT(a, b) BP_CAT2(a, b)

namespace bp {

void BP_CAT(adam_range, BP_OPTIM_SUFFIX)(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, int64_t n,
                                         const AdamF& a) {
  const float shrink = a.shrink, gsign = a.gsign, l2 = a.l2, c1 = a.c1, beta2 = a.beta2, c2 = a.c2, stepSize = a.stepSize,
              invBc2 = a.invBc2, eps = a.eps;
#pragma GCC ivdep
  for (int64_t i = 0; i < n; i++) {
    const float pi = p[i] * shrink;
    const float gi = gsign * g[i] + l2 * pi;
    const float mi = m[i] + c1 * (gi - m[i]);
    const float vi = beta2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - stepSize * mi / (std::sqrt(vi) * invBc2 + eps);
  }
}

namespace {
template <bool BUF, bool FRESH, bool NESTEROV>
inline void BP_CAT(sgd_loop, BP_OPTIM_SUFFIX)(float* __restrict p, const float* __restrict g, float* __restrict b, int64_t n, const SgdF& s) {
  const float gsign = s.gsign, wd = s.wd, mu = s.mu, damp = s.damp, lr = s.lr;
#pragma GCC ivdep
  for (int64_t i = 0; i < n; i++) {
    float d = gsign * g[i] + wd * p[i];
    if (BUF) {
      const float bi = FRESH ? d : mu * b[i] + damp * d;
      b[i] = bi;
      d = NESTEROV ? d + mu * bi : bi;
    }
    p[i] = p[i] - lr * d;
  }
}
}  // namespace

void BP_CAT(sgd_range, BP_OPTIM_SUFFIX)(float* p, const float* g, float* b, int64_t n, const SgdF& s) {
  if (b == nullptr) BP_CAT(sgd_loop, BP_OPTIM_SUFFIX)<false, false, false>(p, g, b, n, s);
  else if (s.fresh && s.nesterov) BP_CAT(sgd_loop, BP_OPTIM_SUFFIX)<true, true, true>(p, g, b, n, s);
  else if (s.fresh) BP_CAT(sgd_loop, BP_OPTIM_SUFFIX)<true, true, false>(p, g, b, n, s);
  else if (s.nesterov) BP_CAT(sgd_loop, BP_OPTIM_SUFFIX)<true, false, true>(p, g, b, n, s);
  else BP_CAT(sgd_loop, BP_OPTIM_SUFFIX)<true, false, false>(p, g, b, n, s);
}

}  // namespace bp
