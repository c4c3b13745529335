// Fused optimizer steps, float32 storage. Every element is computed in float64 and rounded to
// float32 on store, with the operations in the order of the JS rules (packages/optimizers,
// adam.ts and sgd.ts `update`), so the results are the JS rules' bit for bit: float64 add,
// mul, div and sqrt are correctly rounded in both. Two elements per f64x2 step.

// @ts-ignore: decorator
@inline
function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

// @ts-ignore: decorator
@inline
function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** Rounds two float64 lanes to float32 and back (what a store and a reload do). */
// @ts-ignore: decorator
@inline
function round2(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

/**
 * One Adam/AdamW step over n elements of p, g, m, v (in place on p, m, v).
 * `general` 0 is the JS rule's fast path (no weight decay): m and v enter the step unrounded,
 * and the denominator is sqrt(v) * scale + eps. `general` 1 is its general path: p is first
 * scaled by `shrink`, g gets l2 p, and m, v enter the step as stored (rounded), with
 * sqrt(v) / bc2 + eps.
 */
export function adamF32(
  n: i32, p: usize, g: usize, m: usize, v: usize,
  sign: f64, c1: f64, beta2: f64, c2: f64, stepSize: f64, scale: f64, bc2: f64, eps: f64,
  shrink: f64, l2: f64, general: i32,
): void {
  const sg = f64x2.splat(sign), vc1 = f64x2.splat(c1), vb2 = f64x2.splat(beta2), vc2 = f64x2.splat(c2);
  const vstep = f64x2.splat(stepSize), vscale = f64x2.splat(scale), vbc2 = f64x2.splat(bc2), veps = f64x2.splat(eps);
  const vshrink = f64x2.splat(shrink), vl2 = f64x2.splat(l2);
  const n2 = n & ~1;
  let i = 0;
  if (general == 0) {
    for (; i < n2; i += 2) {
      const o = (<usize>i) << 2;
      const gi = f64x2.mul(sg, load2(g + o));
      const m0 = load2(m + o);
      const mi = f64x2.add(m0, f64x2.mul(vc1, f64x2.sub(gi, m0)));
      const vi = f64x2.add(f64x2.mul(vb2, load2(v + o)), f64x2.mul(f64x2.mul(vc2, gi), gi));
      store2(m + o, mi);
      store2(v + o, vi);
      const den = f64x2.add(f64x2.mul(f64x2.sqrt(vi), vscale), veps);
      store2(p + o, f64x2.sub(load2(p + o), f64x2.div(f64x2.mul(vstep, mi), den)));
    }
    for (; i < n; i++) {
      const o = (<usize>i) << 2;
      const gi = sign * <f64>load<f32>(g + o);
      const m0 = <f64>load<f32>(m + o);
      const mi = m0 + c1 * (gi - m0);
      const vi = beta2 * <f64>load<f32>(v + o) + c2 * gi * gi;
      store<f32>(m + o, <f32>mi);
      store<f32>(v + o, <f32>vi);
      store<f32>(p + o, <f32>(<f64>load<f32>(p + o) - (stepSize * mi) / (Math.sqrt(vi) * scale + eps)));
    }
    return;
  }
  for (; i < n2; i += 2) {
    const o = (<usize>i) << 2;
    const p1 = round2(f64x2.mul(load2(p + o), vshrink));
    const gi = f64x2.add(f64x2.mul(sg, load2(g + o)), f64x2.mul(vl2, p1));
    const m0 = load2(m + o);
    const mi = round2(f64x2.add(m0, f64x2.mul(vc1, f64x2.sub(gi, m0))));
    const vi = round2(f64x2.add(f64x2.mul(vb2, load2(v + o)), f64x2.mul(f64x2.mul(vc2, gi), gi)));
    store2(m + o, mi);
    store2(v + o, vi);
    const den = f64x2.add(f64x2.div(f64x2.sqrt(vi), vbc2), veps);
    store2(p + o, f64x2.sub(p1, f64x2.div(f64x2.mul(vstep, mi), den)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const p1 = <f64>(<f32>(<f64>load<f32>(p + o) * shrink));
    const gi = sign * <f64>load<f32>(g + o) + l2 * p1;
    const m0 = <f64>load<f32>(m + o);
    const mi = <f64>(<f32>(m0 + c1 * (gi - m0)));
    const vi = <f64>(<f32>(beta2 * <f64>load<f32>(v + o) + c2 * gi * gi));
    store<f32>(m + o, <f32>mi);
    store<f32>(v + o, <f32>vi);
    store<f32>(p + o, <f32>(p1 - (stepSize * mi) / (Math.sqrt(vi) / bc2 + eps)));
  }
}

/**
 * One SGD step over n elements (in place on p and, when `b` is not 0, the momentum buffer):
 * d = sign g + wd p; b = d (fresh) or mu b + damp d; d = d + mu b (nesterov) or b; p -= lr d.
 * `damp` is 1 - dampening; b enters d as stored (rounded), as in the JS rule.
 */
export function sgdF32(
  n: i32, p: usize, g: usize, b: usize,
  sign: f64, wd: f64, lr: f64, mu: f64, damp: f64, nesterov: i32, fresh: i32,
): void {
  const sg = f64x2.splat(sign), vwd = f64x2.splat(wd), vlr = f64x2.splat(lr), vmu = f64x2.splat(mu), vdamp = f64x2.splat(damp);
  const n2 = n & ~1;
  let i = 0;
  for (; i < n2; i += 2) {
    const o = (<usize>i) << 2;
    const p0 = load2(p + o);
    let d = f64x2.add(f64x2.mul(sg, load2(g + o)), f64x2.mul(vwd, p0));
    if (b != 0) {
      const bi = round2(fresh != 0 ? d : f64x2.add(f64x2.mul(vmu, load2(b + o)), f64x2.mul(vdamp, d)));
      store2(b + o, bi);
      d = nesterov != 0 ? f64x2.add(d, f64x2.mul(vmu, bi)) : bi;
    }
    store2(p + o, f64x2.sub(p0, f64x2.mul(vlr, d)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const p0 = <f64>load<f32>(p + o);
    let d = sign * <f64>load<f32>(g + o) + wd * p0;
    if (b != 0) {
      const bi = <f64>(<f32>(fresh != 0 ? d : mu * <f64>load<f32>(b + o) + damp * d));
      store<f32>(b + o, <f32>bi);
      d = nesterov != 0 ? d + mu * bi : bi;
    }
    store<f32>(p + o, <f32>(p0 - lr * d));
  }
}
