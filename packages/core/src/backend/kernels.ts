/**
 * The kernel interface every backend implements. It is a mapped type over the kernel names,
 * so a backend that misses a kernel does not compile.
 *
 * Conventions: kernels read tensors through their shape, strides and offset (views need no
 * copy) and return new contiguous tensors from the backend's storage pool. Elementwise kernels
 * get operands already broadcast to the output shape (broadcast axes have stride 0) and of one
 * dtype; when `out` is given they write into it (it may alias an operand) and return it.
 * @module
 */
import type { DType } from "../dtype.js";
import type { Tensor } from "../tensor.js";

/**
 * Elementwise kernels of one operand. `leakyRelu` takes its slope as `p0`, `elu` its alpha,
 * `clamp` its bounds as `p0` and `p1`. `logicalNot` gives bool; the rest keep the dtype.
 * @category Backends
 */
export type UnaryOp =
  | "neg" | "abs" | "sign" | "exp" | "log" | "log1p" | "expm1" | "sqrt" | "rsqrt" | "square"
  | "reciprocal" | "sin" | "cos" | "tanh" | "sigmoid" | "relu" | "leakyRelu" | "elu" | "gelu"
  | "silu" | "softplus" | "erf" | "floor" | "ceil" | "round" | "clamp" | "logicalNot";

/**
 * Elementwise kernels of two operands. Comparisons and logical ops give bool.
 * `reluBackward(g, y)` is relu's gradient in one pass: g where y > 0, 0 where y <= 0, NaN
 * where y is NaN (PyTorch's `threshold_backward` at 0, NaN kept).
 * @category Backends
 */
export type BinaryOp =
  | "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "logicalAnd" | "logicalOr" | "reluBackward";

/**
 * Reductions over a set of axes.
 * @category Backends
 */
export type ReduceOp = "sum" | "prod" | "max" | "min";

/**
 * Index-of-extreme reductions over one axis; they give int32.
 * @category Backends
 */
export type ArgReduceOp = "argmax" | "argmin";

/**
 * Geometry of a 2-D convolution (NCHW input, OIHW weight).
 * @category Backends
 */
export interface Conv2dAttrs {
  /** Step between windows, [height, width]. */
  stride: [number, number];
  /** Zero padding [top, bottom, left, right]. */
  padding: [number, number, number, number];
  /** Spacing between kernel taps, [height, width]. */
  dilation: [number, number];
  /** Channel groups; input and output channels are both divisible by it. */
  groups: number;
}

/**
 * Geometry of a 2-D pooling window (NCHW input).
 * @category Backends
 */
export interface Pool2dAttrs {
  kernel: [number, number];
  stride: [number, number];
  /** Padding [height, width] on both sides. Max pooling pads with -Infinity. */
  padding: [number, number];
  dilation: [number, number];
  /** Average pooling only: whether padded cells count in the divisor. */
  countIncludePad: boolean;
  /** Round the output size up instead of down (PyTorch's rule: a last window must start inside the input or left padding). */
  ceilMode?: boolean;
}

/** The elementwise unary kernels, one per {@link UnaryOp}. @category Backends */
export type UnaryKernels = {
  /** Elementwise unary kernel named by its op; `p0`, `p1` carry its parameters (slope, bounds), `out` is written when given. */
  [K in UnaryOp]: (x: Tensor, out?: Tensor | null, p0?: number, p1?: number) => Tensor;
};
/** The broadcasting binary kernels, one per {@link BinaryOp}. @category Backends */
export type BinaryKernels = {
  /** Broadcasting binary kernel named by its op; `out` is written when given. */
  [K in BinaryOp]: (a: Tensor, b: Tensor, out?: Tensor | null) => Tensor;
};
/** The reductions over a set of axes, one per {@link ReduceOp}. @category Backends */
export type ReduceKernels = {
  /** Reduction named by its op over `axes`, keeping them as size 1 when `keepDims`. */
  [K in ReduceOp]: (x: Tensor, axes: readonly number[], keepDims: boolean) => Tensor;
};
/** The index-of-extreme reductions along one axis, one per {@link ArgReduceOp}. @category Backends */
export type ArgReduceKernels = {
  /** Index of the extreme value along `axis` (int32), named by its op. */
  [K in ArgReduceOp]: (x: Tensor, axis: number, keepDims: boolean) => Tensor;
};

/**
 * Settings of the fused {@link OtherKernels.adamUpdate} kernel: one Adam/AdamW step as PyTorch
 * defines it, without AMSGrad.
 * @category Backends
 */
export interface AdamUpdateOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rate of the first moment. */
  beta1: number;
  /** Decay rate of the second moment. */
  beta2: number;
  /** Added to the denominator for stability. */
  eps: number;
  /** Weight decay lambda: L2 added to the gradient, or decoupled when `decoupled`. */
  weightDecay: number;
  /** AdamW: shrink the parameter by (1 - lr lambda) instead of adding lambda p to the gradient. */
  decoupled: boolean;
  /** The step number t, 1 on the first update (for the bias corrections). */
  step: number;
  /** Ascend instead of descend (negates the gradient). */
  maximize: boolean;
}

/**
 * Settings of the fused {@link OtherKernels.sgdUpdate} kernel: one SGD step as PyTorch defines it.
 * @category Backends
 */
export interface SgdUpdateOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor mu (0: no momentum buffer). */
  momentum: number;
  /** Dampening tau of the momentum. */
  dampening: number;
  /** Nesterov momentum. */
  nesterov: boolean;
  /** L2 penalty lambda added to the gradient. */
  weightDecay: number;
  /** Ascend instead of descend (negates the gradient). */
  maximize: boolean;
  /** The momentum buffer is new: it takes the gradient itself instead of the decayed sum. */
  fresh: boolean;
}

/**
 * The activation a fused {@link OtherKernels.linear} kernel applies to its output.
 * @category Backends
 */
export type LinearActivation = "none" | "relu";

/**
 * Kernels that are not a family of elementwise or reduction ops.
 * @category Backends
 */
export interface OtherKernels {
  /** `cond ? a : b`, all three of the output shape; cond is bool. */
  where(cond: Tensor, a: Tensor, b: Tensor, out?: Tensor | null): Tensor;
  /** Converts to another dtype (float to int truncates toward zero; to bool tests non-zero). */
  cast(x: Tensor, dtype: DType): Tensor;
  /** Copies x into `out` (any view of the same shape and dtype), or into a new contiguous tensor. */
  copy(x: Tensor, out?: Tensor | null): Tensor;
  /** Writes one value into every element of `out` (any view). */
  fill(out: Tensor, value: number): Tensor;
  /** Batched matrix product: a [B, M, K] times b [B, K, N] gives [B, M, N]; any strides. */
  matmul(a: Tensor, b: Tensor): Tensor;
  /** Cross-correlation of x [N, C, H, W] with w [O, C/groups, kH, kW]. */
  conv2d(x: Tensor, w: Tensor, attrs: Conv2dAttrs): Tensor;
  /** Gradient of conv2d with respect to its input, given the output gradient. */
  conv2dBackwardInput(gy: Tensor, w: Tensor, inputShape: readonly number[], attrs: Conv2dAttrs): Tensor;
  /** Gradient of conv2d with respect to its weight, given the input and the output gradient. */
  conv2dBackwardWeight(x: Tensor, gy: Tensor, weightShape: readonly number[], attrs: Conv2dAttrs): Tensor;
  /** Max pooling: the output and, for each output cell, the flat index (h * W + w) of its maximum. */
  maxPool2d(x: Tensor, attrs: Pool2dAttrs): [Tensor, Tensor];
  /** Routes gy back to the positions recorded by maxPool2d. */
  maxPool2dBackward(gy: Tensor, indices: Tensor, inputShape: readonly number[]): Tensor;
  /** Average pooling. */
  avgPool2d(x: Tensor, attrs: Pool2dAttrs): Tensor;
  /** Spreads gy evenly back over each window. */
  avgPool2dBackward(gy: Tensor, inputShape: readonly number[], attrs: Pool2dAttrs): Tensor;
  /** Softmax along one axis. */
  softmax(x: Tensor, axis: number): Tensor;
  /** Log-softmax along one axis. */
  logSoftmax(x: Tensor, axis: number): Tensor;
  /** out[i][j][k] = x[index[i][j][k]][j][k] for axis 0 (and likewise for other axes); out has index's shape. */
  gather(x: Tensor, axis: number, index: Tensor): Tensor;
  /** A copy of x with src[i][j][k] added at [index[i][j][k]][j][k] for axis 0 (and likewise). */
  scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor;
  /**
   * Optional fused Adam/AdamW step, in place on `param`, `m` and `v`: with
   * g = ±grad (+ lambda p unless decoupled; p = p (1 - lr lambda) first when decoupled),
   * m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2,
   * p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps). Backends may compute in
   * float32 as PyTorch does (native) or in double as the JS rule does (wasm); either agrees with
   * the JS rule to about 1e-6 relative. All four tensors are
   * float32, contiguous and of one shape; callers check that and use their own loop otherwise.
   * Backends without a fused kernel leave it undefined.
   */
  adamUpdate?(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, options: AdamUpdateOptions): void;
  /**
   * Optional fused SGD step, in place on `param` and `momentumBuffer` (null when momentum is 0):
   * with d = ±grad + lambda p, b = d on a fresh buffer else b = mu b + (1 - tau) d, then
   * d = d + mu b (Nesterov) or d = b, and p = p - lr d. Same dtype and layout rules as
   * {@link OtherKernels.adamUpdate}.
   */
  sgdUpdate?(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, options: SgdUpdateOptions): void;
  /**
   * Optional fused fully connected layer: y = act(x w^T + b) with x [M, K], w [N, K] (a Linear
   * layer's weight, row-major), bias [N] or null, giving a new contiguous y [M, N]. All float32
   * and contiguous; callers check that and compose matmul, add and relu otherwise.
   */
  linear?(x: Tensor, weight: Tensor, bias: Tensor | null, activation: LinearActivation): Tensor;
  /**
   * Optional fused convolution with bias: {@link OtherKernels.conv2d} with bias[o] added to every
   * output of channel o while the output is still in cache. bias is [O], of x's dtype; callers
   * compose conv2d and add where a backend lacks it.
   */
  conv2dBias?(x: Tensor, w: Tensor, bias: Tensor, attrs: Conv2dAttrs): Tensor;
}

/**
 * Every kernel a backend provides.
 * @category Backends
 */
export type Kernels = UnaryKernels & BinaryKernels & ReduceKernels & ArgReduceKernels & OtherKernels;
