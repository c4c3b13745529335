// Strided iteration: collapse axes that are contiguous in every operand, then walk a range
// of flat indices row by row, handing each innermost row to a (templated, inlined) functor.
#pragma once
#include <cstdint>

#include "pool.h"
#include "view.h"

namespace bp {

struct Walk {
  int nd = 0;
  int nops = 0;
  int64_t shape[kMaxRank];
  int64_t st[4][kMaxRank];
  int64_t total = 1;

  // All operands share `shape`; strides[k] are operand k's strides.
  Walk(int rank, const int64_t* sh, int n, const int64_t* const* strides) : nops(n) {
    for (int a = 0; a < rank; a++) {
      const int64_t d = sh[a];
      total *= d;
      if (d == 1) continue;
      if (nd > 0) {
        bool merge = true;
        for (int k = 0; k < nops; k++) merge = merge && st[k][nd - 1] == strides[k][a] * d;
        if (merge) {
          shape[nd - 1] *= d;
          for (int k = 0; k < nops; k++) st[k][nd - 1] = strides[k][a];
          continue;
        }
      }
      shape[nd] = d;
      for (int k = 0; k < nops; k++) st[k][nd] = strides[k][a];
      nd++;
    }
    if (nd == 0) {
      shape[0] = 1;
      for (int k = 0; k < nops; k++) st[k][0] = 0;
      nd = 1;
    }
  }

  // row(n, off, inner): n elements, operand k starting at off[k] with step inner[k].
  template <typename F>
  void run(int64_t begin, int64_t end, const int64_t* base, F& row) const {
    if (begin >= end) return;
    int64_t idx[kMaxRank];
    int64_t rem = begin;
    for (int d = nd - 1; d >= 0; d--) {
      idx[d] = rem % shape[d];
      rem /= shape[d];
    }
    int64_t off[4], inner[4];
    for (int k = 0; k < nops; k++) {
      off[k] = base[k];
      for (int d = 0; d < nd; d++) off[k] += idx[d] * st[k][d];
      inner[k] = st[k][nd - 1];
    }
    const int L = nd - 1;
    int64_t pos = begin;
    while (pos < end) {
      int64_t n = shape[L] - idx[L];
      if (end - pos < n) n = end - pos;
      row(n, off, inner);
      pos += n;
      idx[L] += n;
      for (int k = 0; k < nops; k++) off[k] += n * st[k][L];
      if (idx[L] < shape[L]) continue;
      for (int k = 0; k < nops; k++) off[k] -= shape[L] * st[k][L];
      idx[L] = 0;
      for (int d = L - 1; d >= 0; d--) {
        idx[d]++;
        for (int k = 0; k < nops; k++) off[k] += st[k][d];
        if (idx[d] < shape[d]) break;
        for (int k = 0; k < nops; k++) off[k] -= shape[d] * st[k][d];
        idx[d] = 0;
      }
    }
  }

  // Runs the walk, split across threads when there are at least `grain` elements per thread;
  // the threads claim chunks as they go (a dynamic run), each with its own copy of the functor.
  template <typename F>
  void run_parallel(const int64_t* base, F& row, int64_t grain = 1 << 20) const {
    int nt = num_threads();
    if (total / grain < nt) nt = static_cast<int>(total / grain);
    if (nt <= 1) {
      run(0, total, base, row);
      return;
    }
    int64_t chunk = total / (static_cast<int64_t>(nt) * 8);
    if (chunk < grain / 4) chunk = grain / 4;
    const int64_t chunks = (total + chunk - 1) / chunk;
    std::atomic<int64_t> next{0};
    auto task = [&](int, int) {
      F local = row;
      for (int64_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
        const int64_t b = c * chunk;
        run(b, b + chunk < total ? b + chunk : total, base, local);
      }
    };
    parallel_dynamic(nt, task);
  }
};

}  // namespace bp
