// The GEMM driver (BLIS-style): for each NC block of columns and KC slice of K, pack B into
// NR-wide panels, then MC x KC blocks of A into MR-tall panels, and run the register-tiled
// micro-kernel over them. Packing absorbs any strides (transposed, broadcast), so the
// micro-kernels only ever see unit-stride panels. Threads take independent blocks of C (up to
// kBlockThreads) or share one packing of the whole operands (gemm_parallel, beyond).
#include "gemm.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "pool.h"

namespace bp {
namespace {

template <typename T>
struct Micro {
  int mr, nr;
  void (*fn)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate, const T* bias, bool relu);
  const char* name;
  // Partial tiles (rows < mr or cols < nr) straight into C; null: through a buffer tile.
  void (*edge)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate, const T* bias, bool relu, int rows, int cols);
  // Packs transposed B panels (and row-major A panels) with SIMD (set only for micro-kernels
  // of an AVX2-capable CPU).
  void (*packBt)(const T* b, int64_t ld, int64_t nc, int64_t kc, int nr, int64_t p0, int64_t p1, T* dst);
};

template <typename T, int MR, int NR>
void micro_portable(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate, const T* bias, bool relu) {
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
    for (int j = 0; j < NR; j++) {
      T x = accumulate ? p[j] + t[r][j] : t[r][j];
      if (bias != nullptr) x += bias[j];
      if (relu) x = x < 0 ? 0 : x;
      p[j] = x;
    }
  }
}

const Micro<float> kPortable32 = {4, 8, micro_portable<float, 4, 8>, "portable 4x8", nullptr, nullptr};
const Micro<double> kPortable64 = {4, 8, micro_portable<double, 4, 8>, "portable 4x8", nullptr, nullptr};
#if defined(__x86_64__)
const Micro<float> kAvx512 = {12, 32, sgemm_micro_avx512_12x32, "avx512 12x32", sgemm_edge_avx512_12x32, sgemm_pack_bt_avx2};
const Micro<float> kAvx2 = {6, 16, sgemm_micro_avx2_6x16, "avx2 6x16", sgemm_edge_avx2_6x16, sgemm_pack_bt_avx2};
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

// One thread's pack buffers (thread-local), grown as needed and reused forever.
struct Buffers {
  void* b = nullptr;
  size_t bBytes = 0;
  void* a = nullptr;
  size_t aBytes = 0;
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
void pack_a(const Micro<T>* uk, const T* a, int64_t ars, int64_t acs, int64_t mc, int64_t kc, int MR, T* dst) {
  // Row-major A packs like transposed B: register transposes where the CPU has them.
  if (acs == 1 && ars != 1 && uk->packBt != nullptr) {
    uk->packBt(a, ars, mc, kc, MR, 0, (mc + MR - 1) / MR, dst);
    return;
  }
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
  if (bcs == 1) {
    // Row-major B: walk each row of the block once, left to right, dealing its whole NR-wide
    // pieces to the panels (an inline copy the compiler unrolls). Panel by panel instead, each
    // row would be its own page and prefetch stream: 9% of a 1024^3 product on a busy machine,
    // 2% this way.
    const int64_t full = nc / NR < p1 ? nc / NR : p1;
    if (full > p0) {
      for (int64_t k = 0; k < kc; k++) {
        const T* s = b + k * brs;
        for (int64_t p = p0; p < full; p++) {
          const T* sp = s + p * NR;
          T* t = dst + p * NR * kc + k * NR;
          for (int j = 0; j < NR; j++) t[j] = sp[j];
        }
      }
      p0 = full;
    }
  }
  // Strided B, and the ragged last panel (zero-padded to NR columns).
  for (int64_t p = p0; p < p1; p++) {
    const int64_t j0 = p * NR;
    const int64_t cols = nc - j0 < NR ? nc - j0 : NR;
    T* d = dst + p * NR * kc;
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

// One rows x cols tile of C from packed panels: a whole MR x NR tile by the micro-kernel, a
// partial one (the bottom and right edges of C) by the edge kernel where the ISA has one, else
// through a buffer whose valid part is then added (acc) or written, with the bias (when not
// null) and relu epilogue applied as the micro-kernel applies them.
template <typename T>
inline void run_tile(const Micro<T>* uk, int64_t kc, const T* ap, const T* bp, T* cp, int64_t ldc, int64_t rows, int64_t cols,
                     bool acc, const T* bias, bool relu) {
  const int MR = uk->mr, NR = uk->nr;
  if (rows == MR && cols == NR) {
    uk->fn(kc, ap, bp, cp, ldc, acc, bias, relu);
    return;
  }
  if (uk->edge != nullptr) {
    uk->edge(kc, ap, bp, cp, ldc, acc, bias, relu, static_cast<int>(rows), static_cast<int>(cols));
    return;
  }
  alignas(64) T tile[16 * 64];
  uk->fn(kc, ap, bp, tile, NR, false, nullptr, false);
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t j = 0; j < cols; j++) {
      T x = acc ? cp[r * ldc + j] + tile[r * NR + j] : tile[r * NR + j];
      if (bias != nullptr) x += bias[j];
      if (relu) x = x < 0 ? 0 : x;
      cp[r * ldc + j] = x;
    }
  }
}

// One thread's product: for each NC block of columns and KC slice of K, pack the slice of B,
// then for each MC block of rows pack A and run the micro-kernel over the tiles.
template <typename T>
void gemm_serial(const Micro<T>* uk, int64_t m, int64_t n, int64_t k, const T* a, int64_t ars, int64_t acs, const T* b,
                 int64_t brs, int64_t bcs, T* c, int64_t ldc, bool accumulate, const T* bias, bool relu, int64_t mc, T* pb, T* pat) {
  const int MR = uk->mr, NR = uk->nr;
  for (int64_t jc = 0; jc < n; jc += NC) {
    const int64_t nc = n - jc < NC ? n - jc : NC;
    const int64_t npan = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = k - pc < KC ? k - pc : KC;
      const bool acc = accumulate || pc > 0;
      const bool last = pc + kc >= k;
      const bool epi = last && (bias != nullptr || relu);
      if (brs == 1 && bcs != 1 && uk->packBt != nullptr)
        uk->packBt(b + pc * brs + jc * bcs, bcs, nc, kc, NR, 0, npan, pb);
      else
        pack_b(b + pc * brs + jc * bcs, brs, bcs, nc, kc, NR, 0, npan, pb);
      for (int64_t ic = 0; ic < m; ic += mc) {
        const int64_t mcc = m - ic < mc ? m - ic : mc;
        pack_a(uk, a + ic * ars + pc * acs, ars, acs, mcc, kc, MR, pat);
        for (int64_t jr = 0; jr < npan; jr++) {
          const int64_t cols = nc - jr * NR < NR ? nc - jr * NR : NR;
          const T* bp = pb + jr * NR * kc;
          for (int64_t ir = 0; ir < mcc; ir += MR) {
            const int64_t rows = mcc - ir < MR ? mcc - ir : MR;
            T* cp = c + (ic + ir) * ldc + jc + jr * NR;
            const T* ap = pat + ir * kc;
            const T* bj = epi && bias != nullptr ? bias + jc + jr * NR : nullptr;
            run_tile(uk, kc, ap, bp, cp, ldc, rows, cols, acc, bj, epi && relu);
          }
        }
      }
    }
  }
}

// The multi-threaded GEMM: A and B are packed whole (for one round of K) by the threads
// together, each claiming chunks of panels; then the threads claim 2-D blocks of C (row
// panels x column panels) and run every K slice over their block. Work is handed out through
// atomic counters, so a helper that the OS has not scheduled yet only means the others do
// more, and the one wait (for the packing) is on chunks that some running thread has claimed.
template <typename T>
struct ParallelJob {
  const Micro<T>* uk;
  const T* a;
  int64_t ars, acs;
  const T* b;
  int64_t brs, bcs;
  T* c;
  int64_t ldc;
  int64_t m, n, kr;      // kr: the K extent of this round (a and b point at its start)
  bool acc0, epiRound;   // accumulate into C from the first slice; this round holds the last slice
  const T* bias;
  bool relu;
  T* pa;                 // [slice][row panel][kc][MR]
  T* pb;                 // [slice][column panel][kc][NR]
  int64_t mpan, npan, nslices;
  int64_t aGroup, bGroup, aChunks, packChunks;  // pack chunks: A (slice, aGroup panels), then B
  int64_t rGroup, cGroup, rTasks, tasks;        // compute tasks: rGroup row x cGroup column panels
  std::atomic<int64_t> nextPack{0}, packed{0};
  // Compute tasks are dealt in nt contiguous ranges, column group by column group, so that a
  // thread keeps reusing the same B panels; a thread that runs out takes from the others.
  int nt;
  std::atomic<int64_t> next[kMaxThreads];
  int64_t end[kMaxThreads];

  void deal(int threads) {
    nt = threads;
    for (int t = 0; t < nt; t++) {
      int64_t b, e;
      split_range(tasks, t, nt, b, e);
      next[t].store(b, std::memory_order_relaxed);
      end[t] = e;
    }
  }

  int64_t kcOf(int64_t s) const { return kr - s * KC < KC ? kr - s * KC : KC; }

  void pack(int64_t chunk) {
    const int MR = uk->mr, NR = uk->nr;
    if (chunk < aChunks) {
      const int64_t per = (mpan + aGroup - 1) / aGroup;
      const int64_t s = chunk / per, g = chunk % per, kc = kcOf(s);
      const int64_t p0 = g * aGroup, p1 = p0 + aGroup < mpan ? p0 + aGroup : mpan;
      const int64_t r0 = p0 * MR, rows = (p1 * MR < m ? p1 * MR : m) - r0;
      pack_a(uk, a + r0 * ars + s * KC * acs, ars, acs, rows, kc, MR, pa + s * KC * mpan * MR + p0 * MR * kc);
    } else {
      chunk -= aChunks;
      const int64_t per = (npan + bGroup - 1) / bGroup;
      const int64_t s = chunk / per, g = chunk % per, kc = kcOf(s);
      const int64_t p0 = g * bGroup, p1 = p0 + bGroup < npan ? p0 + bGroup : npan;
      const T* bs = b + s * KC * brs;
      T* dst = pb + s * KC * npan * NR;
      if (brs == 1 && bcs != 1 && uk->packBt != nullptr)
        uk->packBt(bs, bcs, n, kc, NR, p0, p1, dst);
      else
        pack_b(bs, brs, bcs, n, kc, NR, p0, p1, dst);
    }
  }

  void compute(int64_t task) {
    const int MR = uk->mr, NR = uk->nr;
    const int64_t ri = task % rTasks, ci = task / rTasks;
    const int64_t i0 = ri * rGroup, i1 = i0 + rGroup < mpan ? i0 + rGroup : mpan;
    const int64_t j0 = ci * cGroup, j1 = j0 + cGroup < npan ? j0 + cGroup : npan;
    for (int64_t s = 0; s < nslices; s++) {
      const int64_t kc = kcOf(s);
      const bool acc = acc0 || s > 0;
      const bool epi = epiRound && s == nslices - 1 && (bias != nullptr || relu);
      for (int64_t jr = j0; jr < j1; jr++) {
        const int64_t cols = n - jr * NR < NR ? n - jr * NR : NR;
        const T* bp = pb + s * KC * npan * NR + jr * NR * kc;
        const T* bj = epi && bias != nullptr ? bias + jr * NR : nullptr;
        for (int64_t ir = i0; ir < i1; ir++) {
          const int64_t rows = m - ir * MR < MR ? m - ir * MR : MR;
          const T* ap = pa + s * KC * mpan * MR + ir * MR * kc;
          T* cp = c + ir * MR * ldc + jr * NR;
          run_tile(uk, kc, ap, bp, cp, ldc, rows, cols, acc, bj, epi && relu);
        }
      }
    }
  }

  void operator()(int tid, int) {
    for (int64_t t; (t = nextPack.fetch_add(1, std::memory_order_relaxed)) < packChunks;) {
      pack(t);
      packed.fetch_add(1, std::memory_order_release);
    }
    if (packed.load(std::memory_order_acquire) < packChunks) {
      const int64_t t0 = now_ns();
      for (int spin = 0; packed.load(std::memory_order_acquire) < packChunks; spin++) relax(spin);
      if (tid == 0) note_helper_wait(now_ns() - t0);
    }
    for (int i = 0; i < nt; i++) {
      const int v = (tid + i) % nt;
      for (int64_t t; (t = next[v].fetch_add(1, std::memory_order_relaxed)) < end[v];) compute(t);
    }
  }
};

// Up to this many threads a product runs as independent blocks of C; beyond it, repacking the
// unsplit operand in every block costs more than sharing one packing (gemm_parallel).
constexpr int kBlockThreads = 4;

// Packed A and B of one round stay under this many elements (16 MiB); larger K goes in rounds.
constexpr int64_t kPackBudget = int64_t(1) << 22;

template <typename T>
void gemm_parallel(const Micro<T>* uk, int64_t m, int64_t n, int64_t k, const T* a, int64_t ars, int64_t acs, const T* b,
                   int64_t brs, int64_t bcs, T* c, int64_t ldc, bool accumulate, int nt, const T* bias, bool relu, Buffers* buf) {
  const int MR = uk->mr, NR = uk->nr;
  const int64_t mpan = (m + MR - 1) / MR, npan = (n + NR - 1) / NR;
  const int64_t perK = mpan * MR + npan * NR;
  int64_t roundK = kPackBudget / perK / KC * KC;
  if (roundK < KC) roundK = KC;
  if (roundK > k) roundK = k;
  const int64_t sl = (roundK + KC - 1) / KC;
  T* pa = static_cast<T*>(grow(buf->a, buf->aBytes, sizeof(T) * sl * KC * mpan * MR));
  T* pb = static_cast<T*>(grow(buf->b, buf->bBytes, sizeof(T) * sl * KC * npan * NR));
  // About eight blocks of C per thread (small ones, so that a helper the OS preempts holds up
  // little at the end): columns split first (each block then reuses its B
  // panels over many row panels), rows as far as needed.
  int64_t cTasks = npan < 2 * nt ? npan : 2 * nt;
  int64_t rTasks = (8 * nt + cTasks - 1) / cTasks;
  if (rTasks > mpan) rTasks = mpan;
  const int64_t rGroup = (mpan + rTasks - 1) / rTasks, cGroup = (npan + cTasks - 1) / cTasks;
  rTasks = (mpan + rGroup - 1) / rGroup;
  cTasks = (npan + cGroup - 1) / cGroup;
  // Pack chunks of about 32-64 KiB.
  const int64_t aGroup = 4, bGroup = NR >= 32 ? 2 : 4;
  for (int64_t k0 = 0; k0 < k; k0 += roundK) {
    const int64_t kr = k - k0 < roundK ? k - k0 : roundK;
    const int64_t nslices = (kr + KC - 1) / KC;
    ParallelJob<T> job{uk, a + k0 * acs, ars, acs, b + k0 * brs, brs, bcs, c, ldc, m, n, kr, accumulate || k0 > 0, k0 + kr >= k, bias, relu,
                       pa, pb, mpan, npan, nslices, aGroup, bGroup, 0, 0, rGroup, cGroup, rTasks, rTasks * cTasks};
    job.aChunks = nslices * ((mpan + aGroup - 1) / aGroup);
    job.packChunks = job.aChunks + nslices * ((npan + bGroup - 1) / bGroup);
    job.deal(nt);
    parallel_dynamic(nt, job);
  }
}

template <typename T>
void gemm_driver(const Micro<T>* uk, int64_t m, int64_t n, int64_t k, const T* a, int64_t ars, int64_t acs, const T* b,
                 int64_t brs, int64_t bcs, T* c, int64_t ldc, bool accumulate, int nthreads, const T* bias = nullptr,
                 bool relu = false) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; i++) {
      T* row = c + i * ldc;
      for (int64_t j = 0; j < n; j++) {
        T x = (accumulate ? row[j] : 0) + (bias != nullptr ? bias[j] : 0);
        row[j] = relu && x < 0 ? 0 : x;
      }
    }
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
  if (nt > 1 && nt <= kBlockThreads) {
    // One block of C per thread, each packed and multiplied as in the serial path, so its
    // packed panels stay in that core's cache (packing A and B whole first, as gemm_parallel
    // does, spills them: 1.4x slower at 128 x 256 x 784, 1.1x at 1024^3 here). Each block packs
    // all of the operand that is not split, so C is split where that packs less: along n when
    // A (m x k) costs less to pack than B (k x n), where an operand packed by register transposes
    // (row-major A, transposed B) counts twice one packed by copies (perf at 1024^3: 3.7% vs 1.8%
    // of a product). Square row-major operands thus split by rows: 2% faster on two threads. A
    // helper that arrives late leaves its block to the caller (parallel_for claims blocks
    // dynamically).
    const int64_t costA = acs == 1 && ars != 1 ? 2 : 1, costB = brs == 1 && bcs != 1 ? 2 : 1;
    const bool byCols = costA * m < costB * n;
    const int64_t unit = byCols ? NR : MR, extent = byCols ? n : m;
    const int64_t units = (extent + unit - 1) / unit;
    parallel_for(nt, units, (units + nt - 1) / nt, [&](int64_t u0, int64_t u1) {
      const int64_t e0 = u0 * unit, e1 = u1 * unit < extent ? u1 * unit : extent;
      if (byCols)
        gemm_driver(uk, m, e1 - e0, k, a, ars, acs, b + e0 * bcs, brs, bcs, c + e0, ldc, accumulate, 1, bias == nullptr ? nullptr : bias + e0, relu);
      else
        gemm_driver(uk, e1 - e0, n, k, a + e0 * ars, ars, acs, b, brs, bcs, c + e0 * ldc, ldc, accumulate, 1, bias, relu);
    });
    return;
  }
  if (nt > 1) {
    gemm_parallel(uk, m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate, nt, bias, relu, buf);
    return;
  }
  T* pb = static_cast<T*>(grow(buf->b, buf->bBytes, sizeof(T) * kc * ((ncMax + NR - 1) / NR) * NR));
  T* pa = static_cast<T*>(grow(buf->a, buf->aBytes, sizeof(T) * kc * (mc + MR)));
  gemm_serial(uk, m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate, bias, relu, mc, pb, pa);
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

void linear_f32(int64_t m, int64_t n, int64_t k, const float* x, int64_t xrs, int64_t xcs, const float* w, int64_t wrs, int64_t wcs,
                const float* bias, bool relu, float* y, int nthreads) {
  // B = w^T: element (kk, j) of B is w[j * wrs + kk * wcs].
  gemm_driver(g_micro32, m, n, k, x, xrs, xcs, w, wcs, wrs, y, n, false, nthreads, bias, relu);
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
