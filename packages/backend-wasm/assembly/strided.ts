// Strided elementwise kernels and reductions. The JS side collapses mergeable axes and
// writes a view description to `meta`: shape[rank], then one stride list per operand (in
// elements). Base pointers already include each operand's offset. An odometer walks the
// outer axes; the innermost axis is one row, with SIMD loops where every stride is 1.

const idx: usize = memory.data(32 * 4, 16);
const offs: usize = memory.data(4 * 4, 16);

/** Zeroes the odometer and returns the number of rows (product of the outer axes). */
function startRows(rank: i32, meta: usize, ops: i32): i32 {
  let rows = 1;
  for (let a = 0; a < rank - 1; a++) {
    rows *= load<i32>(meta + ((<usize>a) << 2));
    store<i32>(idx + ((<usize>a) << 2), 0);
  }
  for (let j = 0; j < ops; j++) store<i32>(offs + ((<usize>j) << 2), 0);
  return rows;
}

// @ts-ignore: decorator
@inline
function stride(meta: usize, rank: i32, op: i32, axis: i32): i32 {
  return load<i32>(meta + ((<usize>((1 + op) * rank + axis)) << 2));
}

// @ts-ignore: decorator
@inline
function off(op: i32): i32 {
  return load<i32>(offs + ((<usize>op) << 2));
}

/** Moves the odometer to the next row, updating every operand's element offset. */
function advance(rank: i32, meta: usize, ops: i32): void {
  for (let a = rank - 2; a >= 0; a--) {
    const i = load<i32>(idx + ((<usize>a) << 2)) + 1;
    const d = load<i32>(meta + ((<usize>a) << 2));
    for (let j = 0; j < ops; j++) {
      const p = offs + ((<usize>j) << 2);
      store<i32>(p, load<i32>(p) + stride(meta, rank, j, a));
    }
    if (i < d) {
      store<i32>(idx + ((<usize>a) << 2), i);
      return;
    }
    for (let j = 0; j < ops; j++) {
      const p = offs + ((<usize>j) << 2);
      store<i32>(p, load<i32>(p) - stride(meta, rank, j, a) * d);
    }
    store<i32>(idx + ((<usize>a) << 2), 0);
  }
}

// ---------- unary, float32 ----------

// Codes shared with the JS side (src/wasmBackend.ts).
const NEG = 0, ABS = 1, EXP = 3, LOG = 4, SQRT = 7, RSQRT = 8, SQUARE = 9, RECIPROCAL = 10, TANH = 13,
  SIGMOID = 14, RELU = 15, LEAKY_RELU = 16, SILU = 19, FLOOR = 22, CEIL = 23, CLAMP = 25;

// @ts-ignore: decorator
@inline
function sigmoidf(v: f32): f32 {
  if (v >= 0) return 1 / (1 + Mathf.exp(-v));
  const e = Mathf.exp(v);
  return e / (1 + e);
}

function unaryScalar(op: i32, v: f32, p0: f32, p1: f32): f32 {
  switch (op) {
    case NEG: return -v;
    case ABS: return Mathf.abs(v);
    case EXP: return Mathf.exp(v);
    case LOG: return Mathf.log(v);
    case SQRT: return Mathf.sqrt(v);
    case RSQRT: return <f32>(1 / Math.sqrt(<f64>v));
    case SQUARE: return v * v;
    case RECIPROCAL: return 1 / v;
    case TANH: return Mathf.tanh(v);
    case SIGMOID: return sigmoidf(v);
    case RELU: return v < 0 ? 0 : v;
    case LEAKY_RELU: return v < 0 ? v * p0 : v;
    case SILU: return v * sigmoidf(v);
    case FLOOR: return Mathf.floor(v);
    case CEIL: return Mathf.ceil(v);
    case CLAMP: return v < p0 ? p0 : v > p1 ? p1 : v;
    default: return NaN;
  }
}

/** A contiguous row with SIMD where the op is one instruction or two; false when it has no SIMD form. */
function unaryRowSimd(op: i32, n: i32, x: usize, o: usize, p0: f32, p1: f32): bool {
  const n4 = n & ~3;
  const zero = f32x4.splat(0);
  const s0 = f32x4.splat(p0);
  const s1 = f32x4.splat(p1);
  let i = 0;
  switch (op) {
    case NEG: for (; i < n4; i += 4) v128.store(o + ((<usize>i) << 2), f32x4.neg(v128.load(x + ((<usize>i) << 2)))); break;
    case ABS: for (; i < n4; i += 4) v128.store(o + ((<usize>i) << 2), f32x4.abs(v128.load(x + ((<usize>i) << 2)))); break;
    case SQRT: for (; i < n4; i += 4) v128.store(o + ((<usize>i) << 2), f32x4.sqrt(v128.load(x + ((<usize>i) << 2)))); break;
    case SQUARE: for (; i < n4; i += 4) { const v = v128.load(x + ((<usize>i) << 2)); v128.store(o + ((<usize>i) << 2), f32x4.mul(v, v)); } break;
    case RELU:
      // v < 0 ? 0 : v keeps NaN (a NaN lane fails the comparison).
      for (; i < n4; i += 4) { const v = v128.load(x + ((<usize>i) << 2)); v128.store(o + ((<usize>i) << 2), v128.bitselect(zero, v, f32x4.lt(v, zero))); }
      break;
    case LEAKY_RELU:
      for (; i < n4; i += 4) { const v = v128.load(x + ((<usize>i) << 2)); v128.store(o + ((<usize>i) << 2), v128.bitselect(f32x4.mul(v, s0), v, f32x4.lt(v, zero))); }
      break;
    case CLAMP:
      for (; i < n4; i += 4) {
        const v = v128.load(x + ((<usize>i) << 2));
        const lo = v128.bitselect(s0, v, f32x4.lt(v, s0));
        v128.store(o + ((<usize>i) << 2), v128.bitselect(s1, lo, f32x4.gt(v, s1)));
      }
      break;
    case FLOOR: for (; i < n4; i += 4) v128.store(o + ((<usize>i) << 2), f32x4.floor(v128.load(x + ((<usize>i) << 2)))); break;
    case CEIL: for (; i < n4; i += 4) v128.store(o + ((<usize>i) << 2), f32x4.ceil(v128.load(x + ((<usize>i) << 2)))); break;
    default: return false;
  }
  for (; i < n; i++) store<f32>(o + ((<usize>i) << 2), unaryScalar(op, load<f32>(x + ((<usize>i) << 2)), p0, p1));
  return true;
}

/** o = op(x) over a strided view of `rank` axes described at `meta` (x then o strides). */
export function unaryF32(op: i32, rank: i32, meta: usize, x: usize, o: usize, p0: f32, p1: f32): void {
  const rows = startRows(rank, meta, 2);
  const n = load<i32>(meta + ((<usize>(rank - 1)) << 2));
  const xs = stride(meta, rank, 0, rank - 1);
  const os = stride(meta, rank, 1, rank - 1);
  for (let r = 0; r < rows; r++) {
    const xp = x + ((<usize>off(0)) << 2);
    const op_ = o + ((<usize>off(1)) << 2);
    if (!(xs == 1 && os == 1 && unaryRowSimd(op, n, xp, op_, p0, p1))) {
      for (let i = 0; i < n; i++) {
        store<f32>(op_ + ((<usize>(i * os)) << 2), unaryScalar(op, load<f32>(xp + ((<usize>(i * xs)) << 2)), p0, p1));
      }
    }
    advance(rank, meta, 2);
  }
}

// ---------- binary, float32 ----------

const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAXIMUM = 5, MINIMUM = 6, EQ = 7, NE = 8, LT = 9, LE = 10, GT = 11, GE = 12;

// @ts-ignore: decorator
@inline
function binaryScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    case MUL: return a * b;
    case DIV: return a / b;
    case MAXIMUM: return a > b || a != a ? a : b;
    case MINIMUM: return a < b || a != a ? a : b;
    default: return NaN;
  }
}

// @ts-ignore: decorator
@inline
function binarySimd(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    case MAXIMUM: return f32x4.max(a, b);
    default: return f32x4.min(a, b);
  }
}

function binaryRow(op: i32, n: i32, a: usize, as: i32, b: usize, bs: i32, o: usize, os: i32): void {
  let i = 0;
  if (os == 1 && (as == 1 || as == 0) && (bs == 1 || bs == 0)) {
    const n4 = n & ~3;
    const av = f32x4.splat(load<f32>(a));
    const bv = f32x4.splat(load<f32>(b));
    if (as == 1 && bs == 1) {
      for (; i < n4; i += 4) {
        const p = (<usize>i) << 2;
        v128.store(o + p, binarySimd(op, v128.load(a + p), v128.load(b + p)));
      }
    } else if (as == 1) {
      for (; i < n4; i += 4) {
        const p = (<usize>i) << 2;
        v128.store(o + p, binarySimd(op, v128.load(a + p), bv));
      }
    } else if (bs == 1) {
      for (; i < n4; i += 4) {
        const p = (<usize>i) << 2;
        v128.store(o + p, binarySimd(op, av, v128.load(b + p)));
      }
    }
  }
  for (; i < n; i++) {
    store<f32>(o + ((<usize>(i * os)) << 2), binaryScalar(op, load<f32>(a + ((<usize>(i * as)) << 2)), load<f32>(b + ((<usize>(i * bs)) << 2))));
  }
}

function compareRow(op: i32, n: i32, a: usize, as: i32, b: usize, bs: i32, o: usize, os: i32): void {
  for (let i = 0; i < n; i++) {
    const x = load<f32>(a + ((<usize>(i * as)) << 2));
    const y = load<f32>(b + ((<usize>(i * bs)) << 2));
    let r: bool;
    switch (op) {
      case EQ: r = x == y; break;
      case NE: r = x != y; break;
      case LT: r = x < y; break;
      case LE: r = x <= y; break;
      case GT: r = x > y; break;
      default: r = x >= y;
    }
    store<u8>(o + <usize>(i * os), r ? 1 : 0);
  }
}

/** o = a op b over strided views (a, b, o strides at `meta`); comparisons write bytes. */
export function binaryF32(op: i32, rank: i32, meta: usize, a: usize, b: usize, o: usize): void {
  const rows = startRows(rank, meta, 3);
  const n = load<i32>(meta + ((<usize>(rank - 1)) << 2));
  const as = stride(meta, rank, 0, rank - 1);
  const bs = stride(meta, rank, 1, rank - 1);
  const os = stride(meta, rank, 2, rank - 1);
  const compare = op >= EQ;
  for (let r = 0; r < rows; r++) {
    const ap = a + ((<usize>off(0)) << 2);
    const bp = b + ((<usize>off(1)) << 2);
    if (compare) compareRow(op, n, ap, as, bp, bs, o + <usize>off(2), os);
    else binaryRow(op, n, ap, as, bp, bs, o + ((<usize>off(2)) << 2), os);
    advance(rank, meta, 3);
  }
}

/** o = cond ? a : b (cond bytes; a, b, o float32), strides at `meta` in that order. */
export function whereF32(rank: i32, meta: usize, c: usize, a: usize, b: usize, o: usize): void {
  const rows = startRows(rank, meta, 4);
  const n = load<i32>(meta + ((<usize>(rank - 1)) << 2));
  const cs = stride(meta, rank, 0, rank - 1);
  const as = stride(meta, rank, 1, rank - 1);
  const bs = stride(meta, rank, 2, rank - 1);
  const os = stride(meta, rank, 3, rank - 1);
  for (let r = 0; r < rows; r++) {
    const cp = c + <usize>off(0);
    const ap = a + ((<usize>off(1)) << 2);
    const bp = b + ((<usize>off(2)) << 2);
    const op = o + ((<usize>off(3)) << 2);
    for (let i = 0; i < n; i++) {
      const v = load<u8>(cp + <usize>(i * cs)) != 0 ? load<f32>(ap + ((<usize>(i * as)) << 2)) : load<f32>(bp + ((<usize>(i * bs)) << 2));
      store<f32>(op + ((<usize>(i * os)) << 2), v);
    }
    advance(rank, meta, 4);
  }
}

/** Bytes (bool) to float32, strided. */
export function castU8F32(rank: i32, meta: usize, x: usize, o: usize): void {
  const rows = startRows(rank, meta, 2);
  const n = load<i32>(meta + ((<usize>(rank - 1)) << 2));
  const xs = stride(meta, rank, 0, rank - 1);
  const os = stride(meta, rank, 1, rank - 1);
  for (let r = 0; r < rows; r++) {
    const xp = x + <usize>off(0);
    const op = o + ((<usize>off(1)) << 2);
    for (let i = 0; i < n; i++) store<f32>(op + ((<usize>(i * os)) << 2), <f32>load<u8>(xp + <usize>(i * xs)));
    advance(rank, meta, 2);
  }
}

/** Strided copy of elements of `size` bytes (1, 4 or 8). */
export function copyStrided(size: i32, rank: i32, meta: usize, x: usize, o: usize): void {
  const rows = startRows(rank, meta, 2);
  const n = load<i32>(meta + ((<usize>(rank - 1)) << 2));
  const xs = stride(meta, rank, 0, rank - 1);
  const os = stride(meta, rank, 1, rank - 1);
  for (let r = 0; r < rows; r++) {
    const xp = x + <usize>(off(0) * size);
    const op = o + <usize>(off(1) * size);
    if (xs == 1 && os == 1) memory.copy(op, xp, <usize>(n * size));
    else if (size == 4) for (let i = 0; i < n; i++) store<u32>(op + ((<usize>(i * os)) << 2), load<u32>(xp + ((<usize>(i * xs)) << 2)));
    else if (size == 8) for (let i = 0; i < n; i++) store<u64>(op + ((<usize>(i * os)) << 3), load<u64>(xp + ((<usize>(i * xs)) << 3)));
    else for (let i = 0; i < n; i++) store<u8>(op + <usize>(i * os), load<u8>(xp + <usize>(i * xs)));
    advance(rank, meta, 2);
  }
}

// ---------- reductions, float32 ----------

/**
 * o[j] += x[i] over a view where o's strides are 0 on reduced axes; o must be zeroed first.
 * Row sums accumulate in float64, so long rows keep float32 accuracy.
 */
export function sumF32(rank: i32, meta: usize, x: usize, o: usize): void {
  const rows = startRows(rank, meta, 2);
  const n = load<i32>(meta + ((<usize>(rank - 1)) << 2));
  const xs = stride(meta, rank, 0, rank - 1);
  const os = stride(meta, rank, 1, rank - 1);
  for (let r = 0; r < rows; r++) {
    const xp = x + ((<usize>off(0)) << 2);
    const op = o + ((<usize>off(1)) << 2);
    if (os == 0) {
      let i = 0;
      let acc: f64 = 0;
      if (xs == 1) {
        let lo = f64x2.splat(0);
        let hi = f64x2.splat(0);
        const n4 = n & ~3;
        for (; i < n4; i += 4) {
          const v = v128.load(xp + ((<usize>i) << 2));
          lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
          hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.swizzle(v, i8x16(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))));
        }
        const s = f64x2.add(lo, hi);
        acc = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
      }
      for (; i < n; i++) acc += <f64>load<f32>(xp + ((<usize>(i * xs)) << 2));
      store<f32>(op, <f32>(<f64>load<f32>(op) + acc));
    } else if (xs == 1 && os == 1) {
      let i = 0;
      const n4 = n & ~3;
      for (; i < n4; i += 4) {
        const p = (<usize>i) << 2;
        v128.store(op + p, f32x4.add(v128.load(op + p), v128.load(xp + p)));
      }
      for (; i < n; i++) store<f32>(op + ((<usize>i) << 2), load<f32>(op + ((<usize>i) << 2)) + load<f32>(xp + ((<usize>i) << 2)));
    } else {
      for (let i = 0; i < n; i++) {
        const p = op + ((<usize>(i * os)) << 2);
        store<f32>(p, load<f32>(p) + load<f32>(xp + ((<usize>(i * xs)) << 2)));
      }
    }
    advance(rank, meta, 2);
  }
}

/** Softmax (or log-softmax) of `rows` contiguous rows of length n. */
export function softmaxRowsF32(x: usize, o: usize, rows: i32, n: i32, log: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + ((<usize>(r * n)) << 2);
    const or = o + ((<usize>(r * n)) << 2);
    let mx: f32 = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = load<f32>(xr + ((<usize>i) << 2));
      if (v > mx || v != v) mx = v;
    }
    // A row of -Infinity (fully masked) gives NaN, as in PyTorch.
    const shift: f32 = isFinite(mx) ? mx : 0;
    let total: f64 = 0;
    for (let i = 0; i < n; i++) {
      const e = Mathf.exp(load<f32>(xr + ((<usize>i) << 2)) - shift);
      total += <f64>e;
      if (log == 0) store<f32>(or + ((<usize>i) << 2), e);
    }
    if (log != 0) {
      // In float64: x - lse in float32 would lose the digits of a small result next to large x.
      const lse = Math.log(total) + <f64>shift;
      for (let i = 0; i < n; i++) store<f32>(or + ((<usize>i) << 2), <f32>(<f64>load<f32>(xr + ((<usize>i) << 2)) - lse));
    } else {
      const inv = <f32>(1 / total);
      for (let i = 0; i < n; i++) store<f32>(or + ((<usize>i) << 2), load<f32>(or + ((<usize>i) << 2)) * inv);
    }
  }
}
