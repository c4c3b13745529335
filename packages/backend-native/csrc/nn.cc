// matmul, convolution (im2col / col2im around the packed GEMM) and pooling kernels.
// Operands of conv and pooling arrive contiguous (the JS side copies other views first).
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "kernels.h"
#include "pool.h"

namespace bp {
namespace {

template <typename T>
void gemm_t(int64_t m, int64_t n, int64_t k, const T* a, int64_t ars, int64_t acs, const T* b, int64_t brs, int64_t bcs,
            T* c, int64_t ldc, bool acc, int nt);
template <>
void gemm_t<float>(int64_t m, int64_t n, int64_t k, const float* a, int64_t ars, int64_t acs, const float* b, int64_t brs,
                   int64_t bcs, float* c, int64_t ldc, bool acc, int nt) {
  sgemm(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, acc, nt);
}
template <>
void gemm_t<double>(int64_t m, int64_t n, int64_t k, const double* a, int64_t ars, int64_t acs, const double* b,
                    int64_t brs, int64_t bcs, double* c, int64_t ldc, bool acc, int nt) {
  dgemm(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, acc, nt);
}

// Integer and bool products: plain loops in double, stored with JS conversion.
template <typename T>
void matmul_slow(const View& a, const View& b, const View& o) {
  const int64_t B = a.shape[0], M = a.shape[1], K = a.shape[2], N = b.shape[2];
  const T* ad = a.ptr<T>();
  const T* bd = b.ptr<T>();
  T* od = o.ptr<T>() + o.off;
  for (int64_t z = 0; z < B; z++)
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) {
        double s = 0;
        for (int64_t q = 0; q < K; q++)
          s += static_cast<double>(ad[a.off + z * a.strides[0] + i * a.strides[1] + q * a.strides[2]]) *
               static_cast<double>(bd[b.off + z * b.strides[0] + q * b.strides[1] + j * b.strides[2]]);
        od[(z * M + i) * N + j] = Conv<T>::put(s);
      }
}

template <typename T>
void matmul_fast(const View& a, const View& b, const View& o) {
  const int64_t B = a.shape[0], M = a.shape[1], K = a.shape[2], N = b.shape[2];
  const T* ad = a.ptr<T>();
  const T* bd = b.ptr<T>();
  T* od = o.ptr<T>() + o.off;
  const int nt = num_threads();
  const double flops = 2.0 * M * N * K;
  if (B >= 2 && nt > 1 && flops < 4e6 * nt) {
    // Many small products: one per thread at a time, each with its own pack buffers.
    auto task = [&](int t, int n) {
      int64_t z0, z1;
      split_range(B, t, n, z0, z1);
      for (int64_t z = z0; z < z1; z++)
        gemm_t<T>(M, N, K, ad + a.off + z * a.strides[0], a.strides[1], a.strides[2], bd + b.off + z * b.strides[0],
                  b.strides[1], b.strides[2], od + z * M * N, N, false, 1);
    };
    parallel(static_cast<int>(B < nt ? B : nt), task);
    return;
  }
  for (int64_t z = 0; z < B; z++)
    gemm_t<T>(M, N, K, ad + a.off + z * a.strides[0], a.strides[1], a.strides[2], bd + b.off + z * b.strides[0],
              b.strides[1], b.strides[2], od + z * M * N, N, false, nt);
}

template <typename T>
T* scratch(size_t n) {
  // One growing scratch buffer per thread (column matrices, partial sums), reused forever.
  static thread_local void* p = nullptr;
  static thread_local size_t have = 0;
  const size_t bytes = n * sizeof(T);
  if (have < bytes) {
    std::free(p);
    p = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    if (p == nullptr) std::abort();
    have = bytes;
  }
  return static_cast<T*>(p);
}

template <typename T>
void im2col(const T* x, const ConvGeom& g, int64_t c0, int64_t cg, T* col) {
  const int64_t p = g.oh * g.ow;
  int64_t row = 0;
  for (int64_t c = 0; c < cg; c++) {
    const T* plane = x + (c0 + c) * g.h * g.w;
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++, row++) {
        T* d = col + row * p;
        for (int64_t y = 0; y < g.oh; y++, d += g.ow) {
          const int64_t iy = y * g.sh - g.pt + i * g.dh;
          if (iy < 0 || iy >= g.h) {
            std::memset(d, 0, g.ow * sizeof(T));
            continue;
          }
          const T* line = plane + iy * g.w;
          int64_t ix = j * g.dw - g.pl;
          if (g.sw == 1 && ix >= 0 && ix + g.ow <= g.w) {
            std::memcpy(d, line + ix, g.ow * sizeof(T));
          } else {
            for (int64_t xo = 0; xo < g.ow; xo++, ix += g.sw) d[xo] = ix >= 0 && ix < g.w ? line[ix] : T(0);
          }
        }
      }
  }
}

template <typename T>
void col2im(const T* col, const ConvGeom& g, int64_t c0, int64_t cg, T* gx) {
  int64_t row = 0;
  const int64_t p = g.oh * g.ow;
  for (int64_t c = 0; c < cg; c++) {
    T* plane = gx + (c0 + c) * g.h * g.w;
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++, row++) {
        const T* d = col + row * p;
        for (int64_t y = 0; y < g.oh; y++, d += g.ow) {
          const int64_t iy = y * g.sh - g.pt + i * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          T* line = plane + iy * g.w;
          int64_t ix = j * g.dw - g.pl;
          for (int64_t xo = 0; xo < g.ow; xo++, ix += g.sw)
            if (ix >= 0 && ix < g.w) line[ix] += d[xo];
        }
      }
  }
}

// Images split across threads when there are enough of them; otherwise the GEMMs are threaded.
template <typename F>
void over_images(int64_t n, F& perImage, int& gemmThreads) {
  const int nt = num_threads();
  if (n >= nt && nt > 1) {
    gemmThreads = 1;
    auto task = [&](int t, int cnt) {
      int64_t b, e;
      split_range(n, t, cnt, b, e);
      for (int64_t i = b; i < e; i++) perImage(i, 1);
    };
    parallel(nt, task);
  } else {
    gemmThreads = nt;
    for (int64_t i = 0; i < n; i++) perImage(i, nt);
  }
}

template <typename T>
void conv_fwd(const View& xv, const View& wv, const View& ov, const ConvGeom& g) {
  const T* x = xv.ptr<T>() + xv.off;
  const T* w = wv.ptr<T>() + wv.off;
  T* o = ov.ptr<T>() + ov.off;
  const int64_t cg = g.c / g.groups, og = g.o / g.groups, p = g.oh * g.ow, ckk = cg * g.kh * g.kw;
  const bool pointwise = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h && g.ow == g.w;
  auto image = [&](int64_t n, int nt) {
    T* col = pointwise ? nullptr : scratch<T>(ckk * p);
    for (int64_t gr = 0; gr < g.groups; gr++) {
      const T* xi = x + n * g.c * g.h * g.w;
      const T* src = xi + gr * cg * g.h * g.w;
      if (!pointwise) {
        im2col(xi, g, gr * cg, cg, col);
        src = col;
      }
      gemm_t<T>(og, p, ckk, w + gr * og * ckk, ckk, 1, src, p, 1, o + (n * g.o + gr * og) * p, p, false, nt);
    }
  };
  int gt;
  over_images(g.n, image, gt);
}

template <typename T>
void conv_bwd_input(const View& gyv, const View& wv, const View& ov, const ConvGeom& g) {
  const T* gy = gyv.ptr<T>() + gyv.off;
  const T* w = wv.ptr<T>() + wv.off;
  T* o = ov.ptr<T>() + ov.off;
  const int64_t cg = g.c / g.groups, og = g.o / g.groups, p = g.oh * g.ow, ckk = cg * g.kh * g.kw;
  std::memset(o, 0, sizeof(T) * g.n * g.c * g.h * g.w);
  auto image = [&](int64_t n, int nt) {
    T* col = scratch<T>(ckk * p);
    for (int64_t gr = 0; gr < g.groups; gr++) {
      // col [ckk, p] = W_group^T [ckk, og] @ gy[n, group] [og, p]
      gemm_t<T>(ckk, p, og, w + gr * og * ckk, 1, ckk, gy + (n * g.o + gr * og) * p, p, 1, col, p, false, nt);
      col2im(col, g, gr * cg, cg, o + n * g.c * g.h * g.w);
    }
  };
  int gt;
  over_images(g.n, image, gt);
}

template <typename T>
void conv_bwd_weight(const View& xv, const View& gyv, const View& ov, const ConvGeom& g) {
  const T* x = xv.ptr<T>() + xv.off;
  const T* gy = gyv.ptr<T>() + gyv.off;
  T* o = ov.ptr<T>() + ov.off;
  const int64_t cg = g.c / g.groups, og = g.o / g.groups, p = g.oh * g.ow, ckk = cg * g.kh * g.kw;
  const int64_t wsize = g.o * ckk;
  const int nt = num_threads();
  const bool perThread = g.n >= nt && nt > 1;
  std::vector<T*> partial(nt, nullptr);
  // Each thread sums its images into its own partial gradient; the partials are added at the end.
  auto run = [&](int t, int cnt, int gemmThreads) {
    int64_t b = 0, e = g.n;
    if (cnt > 1) split_range(g.n, t, cnt, b, e);
    T* col = scratch<T>(ckk * p + wsize);
    T* acc = t == 0 ? o : col + ckk * p;
    partial[t] = acc;
    bool first = true;
    for (int64_t n = b; n < e; n++) {
      for (int64_t gr = 0; gr < g.groups; gr++) {
        im2col(x + n * g.c * g.h * g.w, g, gr * cg, cg, col);
        // gW_group [og, ckk] (+)= gy[n, group] [og, p] @ col^T [p, ckk]
        gemm_t<T>(og, ckk, p, gy + (n * g.o + gr * og) * p, p, 1, col, 1, p, acc + gr * og * ckk, ckk, !first, gemmThreads);
      }
      first = false;
    }
    if (first) std::memset(acc, 0, sizeof(T) * wsize);
  };
  if (perThread) {
    auto task = [&](int t, int cnt) { run(t, cnt, 1); };
    parallel(nt, task);
    // Threads that did not run (the pool was busy, so thread 0 took every image) left nullptr.
    for (int t = 1; t < nt; t++)
      if (partial[t] != nullptr)
        for (int64_t i = 0; i < wsize; i++) o[i] += partial[t][i];
  } else {
    run(0, 1, nt);
  }
}

template <typename T>
void maxpool(const View& xv, const View& ov, const View& iv, const PoolGeom& g) {
  const T* x = xv.ptr<T>() + xv.off;
  T* o = ov.ptr<T>() + ov.off;
  int32_t* id = iv.ptr<int32_t>() + iv.off;
  auto task = [&](int t, int cnt) {
    int64_t b, e;
    split_range(g.n * g.c, t, cnt, b, e);
    for (int64_t plane = b; plane < e; plane++) {
      const T* base = x + plane * g.h * g.w;
      T* op = o + plane * g.oh * g.ow;
      int32_t* ip = id + plane * g.oh * g.ow;
      for (int64_t y = 0; y < g.oh; y++)
        for (int64_t xo = 0; xo < g.ow; xo++) {
          T best = -INFINITY;
          int64_t where = -1;
          for (int64_t i = 0; i < g.kh; i++) {
            const int64_t iy = y * g.sh - g.ph + i * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (int64_t j = 0; j < g.kw; j++) {
              const int64_t ix = xo * g.sw - g.pw + j * g.dw;
              if (ix < 0 || ix >= g.w) continue;
              const T v = base[iy * g.w + ix];
              if (where < 0 || v > best || (v != v && best == best)) {
                best = v;
                where = iy * g.w + ix;
              }
            }
          }
          op[y * g.ow + xo] = best;
          ip[y * g.ow + xo] = static_cast<int32_t>(where);
        }
    }
  };
  const int nt = g.n * g.c * g.oh * g.ow * g.kh * g.kw >= (1 << 18) ? num_threads() : 1;
  parallel(nt, task);
}

template <typename T>
void maxpool_bwd(const View& gyv, const View& iv, const View& ov, const PoolGeom& g) {
  const T* gy = gyv.ptr<T>() + gyv.off;
  const int32_t* id = iv.ptr<int32_t>() + iv.off;
  T* o = ov.ptr<T>() + ov.off;
  const int64_t hw = g.h * g.w, p = g.oh * g.ow;
  // Indices come from user-visible tensors: check them all before writing anything.
  for (int64_t i = 0; i < g.n * g.c * p; i++)
    if (id[i] < -1 || id[i] >= hw)
      throw Error("maxPool2dBackward: index " + std::to_string(id[i]) + " at position " + std::to_string(i) +
                  " is outside its plane; expected -1 or an index in [0, " + std::to_string(hw) + ")");
  std::memset(o, 0, sizeof(T) * g.n * g.c * hw);
  for (int64_t plane = 0; plane < g.n * g.c; plane++) {
    T* ob = o + plane * hw;
    const T* gb = gy + plane * p;
    const int32_t* ib = id + plane * p;
    for (int64_t k = 0; k < p; k++)
      if (ib[k] >= 0) ob[ib[k]] += gb[k];
  }
}

int64_t taps(int64_t o, int64_t size, int64_t k, int64_t stride, int64_t pad, int64_t dil, bool includePad) {
  int64_t count = 0;
  for (int64_t i = 0; i < k; i++) {
    const int64_t at = o * stride - pad + i * dil;
    if (includePad ? at < size + pad : (at >= 0 && at < size)) count++;
  }
  return count;
}

template <typename T>
void avgpool(const View& xv, const View& ov, const PoolGeom& g) {
  const T* x = xv.ptr<T>() + xv.off;
  T* o = ov.ptr<T>() + ov.off;
  auto task = [&](int t, int cnt) {
    int64_t b, e;
    split_range(g.n * g.c, t, cnt, b, e);
    for (int64_t plane = b; plane < e; plane++) {
      const T* base = x + plane * g.h * g.w;
      T* op = o + plane * g.oh * g.ow;
      for (int64_t y = 0; y < g.oh; y++) {
        const int64_t ty = taps(y, g.h, g.kh, g.sh, g.ph, g.dh, g.includePad);
        for (int64_t xo = 0; xo < g.ow; xo++) {
          const int64_t count = ty * taps(xo, g.w, g.kw, g.sw, g.pw, g.dw, g.includePad);
          double total = 0;
          for (int64_t i = 0; i < g.kh; i++) {
            const int64_t iy = y * g.sh - g.ph + i * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (int64_t j = 0; j < g.kw; j++) {
              const int64_t ix = xo * g.sw - g.pw + j * g.dw;
              if (ix >= 0 && ix < g.w) total += base[iy * g.w + ix];
            }
          }
          op[y * g.ow + xo] = count > 0 ? static_cast<T>(total / count) : T(0);
        }
      }
    }
  };
  const int nt = g.n * g.c * g.oh * g.ow * g.kh * g.kw >= (1 << 18) ? num_threads() : 1;
  parallel(nt, task);
}

template <typename T>
void avgpool_bwd(const View& gyv, const View& ov, const PoolGeom& g) {
  const T* gy = gyv.ptr<T>() + gyv.off;
  T* o = ov.ptr<T>() + ov.off;
  std::memset(o, 0, sizeof(T) * g.n * g.c * g.h * g.w);
  auto task = [&](int t, int cnt) {
    int64_t b, e;
    split_range(g.n * g.c, t, cnt, b, e);
    for (int64_t plane = b; plane < e; plane++) {
      T* base = o + plane * g.h * g.w;
      const T* gp = gy + plane * g.oh * g.ow;
      for (int64_t y = 0; y < g.oh; y++) {
        const int64_t ty = taps(y, g.h, g.kh, g.sh, g.ph, g.dh, g.includePad);
        for (int64_t xo = 0; xo < g.ow; xo++) {
          const int64_t count = ty * taps(xo, g.w, g.kw, g.sw, g.pw, g.dw, g.includePad);
          if (count == 0) continue;
          const T share = static_cast<T>(static_cast<double>(gp[y * g.ow + xo]) / count);
          for (int64_t i = 0; i < g.kh; i++) {
            const int64_t iy = y * g.sh - g.ph + i * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (int64_t j = 0; j < g.kw; j++) {
              const int64_t ix = xo * g.sw - g.pw + j * g.dw;
              if (ix >= 0 && ix < g.w) base[iy * g.w + ix] += share;
            }
          }
        }
      }
    }
  };
  const int nt = g.n * g.c * g.oh * g.ow * g.kh * g.kw >= (1 << 18) ? num_threads() : 1;
  parallel(nt, task);
}

void need_float(const View& v, const char* kernel) {
  if (v.dt != F32 && v.dt != F64) throw Error(std::string(kernel) + ": native kernel takes float32 or float64");
}

}  // namespace

void k_matmul(const View& a, const View& b, const View& o) {
  switch (a.dt) {
    case F32: matmul_fast<float>(a, b, o); break;
    case F64: matmul_fast<double>(a, b, o); break;
    case I32: matmul_slow<int32_t>(a, b, o); break;
    default: matmul_slow<uint8_t>(a, b, o); break;
  }
}

#define BP_FLOAT(dt, T, ...) \
  if ((dt) == F32) {         \
    typedef float T;         \
    __VA_ARGS__;             \
  } else {                   \
    typedef double T;        \
    __VA_ARGS__;             \
  }

void k_conv2d(const View& x, const View& w, const View& o, const ConvGeom& g) {
  need_float(x, "conv2d");
  BP_FLOAT(x.dt, T, conv_fwd<T>(x, w, o, g));
}
void k_conv2d_backward_input(const View& gy, const View& w, const View& o, const ConvGeom& g) {
  need_float(gy, "conv2dBackwardInput");
  BP_FLOAT(gy.dt, T, conv_bwd_input<T>(gy, w, o, g));
}
void k_conv2d_backward_weight(const View& x, const View& gy, const View& o, const ConvGeom& g) {
  need_float(x, "conv2dBackwardWeight");
  BP_FLOAT(x.dt, T, conv_bwd_weight<T>(x, gy, o, g));
}
void k_maxpool(const View& x, const View& o, const View& idx, const PoolGeom& g) {
  need_float(x, "maxPool2d");
  BP_FLOAT(x.dt, T, maxpool<T>(x, o, idx, g));
}
void k_maxpool_backward(const View& gy, const View& idx, const View& o, const PoolGeom& g) {
  need_float(gy, "maxPool2dBackward");
  BP_FLOAT(gy.dt, T, maxpool_bwd<T>(gy, idx, o, g));
}
void k_avgpool(const View& x, const View& o, const PoolGeom& g) {
  need_float(x, "avgPool2d");
  BP_FLOAT(x.dt, T, avgpool<T>(x, o, g));
}
void k_avgpool_backward(const View& gy, const View& o, const PoolGeom& g) {
  need_float(gy, "avgPool2dBackward");
  BP_FLOAT(gy.dt, T, avgpool_bwd<T>(gy, o, g));
}

}  // namespace bp
