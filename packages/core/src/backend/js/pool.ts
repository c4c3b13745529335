/**
 * Pooling kernels of the JS backend (NCHW), max with argmax indices and average.
 * @module
 */
import type { Tensor } from "../../tensor.js";
import type { Pool2dAttrs } from "../kernels.js";
import { copy } from "./memory.js";
import { newTensor } from "./util.js";
import { ValueError } from "../../errors.js";

/**
 * Pool2dAttrs may carry `ceilMode` (PyTorch's rounding up of the output size); it is read
 * here as an optional extension of the interface.
 */
type PoolAttrs = Pool2dAttrs & { ceilMode?: boolean };

/** Output size of one axis, PyTorch's formula: a ceil-mode window must start inside the input or left padding. */
export function poolOutputSize(size: number, k: number, stride: number, pad: number, dilation: number, ceilMode: boolean): number {
  const span = size + 2 * pad - dilation * (k - 1) - 1;
  let out = Math.floor((span + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

function dense(t: Tensor): Tensor {
  return t.isContiguous ? t : copy(t);
}

function sizes(x: Tensor, attrs: PoolAttrs): [number, number, number, number, number, number] {
  const [n, c, h, w] = x.shape;
  const ceil = attrs.ceilMode === true;
  const oh = poolOutputSize(h, attrs.kernel[0], attrs.stride[0], attrs.padding[0], attrs.dilation[0], ceil);
  const ow = poolOutputSize(w, attrs.kernel[1], attrs.stride[1], attrs.padding[1], attrs.dilation[1], ceil);
  return [n, c, h, w, oh, ow];
}

/** Max pooling: the output and, per output cell, the flat index (h * W + w) of its maximum in its plane. */
export function maxPool2d(x: Tensor, attrs: Pool2dAttrs): [Tensor, Tensor] {
  const [n, c, h, w, oh, ow] = sizes(x, attrs);
  const out = newTensor([n, c, oh, ow], x.dtype);
  const idx = newTensor([n, c, oh, ow], "int32");
  const xc = dense(x);
  const xd = xc.storage.data;
  const od = out.storage.data;
  const id = idx.storage.data;
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  const [dh, dw] = attrs.dilation;
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = xc.offset + plane * h * w;
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++, o++) {
        let best = -Infinity;
        let where = -1;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = xo * sw - pw + j * dw;
            if (ix < 0 || ix >= w) continue;
            const v = xd[base + iy * w + ix];
            // NaN wins and stays, like PyTorch.
            if (where < 0 || v > best || (v !== v && best === best)) {
              best = v;
              where = iy * w + ix;
            }
          }
        }
        od[o] = best;
        id[o] = where;
      }
    }
  }
  if (xc !== x) xc.dispose();
  return [out, idx];
}

/** Routes gy back to the positions recorded by maxPool2d (summing where windows overlap). */
export function maxPool2dBackward(gy: Tensor, indices: Tensor, inputShape: readonly number[]): Tensor {
  const [n, c, h, w] = inputShape;
  const out = newTensor(inputShape, gy.dtype);
  const od = out.storage.data;
  od.fill(0);
  const gc = dense(gy);
  const ic = dense(indices);
  const gd = gc.storage.data;
  const id = ic.storage.data;
  const p = gy.shape[2] * gy.shape[3];
  const hw = h * w;
  for (let plane = 0; plane < n * c; plane++) {
    const ob = plane * hw;
    const gb = gc.offset + plane * p;
    const ib = ic.offset + plane * p;
    for (let k = 0; k < p; k++) {
      const at = id[ib + k];
      if (at >= 0) {
        // An index past its plane (the registry's op, a direct kernel call) would add into another plane.
        if (at >= hw) {
          if (gc !== gy) gc.dispose();
          if (ic !== indices) ic.dispose();
          out.dispose();
          throw new ValueError(`maxPool2dBackward: index ${at} at position ${plane * p + k} is outside its plane; expected -1 or an index in [0, ${hw})`);
        }
        od[ob + at] += gd[gb + k];
      }
    }
  }
  if (gc !== gy) gc.dispose();
  if (ic !== indices) ic.dispose();
  return out;
}

/**
 * Window bounds of output cell `o` along one axis, and the divisor's share: PyTorch counts
 * padded cells (countIncludePad) but never the overhang a ceil-mode window adds past them.
 */
function windowTaps(o: number, size: number, k: number, stride: number, pad: number, dilation: number, includePad: boolean): number {
  let count = 0;
  for (let i = 0; i < k; i++) {
    const at = o * stride - pad + i * dilation;
    if (includePad ? at < size + pad : at >= 0 && at < size) count++;
  }
  return count;
}

/** Average pooling. */
export function avgPool2d(x: Tensor, attrs: Pool2dAttrs): Tensor {
  const [n, c, h, w, oh, ow] = sizes(x, attrs);
  const out = newTensor([n, c, oh, ow], x.dtype);
  const xc = dense(x);
  const xd = xc.storage.data;
  const od = out.storage.data;
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  const [dh, dw] = attrs.dilation;
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = xc.offset + plane * h * w;
    for (let y = 0; y < oh; y++) {
      const ty = windowTaps(y, h, kh, sh, ph, dh, attrs.countIncludePad);
      for (let xo = 0; xo < ow; xo++, o++) {
        const count = ty * windowTaps(xo, w, kw, sw, pw, dw, attrs.countIncludePad);
        let total = 0;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = xo * sw - pw + j * dw;
            if (ix >= 0 && ix < w) total += xd[base + iy * w + ix];
          }
        }
        od[o] = count > 0 ? total / count : 0;
      }
    }
  }
  if (xc !== x) xc.dispose();
  return out;
}

/** Spreads gy evenly back over each window (the adjoint of avgPool2d). */
export function avgPool2dBackward(gy: Tensor, inputShape: readonly number[], attrs: Pool2dAttrs): Tensor {
  const [n, c, h, w] = inputShape;
  const oh = gy.shape[2];
  const ow = gy.shape[3];
  const out = newTensor(inputShape, gy.dtype);
  const od = out.storage.data;
  od.fill(0);
  const gc = dense(gy);
  const gd = gc.storage.data;
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  const [dh, dw] = attrs.dilation;
  let o = gc.offset;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let y = 0; y < oh; y++) {
      const ty = windowTaps(y, h, kh, sh, ph, dh, attrs.countIncludePad);
      for (let xo = 0; xo < ow; xo++, o++) {
        const count = ty * windowTaps(xo, w, kw, sw, pw, dw, attrs.countIncludePad);
        if (count === 0) continue;
        const share = gd[o] / count;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = xo * sw - pw + j * dw;
            if (ix >= 0 && ix < w) od[base + iy * w + ix] += share;
          }
        }
      }
    }
  }
  if (gc !== gy) gc.dispose();
  return out;
}
