// The GEMM driver (BLIS-style): for each NC block of columns and KC slice of K, the threads
// pack B into NR-wide panels together, then each packs its own MC x KC blocks of A into
// MR-tall panels and runs the register-tiled micro-kernel over them. Packing absorbs any
// strides (transposed, broadcast), so the micro-kernels only ever see unit-stride panels.
#include "gemm.h"

#include <cstdlib>
#include <cstring>

#include "pool.h"

namespace bp {
namespace {

template <typename T>
struct Micro {
  int mr, nr;
  void (*fn)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate);
  const char* name;
};

template <typename T, int MR, int NR>
void micro_portable(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate) {
  T t[MR][NR];
  for (int r = 0; r < MR; r++)
    for (int j = 0; j < NR; j++) t[r][j] = 0;
  for (int64_t k = 0; k < kc; k++) {
    for (int r = 0; r < MR; r++) {
      const T ar = a[r];
      for (int j = 0; j < NR; j++) t[r][j] += ar * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int r = 0; r < MR; r++) {
    T* p = c + r * ldc;
    if (accumulate)
      for (int j = 0; j < NR; j++) p[j] += t[r][j];
    else
      for (int j = 0; j < NR; j++) p[j] = t[r][j];
  }
}

const Micro<float> kPortable32 = {4, 8, micro_portable<float, 4, 8>, "portable 4x8"};
const Micro<double> kPortable64 = {4, 8, micro_portable<double, 4, 8>, "portable 4x8"};
#if defined(__x86_64__)
const Micro<float> kAvx512 = {12, 32, sgemm_micro_avx512_12x32, "avx512 12x32"};
const Micro<float> kAvx2 = {6, 16, sgemm_micro_avx2_6x16, "avx2 6x16"};
bool has_avx512() { return __builtin_cpu_supports("avx512f"); }
bool has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
#endif

const Micro<float>* best32() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (has_avx512()) return &kAvx512;
  if (has_avx2()) return &kAvx2;
#endif
  return &kPortable32;
}

const Micro<float>* g_micro32 = best32();

#ifndef BP_GEMM_KC
#define BP_GEMM_KC 256
#endif
#ifndef BP_GEMM_MC_PANELS
#define BP_GEMM_MC_PANELS 16
#endif
// K slice: a KC x NR panel of B (32 KiB for 12x32 float) stays in L1 across the rows of A.
constexpr int64_t KC = BP_GEMM_KC;
// N block: the packed KC x NC slice of B stays in L2/L3.
#ifndef BP_GEMM_NC
#define BP_GEMM_NC 2048
#endif
constexpr int64_t NC = BP_GEMM_NC;
constexpr int kMaxThreads = 256;

// Pack buffers, grown on the calling thread before a parallel region and reused forever.
struct Buffers {
  void* b = nullptr;
  size_t bBytes = 0;
  void* a[kMaxThreads] = {};
  size_t aBytes[kMaxThreads] = {};
};

void* grow(void*& p, size_t& have, size_t need) {
  if (have < need) {
    std::free(p);
    p = std::aligned_alloc(64, (need + 63) / 64 * 64);
    have = p == nullptr ? 0 : need;
    if (p == nullptr) std::abort();
  }
  return p;
}

template <typename T>
void pack_a(const T* a, int64_t ars, int64_t acs, int64_t mc, int64_t kc, int MR, T* dst) {
  for (int64_t i0 = 0; i0 < mc; i0 += MR, dst += MR * kc) {
    const int64_t rows = mc - i0 < MR ? mc - i0 : MR;
    if (acs == 1 && rows == MR && MR <= 16) {
      // Row-major A: read the MR rows as parallel streams and write the panel contiguously.
      const T* src[16];
      for (int r = 0; r < MR; r++) src[r] = a + (i0 + r) * ars;
      for (int64_t k = 0; k < kc; k++)
        for (int r = 0; r < MR; r++) dst[k * MR + r] = src[r][k];
    } else if (ars == 1 && rows == MR) {
      for (int64_t k = 0; k < kc; k++) {
        const T* s = a + i0 + k * acs;
        for (int r = 0; r < MR; r++) dst[k * MR + r] = s[r];
      }
    } else {
      for (int r = 0; r < MR; r++) {
        if (r < rows) {
          const T* s = a + (i0 + r) * ars;
          for (int64_t k = 0; k < kc; k++) dst[k * MR + r] = s[k * acs];
        } else {
          for (int64_t k = 0; k < kc; k++) dst[k * MR + r] = 0;
        }
      }
    }
  }
}

// Packs NR-column panels [p0, p1) of the kc x nc block of B.
template <typename T>
void pack_b(const T* b, int64_t brs, int64_t bcs, int64_t nc, int64_t kc, int NR, int64_t p0, int64_t p1, T* dst) {
  for (int64_t p = p0; p < p1; p++) {
    const int64_t j0 = p * NR;
    const int64_t cols = nc - j0 < NR ? nc - j0 : NR;
    T* d = dst + p * NR * kc;
    if (bcs == 1 && cols == NR) {
      for (int64_t k = 0; k < kc; k++) std::memcpy(d + k * NR, b + k * brs + j0, NR * sizeof(T));
    } else {
      for (int j = 0; j < NR; j++) {
        if (j < cols) {
          const T* s = b + (j0 + j) * bcs;
          for (int64_t k = 0; k < kc; k++) d[k * NR + j] = s[k * brs];
        } else {
          for (int64_t k = 0; k < kc; k++) d[k * NR + j] = 0;
        }
      }
    }
  }
}

template <typename T>
struct Job {
  const Micro<T>* uk;
  int64_t m, n, k;
  const T* a;
  int64_t ars, acs;
  const T* b;
  int64_t brs, bcs;
  T* c;
  int64_t ldc;
  bool accumulate;
  int64_t mc;
  T* pb;
  T** pa;
  Barrier barrier;

  void operator()(int tid, int nt) {
    const int MR = uk->mr, NR = uk->nr;
    T* pat = pa[tid];
    alignas(64) T tile[16 * 64];
    // Split rows when there are enough of them; otherwise every thread takes all rows and a
    // share of the column panels.
    const bool splitM = m >= static_cast<int64_t>(nt) * MR * 2;
    int64_t r0 = 0, r1 = m;
    if (splitM) {
      int64_t b0, b1;
      split_range((m + MR - 1) / MR, tid, nt, b0, b1);
      r0 = b0 * MR;
      r1 = b1 * MR < m ? b1 * MR : m;
    }
    for (int64_t jc = 0; jc < n; jc += NC) {
      const int64_t nc = n - jc < NC ? n - jc : NC;
      const int64_t npan = (nc + NR - 1) / NR;
      for (int64_t pc = 0; pc < k; pc += KC) {
        const int64_t kc = k - pc < KC ? k - pc : KC;
        const bool acc = accumulate || pc > 0;
        int64_t q0, q1;
        split_range(npan, tid, nt, q0, q1);
        pack_b(b + pc * brs + jc * bcs, brs, bcs, nc, kc, NR, q0, q1, pb);
        barrier.wait(nt);
        int64_t j0 = 0, j1 = npan;
        if (!splitM) split_range(npan, tid, nt, j0, j1);
        for (int64_t ic = r0; ic < r1; ic += mc) {
          const int64_t mcc = r1 - ic < mc ? r1 - ic : mc;
          pack_a(a + ic * ars + pc * acs, ars, acs, mcc, kc, MR, pat);
          for (int64_t jr = j0; jr < j1; jr++) {
            const int64_t cols = nc - jr * NR < NR ? nc - jr * NR : NR;
            const T* bp = pb + jr * NR * kc;
            for (int64_t ir = 0; ir < mcc; ir += MR) {
              const int64_t rows = mcc - ir < MR ? mcc - ir : MR;
              T* cp = c + (ic + ir) * ldc + jc + jr * NR;
              const T* ap = pat + ir * kc;
              if (rows == MR && cols == NR) {
                uk->fn(kc, ap, bp, cp, ldc, acc);
              } else {
                uk->fn(kc, ap, bp, tile, NR, false);
                for (int64_t r = 0; r < rows; r++)
                  for (int64_t j = 0; j < cols; j++) cp[r * ldc + j] = acc ? cp[r * ldc + j] + tile[r * NR + j] : tile[r * NR + j];
              }
            }
          }
        }
        barrier.wait(nt);
      }
    }
  }
};

template <typename T>
void gemm_driver(const Micro<T>* uk, int64_t m, int64_t n, int64_t k, const T* a, int64_t ars, int64_t acs, const T* b,
                 int64_t brs, int64_t bcs, T* c, int64_t ldc, bool accumulate, int nthreads) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; i++) std::memset(c + i * ldc, 0, n * sizeof(T));
    return;
  }
  const double flops = 2.0 * m * n * k;
  int nt = nthreads;
  const double perThread = 4e6;  // below this a hand-off costs more than it saves
  if (flops < perThread * nt) nt = static_cast<int>(flops / perThread);
  if (nt < 1) nt = 1;
  if (nt > kMaxThreads) nt = kMaxThreads;
  const int MR = uk->mr, NR = uk->nr;
  const int64_t kc = k < KC ? k : KC;
  const int64_t ncMax = n < NC ? n : NC;
  const int64_t mc = MR * (MR >= 12 ? BP_GEMM_MC_PANELS : BP_GEMM_MC_PANELS * 3 / 2);
  // Inside a parallel region (e.g. one image per thread) each thread packs into its own buffers;
  // every calling thread owns the buffers its helpers use.
  if (inside_parallel()) nt = 1;
  static thread_local Buffers* local = nullptr;
  if (local == nullptr) local = new Buffers();
  Buffers* buf = local;
  grow(buf->b, buf->bBytes, sizeof(T) * kc * ((ncMax + NR - 1) / NR) * NR);
  T* pa[kMaxThreads];
  for (int t = 0; t < nt; t++) pa[t] = static_cast<T*>(grow(buf->a[t], buf->aBytes[t], sizeof(T) * kc * (mc + MR)));
  Job<T> job{uk, m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate, mc, static_cast<T*>(buf->b), pa, {}};
  parallel(nt, job);
}

}  // namespace

void sgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t ars, int64_t acs, const float* b, int64_t brs,
           int64_t bcs, float* c, int64_t ldc, bool accumulate, int nthreads) {
  gemm_driver(g_micro32, m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate, nthreads);
}

void dgemm(int64_t m, int64_t n, int64_t k, const double* a, int64_t ars, int64_t acs, const double* b, int64_t brs,
           int64_t bcs, double* c, int64_t ldc, bool accumulate, int nthreads) {
  gemm_driver(&kPortable64, m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate, nthreads);
}

const char* sgemm_kernel_name() { return g_micro32->name; }

bool sgemm_select(const char* isa) {
  if (std::strcmp(isa, "portable") == 0) {
    g_micro32 = &kPortable32;
    return true;
  }
#if defined(__x86_64__)
  if (std::strcmp(isa, "avx512") == 0 && has_avx512()) {
    g_micro32 = &kAvx512;
    return true;
  }
  if (std::strcmp(isa, "avx2") == 0 && has_avx2()) {
    g_micro32 = &kAvx2;
    return true;
  }
#endif
  return false;
}

}  // namespace bp
