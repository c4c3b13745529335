// Fused optimizer steps, float32 storage. Adam computes in float32, four elements per f32x4
// step (its float64 sqrt and division made it the costliest kernel after the GEMMs). SGD
// computes every element in float64 and rounds to float32 on store, in the order of the JS
// rule (packages/optimizers, sgd.ts `update`), so its results are the rule's bit for bit:
// float64 add and mul are correctly rounded in both. Two elements per f64x2 step.

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
 * One Adam/AdamW step over n elements of p, g, m, v (in place on p, m, v), in float32 as
 * PyTorch's CPU kernel and the native backend compute it (the per-step constants come in as
 * float64 and are rounded once): p = p shrink; g' = sign g + l2 p; m += c1 (g' - m);
 * v = beta2 v + c2 g'^2; p -= stepSize m / (sqrt(v) scale + eps). Four elements per f32x4 step.
 * `bc2` and `general` are unused (kept for the float64 path's call signature).
 */
export function adamF32(
  n: i32, p: usize, g: usize, m: usize, v: usize,
  sign: f64, c1: f64, beta2: f64, c2: f64, stepSize: f64, scale: f64, bc2: f64, eps: f64,
  shrink: f64, l2: f64, general: i32,
): void {
  const fs = <f32>sign, f1 = <f32>c1, fb2 = <f32>beta2, f2 = <f32>c2, fstep = <f32>stepSize, fscale = <f32>scale;
  const feps = <f32>eps, fshrink = <f32>shrink, fl2 = <f32>l2;
  const sg = f32x4.splat(fs), vc1 = f32x4.splat(f1), vb2 = f32x4.splat(fb2), vc2 = f32x4.splat(f2);
  const vstep = f32x4.splat(fstep), vscale = f32x4.splat(fscale), veps = f32x4.splat(feps);
  const vshrink = f32x4.splat(fshrink), vl2 = f32x4.splat(fl2);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const pi = f32x4.mul(v128.load(p + o), vshrink);
    const gi = f32x4.add(f32x4.mul(sg, v128.load(g + o)), f32x4.mul(vl2, pi));
    const m0 = v128.load(m + o);
    const mi = f32x4.add(m0, f32x4.mul(vc1, f32x4.sub(gi, m0)));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(f32x4.mul(vc2, gi), gi));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const den = f32x4.add(f32x4.mul(f32x4.sqrt(vi), vscale), veps);
    v128.store(p + o, f32x4.sub(pi, f32x4.div(f32x4.mul(vstep, mi), den)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const pi = load<f32>(p + o) * fshrink;
    const gi = fs * load<f32>(g + o) + fl2 * pi;
    const m0 = load<f32>(m + o);
    const mi = m0 + f1 * (gi - m0);
    const vi = fb2 * load<f32>(v + o) + f2 * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, pi - (fstep * mi) / (Mathf.sqrt(vi) * fscale + feps));
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
