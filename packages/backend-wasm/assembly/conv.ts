// Convolution helpers (im2col, col2im) and max pooling, float32, NCHW.
// Geometry comes in a small i32 block `g`: see the JS side (src/wasmBackend.ts, convGeometry).

// g layout (i32): 0 h, 1 w, 2 kh, 3 kw, 4 oh, 5 ow, 6 cg, 7 sh, 8 sw, 9 dh, 10 dw, 11 pt, 12 pl,
// 13 xs_c, 14 xs_h, 15 xs_w (input strides in elements)
// @ts-ignore: decorator
@inline
function gi(g: usize, i: i32): i32 {
  return load<i32>(g + ((<usize>i) << 2));
}

/**
 * col[(c * kH + i) * kW + j][y * oW + x] = x[c][y*sh - pt + i*dh][x*sw - pl + j*dw] (0 in the
 * padding), for cg channels starting at `x` (already offset to image and first channel).
 */
export function im2colF32(g: usize, x: usize, col: usize): void {
  const h = gi(g, 0), w = gi(g, 1), kh = gi(g, 2), kw = gi(g, 3), oh = gi(g, 4), ow = gi(g, 5), cg = gi(g, 6);
  const sh = gi(g, 7), sw = gi(g, 8), dh = gi(g, 9), dw = gi(g, 10), pt = gi(g, 11), pl = gi(g, 12);
  const xc = gi(g, 13), xh = gi(g, 14), xw = gi(g, 15);
  let d = col;
  for (let c = 0; c < cg; c++) {
    const plane = x + ((<usize>(c * xc)) << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        for (let y = 0; y < oh; y++) {
          const iy = y * sh - pt + i * dh;
          if (iy < 0 || iy >= h) {
            memory.fill(d, 0, (<usize>ow) << 2);
            d += (<usize>ow) << 2;
            continue;
          }
          const line = plane + ((<usize>(iy * xh)) << 2);
          let ix = j * dw - pl;
          if (sw == 1 && xw == 1 && ix >= 0 && ix + ow <= w) {
            memory.copy(d, line + ((<usize>ix) << 2), (<usize>ow) << 2);
            d += (<usize>ow) << 2;
            continue;
          }
          for (let q = 0; q < ow; q++, ix += sw) {
            store<f32>(d, ix >= 0 && ix < w ? load<f32>(line + ((<usize>(ix * xw)) << 2)) : 0);
            d += 4;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds each column entry onto its pixel of a dense [cg, h, w] block at gx. */
export function col2imF32(g: usize, col: usize, gx: usize): void {
  const h = gi(g, 0), w = gi(g, 1), kh = gi(g, 2), kw = gi(g, 3), oh = gi(g, 4), ow = gi(g, 5), cg = gi(g, 6);
  const sh = gi(g, 7), sw = gi(g, 8), dh = gi(g, 9), dw = gi(g, 10), pt = gi(g, 11), pl = gi(g, 12);
  let d = col;
  for (let c = 0; c < cg; c++) {
    const plane = gx + ((<usize>(c * h * w)) << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        for (let y = 0; y < oh; y++) {
          const iy = y * sh - pt + i * dh;
          if (iy < 0 || iy >= h) {
            d += (<usize>ow) << 2;
            continue;
          }
          const line = plane + ((<usize>(iy * w)) << 2);
          let ix = j * dw - pl;
          for (let q = 0; q < ow; q++, ix += sw, d += 4) {
            if (ix >= 0 && ix < w) {
              const p = line + ((<usize>ix) << 2);
              store<f32>(p, load<f32>(p) + load<f32>(d));
            }
          }
        }
      }
    }
  }
}

// pool geometry (i32): 0 planes, 1 h, 2 w, 3 oh, 4 ow, 5 kh, 6 kw, 7 sh, 8 sw, 9 ph, 10 pw, 11 dh, 12 dw

/** Max pooling of dense planes: the maxima and the flat index (iy * W + ix) of each. */
export function maxPoolF32(g: usize, x: usize, o: usize, idxOut: usize): void {
  const planes = gi(g, 0), h = gi(g, 1), w = gi(g, 2), oh = gi(g, 3), ow = gi(g, 4), kh = gi(g, 5), kw = gi(g, 6);
  const sh = gi(g, 7), sw = gi(g, 8), ph = gi(g, 9), pw = gi(g, 10), dh = gi(g, 11), dw = gi(g, 12);
  let k: usize = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = x + ((<usize>(plane * h * w)) << 2);
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++, k++) {
        let best: f32 = -Infinity;
        let where = -1;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = xo * sw - pw + j * dw;
            if (ix < 0 || ix >= w) continue;
            const v = load<f32>(base + ((<usize>(iy * w + ix)) << 2));
            // NaN wins and stays, like PyTorch.
            if (where < 0 || v > best || (v != v && best == best)) {
              best = v;
              where = iy * w + ix;
            }
          }
        }
        store<f32>(o + (k << 2), best);
        store<i32>(idxOut + (k << 2), where);
      }
    }
  }
}

/** Adds gy (dense, p cells per plane) onto a zeroed dense input gradient at the recorded indices. */
export function maxPoolBackwardF32(planes: i32, hw: i32, p: i32, gy: usize, indices: usize, gx: usize): void {
  memory.fill(gx, 0, (<usize>(planes * hw)) << 2);
  for (let plane = 0; plane < planes; plane++) {
    const ob = gx + ((<usize>(plane * hw)) << 2);
    const gb = gy + ((<usize>(plane * p)) << 2);
    const ib = indices + ((<usize>(plane * p)) << 2);
    for (let k = 0; k < p; k++) {
      const at = load<i32>(ib + ((<usize>k) << 2));
      if (at >= 0) {
        const q = ob + ((<usize>at) << 2);
        store<f32>(q, load<f32>(q) + load<f32>(gb + ((<usize>k) << 2)));
      }
    }
  }
}

// avg pool geometry: the max pool block, then 13 countIncludePad (0 or 1).

/** Taps of output cell `o`'s window along one axis that count in the divisor (JS backend's windowTaps). */
function windowTaps(o: i32, size: i32, k: i32, stride: i32, pad: i32, dilation: i32, includePad: bool): i32 {
  let count = 0;
  for (let i = 0; i < k; i++) {
    const at = o * stride - pad + i * dilation;
    if (includePad ? at < size + pad : at >= 0 && at < size) count++;
  }
  return count;
}

/** Average pooling of dense planes; window sums in float64, 0 for a window with no taps. */
export function avgPoolF32(g: usize, x: usize, o: usize): void {
  const planes = gi(g, 0), h = gi(g, 1), w = gi(g, 2), oh = gi(g, 3), ow = gi(g, 4), kh = gi(g, 5), kw = gi(g, 6);
  const sh = gi(g, 7), sw = gi(g, 8), ph = gi(g, 9), pw = gi(g, 10), dh = gi(g, 11), dw = gi(g, 12), inc = gi(g, 13) != 0;
  let k: usize = o;
  for (let plane = 0; plane < planes; plane++) {
    const base = x + ((<usize>(plane * h * w)) << 2);
    for (let y = 0; y < oh; y++) {
      const ty = windowTaps(y, h, kh, sh, ph, dh, inc);
      for (let xo = 0; xo < ow; xo++, k += 4) {
        const count = ty * windowTaps(xo, w, kw, sw, pw, dw, inc);
        let total: f64 = 0;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          const line = base + ((<usize>(iy * w)) << 2);
          for (let j = 0; j < kw; j++) {
            const ix = xo * sw - pw + j * dw;
            if (ix >= 0 && ix < w) total += <f64>load<f32>(line + ((<usize>ix) << 2));
          }
        }
        store<f32>(k, count > 0 ? <f32>(total / <f64>count) : 0);
      }
    }
  }
}

/** The adjoint of avgPoolF32: spreads each dense gy cell over its window of a zeroed dense gx. */
export function avgPoolBackwardF32(g: usize, gy: usize, gx: usize): void {
  const planes = gi(g, 0), h = gi(g, 1), w = gi(g, 2), oh = gi(g, 3), ow = gi(g, 4), kh = gi(g, 5), kw = gi(g, 6);
  const sh = gi(g, 7), sw = gi(g, 8), ph = gi(g, 9), pw = gi(g, 10), dh = gi(g, 11), dw = gi(g, 12), inc = gi(g, 13) != 0;
  memory.fill(gx, 0, (<usize>planes * <usize>h * <usize>w) << 2);
  let k: usize = gy;
  for (let plane = 0; plane < planes; plane++) {
    const base = gx + ((<usize>(plane * h * w)) << 2);
    for (let y = 0; y < oh; y++) {
      const ty = windowTaps(y, h, kh, sh, ph, dh, inc);
      for (let xo = 0; xo < ow; xo++, k += 4) {
        const count = ty * windowTaps(xo, w, kw, sw, pw, dw, inc);
        if (count == 0) continue;
        const share = <f64>load<f32>(k) / <f64>count;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          const line = base + ((<usize>(iy * w)) << 2);
          for (let j = 0; j < kw; j++) {
            const ix = xo * sw - pw + j * dw;
            if (ix >= 0 && ix < w) {
              const p = line + ((<usize>ix) << 2);
              store<f32>(p, <f32>(<f64>load<f32>(p) + share));
            }
          }
        }
      }
    }
  }
}
