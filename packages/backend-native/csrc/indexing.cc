// gather and scatterAdd along one axis over strided operands. The addon has checked every view
// against its buffer and that index fits inside x (and src) off the axis; the index values are
// checked here, element by element, and the first bad one is reported after the walk (a pool
// thread must not throw).
#include <atomic>
#include <cstdint>
#include <string>

#include "kernels.h"
#include "pool.h"
#include "walk.h"

namespace bp {
namespace {

// Elements per thread below which gathering stays on one thread (random reads, ~2-5 ns each).
constexpr int64_t kGatherGrain = 1 << 16;

[[noreturn]] void out_of_range(const char* kernel, int64_t j, int axis, const View& x) {
  std::string shape = "[";
  for (int i = 0; i < x.rank; i++) shape += (i ? ", " : "") + std::to_string(x.shape[i]);
  shape += "]";
  const int64_t n = x.shape[axis];
  throw Error(std::string(kernel) + ": index " + std::to_string(j) + " is out of range for axis " + std::to_string(axis) + " of size " +
              std::to_string(n) + " in " + shape + "; expected indices in [0, " + std::to_string(n - 1) + "]");
}

// x's strides with the indexed axis zeroed: the index supplies that coordinate.
void off_axis(const View& x, int axis, int64_t* s) {
  for (int i = 0; i < x.rank; i++) s[i] = i == axis ? 0 : x.strides[i];
}

template <typename T>
void gather_typed(const View& x, int axis, const View& idx, const View& o) {
  const T* xd = x.ptr<T>();
  const int32_t* id = idx.ptr<int32_t>();
  T* od = o.ptr<T>();
  int64_t xs[kMaxRank];
  off_axis(x, axis, xs);
  const int64_t* s[3] = {idx.strides, xs, o.strides};
  Walk w(idx.rank, idx.shape, 3, s);
  const int64_t base[3] = {idx.off, x.off, o.off};
  const int64_t n = x.shape[axis], step = x.strides[axis];
  constexpr int64_t kNone = INT64_MIN;
  std::atomic<int64_t> bad{kNone};
  auto row = [&, xd, id, od](int64_t m, const int64_t* off, const int64_t* inc) {
    const int32_t* ip = id + off[0];
    const T* xp = xd + off[1];
    T* op = od + off[2];
    for (int64_t k = 0; k < m; k++) {
      const int64_t j = ip[k * inc[0]];
      if (j < 0 || j >= n) {
        int64_t none = kNone;
        bad.compare_exchange_strong(none, j);
        continue;
      }
      op[k * inc[2]] = xp[k * inc[1] + j * step];
    }
  };
  w.run_parallel(base, row, kGatherGrain);
  if (bad.load() != kNone) out_of_range("gather", bad.load(), axis, x);
}

template <typename T>
void scatter_add_typed(const View& x, int axis, const View& idx, const View& src, const View& o) {
  const T* sd = src.ptr<T>();
  const int32_t* id = idx.ptr<int32_t>();
  T* od = o.ptr<T>();
  // o is a contiguous copy of x; the walk reaches it through x's shape.
  int64_t os[kMaxRank], st = 1;
  for (int i = x.rank - 1; i >= 0; i--) {
    os[i] = i == axis ? 0 : st;
    st *= x.shape[i];
  }
  int64_t step = 1;
  for (int i = x.rank - 1; i > axis; i--) step *= x.shape[i];
  const int64_t* s[3] = {idx.strides, src.strides, os};
  Walk w(idx.rank, idx.shape, 3, s);
  const int64_t base[3] = {idx.off, src.off, o.off};
  const int64_t n = x.shape[axis];
  // Repeated indices add into one element: one thread, in index order (as the JS kernel). The
  // output is a fresh copy, so stopping at a bad index leaves nothing the caller keeps.
  typedef typename Conv<T>::C C;
  auto row = [&](int64_t m, const int64_t* off, const int64_t* inc) {
    const int32_t* ip = id + off[0];
    const T* sp = sd + off[1];
    T* op = od + off[2];
    for (int64_t k = 0; k < m; k++) {
      const int64_t j = ip[k * inc[0]];
      if (j < 0 || j >= n) out_of_range("scatterAdd", j, axis, x);
      T& t = op[k * inc[2] + j * step];
      t = Conv<T>::put(static_cast<C>(t) + static_cast<C>(sp[k * inc[1]]));
    }
  };
  w.run(0, w.total, base, row);
}

}  // namespace

void k_gather(const View& x, int axis, const View& idx, const View& o) {
  switch (x.dt) {
    case F32: gather_typed<float>(x, axis, idx, o); break;
    case F64: gather_typed<double>(x, axis, idx, o); break;
    case I32: gather_typed<int32_t>(x, axis, idx, o); break;
    default: gather_typed<uint8_t>(x, axis, idx, o); break;
  }
}

void k_scatter_add(const View& x, int axis, const View& idx, const View& src, const View& o) {
  switch (x.dt) {
    case F32: scatter_add_typed<float>(x, axis, idx, src, o); break;
    case F64: scatter_add_typed<double>(x, axis, idx, src, o); break;
    case I32: scatter_add_typed<int32_t>(x, axis, idx, src, o); break;
    default: scatter_add_typed<uint8_t>(x, axis, idx, src, o); break;
  }
}

}  // namespace bp
