/**
 * Convolution kernels of the JS backend: im2col into a reused buffer, then the packed GEMM
 * (per image and group). The two backward kernels are the same GEMMs with one operand
 * transposed (a stride swap, no copy), plus col2im for the input gradient.
 * @module
 */
import type { TypedArray } from "../../dtype.js";
import type { Tensor } from "../../tensor.js";
import type { Conv2dAttrs } from "../kernels.js";
import { ShapeError, formatShape } from "../../errors.js";
import { gemm } from "./matmul.js";
import { copy } from "./memory.js";
import { newTensor } from "./util.js";

// The column matrix [C/groups * kH * kW, oH * oW] of one image and group, reused across calls.
let colBuffer = new Float64Array(1 << 16);

function ensureCol(length: number): Float64Array {
  if (colBuffer.length < length) colBuffer = new Float64Array(Math.max(length, colBuffer.length * 2));
  return colBuffer;
}

/** A contiguous form of t (itself, or a copy the caller disposes). */
function dense(t: Tensor): Tensor {
  return t.isContiguous ? t : copy(t);
}

interface Geometry {
  n: number; c: number; h: number; w: number;
  o: number; kh: number; kw: number; oh: number; ow: number;
  cg: number; og: number; groups: number;
}

function geometry(kernel: string, input: readonly number[], weight: readonly number[], oh: number, ow: number, attrs: Conv2dAttrs): Geometry {
  const [n, c, h, w] = input;
  const [o, cg, kh, kw] = weight;
  const groups = attrs.groups;
  if (input.length !== 4 || weight.length !== 4 || c !== cg * groups || o % groups !== 0) {
    throw new ShapeError(`internal: kernel ${kernel} got input ${formatShape(input)} and weight ${formatShape(weight)} with ${groups} groups`);
  }
  return { n, c, h, w, o, kh, kw, oh, ow, cg, og: o / groups, groups };
}

/** Output size of one spatial axis. */
function outSize(size: number, k: number, stride: number, padBefore: number, padAfter: number, dilation: number): number {
  return Math.floor((size + padBefore + padAfter - dilation * (k - 1) - 1) / stride) + 1;
}

/**
 * Fills col[(c * kH + i) * kW + j][y * oW + x] with the pixel of image `n` under tap (i, j) of
 * window (y, x) for channels [c0, c0 + cg), or 0 in the padding. Reads x through its strides.
 */
function im2col(x: Tensor, n: number, g: Geometry, c0: number, attrs: Conv2dAttrs, col: Float64Array): void {
  const { h, w, kh, kw, oh, ow, cg } = g;
  const xd = x.storage.data;
  const [, xc, xh, xw] = x.strides;
  const xOff = x.offset + n * x.strides[0];
  const [sh, sw] = attrs.stride;
  const [dh, dw] = attrs.dilation;
  const pt = attrs.padding[0];
  const pl = attrs.padding[2];
  const p = oh * ow;
  let row = 0;
  for (let c = 0; c < cg; c++) {
    const plane = xOff + (c0 + c) * xc;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        let d = row * p;
        for (let y = 0; y < oh; y++) {
          const iy = y * sh - pt + i * dh;
          if (iy < 0 || iy >= h) {
            col.fill(0, d, d + ow);
            d += ow;
            continue;
          }
          const line = plane + iy * xh;
          let ix = j * dw - pl;
          for (let q = 0; q < ow; q++, ix += sw) col[d++] = ix >= 0 && ix < w ? xd[line + ix * xw] : 0;
        }
        row++;
      }
    }
  }
}

/** The adjoint of im2col: adds each column entry back onto its input pixel. */
function col2im(col: Float64Array, gd: TypedArray, gOff: number, g: Geometry, c0: number, attrs: Conv2dAttrs): void {
  const { h, w, kh, kw, oh, ow, cg } = g;
  const [sh, sw] = attrs.stride;
  const [dh, dw] = attrs.dilation;
  const pt = attrs.padding[0];
  const pl = attrs.padding[2];
  let d = 0;
  for (let c = 0; c < cg; c++) {
    const plane = gOff + (c0 + c) * h * w;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        for (let y = 0; y < oh; y++) {
          const iy = y * sh - pt + i * dh;
          if (iy < 0 || iy >= h) {
            d += ow;
            continue;
          }
          const line = plane + iy * w;
          let ix = j * dw - pl;
          for (let x = 0; x < ow; x++, ix += sw, d++) if (ix >= 0 && ix < w) gd[line + ix] += col[d];
        }
      }
    }
  }
}

/** Cross-correlation of x [N, C, H, W] with w [O, C/groups, kH, kW]: im2col + GEMM. */
export function conv2d(x: Tensor, w: Tensor, attrs: Conv2dAttrs): Tensor {
  const [, , h, wd] = x.shape;
  const [, , kh, kw] = w.shape;
  const oh = outSize(h, kh, attrs.stride[0], attrs.padding[0], attrs.padding[1], attrs.dilation[0]);
  const ow = outSize(wd, kw, attrs.stride[1], attrs.padding[2], attrs.padding[3], attrs.dilation[1]);
  const g = geometry("conv2d", x.shape, w.shape, Math.max(oh, 0), Math.max(ow, 0), attrs);
  const out = newTensor([g.n, g.o, g.oh, g.ow], x.dtype);
  const od = out.storage.data;
  od.fill(0);
  const wc = dense(w);
  const p = g.oh * g.ow;
  const ckk = g.cg * kh * kw;
  const col = ensureCol(ckk * p);
  for (let n = 0; n < g.n; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      im2col(x, n, g, gr * g.cg, attrs, col);
      // y[n, group rows] = W_group [og, ckk] @ col [ckk, p]
      gemm(g.og, p, ckk, wc.storage.data, wc.offset + gr * g.og * ckk, ckk, 1, col, 0, p, 1, od, (n * g.o + gr * g.og) * p, p);
    }
  }
  if (wc !== w) wc.dispose();
  return out;
}

/** Gradient of conv2d with respect to its input: col = W^T gy, then col2im. */
export function conv2dBackwardInput(gy: Tensor, w: Tensor, inputShape: readonly number[], attrs: Conv2dAttrs): Tensor {
  const g = geometry("conv2dBackwardInput", inputShape, w.shape, gy.shape[2], gy.shape[3], attrs);
  const out = newTensor(inputShape, gy.dtype);
  const od = out.storage.data;
  od.fill(0);
  const gc = dense(gy);
  const wc = dense(w);
  const p = g.oh * g.ow;
  const ckk = g.cg * g.kh * g.kw;
  const col = ensureCol(ckk * p);
  for (let n = 0; n < g.n; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      col.fill(0, 0, ckk * p);
      // col [ckk, p] = W_group^T [ckk, og] @ gy[n, group rows] [og, p]
      gemm(ckk, p, g.og, wc.storage.data, wc.offset + gr * g.og * ckk, 1, ckk, gc.storage.data, gc.offset + (n * g.o + gr * g.og) * p, p, 1, col, 0, p);
      col2im(col, od, n * g.c * g.h * g.w, g, gr * g.cg, attrs);
    }
  }
  if (gc !== gy) gc.dispose();
  if (wc !== w) wc.dispose();
  return out;
}

/** Gradient of conv2d with respect to its weight: sum over images of gy col^T. */
export function conv2dBackwardWeight(x: Tensor, gy: Tensor, weightShape: readonly number[], attrs: Conv2dAttrs): Tensor {
  const g = geometry("conv2dBackwardWeight", x.shape, weightShape, gy.shape[2], gy.shape[3], attrs);
  const out = newTensor(weightShape, gy.dtype);
  const od = out.storage.data;
  od.fill(0);
  const gc = dense(gy);
  const p = g.oh * g.ow;
  const ckk = g.cg * g.kh * g.kw;
  const col = ensureCol(ckk * p);
  for (let n = 0; n < g.n; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      im2col(x, n, g, gr * g.cg, attrs, col);
      // gW_group [og, ckk] += gy[n, group rows] [og, p] @ col^T [p, ckk]
      gemm(g.og, ckk, p, gc.storage.data, gc.offset + (n * g.o + gr * g.og) * p, p, 1, col, 0, 1, p, od, gr * g.og * ckk, ckk);
    }
  }
  if (gc !== gy) gc.dispose();
  return out;
}
