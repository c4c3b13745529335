// Elementwise, copy/cast/fill, reduction, arg-reduction and softmax kernels. float32 computes
// in float (so contiguous rows vectorize); every other dtype computes in double and stores with
// JavaScript's typed-array conversion, so results match the JS reference backend bit for bit
// where it matters (integer wrap-around, NaN to 0).
#include <cmath>
#include <cstring>
#include <string>

#include "kernels.h"
#include "walk.h"

namespace bp {

#define BP_DISPATCH(dt, T, ...)          \
  switch (dt) {                          \
    case F32: {                          \
      typedef float T;                   \
      __VA_ARGS__;                       \
    } break;                             \
    case F64: {                          \
      typedef double T;                  \
      __VA_ARGS__;                       \
    } break;                             \
    case I32: {                          \
      typedef int32_t T;                 \
      __VA_ARGS__;                       \
    } break;                             \
    default: {                           \
      typedef uint8_t T;                 \
      __VA_ARGS__;                       \
    } break;                             \
  }

namespace {

template <typename C>
inline C sigmoid_(C x) {
  if (x >= 0) return C(1) / (C(1) + std::exp(-x));
  const C e = std::exp(x);
  return e / (C(1) + e);
}

template <int OP, typename C>
inline C uop(C x, C p0, C p1) {
  switch (OP) {
    case 0: return -x;
    case 1: return std::fabs(x);
    case 2: return x > 0 ? C(1) : (x < 0 ? C(-1) : x);
    case 3: return std::exp(x);
    case 4: return std::log(x);
    case 5: return std::log1p(x);
    case 6: return std::expm1(x);
    case 7: return std::sqrt(x);
    case 8: return C(1) / std::sqrt(x);
    case 9: return x * x;
    case 10: return C(1) / x;
    case 11: return std::sin(x);
    case 12: return std::cos(x);
    case 13: return std::tanh(x);
    case 14: return sigmoid_(x);
    case 15: return x < 0 ? C(0) : x;
    case 16: return x < 0 ? x * p0 : x;
    case 17: return x < 0 ? p0 * std::expm1(x) : x;
    case 18: return C(0.5) * x * (C(1) + std::erf(x * C(0.70710678118654752440)));
    case 19: return x * sigmoid_(x);
    case 20: return (x > 0 ? x : C(0)) + std::log1p(std::exp(-std::fabs(x)));
    case 21: return std::erf(x);
    case 22: return std::floor(x);
    case 23: return std::ceil(x);
    case 24: return std::nearbyint(x);
    case 25: return x < p0 ? p0 : (x > p1 ? p1 : x);
    default: return x == 0 ? C(1) : C(0);
  }
}
constexpr int kLogicalNot = 26;

// Elements per thread before a kernel splits across threads. One core cannot keep enough
// loads in flight to reach the memory's bandwidth: relu over 1.4M float32 (5.5 MB in and out)
// took 145 us on one thread and 78 on two, and the benchmark CNN ran 7.2k -> 7.6k samples/s
// with this grain instead of 1M. Dynamic runs keep a helper that arrives late from costing
// more than the caller doing the whole loop itself.
// (Transcendental loops, compute-bound, split from the same size.)
constexpr int64_t kGrain = 1 << 17;

// Stores a kernel result. Comparisons and logical ops yield exactly 0 or 1, which need none of
// JavaScript's wrap-around conversion (whose branches and fmod keep the loop from vectorising).
template <bool Bool, typename O, typename C>
inline O store(C v) {
  if constexpr (Bool) return static_cast<O>(v);
  else return Conv<O>::put(v);
}

template <int OP, typename T, typename O>
void unary_typed(const View& x, const View& o, double p0d, double p1d) {
  typedef typename Conv<T>::C C;
  const T* xd = x.ptr<T>();
  O* od = o.ptr<O>();
  const C p0 = static_cast<C>(p0d), p1 = static_cast<C>(p1d);
  const int64_t* s[2] = {x.strides, o.strides};
  Walk w(x.rank, x.shape, 2, s);
  const int64_t base[2] = {x.off, o.off};
  auto row = [=](int64_t n, const int64_t* off, const int64_t* inc) {
    const T* xp = xd + off[0];
    O* op = od + off[1];
    if (inc[0] == 1 && inc[1] == 1) {
      for (int64_t i = 0; i < n; i++) op[i] = store<OP == kLogicalNot, O>(uop<OP, C>(static_cast<C>(xp[i]), p0, p1));
    } else {
      const int64_t xs = inc[0], os = inc[1];
      for (int64_t i = 0; i < n; i++) op[i * os] = store<OP == kLogicalNot, O>(uop<OP, C>(static_cast<C>(xp[i * xs]), p0, p1));
    }
  };
  w.run_parallel(base, row, kGrain);
}

template <int OP>
void unary_op(const View& x, const View& o, double p0, double p1) {
  if (OP == kLogicalNot) {
    BP_DISPATCH(x.dt, T, unary_typed<OP, T, uint8_t>(x, o, p0, p1));
  } else {
    BP_DISPATCH(x.dt, T, unary_typed<OP, T, T>(x, o, p0, p1));
  }
}

typedef void (*UnaryFn)(const View&, const View&, double, double);
const UnaryFn kUnary[] = {unary_op<0>,  unary_op<1>,  unary_op<2>,  unary_op<3>,  unary_op<4>,  unary_op<5>,  unary_op<6>,
                          unary_op<7>,  unary_op<8>,  unary_op<9>,  unary_op<10>, unary_op<11>, unary_op<12>, unary_op<13>,
                          unary_op<14>, unary_op<15>, unary_op<16>, unary_op<17>, unary_op<18>, unary_op<19>, unary_op<20>,
                          unary_op<21>, unary_op<22>, unary_op<23>, unary_op<24>, unary_op<25>, unary_op<26>};

template <int OP, typename C>
inline C bop(C a, C b) {
  switch (OP) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return std::pow(a, b);
    case 5: return a > b || a != a ? a : b;
    case 6: return a < b || a != a ? a : b;
    case 7: return a == b ? C(1) : C(0);
    case 8: return a != b ? C(1) : C(0);
    case 9: return a < b ? C(1) : C(0);
    case 10: return a <= b ? C(1) : C(0);
    case 11: return a > b ? C(1) : C(0);
    case 12: return a >= b ? C(1) : C(0);
    case 13: return a != 0 && b != 0 ? C(1) : C(0);
    case 14: return a != 0 || b != 0 ? C(1) : C(0);
    default: {  // reluBackward(g, y): g where y > 0, NaN where y is, else 0 (two selects vectorize)
      const C kept = b > 0 ? a : C(0);
      return b != b ? b : kept;
    }
  }
}

// Comparisons and logical ops (codes 7-14) write bool.
template <int OP>
constexpr bool kBoolOut = OP >= 7 && OP <= 14;

template <int OP, typename T, typename O>
void binary_typed(const View& a, const View& b, const View& o) {
  typedef typename Conv<T>::C C;
  const T* ad = a.ptr<T>();
  const T* bd = b.ptr<T>();
  O* od = o.ptr<O>();
  const int64_t* s[3] = {a.strides, b.strides, o.strides};
  Walk w(a.rank, a.shape, 3, s);
  const int64_t base[3] = {a.off, b.off, o.off};
  auto row = [=](int64_t n, const int64_t* off, const int64_t* inc) {
    const T* ap = ad + off[0];
    const T* bp = bd + off[1];
    O* op = od + off[2];
    if (inc[2] == 1 && inc[0] == 1 && inc[1] == 1) {
      for (int64_t i = 0; i < n; i++) op[i] = store<kBoolOut<OP>, O>(bop<OP, C>(static_cast<C>(ap[i]), static_cast<C>(bp[i])));
    } else if (inc[2] == 1 && inc[0] == 1 && inc[1] == 0) {
      const C bv = static_cast<C>(bp[0]);
      for (int64_t i = 0; i < n; i++) op[i] = store<kBoolOut<OP>, O>(bop<OP, C>(static_cast<C>(ap[i]), bv));
    } else if (inc[2] == 1 && inc[0] == 0 && inc[1] == 1) {
      const C av = static_cast<C>(ap[0]);
      for (int64_t i = 0; i < n; i++) op[i] = store<kBoolOut<OP>, O>(bop<OP, C>(av, static_cast<C>(bp[i])));
    } else {
      const int64_t as = inc[0], bs = inc[1], os = inc[2];
      for (int64_t i = 0; i < n; i++) op[i * os] = store<kBoolOut<OP>, O>(bop<OP, C>(static_cast<C>(ap[i * as]), static_cast<C>(bp[i * bs])));
    }
  };
  w.run_parallel(base, row, kGrain);
}

template <int OP>
void binary_op(const View& a, const View& b, const View& o) {
  if (kBoolOut<OP>) {
    BP_DISPATCH(a.dt, T, binary_typed<OP, T, uint8_t>(a, b, o));
  } else {
    BP_DISPATCH(a.dt, T, binary_typed<OP, T, T>(a, b, o));
  }
}

typedef void (*BinaryFn)(const View&, const View&, const View&);
const BinaryFn kBinary[] = {binary_op<0>, binary_op<1>,  binary_op<2>,  binary_op<3>,  binary_op<4>,
                            binary_op<5>, binary_op<6>,  binary_op<7>,  binary_op<8>,  binary_op<9>,
                            binary_op<10>, binary_op<11>, binary_op<12>, binary_op<13>, binary_op<14>,
                            binary_op<15>};

template <typename TC, typename T>
void where_typed(const View& c, const View& a, const View& b, const View& o) {
  const TC* cd = c.ptr<TC>();
  const T* ad = a.ptr<T>();
  const T* bd = b.ptr<T>();
  T* od = o.ptr<T>();
  const int64_t* s[4] = {c.strides, a.strides, b.strides, o.strides};
  Walk w(a.rank, a.shape, 4, s);
  const int64_t base[4] = {c.off, a.off, b.off, o.off};
  auto row = [=](int64_t n, const int64_t* off, const int64_t* inc) {
    const TC* cp = cd + off[0];
    const T* ap = ad + off[1];
    const T* bp = bd + off[2];
    T* op = od + off[3];
    for (int64_t i = 0; i < n; i++) op[i * inc[3]] = cp[i * inc[0]] != 0 ? ap[i * inc[1]] : bp[i * inc[2]];
  };
  w.run_parallel(base, row, kGrain);
}

template <typename TI, typename TO>
void copy_typed(const View& x, const View& o) {
  const TI* xd = x.ptr<TI>();
  TO* od = o.ptr<TO>();
  const int64_t* s[2] = {x.strides, o.strides};
  Walk w(x.rank, x.shape, 2, s);
  const int64_t base[2] = {x.off, o.off};
  const bool toBool = o.dt == U8 && x.dt != U8;
  auto row = [=](int64_t n, const int64_t* off, const int64_t* inc) {
    const TI* xp = xd + off[0];
    TO* op = od + off[1];
    const int64_t xs = inc[0], os = inc[1];
    if (toBool) {
      for (int64_t i = 0; i < n; i++) op[i * os] = xp[i * xs] != 0 ? 1 : 0;
    } else if (sizeof(TI) == sizeof(TO) && x.dt == o.dt && xs == 1 && os == 1) {
      std::memmove(op, xp, n * sizeof(TO));
    } else if (xs == 1 && os == 1) {
      for (int64_t i = 0; i < n; i++) op[i] = Conv<TO>::put(static_cast<typename Conv<TO>::C>(xp[i]));
    } else {
      for (int64_t i = 0; i < n; i++) op[i * os] = Conv<TO>::put(static_cast<typename Conv<TO>::C>(xp[i * xs]));
    }
  };
  w.run_parallel(base, row, kGrain);
}

template <typename T>
void fill_typed(const View& o, double value) {
  T* od = o.ptr<T>();
  const T v = Conv<T>::put(static_cast<typename Conv<T>::C>(value));
  const int64_t* s[1] = {o.strides};
  Walk w(o.rank, o.shape, 1, s);
  const int64_t base[1] = {o.off};
  auto row = [=](int64_t n, const int64_t* off, const int64_t* inc) {
    T* op = od + off[0];
    if (inc[0] == 1)
      for (int64_t i = 0; i < n; i++) op[i] = v;
    else
      for (int64_t i = 0; i < n; i++) op[i * inc[0]] = v;
  };
  w.run_parallel(base, row, kGrain);
}

// ---- reductions ----

template <int OP, typename T>
inline double identity() {
  if (OP == 0) return 0;
  if (OP == 1) return 1;
  if (sizeof(T) == 4 && static_cast<T>(0.5) == 0) return OP == 2 ? -2147483648.0 : 2147483647.0;  // int32
  if (sizeof(T) == 1) return OP == 2 ? 0 : 1;
  return OP == 2 ? -INFINITY : INFINITY;
}

template <int OP, typename A>
inline A combine(A acc, A v) {
  switch (OP) {
    case 0: return acc + v;
    case 1: return acc * v;
    case 2: return v > acc || v != v ? v : acc;
    default: return v < acc || v != v ? v : acc;
  }
}

template <int OP, typename T>
void reduce_typed(const View& x, const View& o) {
  typedef typename Conv<T>::C C;
  // Sums of float32 rows run in double, like the JS reference.
  typedef double A;
  const T* xd = x.ptr<T>();
  T* od = o.ptr<T>();
  {
    // The output is a fresh buffer of exactly the reduced size: start it at the identity
    // (also what an empty reduction gives).
    const T init = Conv<T>::put(static_cast<C>(identity<OP, T>()));
    for (int64_t i = 0; i < o.len; i++) od[i] = init;
  }
  const int64_t* s[2] = {x.strides, o.strides};
  Walk w(x.rank, x.shape, 2, s);
  const int64_t base[2] = {x.off, o.off};
  auto row = [=](int64_t n, const int64_t* off, const int64_t* inc) {
    const T* xp = xd + off[0];
    T* op = od + off[1];
    const int64_t xs = inc[0], os = inc[1];
    if (os == 0) {
      if (OP == 0) {
        // Eight independent partial sums (lane j takes elements j, j + 8, ...): the compiler
        // turns them into vector adds, where one running sum waits on each add's latency.
        A lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t i = 0;
        if (xs == 1) {
          for (; i + 8 <= n; i += 8)
            for (int j = 0; j < 8; j++) lane[j] += static_cast<A>(xp[i + j]);
        }
        A rest = 0;
        for (; i < n; i++) rest += static_cast<A>(xp[i * xs]);
        const A total = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7])) + rest;
        *op = Conv<T>::put(static_cast<C>(static_cast<A>(*op) + total));
      } else if (OP == 1) {
        // Products round to T at every step, as in the JS reference, the wasm kernel and
        // torch.prod: a float32 row that overflows midway ([1e30, 1e30, 1e-30]) is inf in every
        // layout, and int32 wraps the same way.
        T acc = *op;
        for (int64_t i = 0; i < n; i++) acc = Conv<T>::put(static_cast<C>(static_cast<C>(acc) * static_cast<C>(xp[i * xs])));
        *op = acc;
      } else {
        A acc = static_cast<A>(*op);
        for (int64_t i = 0; i < n; i++) acc = combine<OP, A>(acc, static_cast<A>(xp[i * xs]));
        *op = Conv<T>::put(static_cast<C>(acc));
      }
    } else {
      for (int64_t i = 0; i < n; i++)
        op[i * os] = Conv<T>::put(static_cast<C>(combine<OP, C>(static_cast<C>(op[i * os]), static_cast<C>(xp[i * xs]))));
    }
  };
  w.run(0, w.total, base, row);
}

template <int OP>
void reduce_op(const View& x, const View& o) {
  BP_DISPATCH(x.dt, T, reduce_typed<OP, T>(x, o));
}

// Views of x with `axis` removed: the starts of every row along `axis`.
View without_axis(const View& x, int axis) {
  View v = x;
  v.rank = 0;
  v.size = 1;
  for (int a = 0; a < x.rank; a++) {
    if (a == axis) continue;
    v.shape[v.rank] = x.shape[a];
    v.strides[v.rank] = x.strides[a];
    v.size *= x.shape[a];
    v.rank++;
  }
  return v;
}

template <typename T>
void argreduce_typed(bool isMax, const View& x, int axis, const View& o) {
  typedef typename Conv<T>::C C;
  const View outer = without_axis(x, axis);
  const int64_t n = x.shape[axis], step = x.strides[axis];
  const T* xd = x.ptr<T>();
  int32_t* od = o.ptr<int32_t>() + o.off;
  int64_t k = 0;
  const int64_t* s[1] = {outer.strides};
  Walk w(outer.rank, outer.shape, 1, s);
  const int64_t base[1] = {x.off};
  auto row = [&](int64_t m, const int64_t* off, const int64_t* inc) {
    for (int64_t j = 0; j < m; j++) {
      const T* p = xd + off[0] + j * inc[0];
      C best = static_cast<C>(p[0]);
      int32_t bi = 0;
      for (int64_t i = 1; i < n && best == best; i++) {
        const C v = static_cast<C>(p[i * step]);
        if (isMax ? (v > best || v != v) : (v < best || v != v)) {
          best = v;
          bi = static_cast<int32_t>(i);
        }
      }
      od[k++] = bi;
    }
  };
  w.run(0, w.total, base, row);
}

template <typename T>
void softmax_typed(bool isLog, const View& x, int axis, const View& o) {
  typedef typename Conv<T>::C C;
  const View xo = without_axis(x, axis);
  const View oo = without_axis(o, axis);
  const int64_t n = x.shape[axis], xs = x.strides[axis], os = o.strides[axis];
  const T* xd = x.ptr<T>();
  T* od = o.ptr<T>();
  const int64_t* s[2] = {xo.strides, oo.strides};
  Walk w(xo.rank, xo.shape, 2, s);
  const int64_t base[2] = {x.off, o.off};
  auto row = [=](int64_t m, const int64_t* off, const int64_t* inc) {
    for (int64_t r = 0; r < m; r++) {
      const T* xp = xd + off[0] + r * inc[0];
      T* op = od + off[1] + r * inc[1];
      C mx = -INFINITY;
      for (int64_t i = 0; i < n; i++) {
        const C v = static_cast<C>(xp[i * xs]);
        if (v > mx || v != v) mx = v;
      }
      // Shifting by the maximum even when it is not finite gives PyTorch's special values: a row
      // with +Infinity (inf - inf) or NaN, or a row of -Infinity, comes out all NaN.
      const C shift = mx;
      double total = 0;
      if (isLog) {
        for (int64_t i = 0; i < n; i++) total += static_cast<double>(std::exp(static_cast<C>(xp[i * xs]) - shift));
        // (x - shift) - log(total): adding shift back first would round away log(total) for large |x|.
        const C lt = static_cast<C>(std::log(total));
        for (int64_t i = 0; i < n; i++) op[i * os] = Conv<T>::put(static_cast<C>((static_cast<C>(xp[i * xs]) - shift) - lt));
      } else {
        // Keep e in the output row when it has the compute precision; otherwise recompute.
        for (int64_t i = 0; i < n; i++) {
          const C e = std::exp(static_cast<C>(xp[i * xs]) - shift);
          total += static_cast<double>(e);
        }
        const C inv = static_cast<C>(1.0 / total);
        for (int64_t i = 0; i < n; i++) op[i * os] = Conv<T>::put(static_cast<C>(std::exp(static_cast<C>(xp[i * xs]) - shift) * inv));
      }
    }
  };
  w.run_parallel(base, row, n > 0 ? kGrain / n + 1 : kGrain);
}

}  // namespace

void k_unary(int op, const View& x, const View& o, double p0, double p1) {
  if (op < 0 || op > 26) throw Error("internal: unary op code out of range");
  kUnary[op](x, o, p0, p1);
}

void k_binary(int op, const View& a, const View& b, const View& o) {
  if (op < 0 || op > 15) throw Error("internal: binary op code out of range");
  kBinary[op](a, b, o);
}

void k_where(const View& c, const View& a, const View& b, const View& o) {
  BP_DISPATCH(c.dt, TC, BP_DISPATCH(a.dt, T, (where_typed<TC, T>(c, a, b, o))));
}

void k_copy(const View& x, const View& o) {
  BP_DISPATCH(x.dt, TI, BP_DISPATCH(o.dt, TO, (copy_typed<TI, TO>(x, o))));
}

void k_fill(const View& o, double value) { BP_DISPATCH(o.dt, T, fill_typed<T>(o, value)); }

void k_reduce(int op, const View& x, const View& o) {
  switch (op) {
    case 0: reduce_op<0>(x, o); break;
    case 1: reduce_op<1>(x, o); break;
    case 2: reduce_op<2>(x, o); break;
    case 3: reduce_op<3>(x, o); break;
    default: throw Error("internal: reduce op code out of range");
  }
}

void k_argreduce(bool isMax, const View& x, int axis, const View& o) {
  if (x.shape[axis] == 0) return;
  BP_DISPATCH(x.dt, T, argreduce_typed<T>(isMax, x, axis, o));
}

void k_softmax(bool isLog, const View& x, int axis, const View& o) {
  if (x.size == 0) return;
  BP_DISPATCH(x.dt, T, softmax_typed<T>(isLog, x, axis, o));
}

}  // namespace bp
