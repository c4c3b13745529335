// Fused optimizer updates over contiguous float32 parameters. Each element is computed in
// double and rounded once on store, the same arithmetic as the JS update rules (whose typed
// arrays round exactly where these stores do), so results agree to float32 rounding.
#include <cmath>

#include "kernels.h"
#include "pool.h"

namespace bp {

namespace {

// Below this many elements per thread the hand-off costs more than the work saves.
constexpr int64_t kAdamGrain = 1 << 18;

}  // namespace

void k_adam(float* p, const float* g, float* m, float* v, int64_t n, const AdamParams& a) {
  const double sign = a.maximize ? -1.0 : 1.0;
  const double stepSize = a.lr / (1.0 - std::pow(a.beta1, a.step));
  const double bc2Sqrt = std::sqrt(1.0 - std::pow(a.beta2, a.step));
  const double shrink = a.decoupled ? 1.0 - a.lr * a.weightDecay : 1.0;
  const double l2 = a.decoupled ? 0.0 : a.weightDecay;
  const double c1 = 1.0 - a.beta1, c2 = 1.0 - a.beta2, beta2 = a.beta2, eps = a.eps;
  const bool plain = shrink == 1.0 && l2 == 0.0;
  auto run = [=](int64_t b, int64_t e) {
    if (plain) {
      // As the JS fast path: m and v enter the step unrounded, sqrt(v) scaled by 1 / bc2.
      const double scale = 1.0 / bc2Sqrt;
      for (int64_t i = b; i < e; i++) {
        const double gi = sign * static_cast<double>(g[i]);
        const double mo = m[i];
        const double mi = mo + c1 * (gi - mo);
        const double vi = beta2 * static_cast<double>(v[i]) + c2 * gi * gi;
        m[i] = static_cast<float>(mi);
        v[i] = static_cast<float>(vi);
        p[i] = static_cast<float>(static_cast<double>(p[i]) - (stepSize * mi) / (std::sqrt(vi) * scale + eps));
      }
    } else {
      // As the JS general path: p, m and v are stored (rounded) before they are read again.
      for (int64_t i = b; i < e; i++) {
        const float ps = static_cast<float>(static_cast<double>(p[i]) * shrink);
        const double gi = sign * static_cast<double>(g[i]) + l2 * static_cast<double>(ps);
        const double mo = m[i];
        const float mi = static_cast<float>(mo + c1 * (gi - mo));
        const float vi = static_cast<float>(beta2 * static_cast<double>(v[i]) + c2 * gi * gi);
        m[i] = mi;
        v[i] = vi;
        p[i] = static_cast<float>(static_cast<double>(ps) - (stepSize * static_cast<double>(mi)) / (std::sqrt(static_cast<double>(vi)) / bc2Sqrt + eps));
      }
    }
  };
  int nt = num_threads();
  if (n / kAdamGrain < nt) nt = static_cast<int>(n / kAdamGrain);
  if (nt <= 1 || inside_parallel()) {
    run(0, n);
    return;
  }
  auto task = [&](int t, int nthreads) {
    int64_t b, e;
    split_range(n, t, nthreads, b, e);
    run(b, e);
  };
  parallel(nt, task);
}

}  // namespace bp
