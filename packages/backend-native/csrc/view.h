// Tensor views as the addon sees them: a typed buffer plus rank, offset, shape and strides,
// checked against the buffer's length before any kernel touches memory.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace bp {

constexpr int kMaxRank = 16;
enum DT { F32 = 0, F64 = 1, I32 = 2, U8 = 3 };

struct View {
  void* data = nullptr;
  DT dt = F32;
  int64_t len = 0;
  int rank = 0;
  int64_t off = 0;
  int64_t shape[kMaxRank] = {};
  int64_t strides[kMaxRank] = {};
  int64_t size = 1;
  template <typename T>
  T* ptr() const {
    return static_cast<T*>(data);
  }
  bool contiguous() const {
    int64_t s = 1;
    for (int i = rank - 1; i >= 0; i--) {
      if (shape[i] != 1 && strides[i] != s) return false;
      s *= shape[i];
    }
    return true;
  }
};

// JavaScript's ToInt32 / ToUint8 (what storing a number into an Int32Array / Uint8Array does).
inline int32_t js_i32(double v) {
  if (!(v == v) || std::isinf(v)) return 0;
  if (v > -2147483649.0 && v < 2147483648.0) return static_cast<int32_t>(v);
  double m = std::fmod(std::trunc(v), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}
inline uint8_t js_u8(double v) {
  if (!(v == v) || std::isinf(v)) return 0;
  if (v > -1.0 && v < 256.0) return static_cast<uint8_t>(v);
  double m = std::fmod(std::trunc(v), 256.0);
  if (m < 0) m += 256.0;
  return static_cast<uint8_t>(m);
}

template <typename T>
struct Conv;
template <>
struct Conv<float> {
  typedef float C;
  static float put(float v) { return v; }
  static float put(double v) { return static_cast<float>(v); }
};
template <>
struct Conv<double> {
  typedef double C;
  static double put(double v) { return v; }
};
template <>
struct Conv<int32_t> {
  typedef double C;
  static int32_t put(double v) { return js_i32(v); }
};
template <>
struct Conv<uint8_t> {
  typedef double C;
  static uint8_t put(double v) { return js_u8(v); }
};

}  // namespace bp
