// Kernel entry points over checked views. They throw bp::Error for bad arguments.
#pragma once
#include <stdexcept>
#include <string>

#include "view.h"

namespace bp {

// kind names the @backprop/core error class the backend rethrows it as (ShapeError, ValueError,
// DTypeError); a message containing "internal:" is our bug and stays a plain Error.
struct Error : std::runtime_error {
  const char* kind;
  explicit Error(const std::string& m, const char* k = "ShapeError") : std::runtime_error(m), kind(k) {}
};

struct ConvGeom {
  int64_t n, c, h, w, o, kh, kw, oh, ow, groups;
  int64_t sh, sw, pt, pl, dh, dw;
};
struct PoolGeom {
  int64_t n, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw;
  bool includePad;
};

void k_unary(int op, const View& x, const View& o, double p0, double p1);
void k_binary(int op, const View& a, const View& b, const View& o);
void k_where(const View& c, const View& a, const View& b, const View& o);
void k_copy(const View& x, const View& o);  // also casts: o may have another dtype
void k_fill(const View& o, double value);
void k_reduce(int op, const View& x, const View& o);  // o has x's shape with stride 0 on reduced axes
void k_argreduce(bool max, const View& x, int axis, const View& o);
void k_softmax(bool log, const View& x, int axis, const View& o);
void k_matmul(const View& a, const View& b, const View& o);
// bias: null, or [o] of x's dtype, added per output channel.
void k_conv2d(const View& x, const View& w, const View& o, const ConvGeom& g, const View* bias);
void k_conv2d_backward_input(const View& gy, const View& w, const View& o, const ConvGeom& g);
void k_conv2d_backward_weight(const View& x, const View& gy, const View& o, const ConvGeom& g);
void k_maxpool(const View& x, const View& o, const View& idx, const PoolGeom& g);
void k_maxpool_backward(const View& gy, const View& idx, const View& o, const PoolGeom& g);
void k_avgpool(const View& x, const View& o, const PoolGeom& g);
void k_avgpool_backward(const View& gy, const View& o, const PoolGeom& g);

// out = x gathered along axis by the int32 index (out has index's shape, index fits in x off the axis).
void k_gather(const View& x, int axis, const View& idx, const View& o);
// o (a contiguous copy of x) += src scattered along axis by index; single-threaded, in order.
void k_scatter_add(const View& x, int axis, const View& idx, const View& src, const View& o);

struct AdamParams {
  double lr, beta1, beta2, eps, weightDecay, step;
  bool decoupled, maximize;
};
// One Adam/AdamW step (no AMSGrad) over n contiguous float32 elements, in place.
void k_adam(float* p, const float* g, float* m, float* v, int64_t n, const AdamParams& a);

struct SgdParams {
  double lr, momentum, dampening, weightDecay;
  bool nesterov, maximize, fresh;
};
// One SGD step over n contiguous float32 elements, in place; buf is null without momentum.
void k_sgd(float* p, const float* g, float* buf, int64_t n, const SgdParams& s);

}  // namespace bp
