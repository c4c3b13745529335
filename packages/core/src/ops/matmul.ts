/**
 * Matrix products.
 * @module
 */
import { defineOp } from "../defineOp.js";
import { Tensor } from "../tensor.js";
import { kernels } from "../backend/backend.js";
import type { LinearActivation } from "../backend/kernels.js";
import { isFloat, promoteTypes } from "../dtype.js";
import { DTypeError, ShapeError, ValueError, describeValue, formatShape } from "../errors.js";
import { checkOptions, checkTensor } from "../validate.js";
import { broadcastShapes, checkShape, sizeOf } from "../shape.js";
import { broadcastView, reshapeView } from "./views.js";
import { reshape, transpose } from "./movement.js";
import { sum, sumTo } from "./reduce.js";
import { relu, reluBackward } from "./elementwise.js";

/** A [B, rows, cols] view of x broadcast to batch + [rows, cols]; a copy only when the batch axes cannot merge. */
function batchView(x: Tensor, batch: readonly number[], rows: number, cols: number): Tensor {
  const full = broadcastView(x, [...batch, rows, cols]);
  const flat = [sizeOf(batch), rows, cols];
  const view = reshapeView(full, flat);
  if (view !== null) {
    full.dispose();
    return view;
  }
  const dense = kernels().copy(full);
  full.dispose();
  const r = reshapeView(dense, flat)!;
  dense.dispose();
  return r;
}

// C = A B with A [..., M, K], B [..., K, N] (rank >= 2, batch axes broadcast, one float dtype).
// dA = dC B^T and dB = A^T dC, summed back over the batch axes each operand was broadcast along.
const matmulOp: (a: Tensor, b: Tensor) => Tensor = defineOp({
  name: "matmul",
  forward: (a: Tensor, b: Tensor) => {
    checkTensor(a, "matmul", "first operand");
    checkTensor(b, "matmul", "second operand");
    if (a.rank < 2 || b.rank < 2 || a.shape[a.rank - 1] !== b.shape[b.rank - 2]) {
      throw new ShapeError(`matmul: cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}; expected [..., M, K] and [..., K, N] (the op takes matrices; the matmul function also takes vectors)`);
    }
    if (a.dtype !== b.dtype || !isFloat(a.dtype)) throw new DTypeError(`matmul: operands of dtypes ${a.dtype} and ${b.dtype}; expected one float dtype`);
    const m = a.shape[a.rank - 2];
    const k = a.shape[a.rank - 1];
    const n = b.shape[b.rank - 1];
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "matmul");
    if (b.rank === 2 && a.rank > 2 && k > 0) {
      // A stack times one matrix (a Linear layer on [B, T, D]) is one tall product: B is packed once.
      const tall = reshapeView(a, [1, a.size / k, k]);
      if (tall !== null) {
        const bv = reshapeView(b, [1, k, n])!;
        const c = kernels().matmul(tall, bv);
        tall.dispose();
        bv.dispose();
        const out = reshapeView(c, [...batch, m, n])!;
        c.dispose();
        return out;
      }
    }
    const av = batchView(a, batch, m, k);
    const bv = batchView(b, batch, k, n);
    const c = kernels().matmul(av, bv);
    av.dispose();
    bv.dispose();
    const out = reshapeView(c, [...batch, m, n])!;
    c.dispose();
    return out;
  },
  backward: (g, [a, b]) => [
    a.requiresGrad ? sumTo(matmulOp(g, transpose(b)), a.shape) : null,
    b.requiresGrad ? matrixGrad(g, a, b) : null,
  ],
});

/** Whether the last two axes of x are laid out column by column (x is a transposed view, like `W.T`). */
function isColumnMajor(x: Tensor): boolean {
  const r = x.rank;
  return x.strides[r - 2] === 1 && x.strides[r - 1] === x.shape[r - 2] && x.shape[r - 2] > 1 && x.shape[r - 1] > 1;
}

// dB for one matrix B [K, N] (a Linear layer's W.T): every row of every batch of A meets B, so
// dB = A_flat^T G_flat is one GEMM over all rows instead of one per batch plus a reduction. When B
// is a transposed view, dB is computed as (G_flat^T A_flat)^T so that the transpose's backward
// hands the weight a contiguous gradient, not a strided one that costs a transposing copy.
function matrixGrad(g: Tensor, a: Tensor, b: Tensor): Tensor {
  const k = a.shape[a.rank - 1];
  const n = b.shape[b.rank - 1];
  if (b.rank !== 2 || k === 0 || n === 0) return sumTo(matmulOp(transpose(a), g), b.shape);
  const a2 = a.rank === 2 ? a : reshape(a, [a.size / k, k]);
  const g2 = g.rank === 2 ? g : reshape(g, [g.size / n, n]);
  return isColumnMajor(b) ? transpose(matmulOp(transpose(g2), a2)) : matmulOp(transpose(a2), g2);
}

/**
 * Matrix product with NumPy semantics: 1-D by 1-D is the dot product (a scalar); a 1-D
 * operand is promoted to a matrix (a row on the left, a column on the right) and that axis is
 * removed from the result; higher ranks are stacks of matrices whose batch axes broadcast.
 * Integer operands give float32.
 *
 * C[..., i, j] = sum_k A[..., i, k] B[..., k, j]; dA = dC B^T, dB = A^T dC.
 *
 * Shape: [..., M, K] x [..., K, N] -> [broadcast(...), M, N]; [K] x [K] -> [];
 * [K] x [..., K, N] -> [..., N]; [..., M, K] x [K] -> [..., M].
 * @throws {ShapeError} when the inner sizes differ or the batch axes do not broadcast, e.g.
 * `matmul: cannot multiply [2, 3] by [4, 5] (inner sizes 3 vs 4)`.
 * @throws {ValueError} for a scalar operand or a non-tensor.
 * @example
 * ```ts
 * import { matmul, tensor } from "@backprop/core";
 * const a = tensor([[1, 2], [3, 4]]);
 * matmul(a, tensor([[5], [6]])).toArray(); // [[17], [39]]
 * matmul(tensor([1, 2]), tensor([3, 4])).item(); // 11
 * ```
 * @category Ops
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, "matmul", "first operand");
  checkTensor(b, "matmul", "second operand");
  if (a.rank === 0 || b.rank === 0) {
    throw new ValueError(`matmul: operands must have at least one axis; got ${formatShape(a.shape)} and ${formatShape(b.shape)} (use mul for scalars)`);
  }
  const ka = a.shape[a.rank - 1];
  const kb = b.shape[b.rank === 1 ? 0 : b.rank - 2];
  if (ka !== kb) {
    throw new ShapeError(`matmul: cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)} (inner sizes ${ka} vs ${kb})`);
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapes(batchA, batchB, "matmul");
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    throw new ShapeError(
      `matmul: cannot broadcast the batch axes of ${formatShape(a.shape)} and ${formatShape(b.shape)} (${formatShape(batchA)} vs ${formatShape(batchB)})`,
    );
  }
  checkShape([...batch, a.rank > 1 ? a.shape[a.rank - 2] : 1, b.rank > 1 ? b.shape[b.rank - 1] : 1], "matmul");
  let dtype = promoteTypes(a.dtype, b.dtype);
  if (!isFloat(dtype)) dtype = "float32";
  const ac = a.dtype === dtype ? a : a.cast(dtype);
  const bc = b.dtype === dtype ? b : b.cast(dtype);
  const a2 = a.rank === 1 ? reshape(ac, [1, ka]) : ac;
  const b2 = b.rank === 1 ? reshape(bc, [kb, 1]) : bc;
  const c = matmulOp(a2, b2);
  if (a.rank > 1 && b.rank > 1) return c;
  // Drop the promoted axes: the row of a 1-D left operand, the column of a 1-D right one.
  const shape = c.shape.slice(0, -2);
  if (a.rank > 1) shape.push(c.shape[c.rank - 2]);
  if (b.rank > 1) shape.push(c.shape[c.rank - 1]);
  return reshape(c, shape);
}

// y = act(x w^T + b) in one backend kernel, for x [M, K], w [N, K], b [N]. With gz the output
// gradient masked where the relu cut: dx = gz w, dw = gz^T x, db = column sums of gz.
const fusedLinearOp = defineOp({
  name: "linear",
  forward: (x: Tensor, w: Tensor, b: Tensor | null, activation: LinearActivation) => {
    checkLinear(x, w, b, activation);
    if (x.rank !== 2) throw new ShapeError(`linear: the op takes an input [M, K]; expected 2 axes, got ${formatShape(x.shape)} (the linear function takes [..., K])`);
    if (kernels().linear !== undefined && fusable(x, w, b)) return kernels().linear!(x, w, b, activation);
    // Without the fused kernel (the registry's op on the JS backend, or other dtypes): the same maths in ops.
    const z = matmulOp(x, transpose(w));
    const y = b === null ? z : z.add(b);
    return activation === "relu" ? relu(y) : y;
  },
  backward: (g, [x, w, b, activation], y) => {
    const gz = activation === "relu" ? reluBackward(g, y) : g;
    return [
      x.requiresGrad ? matmulOp(gz, w) : null,
      w.requiresGrad ? matmulOp(transpose(gz), x) : null,
      b?.requiresGrad === true ? sum(gz, { axis: 0 }) : null,
      null,
    ];
  },
});

/** Checks the operands of linear: x [..., K], weight [N, K], bias [N] or null, a known activation. */
function checkLinear(x: Tensor, weight: Tensor, bias: Tensor | null, activation: unknown): void {
  checkTensor(x, "linear");
  checkTensor(weight, "linear", "weight");
  if (bias !== null && !(bias instanceof Tensor)) throw new ValueError(`linear: bias is neither a tensor nor null; expected a tensor or null, got ${describeValue(bias)}`);
  if (activation !== "none" && activation !== "relu") {
    throw new ValueError(`linear: activation must be "none" or "relu"; got ${describeValue(activation)}`);
  }
  if (weight.rank !== 2) throw new ValueError(`linear: weight must be a matrix [outFeatures, inFeatures]; got ${formatShape(weight.shape)}`);
  const [n, k] = weight.shape;
  if (x.rank === 0 || x.shape[x.rank - 1] !== k) {
    const features = x.rank === 0 ? "none" : String(x.shape[x.rank - 1]);
    throw new ShapeError(`linear: cannot apply weight ${formatShape(weight.shape)} to input ${formatShape(x.shape)} (input features ${features} vs ${k})`);
  }
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== n)) {
    throw new ShapeError(`linear: bias must be [${n}] for weight ${formatShape(weight.shape)}; got ${formatShape(bias.shape)}`);
  }
}

/** Whether the fused kernel takes these operands: float32 and contiguous. */
function fusable(x: Tensor, weight: Tensor, bias: Tensor | null): boolean {
  return x.dtype === "float32" && weight.dtype === "float32" && x.isContiguous && weight.isContiguous && (bias === null || (bias.dtype === "float32" && bias.isContiguous));
}

/**
 * Options of {@link linear}.
 * @category Ops
 */
export interface LinearOpOptions {
  /** Applied to the result: "none" (default) or "relu". */
  activation?: LinearActivation;
}

/**
 * A fully connected layer as one op (PyTorch's `F.linear`): y = act(x w^T + b), with w stored
 * [outFeatures, inFeatures]. Backends with a fused kernel (native, wasm) add the bias and apply
 * the activation while each output tile is still in registers; elsewhere it is matmul, add and
 * relu. Float32 and contiguous operands take the fused kernel; other dtypes promote like matmul.
 *
 * dx = gz w, dw = gz^T x, db = sum of gz over the leading axes, where gz is the output gradient
 * (zeroed where the relu output is 0).
 *
 * Shape: x [..., K], weight [N, K], bias [N] -> [..., N].
 * @throws {ShapeError} when the input's last axis differs from the weight's, or the bias is not [N],
 * e.g. `linear: cannot apply weight [4, 3] to input [2, 5] (input features 5 vs 3)`.
 * @throws {ValueError} for a weight that is not a matrix, or an unknown activation.
 * @example
 * ```ts
 * import { linear, tensor } from "@backprop/core";
 * const x = tensor([[1, 2]]);
 * const w = tensor([[1, 0], [0, 1], [1, -1]]);
 * linear(x, w, tensor([0, 0, 0.5])).toArray(); // [[1, 2, -0.5]]
 * linear(x, w, tensor([0, 0, 0.5]), { activation: "relu" }).toArray(); // [[1, 2, 0]]
 * ```
 * @category Ops
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: LinearOpOptions = {}): Tensor {
  checkOptions(options, "linear", '{ activation: "relu" }');
  const activation = options.activation ?? "none";
  checkLinear(x, weight, bias, activation);
  const [n, k] = weight.shape;
  const fused = kernels().linear !== undefined && fusable(x, weight, bias);
  if (fused) {
    if (x.rank === 2) return fusedLinearOp(x, weight, bias, activation);
    const lead = x.shape.slice(0, -1);
    return reshape(fusedLinearOp(reshape(x, [sizeOf(lead), k]), weight, bias, activation), [...lead, n]);
  }
  const z = matmul(x, transpose(weight));
  const y = bias === null ? z : z.add(bias);
  return activation === "relu" ? relu(y) : y;
}
