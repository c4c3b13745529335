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

// Codes shared with the JS side (src/wasmBackend.ts). FILL is no UnaryOp: o = p0 (the fill kernel).
const NEG = 0, ABS = 1, SIGN = 2, EXP = 3, LOG = 4, LOG1P = 5, EXPM1 = 6, SQRT = 7, RSQRT = 8, SQUARE = 9,
  RECIPROCAL = 10, SIN = 11, COS = 12, TANH = 13, SIGMOID = 14, RELU = 15, LEAKY_RELU = 16, ELU = 17, GELU = 18,
  SILU = 19, SOFTPLUS = 20, ERF = 21, FLOOR = 22, CEIL = 23, ROUND = 24, CLAMP = 25, FILL = 26;

const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
const ONE_OVER_SQRT_PI: f64 = 0.5641895835477563;

/** The error function in float64, the algorithm of core's JS backend (backend/js/scalar.ts). */
function erf64(x: f64): f64 {
  if (x != x) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / <f64>n;
      const add = term / <f64>(2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (ax > 6) return x > 0 ? 1 : -1;
  // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
  let k = ax;
  for (let n = 60; n >= 1; n--) k = ax + <f64>n / 2 / k;
  const erfc = (Math.exp(-ax * ax) * ONE_OVER_SQRT_PI) / k;
  return x > 0 ? 1 - erfc : erfc - 1;
}

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
    // The rest in float64, as the JS backend computes them, rounded once.
    case SIGN: return v > 0 ? 1 : v < 0 ? -1 : v;
    case LOG1P: return <f32>Math.log1p(<f64>v);
    case EXPM1: return <f32>Math.expm1(<f64>v);
    case SIN: return <f32>Math.sin(<f64>v);
    case COS: return <f32>Math.cos(<f64>v);
    case ELU: return v < 0 ? <f32>(<f64>p0 * Math.expm1(<f64>v)) : v;
    case GELU: return <f32>(0.5 * <f64>v * (1 + erf64(<f64>v * Math.SQRT1_2)));
    case SOFTPLUS: { const x = <f64>v; return <f32>((x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x)))); }
    case ERF: return <f32>erf64(<f64>v);
    // f32.nearest rounds half to even, like NumPy and PyTorch.
    case ROUND: return nearest<f32>(v);
    case FILL: return p0;
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
    case SIGN:
      // v > 0 ? 1 : v < 0 ? -1 : v, which keeps NaN and both zeros.
      for (; i < n4; i += 4) {
        const v = v128.load(x + ((<usize>i) << 2));
        const pos = v128.bitselect(f32x4.splat(1), v, f32x4.gt(v, zero));
        v128.store(o + ((<usize>i) << 2), v128.bitselect(f32x4.splat(-1), pos, f32x4.lt(v, zero)));
      }
      break;
    case ROUND: for (; i < n4; i += 4) v128.store(o + ((<usize>i) << 2), f32x4.nearest(v128.load(x + ((<usize>i) << 2)))); break;
    case FILL: for (; i < n4; i += 4) v128.store(o + ((<usize>i) << 2), s0); break;
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

const ADD = 0, SUB = 1, MUL = 2, DIV = 3, POW = 4, MAXIMUM = 5, MINIMUM = 6, EQ = 7, NE = 8, LT = 9, LE = 10, GT = 11, GE = 12,
  LOGICAL_AND = 13, LOGICAL_OR = 14, RELU_BACKWARD = 15;

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
    // In float64, as the JS backend computes it, rounded once.
    case POW: return <f32>Math.pow(<f64>a, <f64>b);
    // relu's gradient: a (the incoming gradient) where b (relu's output) > 0, NaN kept.
    case RELU_BACKWARD: return b > 0 ? a : b != b ? b : 0;
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
    case RELU_BACKWARD: {
      const zero = f32x4.splat(0);
      return v128.bitselect(a, v128.bitselect(b, zero, f32x4.ne(b, b)), f32x4.gt(b, zero));
    }
    default: return f32x4.min(a, b);
  }
}

function binaryRow(op: i32, n: i32, a: usize, as: i32, b: usize, bs: i32, o: usize, os: i32): void {
  let i = 0;
  if (op != POW && os == 1 && (as == 1 || as == 0) && (bs == 1 || bs == 0)) {
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
      case GE: r = x >= y; break;
      case LOGICAL_AND: r = x != 0 && y != 0; break;
      default: r = x != 0 || y != 0;
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
  const compare = op >= EQ && op <= LOGICAL_OR;
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

const SUM = 0, PROD = 1, MAX = 2, MIN = 3;

// @ts-ignore: decorator
@inline
function combine(op: i32, acc: f32, v: f32): f32 {
  switch (op) {
    case PROD: return acc * v;
    // NaN wins and stays, like the JS backend.
    case MAX: return v > acc || v != v ? v : acc;
    default: return v < acc || v != v ? v : acc;
  }
}

/** Lane-wise combine of a whole vector, with the scalar rule's NaN handling. */
// @ts-ignore: decorator
@inline
function combine4(op: i32, acc: v128, v: v128): v128 {
  switch (op) {
    case PROD: return f32x4.mul(acc, v);
    case MAX: return v128.bitselect(v, acc, v128.or(f32x4.gt(v, acc), f32x4.ne(v, v)));
    default: return v128.bitselect(v, acc, v128.or(f32x4.lt(v, acc), f32x4.ne(v, v)));
  }
}

/** The sum of a row into *op in float64, so long rows keep float32 accuracy. */
function sumRow(n: i32, xp: usize, xs: i32, op: usize): void {
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
}

/**
 * o[j] = o[j] op x[i] over a view where o's strides are 0 on reduced axes (op: 0 sum, 1 prod,
 * 2 max, 3 min); o must hold the op's identity first. Sums of a row accumulate in float64.
 */
export function reduceF32(op: i32, rank: i32, meta: usize, x: usize, o: usize): void {
  const rows = startRows(rank, meta, 2);
  const n = load<i32>(meta + ((<usize>(rank - 1)) << 2));
  const xs = stride(meta, rank, 0, rank - 1);
  const os = stride(meta, rank, 1, rank - 1);
  const n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const xp = x + ((<usize>off(0)) << 2);
    const op_ = o + ((<usize>off(1)) << 2);
    if (os == 0 && op == SUM) {
      sumRow(n, xp, xs, op_);
    } else if (os == 0) {
      let acc = load<f32>(op_);
      let i = 0;
      if (xs == 1 && n4 > 0 && op != PROD) {
        // Four running extremes, merged at the end (max and min do not depend on the order).
        let v = f32x4.splat(acc);
        for (; i < n4; i += 4) v = combine4(op, v, v128.load(xp + ((<usize>i) << 2)));
        acc = combine(op, acc, f32x4.extract_lane(v, 0));
        acc = combine(op, acc, f32x4.extract_lane(v, 1));
        acc = combine(op, acc, f32x4.extract_lane(v, 2));
        acc = combine(op, acc, f32x4.extract_lane(v, 3));
      }
      for (; i < n; i++) acc = combine(op, acc, load<f32>(xp + ((<usize>(i * xs)) << 2)));
      store<f32>(op_, acc);
    } else if (xs == 1 && os == 1) {
      let i = 0;
      for (; i < n4; i += 4) {
        const p = (<usize>i) << 2;
        const a = v128.load(op_ + p);
        const v = v128.load(xp + p);
        v128.store(op_ + p, op == SUM ? f32x4.add(a, v) : combine4(op, a, v));
      }
      for (; i < n; i++) {
        const p = (<usize>i) << 2;
        const a = load<f32>(op_ + p);
        const v = load<f32>(xp + p);
        store<f32>(op_ + p, op == SUM ? a + v : combine(op, a, v));
      }
    } else {
      for (let i = 0; i < n; i++) {
        const p = op_ + ((<usize>(i * os)) << 2);
        const a = load<f32>(p);
        const v = load<f32>(xp + ((<usize>(i * xs)) << 2));
        store<f32>(p, op == SUM ? a + v : combine(op, a, v));
      }
    }
    advance(rank, meta, 2);
  }
}

/**
 * Index of the first maximum (op 0) or minimum (op 1) along an axis of n elements `step` apart,
 * for every element of the outer view at `meta` (one operand: x's strides); the first NaN wins.
 * Writes int32 indices to o, contiguous in the outer view's order.
 */
export function argF32(op: i32, n: i32, step: i32, rank: i32, meta: usize, x: usize, o: usize): void {
  const rows = startRows(rank, meta, 1);
  const m = load<i32>(meta + ((<usize>(rank - 1)) << 2));
  const xs = stride(meta, rank, 0, rank - 1);
  let k: usize = o;
  for (let r = 0; r < rows; r++) {
    const xp = x + ((<usize>off(0)) << 2);
    for (let j = 0; j < m; j++, k += 4) {
      const base = xp + ((<usize>(j * xs)) << 2);
      let best = load<f32>(base);
      let bestIndex = 0;
      for (let i = 1; i < n && best == best; i++) {
        const v = load<f32>(base + ((<usize>(i * step)) << 2));
        if (op == 0 ? v > best || v != v : v < best || v != v) {
          best = v;
          bestIndex = i;
        }
      }
      store<i32>(k, bestIndex);
    }
    advance(rank, meta, 1);
  }
}

/**
 * Gather (scatter 0) or scatter-add (scatter 1) of float32 along an axis of n entries `step`
 * elements apart, over the index's view at `meta` (operands: index, x off the axis, out; for
 * scatter-add: index, src, out off the axis). Returns 1 after storing the first index outside
 * [0, n) at `bad`, else 0.
 */
export function indexF32(scatter: i32, n: i32, step: i32, rank: i32, meta: usize, index: usize, a: usize, o: usize, bad: usize): i32 {
  const rows = startRows(rank, meta, 3);
  const m = load<i32>(meta + ((<usize>(rank - 1)) << 2));
  const is = stride(meta, rank, 0, rank - 1);
  const as = stride(meta, rank, 1, rank - 1);
  const os = stride(meta, rank, 2, rank - 1);
  for (let r = 0; r < rows; r++) {
    const ip = index + ((<usize>off(0)) << 2);
    const ap = a + ((<usize>off(1)) << 2);
    const op = o + ((<usize>off(2)) << 2);
    for (let k = 0; k < m; k++) {
      const j = load<i32>(ip + ((<usize>(k * is)) << 2));
      if (j < 0 || j >= n) {
        store<i32>(bad, j);
        return 1;
      }
      if (scatter == 0) {
        store<f32>(op + ((<usize>(k * os)) << 2), load<f32>(ap + ((<usize>(k * as + j * step)) << 2)));
      } else {
        const q = op + ((<usize>(k * os + j * step)) << 2);
        store<f32>(q, load<f32>(q) + load<f32>(ap + ((<usize>(k * as)) << 2)));
      }
    }
    advance(rank, meta, 3);
  }
  return 0;
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
    // Shifting by the maximum even when it is not finite gives PyTorch's special values: a row
    // with +Infinity (inf - inf) or NaN, or a row of -Infinity, comes out all NaN.
    let total: f64 = 0;
    for (let i = 0; i < n; i++) {
      const e = Mathf.exp(load<f32>(xr + ((<usize>i) << 2)) - mx);
      total += <f64>e;
      if (log == 0) store<f32>(or + ((<usize>i) << 2), e);
    }
    if (log != 0) {
      // (x - max) - log(total), in float64: adding max back to log(total) first would round the
      // log term away next to a large max (1e30 + log 2 is 1e30).
      const lt = Math.log(total);
      const m = <f64>mx;
      for (let i = 0; i < n; i++) store<f32>(or + ((<usize>i) << 2), <f32>(<f64>load<f32>(xr + ((<usize>i) << 2)) - m - lt));
    } else {
      const inv = <f32>(1 / total);
      for (let i = 0; i < n; i++) store<f32>(or + ((<usize>i) << 2), load<f32>(or + ((<usize>i) << 2)) * inv);
    }
  }
}
