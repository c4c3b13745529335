// N-API entry points. Each reads its tensors as (typed array, view description) pairs, checks
// every view against its buffer (no element reachable outside [0, length)) and the shapes
// and dtypes against each other, and only then runs the kernel. Errors become JS Errors.
#include <napi.h>

#include <cmath>
#include <string>

#include "block.h"
#include "gemm.h"
#include "kernels.h"
#include "optim.h"
#include "pool.h"

namespace bp {
namespace {

const char* dtName(DT d) { return d == F32 ? "float32" : d == F64 ? "float64" : d == I32 ? "int32" : "bool"; }

std::string shapeStr(const int64_t* s, int rank) {
  std::string r = "[";
  for (int i = 0; i < rank; i++) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

// Reads view descriptions from meta (Float64Array): per tensor rank, offset, shape, strides.
struct Args {
  const Napi::CallbackInfo& info;
  const char* kernel;
  const double* meta = nullptr;
  size_t metaLen = 0, pos = 0;

  Args(const Napi::CallbackInfo& i, const char* k, size_t metaArg) : info(i), kernel(k) {
    napi_typedarray_type type;
    size_t len;
    void* data;
    if (metaArg >= info.Length() || napi_get_typedarray_info(info.Env(), info[metaArg], &type, &len, &data, nullptr, nullptr) != napi_ok ||
        type != napi_float64_array)
      fail("internal: view description must be a Float64Array");
    meta = static_cast<const double*>(data);
    metaLen = len;
  }

  [[noreturn]] void fail(const std::string& m, const char* kind = "ShapeError") const { throw Error(std::string(kernel) + ": " + m, kind); }

  int64_t next(const char* name, const char* what) {
    if (pos >= metaLen) fail("internal: view description is too short");
    const double v = meta[pos++];
    if (!(std::fabs(v) <= 9007199254740991.0) || v != std::trunc(v))
      fail(std::string(name) + "'s " + what + " must be a safe integer; got " + std::to_string(v), "ValueError");
    return static_cast<int64_t>(v);
  }

  View view(size_t arg, const char* name) {
    View v;
    napi_typedarray_type type;
    size_t len;
    void* data;
    if (arg >= info.Length() || napi_get_typedarray_info(info.Env(), info[arg], &type, &len, &data, nullptr, nullptr) != napi_ok)
      fail(std::string(name) + " must be backed by a typed array", "ValueError");
    switch (type) {
      case napi_float32_array: v.dt = F32; break;
      case napi_float64_array: v.dt = F64; break;
      case napi_int32_array: v.dt = I32; break;
      case napi_uint8_array: v.dt = U8; break;
      default: fail(std::string(name) + " has an unsupported typed array", "DTypeError");
    }
    v.data = data;
    v.len = static_cast<int64_t>(len);
    const int64_t rank = next(name, "rank");
    if (rank < 0 || rank > kMaxRank) fail(std::string(name) + " has rank " + std::to_string(rank) + "; expected at most " + std::to_string(kMaxRank));
    v.rank = static_cast<int>(rank);
    v.off = next(name, "offset");
    for (int i = 0; i < v.rank; i++) v.shape[i] = next(name, "size");
    for (int i = 0; i < v.rank; i++) v.strides[i] = next(name, "stride");
    __int128 lo = v.off, hi = v.off, size = 1;
    for (int i = 0; i < v.rank; i++) {
      if (v.shape[i] < 0) fail(std::string(name) + " has a negative size in shape " + shapeStr(v.shape, v.rank), "ValueError");
      size *= v.shape[i];
      if (size > (static_cast<__int128>(1) << 53)) size = static_cast<__int128>(1) << 53;
      const __int128 reach = static_cast<__int128>(v.shape[i] == 0 ? 0 : v.shape[i] - 1) * v.strides[i];
      if (reach < 0) lo += reach; else hi += reach;
    }
    v.size = static_cast<int64_t>(size);
    if (v.size > 0 && (lo < 0 || hi >= v.len)) {
      fail("view of " + std::string(name) + " (offset " + std::to_string(v.off) + ", shape " + shapeStr(v.shape, v.rank) + ", strides " +
           shapeStr(v.strides, v.rank) + ") reaches elements " + std::to_string(static_cast<int64_t>(lo)) + " to " +
           std::to_string(static_cast<int64_t>(hi)) + " of a buffer of " + std::to_string(v.len) + "; expected every element inside [0, " +
           std::to_string(v.len) + ")", "ValueError");
    }
    return v;
  }

  void sameShape(const View& a, const View& b, const char* an, const char* bn) const {
    bool ok = a.rank == b.rank;
    for (int i = 0; ok && i < a.rank; i++) ok = a.shape[i] == b.shape[i];
    if (!ok) fail(std::string(bn) + " must have the shape of " + an + "; expected " + shapeStr(a.shape, a.rank) + ", got " + shapeStr(b.shape, b.rank));
  }
  void dtype(const View& v, DT d, const char* name) const {
    if (v.dt != d) fail(std::string(name) + " must be " + dtName(d) + "; got " + dtName(v.dt), "DTypeError");
  }
  void contiguous(const View& v, const char* name) const {
    if (!v.contiguous()) fail(std::string("internal: ") + name + " must be contiguous");
  }
  int32_t integer(size_t arg) const {
    if (arg >= info.Length() || !info[arg].IsNumber()) fail("internal: expected a number argument");
    return info[arg].As<Napi::Number>().Int32Value();
  }
  double number(size_t arg) const {
    if (arg >= info.Length() || !info[arg].IsNumber()) fail("internal: expected a number argument");
    return info[arg].As<Napi::Number>().DoubleValue();
  }
  int axis(size_t arg, const View& x) const {
    const int a = integer(arg);
    if (a < 0 || a >= x.rank) fail("axis " + std::to_string(a) + " is out of range for shape " + shapeStr(x.shape, x.rank));
    return a;
  }
};

template <typename F>
Napi::Value guard(const Napi::CallbackInfo& info, F f) {
  try {
    f();
  } catch (const Error& e) {
    Napi::Error error = Napi::Error::New(info.Env(), e.what());
    error.Set("kind", e.kind);
    error.ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    Napi::Error::New(info.Env(), std::string("internal: native backend: ") + e.what()).ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

// unary(op, meta, x, out, p0, p1)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "unary", 1);
    const int op = a.integer(0);
    View x = a.view(2, "x"), o = a.view(3, "out");
    a.sameShape(x, o, "x", "out");
    a.dtype(o, op == 26 ? U8 : x.dt, "out");
    k_unary(op, x, o, a.number(4), a.number(5));
  });
}

// binary(op, meta, a, b, out)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "binary", 1);
    const int op = a.integer(0);
    View x = a.view(2, "a"), y = a.view(3, "b"), o = a.view(4, "out");
    a.sameShape(x, y, "a", "b");
    a.sameShape(x, o, "a", "out");
    a.dtype(y, x.dt, "b");
    a.dtype(o, op >= 7 && op <= 14 ? U8 : x.dt, "out");  // comparisons and logical ops write bool
    k_binary(op, x, y, o);
  });
}

// where(meta, cond, a, b, out)
Napi::Value Where(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "where", 0);
    View c = a.view(1, "cond"), x = a.view(2, "a"), y = a.view(3, "b"), o = a.view(4, "out");
    a.sameShape(x, c, "a", "cond");
    a.sameShape(x, y, "a", "b");
    a.sameShape(x, o, "a", "out");
    a.dtype(y, x.dt, "b");
    a.dtype(o, x.dt, "out");
    k_where(c, x, y, o);
  });
}

// copy(meta, x, out): also a cast when the dtypes differ.
Napi::Value Copy(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "copy", 0);
    View x = a.view(1, "x"), o = a.view(2, "out");
    a.sameShape(x, o, "x", "out");
    k_copy(x, o);
  });
}

// Views of arguments 1..count as float32, contiguous tensors of the first one's shape: the
// operands of the fused optimizer steps.
void contiguousF32Operands(Args& a, View* t, const char* const* names, int count) {
  for (int i = 0; i < count; i++) {
    t[i] = a.view(1 + i, names[i]);
    a.dtype(t[i], F32, names[i]);
    a.contiguous(t[i], names[i]);
    if (i > 0) a.sameShape(t[0], t[i], names[0], names[i]);
  }
}

// adam(meta, p, g, m, v, lr, beta1, beta2, eps, weightDecay, step, flags): flags bit 0 is
// decoupled weight decay (AdamW), bit 1 maximize. All four float32, contiguous, one shape.
Napi::Value Adam(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "adamUpdate", 0);
    const char* names[4] = {"param", "grad", "m", "v"};
    View t[4];
    contiguousF32Operands(a, t, names, 4);
    AdamParams p;
    p.lr = a.number(5);
    p.beta1 = a.number(6);
    p.beta2 = a.number(7);
    p.eps = a.number(8);
    p.weightDecay = a.number(9);
    p.step = a.number(10);
    const int32_t flags = a.integer(11);
    p.decoupled = (flags & 1) != 0;
    p.maximize = (flags & 2) != 0;
    if (!(p.step >= 1) || p.step != std::trunc(p.step)) a.fail("step must be an integer >= 1; got " + std::to_string(p.step), "ValueError");
    k_adam(t[0].ptr<float>() + t[0].off, t[1].ptr<float>() + t[1].off, t[2].ptr<float>() + t[2].off, t[3].ptr<float>() + t[3].off,
           t[0].size, p);
  });
}

// sgd(meta, p, g, buf | null, lr, momentum, dampening, weightDecay, flags): flags bit 0 is
// Nesterov, bit 1 maximize, bit 2 a fresh momentum buffer. All float32, contiguous, one shape.
Napi::Value Sgd(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "sgdUpdate", 0);
    const bool hasBuf = info.Length() > 3 && !info[3].IsNull() && !info[3].IsUndefined();
    const char* names[3] = {"param", "grad", "momentumBuffer"};
    View t[3];
    contiguousF32Operands(a, t, names, hasBuf ? 3 : 2);
    SgdParams p;
    p.lr = a.number(4);
    p.momentum = a.number(5);
    p.dampening = a.number(6);
    p.weightDecay = a.number(7);
    const int32_t flags = a.integer(8);
    p.nesterov = (flags & 1) != 0;
    p.maximize = (flags & 2) != 0;
    p.fresh = (flags & 4) != 0;
    if (p.momentum != 0 && !hasBuf) a.fail("momentum " + std::to_string(p.momentum) + " needs a momentum buffer; got null", "ValueError");
    k_sgd(t[0].ptr<float>() + t[0].off, t[1].ptr<float>() + t[1].off, hasBuf ? t[2].ptr<float>() + t[2].off : nullptr, t[0].size, p);
  });
}

// linear(meta, x, w, out, bias | null, relu): out [M, N] = act(x [M, K] w [N, K]^T + bias [N]).
Napi::Value Linear(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "linear", 0);
    View x = a.view(1, "x"), w = a.view(2, "weight"), o = a.view(3, "out");
    const bool hasBias = info.Length() > 4 && !info[4].IsNull() && !info[4].IsUndefined();
    View b;
    if (hasBias) b = a.view(4, "bias");
    if (x.rank != 2 || w.rank != 2 || x.shape[1] != w.shape[1])
      a.fail("expected x [M, K] and weight [N, K]; got " + shapeStr(x.shape, x.rank) + " and " + shapeStr(w.shape, w.rank));
    if (hasBias && (b.rank != 1 || b.shape[0] != w.shape[0]))
      a.fail("bias must be [" + std::to_string(w.shape[0]) + "] for weight " + shapeStr(w.shape, 2) + "; got " + shapeStr(b.shape, b.rank));
    const int64_t want[2] = {x.shape[0], w.shape[0]};
    if (o.rank != 2 || o.shape[0] != want[0] || o.shape[1] != want[1]) a.fail("out must be " + shapeStr(want, 2) + "; got " + shapeStr(o.shape, o.rank));
    // x and weight may have any strides (the GEMM packs them); out and bias are contiguous.
    const View* all[4] = {&x, &w, &o, &b};
    const char* names[4] = {"x", "weight", "out", "bias"};
    for (int i = 0; i < (hasBias ? 4 : 3); i++) {
      a.dtype(*all[i], F32, names[i]);
      if (i >= 2) a.contiguous(*all[i], names[i]);
    }
    linear_f32(x.shape[0], w.shape[0], x.shape[1], x.ptr<float>() + x.off, x.strides[0], x.strides[1], w.ptr<float>() + w.off, w.strides[0],
               w.strides[1], hasBias ? b.ptr<float>() + b.off : nullptr, a.integer(5) != 0, o.ptr<float>() + o.off, num_threads());
  });
}

// Checks an int32 index for gather / scatterAdd along axis against x (and src): same rank,
// and no larger than x (src: no larger than src) on every axis but the indexed one (src: any).
void checkIndex(const Args& a, const View& x, int axis, const View& idx, const View* src) {
  a.dtype(idx, I32, "index");
  if (idx.rank != x.rank) a.fail("index must have the rank of x; expected " + std::to_string(x.rank) + " axes, got " + shapeStr(idx.shape, idx.rank));
  for (int i = 0; i < x.rank; i++) {
    if (i != axis && idx.shape[i] > x.shape[i])
      a.fail("index " + shapeStr(idx.shape, idx.rank) + " is larger than x " + shapeStr(x.shape, x.rank) + " on axis " + std::to_string(i));
    if (src != nullptr && idx.shape[i] > src->shape[i])
      a.fail("index " + shapeStr(idx.shape, idx.rank) + " is larger than src " + shapeStr(src->shape, src->rank) + " on axis " + std::to_string(i));
  }
  if (idx.size > 0 && x.shape[axis] == 0) a.fail("cannot index the empty axis " + std::to_string(axis) + " of x " + shapeStr(x.shape, x.rank));
}

// gather(meta, x, index, out, axis): out has index's shape and x's dtype.
Napi::Value Gather(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "gather", 0);
    View x = a.view(1, "x"), idx = a.view(2, "index"), o = a.view(3, "out");
    const int axis = a.axis(4, x);
    checkIndex(a, x, axis, idx, nullptr);
    a.sameShape(idx, o, "index", "out");
    a.dtype(o, x.dt, "out");
    k_gather(x, axis, idx, o);
  });
}

// scatterAdd(meta, x, index, src, out, axis): out is a contiguous copy of x, added into.
Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "scatterAdd", 0);
    View x = a.view(1, "x"), idx = a.view(2, "index"), src = a.view(3, "src"), o = a.view(4, "out");
    const int axis = a.axis(5, x);
    if (src.rank != x.rank) a.fail("src must have the rank of x; expected " + std::to_string(x.rank) + " axes, got " + shapeStr(src.shape, src.rank));
    checkIndex(a, x, axis, idx, &src);
    a.sameShape(x, o, "x", "out");
    a.dtype(src, x.dt, "src");
    a.dtype(o, x.dt, "out");
    a.contiguous(o, "out");
    k_scatter_add(x, axis, idx, src, o);
  });
}

// fill(meta, out, value)
Napi::Value Fill(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "fill", 0);
    View o = a.view(1, "out");
    k_fill(o, a.number(2));
  });
}

// reduce(op, meta, x, out): out is viewed with x's shape, stride 0 on the reduced axes.
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "reduce", 1);
    const int op = a.integer(0);
    View x = a.view(2, "x"), o = a.view(3, "out");
    a.sameShape(x, o, "x", "out");
    a.dtype(o, x.dt, "out");
    k_reduce(op, x, o);
  });
}

// argreduce(isMax, meta, x, out, axis): out is the flat int32 result.
Napi::Value ArgReduce(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "argreduce", 1);
    const bool isMax = a.integer(0) != 0;
    View x = a.view(2, "x"), o = a.view(3, "out");
    const int axis = a.axis(4, x);
    a.dtype(o, I32, "out");
    a.contiguous(o, "out");
    if (x.shape[axis] == 0 && x.size == 0 && o.size > 0) a.fail("cannot reduce an empty axis");
    const int64_t outer = x.shape[axis] == 0 ? 0 : x.size / x.shape[axis];
    if (o.size != outer) a.fail("internal: out has " + std::to_string(o.size) + " elements; expected " + std::to_string(outer));
    k_argreduce(isMax, x, axis, o);
  });
}

// softmax(isLog, meta, x, out, axis)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "softmax", 1);
    const bool isLog = a.integer(0) != 0;
    View x = a.view(2, "x"), o = a.view(3, "out");
    a.sameShape(x, o, "x", "out");
    a.dtype(o, x.dt, "out");
    const int axis = a.axis(4, x);
    k_softmax(isLog, x, axis, o);
  });
}

// matmul(meta, a, b, out)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Args a(info, "matmul", 0);
    View x = a.view(1, "a"), y = a.view(2, "b"), o = a.view(3, "out");
    if (x.rank != 3 || y.rank != 3 || x.shape[0] != y.shape[0] || x.shape[2] != y.shape[1])
      a.fail("expected a [B, M, K] and b [B, K, N]; got " + shapeStr(x.shape, x.rank) + " and " + shapeStr(y.shape, y.rank));
    const int64_t want[3] = {x.shape[0], x.shape[1], y.shape[2]};
    if (o.rank != 3 || o.shape[0] != want[0] || o.shape[1] != want[1] || o.shape[2] != want[2])
      a.fail("out must be " + shapeStr(want, 3) + "; got " + shapeStr(o.shape, o.rank));
    a.dtype(y, x.dt, "b");
    a.dtype(o, x.dt, "out");
    a.contiguous(o, "out");
    k_matmul(x, y, o);
  });
}

int64_t convOut(int64_t size, int64_t k, int64_t s, int64_t p0, int64_t p1, int64_t d) {
  const int64_t span = size + p0 + p1 - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

// conv(kind, meta, t0, t1, out, attrs): kind 0 forward (x, w), 1 input grad (gy, w), 2 weight grad (x, gy).
// attrs = [strideH, strideW, padTop, padBottom, padLeft, padRight, dilationH, dilationW, groups].
Napi::Value Conv(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    static const char* names[3] = {"conv2d", "conv2dBackwardInput", "conv2dBackwardWeight"};
    const int kind = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : -1;
    if (kind < 0 || kind > 2) throw Error("internal: conv kind out of range");
    Args a(info, names[kind], 1);
    View t0 = a.view(2, kind == 1 ? "gy" : "x"), t1 = a.view(3, kind == 2 ? "gy" : "w"), o = a.view(4, "out");
    napi_typedarray_type type;
    size_t len;
    void* data;
    if (napi_get_typedarray_info(info.Env(), info[5], &type, &len, &data, nullptr, nullptr) != napi_ok || type != napi_float64_array || len != 9)
      a.fail("internal: attrs must be a Float64Array of 9");
    const double* at = static_cast<const double*>(data);
    const View& x = kind == 1 ? o : t0;
    const View& w = kind == 2 ? o : t1;
    const View& y = kind == 0 ? o : (kind == 1 ? t0 : t1);
    for (const View* v : {&t0, &t1, &o}) {
      if (v->rank != 4) a.fail("expected 4-D operands; got " + shapeStr(v->shape, v->rank));
      a.contiguous(*v, "operand");
      a.dtype(*v, t0.dt, "operand");
    }
    ConvGeom g;
    g.n = x.shape[0], g.c = x.shape[1], g.h = x.shape[2], g.w = x.shape[3];
    g.o = w.shape[0], g.kh = w.shape[2], g.kw = w.shape[3];
    g.oh = y.shape[2], g.ow = y.shape[3];
    g.sh = static_cast<int64_t>(at[0]), g.sw = static_cast<int64_t>(at[1]);
    g.pt = static_cast<int64_t>(at[2]), g.pl = static_cast<int64_t>(at[4]);
    g.dh = static_cast<int64_t>(at[6]), g.dw = static_cast<int64_t>(at[7]);
    g.groups = static_cast<int64_t>(at[8]);
    const int64_t pb = static_cast<int64_t>(at[3]), pr = static_cast<int64_t>(at[5]);
    if (g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 || g.pt < 0 || g.pl < 0 || pb < 0 || pr < 0 || g.groups < 1)
      a.fail("stride and dilation must be >= 1, padding >= 0 and groups >= 1", "ValueError");
    if (g.c != w.shape[1] * g.groups || g.o % g.groups != 0)
      a.fail("input " + shapeStr(x.shape, 4) + " and weight " + shapeStr(w.shape, 4) + " do not fit " + std::to_string(g.groups) + " groups");
    if (y.shape[0] != g.n || y.shape[1] != g.o || g.oh != convOut(g.h, g.kh, g.sh, g.pt, pb, g.dh) ||
        g.ow != convOut(g.w, g.kw, g.sw, g.pl, pr, g.dw))
      a.fail("output gradient / output shape " + shapeStr(y.shape, 4) + " does not match input " + shapeStr(x.shape, 4) + " and weight " +
             shapeStr(w.shape, 4));
    if (kind == 0) {
      // An optional bias after the attrs: [o], contiguous, of the operands' dtype.
      if (info.Length() > 6 && !info[6].IsUndefined()) {
        View bias = a.view(6, "bias");
        if (bias.rank != 1 || bias.shape[0] != g.o)
          a.fail("bias must be [" + std::to_string(g.o) + "] (one value per output channel); got " + shapeStr(bias.shape, bias.rank));
        a.contiguous(bias, "bias");
        a.dtype(bias, t0.dt, "bias");
        k_conv2d(t0, t1, o, g, &bias);
      } else {
        k_conv2d(t0, t1, o, g, nullptr);
      }
    }
    else if (kind == 1) k_conv2d_backward_input(t0, t1, o, g);
    else k_conv2d_backward_weight(t0, t1, o, g);
  });
}

// pool(kind, meta, ..., attrs): kind 0 max (x, out, idx), 1 max backward (gy, idx, out),
// 2 avg (x, out), 3 avg backward (gy, out). attrs = [kH, kW, sH, sW, pH, pW, dH, dW, countIncludePad].
Napi::Value Pool(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    static const char* names[4] = {"maxPool2d", "maxPool2dBackward", "avgPool2d", "avgPool2dBackward"};
    const int kind = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : -1;
    if (kind < 0 || kind > 3) throw Error("internal: pool kind out of range");
    Args a(info, names[kind], 1);
    const int nv = kind <= 1 ? 3 : 2;
    View v[3];
    static const char* vn[4][3] = {{"x", "out", "indices"}, {"gy", "indices", "out"}, {"x", "out", ""}, {"gy", "out", ""}};
    for (int i = 0; i < nv; i++) {
      v[i] = a.view(2 + i, vn[kind][i]);
      if (v[i].rank != 4) a.fail(std::string(vn[kind][i]) + " must be 4-D; got " + shapeStr(v[i].shape, v[i].rank));
      a.contiguous(v[i], vn[kind][i]);
    }
    napi_typedarray_type type;
    size_t len;
    void* data;
    if (napi_get_typedarray_info(info.Env(), info[2 + nv], &type, &len, &data, nullptr, nullptr) != napi_ok || type != napi_float64_array || len != 9)
      a.fail("internal: attrs must be a Float64Array of 9");
    const double* at = static_cast<const double*>(data);
    // The large (input-sized) and the small (output-sized) tensors of each kind.
    const View& big = kind == 0 || kind == 2 ? v[0] : v[kind == 1 ? 2 : 1];
    const View& small = kind == 0 || kind == 2 ? v[1] : v[0];
    PoolGeom g;
    g.n = big.shape[0], g.c = big.shape[1], g.h = big.shape[2], g.w = big.shape[3];
    g.oh = small.shape[2], g.ow = small.shape[3];
    g.kh = static_cast<int64_t>(at[0]), g.kw = static_cast<int64_t>(at[1]);
    g.sh = static_cast<int64_t>(at[2]), g.sw = static_cast<int64_t>(at[3]);
    g.ph = static_cast<int64_t>(at[4]), g.pw = static_cast<int64_t>(at[5]);
    g.dh = static_cast<int64_t>(at[6]), g.dw = static_cast<int64_t>(at[7]);
    g.includePad = at[8] != 0;
    if (g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 || g.ph < 0 || g.pw < 0)
      a.fail("kernel, stride and dilation must be >= 1 and padding >= 0", "ValueError");
    if (small.shape[0] != g.n || small.shape[1] != g.c)
      a.fail("output " + shapeStr(small.shape, 4) + " does not match input " + shapeStr(big.shape, 4));
    for (int i = 1; i < nv; i++) a.dtype(v[i], (kind == 0 && i == 2) || (kind == 1 && i == 1) ? I32 : v[0].dt, vn[kind][i]);
    if (kind == 0 || kind == 1) a.sameShape(small, kind == 0 ? v[2] : v[1], "output", "indices");
    if (kind == 0) k_maxpool(v[0], v[1], v[2], g);
    else if (kind == 1) k_maxpool_backward(v[0], v[1], v[2], g);
    else if (kind == 2) k_avgpool(v[0], v[1], g);
    else k_avgpool_backward(v[0], v[1], g);
  });
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), num_threads()); }

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsNumber()) set_num_threads(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

// The address of a typed array's first element modulo 64 (the native pool allocates with room to
// start its buffers on a cache line).
Napi::Value Misalignment(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "misalignment: expected a typed array");
  const Napi::TypedArray t = info[0].As<Napi::TypedArray>();
  const uintptr_t at = reinterpret_cast<uintptr_t>(static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset());
  return Napi::Number::New(info.Env(), static_cast<double>(at % 64));
}

Napi::Value KernelName(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), sgemm_kernel_name()); }

Napi::Value SelectIsa(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) return Napi::Boolean::New(info.Env(), false);
  // One switch for every ISA-dispatched family (GEMM micro-kernels, optimizer loops, the
  // convolutions' block moves).
  const std::string isa = info[0].As<Napi::String>().Utf8Value();
  const bool ok = sgemm_select(isa.c_str());
  if (ok) {
    optim_select(isa.c_str());
    block_select(isa.c_str());
  }
  return Napi::Boolean::New(info.Env(), ok);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("where", Napi::Function::New(env, Where));
  exports.Set("copy", Napi::Function::New(env, Copy));
  exports.Set("fill", Napi::Function::New(env, Fill));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("sgd", Napi::Function::New(env, Sgd));
  exports.Set("linear", Napi::Function::New(env, Linear));
  exports.Set("gather", Napi::Function::New(env, Gather));
  exports.Set("scatterAdd", Napi::Function::New(env, ScatterAdd));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("argreduce", Napi::Function::New(env, ArgReduce));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("matmul", Napi::Function::New(env, Matmul));
  exports.Set("conv", Napi::Function::New(env, Conv));
  exports.Set("pool", Napi::Function::New(env, Pool));
  exports.Set("numThreads", Napi::Function::New(env, NumThreads));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("kernelName", Napi::Function::New(env, KernelName));
  exports.Set("misalignment", Napi::Function::New(env, Misalignment));
  exports.Set("selectIsa", Napi::Function::New(env, SelectIsa));
  return exports;
}

}  // namespace
}  // namespace bp

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return bp::Init(env, exports); }

NODE_API_MODULE(backprop_native, InitAddon)
