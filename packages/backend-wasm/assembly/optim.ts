// Fused optimizer steps over contiguous float32 ranges, in float32 throughout as PyTorch's CPU
// kernels and the native backend (packages/backend-native/csrc/optim_impl.h) compute them: the
// per-step constants arrive computed in float64 and are rounded to float32 once, then every
// element is float32 arithmetic, four lanes per f32x4 step and a scalar tail. Against the JS
// rules (float64) a step agrees to a few float32 ulps.

/**
 * One Adam/AdamW step over n elements of p, g, m, v (in place on p, m, v):
 * p' = p shrink; g' = sign g + l2 p'; m = m + c1 (g' - m); v = beta2 v + c2 g'^2;
 * p = p' - stepSize m / (sqrt(v) scale + eps). The float64 arguments are the per-step constants
 * (wasmBackend.ts): sign -1 maximizes, c1 = 1 - beta1, c2 = 1 - beta2, stepSize =
 * lr / (1 - beta1^t), scale = 1 / sqrt(1 - beta2^t), shrink = 1 - lr wd (decoupled) or 1,
 * l2 = wd (coupled) or 0. One loop serves every case, as in the native code: shrink 1 and l2 0
 * change no value, and the loop is bound by the f32x4 sqrt and division anyway, so `general`
 * (whether there is weight decay) and `bc2` (1 / scale) go unused.
 */
export function adamF32(
  n: i32, p: usize, g: usize, m: usize, v: usize,
  sign: f64, c1: f64, beta2: f64, c2: f64, stepSize: f64, scale: f64, bc2: f64, eps: f64,
  shrink: f64, l2: f64, general: i32,
): void {
  const fsign = <f32>sign, fc1 = <f32>c1, fbeta2 = <f32>beta2, fc2 = <f32>c2, fstep = <f32>stepSize;
  const fscale = <f32>scale, feps = <f32>eps, fshrink = <f32>shrink, fl2 = <f32>l2;
  const vsign = f32x4.splat(fsign), vc1 = f32x4.splat(fc1), vb2 = f32x4.splat(fbeta2), vc2 = f32x4.splat(fc2);
  const vstep = f32x4.splat(fstep), vscale = f32x4.splat(fscale), veps = f32x4.splat(feps);
  const vshrink = f32x4.splat(fshrink), vl2 = f32x4.splat(fl2);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const pi = f32x4.mul(v128.load(p + o), vshrink);
    const gi = f32x4.add(f32x4.mul(vsign, v128.load(g + o)), f32x4.mul(vl2, pi));
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
    const gi = fsign * load<f32>(g + o) + fl2 * pi;
    const m0 = load<f32>(m + o);
    const mi = m0 + fc1 * (gi - m0);
    const vi = fbeta2 * load<f32>(v + o) + fc2 * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, pi - (fstep * mi) / (Mathf.sqrt(vi) * fscale + feps));
  }
}

/**
 * SGD over [0, n): d = sign g + wd p; with a buffer (`buf`) b = d (`fresh`) or mu b + damp d,
 * then d = d + mu b (`nesterov`) or b; p = p - lr d. Inlined with constant flags, so each call
 * in sgdF32 is a loop of its own with the untaken branches folded away (the native code's
 * templates): branches left in the loop cost half its speed.
 */
// @ts-ignore: decorator
@inline
function sgdLoop(
  n: i32, p: usize, g: usize, b: usize,
  sign: f32, wd: f32, lr: f32, mu: f32, damp: f32, buf: bool, fresh: bool, nesterov: bool,
): void {
  const vsign = f32x4.splat(sign), vwd = f32x4.splat(wd), vlr = f32x4.splat(lr), vmu = f32x4.splat(mu), vdamp = f32x4.splat(damp);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const p0 = v128.load(p + o);
    let d = f32x4.add(f32x4.mul(vsign, v128.load(g + o)), f32x4.mul(vwd, p0));
    if (buf) {
      const bi = fresh ? d : f32x4.add(f32x4.mul(vmu, v128.load(b + o)), f32x4.mul(vdamp, d));
      v128.store(b + o, bi);
      d = nesterov ? f32x4.add(d, f32x4.mul(vmu, bi)) : bi;
    }
    v128.store(p + o, f32x4.sub(p0, f32x4.mul(vlr, d)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const p0 = load<f32>(p + o);
    let d = sign * load<f32>(g + o) + wd * p0;
    if (buf) {
      const bi = fresh ? d : mu * load<f32>(b + o) + damp * d;
      store<f32>(b + o, bi);
      d = nesterov ? d + mu * bi : bi;
    }
    store<f32>(p + o, p0 - lr * d);
  }
}

/**
 * One SGD step over n elements (in place on p and, when `b` is not 0, the momentum buffer);
 * see sgdLoop. `damp` is 1 - dampening; `fresh` 1 starts the buffer at d (the first step).
 */
export function sgdF32(
  n: i32, p: usize, g: usize, b: usize,
  sign: f64, wd: f64, lr: f64, mu: f64, damp: f64, nesterov: i32, fresh: i32,
): void {
  const fsign = <f32>sign, fwd = <f32>wd, flr = <f32>lr, fmu = <f32>mu, fdamp = <f32>damp;
  if (b == 0) sgdLoop(n, p, g, b, fsign, fwd, flr, fmu, fdamp, false, false, false);
  else if (fresh != 0 && nesterov != 0) sgdLoop(n, p, g, b, fsign, fwd, flr, fmu, fdamp, true, true, true);
  else if (fresh != 0) sgdLoop(n, p, g, b, fsign, fwd, flr, fmu, fdamp, true, true, false);
  else if (nesterov != 0) sgdLoop(n, p, g, b, fsign, fwd, flr, fmu, fdamp, true, false, true);
  else sgdLoop(n, p, g, b, fsign, fwd, flr, fmu, fdamp, true, false, false);
}
