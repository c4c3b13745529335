/**
 * Tensor geometry, computed here without the library: whether a view (shape, strides, offset)
 * names only elements inside its storage, and which elements it names.
 */

/** The product of a shape's sizes (NaN or fractional when they are). */
export function sizeOfShape(shape: readonly unknown[]): number {
  let n = 1;
  for (const d of shape) n *= d as number;
  return n;
}

/** Whether shape, strides and offset are safe integers, sizes and offset non-negative, one stride per axis. */
export function integralProblem(shape: readonly unknown[], strides: readonly unknown[], offset: unknown): string | null {
  if (!Array.isArray(shape) || !Array.isArray(strides)) return "shape or strides is not an array";
  if (shape.length !== strides.length) return `rank ${shape.length} with ${strides.length} strides`;
  for (const d of shape) if (!Number.isSafeInteger(d) || (d as number) < 0) return `size ${String(d)} in the shape`;
  for (const s of strides) if (!Number.isSafeInteger(s)) return `stride ${String(s)}`;
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) return `offset ${String(offset)}`;
  if (!Number.isSafeInteger(sizeOfShape(shape))) return `${sizeOfShape(shape)} elements`;
  return null;
}

/** Why a view does not fit a storage of `length` elements, or null when it does. */
export function viewProblem(shape: readonly unknown[], strides: readonly unknown[], offset: unknown, length: number): string | null {
  const integral = integralProblem(shape, strides, offset);
  if (integral !== null) return integral;
  const o = offset as number;
  // A view of no elements reads nothing, so any safe offset is valid: core's checkView says so
  // ("a view of zero elements may start anywhere", tested in tensor.test.ts), native's addon
  // checks bounds only for size > 0, and slicing an empty tensor makes such views itself
  // (zeros([0, 3]).slice([null, 2]) has offset 2 over a storage of 0). Requiring offset <=
  // length here flagged that correct result as malformed.
  if (sizeOfShape(shape) === 0) return null;
  let lo = o;
  let hi = o;
  shape.forEach((d, i) => {
    const step = ((d as number) - 1) * (strides[i] as number);
    if (step < 0) lo += step;
    else hi += step;
  });
  if (lo < 0 || hi >= length) return `elements ${lo}..${hi} of a storage of ${length}`;
  return null;
}

/** The logical elements of a valid view, row-major, read straight from its storage. */
export function gather(data: ArrayLike<number>, shape: readonly number[], strides: readonly number[], offset: number): number[] {
  const out: number[] = [];
  const index = new Array<number>(shape.length).fill(0);
  const n = sizeOfShape(shape);
  for (let i = 0; i < n; i++) {
    let at = offset;
    for (let a = 0; a < shape.length; a++) at += index[a] * strides[a];
    out.push(data[at]);
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++index[a] < shape[a]) break;
      index[a] = 0;
    }
  }
  return out;
}

/** Row-major strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i];
  }
  return strides;
}
