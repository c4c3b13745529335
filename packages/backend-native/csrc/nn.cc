// matmul, convolution (im2col / col2im around the packed GEMM) and pooling kernels.
// Operands of conv and pooling arrive contiguous (the JS side copies other views first).
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "block.h"
#include "gemm.h"
#include "kernels.h"
#include "pool.h"

namespace bp {
namespace {

#if defined(__x86_64__)
const BlockIsa kBlockAvx512 = {block_copy_avx512, col2im_plane_avx512, maxpool2x2_row_avx512};
const BlockIsa kBlockAvx2 = {block_copy_avx2, col2im_plane_avx2, nullptr};
#endif
const BlockIsa kBlockPortable = {nullptr, nullptr, nullptr};

const BlockIsa* best_block() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return &kBlockAvx512;
  if (__builtin_cpu_supports("avx2")) return &kBlockAvx2;
#endif
  return &kBlockPortable;
}

const BlockIsa* g_block = best_block();

}  // namespace

const BlockIsa& block_isa() { return *g_block; }

bool block_select(const char* isa) {
  if (std::strcmp(isa, "portable") == 0) {
    g_block = &kBlockPortable;
    return true;
  }
#if defined(__x86_64__)
  if (std::strcmp(isa, "avx512") == 0 && __builtin_cpu_supports("avx512f")) {
    g_block = &kBlockAvx512;
    return true;
  }
  if (std::strcmp(isa, "avx2") == 0 && __builtin_cpu_supports("avx2")) {
    g_block = &kBlockAvx2;
    return true;
  }
#endif
  return false;
}

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

// The ISA's row kernels for T: float32 only; other dtypes get none (the scalar loops).
template <typename T>
inline const BlockIsa& row_kernels() { return kBlockPortable; }
template <>
inline const BlockIsa& row_kernels<float>() { return block_isa(); }

// The output rows [y0, y1) of kernel row i whose input row y * sh - pt + i * dh lies inside
// the image (they are contiguous: the input row grows with y).
inline void inside_rows(const ConvGeom& g, int64_t i, int64_t& y0, int64_t& y1) {
  const int64_t lo = g.pt - i * g.dh, hi = g.h + g.pt - i * g.dh;  // need lo <= y * sh < hi
  y0 = lo <= 0 ? 0 : (lo + g.sh - 1) / g.sh;
  y1 = hi <= 0 ? 0 : (hi - 1) / g.sh + 1;
  if (y0 > g.oh) y0 = g.oh;
  if (y1 > g.oh) y1 = g.oh;
  if (y1 < y0) y1 = y0;
}

// im2col of channels [c0, c0 + cg) of one image into col (rows ckk, row stride ld).
template <typename T>
void im2col(const T* x, const ConvGeom& g, int64_t c0, int64_t cg, T* col, int64_t ld) {
  const BlockFn copy = row_kernels<T>().copy;
  int64_t row = 0;
  for (int64_t c = 0; c < cg; c++) {
    const T* plane = x + (c0 + c) * g.h * g.w;
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++, row++) {
        T* d = col + row * ld;
        const int64_t ix0 = j * g.dw - g.pl;
        if (copy != nullptr && g.sw == 1 && ix0 >= 0 && ix0 + g.ow <= g.w) {
          // Every output column reads inside the row: the rows inside the image are one block.
          int64_t y0, y1;
          inside_rows(g, i, y0, y1);
          for (int64_t q = 0; q < y0 * g.ow; q++) d[q] = T(0);
          for (int64_t q = y1 * g.ow; q < g.oh * g.ow; q++) d[q] = T(0);
          if (y1 > y0)
            copy(reinterpret_cast<const float*>(plane + (y0 * g.sh - g.pt + i * g.dh) * g.w + ix0), g.sh * g.w,
                 reinterpret_cast<float*>(d + y0 * g.ow), g.ow, y1 - y0, g.ow);
          continue;
        }
        for (int64_t y = 0; y < g.oh; y++, d += g.ow) {
          const int64_t iy = y * g.sh - g.pt + i * g.dh;
          if (iy < 0 || iy >= g.h) {
            for (int64_t xo = 0; xo < g.ow; xo++) d[xo] = T(0);
            continue;
          }
          const T* line = plane + iy * g.w;
          int64_t ix = j * g.dw - g.pl;
          if (g.sw == 1 && ix >= 0 && ix + g.ow <= g.w) {
            // Rows are short (tens of elements): an inline loop beats a memcpy call.
            const T* s = line + ix;
            for (int64_t xo = 0; xo < g.ow; xo++) d[xo] = s[xo];
          } else {
            for (int64_t xo = 0; xo < g.ow; xo++, ix += g.sw) d[xo] = ix >= 0 && ix < g.w ? line[ix] : T(0);
          }
        }
      }
  }
}

// True when col2im writes every element of its planes itself (the ISA's plane gather), so the
// gradient needs no zeroing first.
template <typename T>
inline bool col2im_writes(const ConvGeom& g) {
  return row_kernels<T>().col2imPlane != nullptr && g.sw == 1;
}

// Adds col (rows ckk, row stride ld) back into channels [c0, c0 + cg) of one image's gradient
// (or, where col2im_writes, writes them).
template <typename T>
void col2im(const T* col, int64_t ld, const ConvGeom& g, int64_t c0, int64_t cg, T* gx) {
  if (col2im_writes<T>(g)) {
    const PlaneFn gather = row_kernels<T>().col2imPlane;
    for (int64_t c = 0; c < cg; c++)
      gather(reinterpret_cast<const float*>(col + c * g.kh * g.kw * ld), ld, g, reinterpret_cast<float*>(gx + (c0 + c) * g.h * g.w));
    return;
  }
  int64_t row = 0;
  for (int64_t c = 0; c < cg; c++) {
    T* plane = gx + (c0 + c) * g.h * g.w;
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++, row++) {
        const T* d = col + row * ld;
        for (int64_t y = 0; y < g.oh; y++, d += g.ow) {
          const int64_t iy = y * g.sh - g.pt + i * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          T* line = plane + iy * g.w;
          int64_t ix = j * g.dw - g.pl;
          if (g.sw == 1 && ix >= 0 && ix + g.ow <= g.w) {
            T* t = line + ix;
            for (int64_t xo = 0; xo < g.ow; xo++) t[xo] += d[xo];
          } else {
            for (int64_t xo = 0; xo < g.ow; xo++, ix += g.sw)
              if (ix >= 0 && ix < g.w) line[ix] += d[xo];
          }
        }
      }
  }
}

// Convolutions run one GEMM per batch of images (per group): the images' columns side by
// side, so the GEMM sees at least ~512 columns even for small images and packs the weight once
// per batch. Forward and input-gradient batches are independent and go to the pool's threads
// (each GEMM then single-threaded); a lone batch gets a threaded GEMM instead.
struct ConvBatch {
  int64_t cg, og, p, ckk, nb;
  explicit ConvBatch(const ConvGeom& g) {
    cg = g.c / g.groups, og = g.o / g.groups, p = g.oh * g.ow, ckk = cg * g.kh * g.kw;
    nb = p > 0 ? (512 + p - 1) / p : 1;
    // Keep the column matrix under 4M elements.
    const int64_t cap = ckk * p > 0 ? (int64_t(1) << 22) / (ckk * p) : nb;
    if (nb > cap) nb = cap;
    if (nb > g.n) nb = g.n;
    if (nb < 1) nb = 1;
  }
};

// Copies rows [r0, r0 + rows) of each image's [rowsTotal, p] block for images [n0, n0 + b)
// into (toBatch) or out of a [rows, b * p] matrix; out of it, bias[r] (when not null) is
// added to row r on the way.
template <typename T>
void batch_rows(T* img, int64_t imgStride, int64_t p, int64_t b, int64_t rows, T* mat, bool toBatch, const T* bias = nullptr) {
  const int64_t cols = b * p;
  for (int64_t i = 0; i < b; i++)
    for (int64_t r = 0; r < rows; r++) {
      T* x = img + i * imgStride + r * p;
      T* m = mat + r * cols + i * p;
      if (toBatch) {
        for (int64_t q = 0; q < p; q++) m[q] = x[q];
      } else if (bias != nullptr) {
        const T add = bias[r];
        for (int64_t q = 0; q < p; q++) x[q] = m[q] + add;
      } else {
        for (int64_t q = 0; q < p; q++) x[q] = m[q];
      }
    }
}

template <typename T>
void conv_fwd(const View& xv, const View& wv, const View& ov, const ConvGeom& g, const View* biasv) {
  const T* x = xv.ptr<T>() + xv.off;
  const T* w = wv.ptr<T>() + wv.off;
  T* o = ov.ptr<T>() + ov.off;
  // The bias is added as each batch's output leaves the GEMM (still in cache).
  const T* bias = biasv == nullptr ? nullptr : biasv->ptr<T>() + biasv->off;
  const ConvBatch cb(g);
  const int64_t batches = (g.n + cb.nb - 1) / cb.nb;
  auto run = [&](int64_t b0, int64_t b1) {
    const int nt = inside_parallel() ? 1 : num_threads();
    T* col = scratch<T>((cb.ckk + cb.og) * cb.nb * cb.p);
    T* tmp = col + cb.ckk * cb.nb * cb.p;
    for (int64_t bi = b0; bi < b1; bi++) {
      const int64_t n0 = bi * cb.nb, b = g.n - n0 < cb.nb ? g.n - n0 : cb.nb, cols = b * cb.p;
      for (int64_t gr = 0; gr < g.groups; gr++) {
        for (int64_t i = 0; i < b; i++) im2col(x + (n0 + i) * g.c * g.h * g.w, g, gr * cb.cg, cb.cg, col + i * cb.p, cols);
        T* out = o + (n0 * g.o + gr * cb.og) * cb.p;
        // One image writes straight into the output; a batch goes through tmp [og, cols].
        gemm_t<T>(cb.og, cols, cb.ckk, w + gr * cb.og * cb.ckk, cb.ckk, 1, col, cols, 1, b == 1 ? out : tmp, cols, false, nt);
        const T* bg = bias == nullptr ? nullptr : bias + gr * cb.og;
        if (b > 1) {
          batch_rows(out, g.o * cb.p, cb.p, b, cb.og, tmp, false, bg);
        } else if (bg != nullptr) {
          for (int64_t r = 0; r < cb.og; r++)
            for (int64_t q = 0; q < cb.p; q++) out[r * cb.p + q] += bg[r];
        }
      }
    }
  };
  parallel_for(batches > 1 ? num_threads() : 1, batches, 1, run);
}

template <typename T>
void conv_bwd_input(const View& gyv, const View& wv, const View& ov, const ConvGeom& g) {
  const T* gy = gyv.ptr<T>() + gyv.off;
  const T* w = wv.ptr<T>() + wv.off;
  T* o = ov.ptr<T>() + ov.off;
  const ConvBatch cb(g);
  if (!col2im_writes<T>(g)) std::memset(o, 0, sizeof(T) * g.n * g.c * g.h * g.w);
  const int64_t batches = (g.n + cb.nb - 1) / cb.nb;
  auto run = [&](int64_t b0, int64_t b1) {
    const int nt = inside_parallel() ? 1 : num_threads();
    T* col = scratch<T>((cb.ckk + cb.og) * cb.nb * cb.p);
    T* gyb = col + cb.ckk * cb.nb * cb.p;
    for (int64_t bi = b0; bi < b1; bi++) {
      const int64_t n0 = bi * cb.nb, b = g.n - n0 < cb.nb ? g.n - n0 : cb.nb, cols = b * cb.p;
      for (int64_t gr = 0; gr < g.groups; gr++) {
        const T* src = gy + (n0 * g.o + gr * cb.og) * cb.p;
        if (b > 1) {
          batch_rows(const_cast<T*>(src), g.o * cb.p, cb.p, b, cb.og, gyb, true);
          src = gyb;
        }
        // col [ckk, cols] = W_group^T [ckk, og] @ gy batch [og, cols]
        gemm_t<T>(cb.ckk, cols, cb.og, w + gr * cb.og * cb.ckk, 1, cb.ckk, src, cols, 1, col, cols, false, nt);
        for (int64_t i = 0; i < b; i++) col2im(col + i * cb.p, cols, g, gr * cb.cg, cb.cg, o + (n0 + i) * g.c * g.h * g.w);
      }
    }
  };
  parallel_for(batches > 1 ? num_threads() : 1, batches, 1, run);
}

template <typename T>
T* partial_sums(size_t n) {
  // The calling thread's buffer for per-chunk partial weight gradients, reused forever.
  static thread_local std::vector<T> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

template <typename T>
void conv_bwd_weight(const View& xv, const View& gyv, const View& ov, const ConvGeom& g) {
  const T* x = xv.ptr<T>() + xv.off;
  const T* gy = gyv.ptr<T>() + gyv.off;
  T* o = ov.ptr<T>() + ov.off;
  const ConvBatch cb(g);
  const int64_t wsize = g.groups * cb.og * cb.ckk;
  if (g.n == 0) {
    std::memset(o, 0, sizeof(T) * wsize);
    return;
  }
  // With fewer weight columns than output channels (a first layer: ckk = 9, og = 32) the
  // transposed product gW^T [ckk, og] fills the GEMM's tiles better; it is transposed at the end.
  const bool transposed = cb.ckk < cb.og;
  // Threads take contiguous runs of image batches, each summing its own partial gradient from
  // its own column and gradient buffers (the pattern of the forward pass): a thread never
  // writes memory that another has just read, which costs a cross-core invalidation per line
  // (a shared column matrix, rewritten each batch while the other thread read it, made this
  // 1.2x slower on two threads than on one). The partials are added up at the end.
  const int64_t batches = (g.n + cb.nb - 1) / cb.nb;
  const int nt = inside_parallel() ? 1 : num_threads();
  const int64_t per = (batches + nt - 1) / nt;
  const int64_t chunks = (batches + per - 1) / per;
  T* parts = partial_sums<T>(static_cast<size_t>(chunks * wsize));
  auto run = [&](int64_t b0, int64_t b1) {
    T* part = parts + (b0 / per) * wsize;
    T* col = scratch<T>((cb.ckk + cb.og) * cb.nb * cb.p);
    T* gyb = col + cb.ckk * cb.nb * cb.p;
    // A lone chunk multiplies on every thread; a chunk among several runs on its own thread.
    const int gnt = chunks > 1 ? 1 : nt;
    for (int64_t bi = b0; bi < b1; bi++) {
      const int64_t n0 = bi * cb.nb, b = g.n - n0 < cb.nb ? g.n - n0 : cb.nb, cols = b * cb.p;
      const bool acc = bi > b0;
      for (int64_t gr = 0; gr < g.groups; gr++) {
        for (int64_t i = 0; i < b; i++) im2col(x + (n0 + i) * g.c * g.h * g.w, g, gr * cb.cg, cb.cg, col + i * cb.p, cols);
        const T* src = gy + (n0 * g.o + gr * cb.og) * cb.p;
        if (b > 1) {
          batch_rows(const_cast<T*>(src), g.o * cb.p, cb.p, b, cb.og, gyb, true);
          src = gyb;
        }
        T* dst = part + gr * cb.og * cb.ckk;
        if (transposed) {
          // gW_group^T [ckk, og] (+)= col [ckk, cols] @ gy batch^T [cols, og]
          gemm_t<T>(cb.ckk, cb.og, cols, col, cols, 1, src, 1, cols, dst, cb.og, acc, gnt);
        } else {
          // gW_group [og, ckk] (+)= gy batch [og, cols] @ col^T [cols, ckk]
          gemm_t<T>(cb.og, cb.ckk, cols, src, cols, 1, col, 1, cols, dst, cb.ckk, acc, gnt);
        }
      }
    }
  };
  parallel_for(static_cast<int>(chunks), batches, per, run);
  for (int64_t gr = 0; gr < g.groups; gr++) {
    for (int64_t oc = 0; oc < cb.og; oc++) {
      T* out = o + (gr * cb.og + oc) * cb.ckk;
      for (int64_t q = 0; q < cb.ckk; q++) {
        // Element (oc, q) of group gr in a partial: at [oc, q], or at [q, oc] when transposed.
        const int64_t at = gr * cb.og * cb.ckk + (transposed ? q * cb.og + oc : oc * cb.ckk + q);
        T sum = parts[at];
        for (int64_t c = 1; c < chunks; c++) sum += parts[c * wsize + at];
        out[q] = sum;
      }
    }
  }
}

// Runs task(begin, end) over ranges of the n * c planes, on the pool when the work is large.
template <typename F>
void pool_planes(const PoolGeom& g, F& task) {
  const int64_t planes = g.n * g.c;
  const int nt = planes * g.oh * g.ow * g.kh * g.kw >= (1 << 18) ? num_threads() : 1;
  const int64_t chunk = planes / (static_cast<int64_t>(nt) * 8);
  parallel_for(nt, planes, chunk < 1 ? 1 : chunk, task);
}

// Max pooling's order of taps: a later tap replaces the best so far when it is larger, or when
// it is NaN and the best is not (the first maximum wins; a NaN beats any number).
template <typename T>
inline bool beats(T v, T best) {
  return v > best || (v != v && best == best);
}

template <typename T>
void maxpool(const View& xv, const View& ov, const View& iv, const PoolGeom& g) {
  const T* x = xv.ptr<T>() + xv.off;
  T* o = ov.ptr<T>() + ov.off;
  int32_t* id = iv.ptr<int32_t>() + iv.off;
  // Every window inside the input (no padding reached, no ceil-mode overhang): a branch-free
  // loop, since on random data the comparisons mispredict about half the time.
  const bool inside = g.ph == 0 && g.pw == 0 && g.oh > 0 && g.ow > 0 && (g.oh - 1) * g.sh + (g.kh - 1) * g.dh < g.h &&
                      (g.ow - 1) * g.sw + (g.kw - 1) * g.dw < g.w;
  const bool pool2x2 = g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1;
  const Pool2Fn row2 = row_kernels<T>().maxpool2x2Row;
  auto task = [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; plane++) {
      const T* base = x + plane * g.h * g.w;
      T* op = o + plane * g.oh * g.ow;
      int32_t* ip = id + plane * g.oh * g.ow;
      if (inside && pool2x2 && row2 != nullptr) {
        for (int64_t y = 0; y < g.oh; y++)
          row2(reinterpret_cast<const float*>(base + 2 * y * g.w), g.w, g.ow, static_cast<int32_t>(2 * y * g.w),
               reinterpret_cast<float*>(op + y * g.ow), ip + y * g.ow);
        continue;
      }
      if (inside && pool2x2) {
        // The common 2 x 2, stride 2 window: its four taps in one pass per output.
        for (int64_t y = 0; y < g.oh; y++) {
          const T* r0 = base + 2 * y * g.w;
          const T* r1 = r0 + g.w;
          T* best = op + y * g.ow;
          int32_t* where = ip + y * g.ow;
          const int32_t at = static_cast<int32_t>(2 * y * g.w);
          const int32_t w = static_cast<int32_t>(g.w);
          for (int64_t xo = 0; xo < g.ow; xo++) {
            const int32_t a0 = at + 2 * static_cast<int32_t>(xo);
            T b = r0[2 * xo];
            int32_t bi = a0;
            const T v1 = r0[2 * xo + 1], v2 = r1[2 * xo], v3 = r1[2 * xo + 1];
            // Taps in window order.
            bool take = beats(v1, b);
            b = take ? v1 : b;
            bi = take ? a0 + 1 : bi;
            take = beats(v2, b);
            b = take ? v2 : b;
            bi = take ? a0 + w : bi;
            take = beats(v3, b);
            b = take ? v3 : b;
            bi = take ? a0 + w + 1 : bi;
            best[xo] = b;
            where[xo] = bi;
          }
        }
        continue;
      }
      if (inside) {
        // Tap by tap over a whole output row: the row loops carry no branch and vectorize.
        for (int64_t y = 0; y < g.oh; y++) {
          T* best = op + y * g.ow;
          int32_t* where = ip + y * g.ow;
          for (int64_t i = 0; i < g.kh; i++) {
            for (int64_t j = 0; j < g.kw; j++) {
              const int32_t at0 = static_cast<int32_t>((y * g.sh + i * g.dh) * g.w + j * g.dw);
              const int32_t step = static_cast<int32_t>(g.sw);
              const T* src = base + at0;
              if (i == 0 && j == 0) {
                for (int64_t xo = 0; xo < g.ow; xo++) {
                  best[xo] = src[xo * step];
                  where[xo] = at0 + static_cast<int32_t>(xo) * step;
                }
                continue;
              }
              for (int64_t xo = 0; xo < g.ow; xo++) {
                const T v = src[xo * step];
                const T b = best[xo];
                const bool take = beats(v, b);
                best[xo] = take ? v : b;
                where[xo] = take ? at0 + static_cast<int32_t>(xo) * step : where[xo];
              }
            }
          }
        }
        continue;
      }
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
              if (where < 0 || beats(v, best)) {
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
  pool_planes(g, task);
}

template <typename T>
void maxpool_bwd(const View& gyv, const View& iv, const View& ov, const PoolGeom& g) {
  const T* gy = gyv.ptr<T>() + gyv.off;
  const int32_t* id = iv.ptr<int32_t>() + iv.off;
  T* o = ov.ptr<T>() + ov.off;
  const int64_t hw = g.h * g.w, p = g.oh * g.ow;
  // Indices come from user-visible tensors: check them all before writing anything.
  std::atomic<int64_t> bad{INT64_MAX};
  auto check = [&](int64_t b, int64_t e) {
    for (int64_t i = b * p; i < e * p; i++)
      if (id[i] < -1 || id[i] >= hw) {
        for (int64_t seen = bad.load(); i < seen && !bad.compare_exchange_weak(seen, i);) {}
        return;
      }
  };
  pool_planes(g, check);
  const int64_t i = bad.load();
  if (i != INT64_MAX)
    throw Error("maxPool2dBackward: index " + std::to_string(id[i]) + " at position " + std::to_string(i) +
                " is outside its plane; expected -1 or an index in [0, " + std::to_string(hw) + ")",
                "ValueError");
  auto scatter = [&](int64_t b, int64_t e) {
    std::memset(o + b * hw, 0, sizeof(T) * (e - b) * hw);
    for (int64_t plane = b; plane < e; plane++) {
      T* ob = o + plane * hw;
      const T* gb = gy + plane * p;
      const int32_t* ib = id + plane * p;
      for (int64_t k = 0; k < p; k++)
        if (ib[k] >= 0) ob[ib[k]] += gb[k];
    }
  };
  pool_planes(g, scatter);
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
  auto task = [&](int64_t b, int64_t e) {
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
  pool_planes(g, task);
}

template <typename T>
void avgpool_bwd(const View& gyv, const View& ov, const PoolGeom& g) {
  const T* gy = gyv.ptr<T>() + gyv.off;
  T* o = ov.ptr<T>() + ov.off;
  std::memset(o, 0, sizeof(T) * g.n * g.c * g.h * g.w);
  auto task = [&](int64_t b, int64_t e) {
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
  pool_planes(g, task);
}

void need_float(const View& v, const char* kernel) {
  if (v.dt != F32 && v.dt != F64) throw Error(std::string(kernel) + ": native kernel takes float32 or float64; got " + (v.dt == I32 ? "int32" : "bool"), "DTypeError");
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

void k_conv2d(const View& x, const View& w, const View& o, const ConvGeom& g, const View* bias) {
  need_float(x, "conv2d");
  BP_FLOAT(x.dt, T, conv_fwd<T>(x, w, o, g, bias));
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
