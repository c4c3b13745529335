/**
 * Reduction kernels of the JS backend.
 * @module
 */
import type { ArgReduceKernels, ReduceKernels, ReduceOp } from "../kernels.js";
import type { Tensor } from "../../tensor.js";
import { forEachRow } from "./loops.js";
import { newTensor } from "./util.js";

const init: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

/** The identity of `op` in x's dtype: ±Infinity would store as 0 in an integer array. */
function identity(op: ReduceOp, x: Tensor): number {
  if (x.dtype === "int32") return op === "max" ? -2147483648 : op === "min" ? 2147483647 : init[op];
  if (x.dtype === "bool") return op === "max" ? 0 : op === "min" ? 1 : init[op];
  return init[op];
}

/** Output shape after reducing `axes` (sorted, unique). */
function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

function reduceKernel(op: ReduceOp) {
  return (x: Tensor, axes: readonly number[], keepDims: boolean): Tensor => {
    const outShape = reducedShape(x.shape, axes, keepDims);
    const out = newTensor(outShape, x.dtype);
    const od = out.storage.data;
    const xd = x.storage.data;
    od.fill(identity(op, x));
    // Walk x once; each element's output index comes from the kept axes (reduced axes get stride 0).
    const outStrides: number[] = [];
    let s = 1;
    const kept = x.shape.map((_, i) => !axes.includes(i));
    const strideOf = new Array<number>(x.rank).fill(0);
    for (let i = x.rank - 1; i >= 0; i--) {
      if (kept[i]) {
        strideOf[i] = s;
        s *= x.shape[i];
      }
    }
    outStrides.push(...strideOf);
    forEachRow(x.shape, [x.strides, outStrides], [x.offset, 0], (n, [xo, oo], [xs, os]) => {
      if (op === "sum") {
        if (os === 0) {
          let acc = 0;
          for (let i = 0; i < n; i++) acc += xd[xo + i * xs];
          od[oo] += acc;
        } else for (let i = 0; i < n; i++) od[oo + i * os] += xd[xo + i * xs];
      } else if (op === "prod") {
        for (let i = 0; i < n; i++) od[oo + i * os] *= xd[xo + i * xs];
      } else if (op === "max") {
        for (let i = 0; i < n; i++) {
          const v = xd[xo + i * xs];
          const j = oo + i * os;
          if (v > od[j] || v !== v) od[j] = v;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const v = xd[xo + i * xs];
          const j = oo + i * os;
          if (v < od[j] || v !== v) od[j] = v;
        }
      }
    });
    return out;
  };
}

/** sum, prod, max and min over any set of axes. */
export const reduceKernels: ReduceKernels = {
  sum: reduceKernel("sum"),
  prod: reduceKernel("prod"),
  max: reduceKernel("max"),
  min: reduceKernel("min"),
};

function argKernel(op: "argmax" | "argmin") {
  return (x: Tensor, axis: number, keepDims: boolean): Tensor => {
    const outShape = reducedShape(x.shape, [axis], keepDims);
    const out = newTensor(outShape, "int32");
    const od = out.storage.data;
    const xd = x.storage.data;
    const n = x.shape[axis];
    const step = x.strides[axis];
    const outer = x.shape.filter((_, i) => i !== axis);
    const outerStrides = x.strides.filter((_, i) => i !== axis);
    let k = 0;
    forEachRow(outer, [outerStrides], [x.offset], (m, [xo], [xs]) => {
      for (let j = 0; j < m; j++) {
        const base = xo + j * xs;
        let best = xd[base];
        let bestIndex = 0;
        for (let i = 1; i < n && best === best; i++) {
          const v = xd[base + i * step];
          if (op === "argmax" ? v > best || v !== v : v < best || v !== v) {
            best = v;
            bestIndex = i;
          }
        }
        od[k++] = bestIndex;
      }
    });
    return out;
  };
}

/** argmax and argmin along one axis. */
export const argReduceKernels: ArgReduceKernels = { argmax: argKernel("argmax"), argmin: argKernel("argmin") };
