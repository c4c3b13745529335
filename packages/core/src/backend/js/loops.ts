/**
 * Strided iteration for the JS reference backend: collapse axes that are laid out
 * contiguously in every operand, then walk the outer axes with an odometer and hand each
 * innermost row (length and per-operand offsets and strides) to a monomorphic row function.
 * @module
 */
import { collapseAxes as collapse } from "../../shape.js";

/** A row of a one-operand op: n elements from x (offset, stride) into out (offset, stride). */
export type Row1 = (n: number, xo: number, xs: number, oo: number, os: number) => void;
/** A row of a two-operand op. */
export type Row2 = (n: number, ao: number, as: number, bo: number, bs: number, oo: number, os: number) => void;
/** A row of a three-operand op. */
export type Row3 = (n: number, ao: number, as: number, bo: number, bs: number, co: number, cs: number, oo: number, os: number) => void;

/**
 * Walks every row of `shape` for the given operands (strides and offsets in the same order)
 * and calls `row` with the row length and each operand's (offset, stride) pair.
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  row: (n: number, offs: number[], innerStrides: number[]) => void,
): void {
  let size = 1;
  for (const d of shape) size *= d;
  if (size === 0) return;
  const [cs, cst] = collapse(shape, strides);
  const k = offsets.length;
  if (cs.length === 0) {
    row(1, [...offsets], new Array<number>(k).fill(0));
    return;
  }
  const last = cs.length - 1;
  const n = cs[last];
  const inner = cst.map((s) => s[last]);
  const outer = cs.length - 1;
  const idx = new Array<number>(outer).fill(0);
  const offs = [...offsets];
  const rows = size / n;
  for (let r = 0; r < rows; r++) {
    row(n, offs, inner);
    // advance the odometer over the outer axes
    for (let a = outer - 1; a >= 0; a--) {
      idx[a]++;
      for (let j = 0; j < k; j++) offs[j] += cst[j][a];
      if (idx[a] < cs[a]) break;
      for (let j = 0; j < k; j++) offs[j] -= cst[j][a] * cs[a];
      idx[a] = 0;
    }
  }
}
