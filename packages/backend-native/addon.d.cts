/** The raw N-API surface of the addon; the backend in src/ is its only intended caller. */
export interface NativeAddon {
  unary(op: number, meta: Float64Array, x: ArrayBufferView, out: ArrayBufferView, p0: number, p1: number): void;
  binary(op: number, meta: Float64Array, a: ArrayBufferView, b: ArrayBufferView, out: ArrayBufferView): void;
  where(meta: Float64Array, cond: ArrayBufferView, a: ArrayBufferView, b: ArrayBufferView, out: ArrayBufferView): void;
  copy(meta: Float64Array, x: ArrayBufferView, out: ArrayBufferView): void;
  fill(meta: Float64Array, out: ArrayBufferView, value: number): void;
  /** Absent from builds older than the fused Adam kernel. */
  adam?: (meta: Float64Array, p: ArrayBufferView, g: ArrayBufferView, m: ArrayBufferView, v: ArrayBufferView, lr: number, beta1: number,
    beta2: number, eps: number, weightDecay: number, step: number, flags: number) => void;
  /** Absent from builds older than the fused SGD kernel. */
  sgd?: (meta: Float64Array, p: ArrayBufferView, g: ArrayBufferView, buf: ArrayBufferView | null, lr: number, momentum: number,
    dampening: number, weightDecay: number, flags: number) => void;
  /** Absent from builds older than the fused linear kernel. */
  linear?: (meta: Float64Array, x: ArrayBufferView, w: ArrayBufferView, out: ArrayBufferView, bias: ArrayBufferView | null, relu: number) => void;
  /** Absent from builds older than the native indexing kernels. */
  gather?: (meta: Float64Array, x: ArrayBufferView, index: ArrayBufferView, out: ArrayBufferView, axis: number) => void;
  scatterAdd?: (meta: Float64Array, x: ArrayBufferView, index: ArrayBufferView, src: ArrayBufferView, out: ArrayBufferView, axis: number) => void;
  reduce(op: number, meta: Float64Array, x: ArrayBufferView, out: ArrayBufferView): void;
  argreduce(isMax: number, meta: Float64Array, x: ArrayBufferView, out: ArrayBufferView, axis: number): void;
  softmax(isLog: number, meta: Float64Array, x: ArrayBufferView, out: ArrayBufferView, axis: number): void;
  matmul(meta: Float64Array, a: ArrayBufferView, b: ArrayBufferView, out: ArrayBufferView): void;
  /** kind 0 (conv2d) takes an optional bias [O] after attrs, described after out in meta. */
  conv(kind: number, meta: Float64Array, t0: ArrayBufferView, t1: ArrayBufferView, out: ArrayBufferView, attrs: Float64Array, bias?: ArrayBufferView): void;
  pool(kind: number, meta: Float64Array, ...rest: ArrayBufferView[]): void;
  numThreads(): number;
  setNumThreads(n: number): void;
  kernelName(): string;
  /** The address of the array's first element modulo 64. Absent from builds older than aligned buffers. */
  misalignment?: (array: ArrayBufferView) => number;
  selectIsa(isa: string): boolean;
}
/**
 * Loads the addon once; throws an Error saying why no binary loaded here and how to fix it
 * (no prebuild for this platform and no build, or a binary that does not load).
 */
export declare function loadAddon(): NativeAddon;
/** The path of the binary loadAddon loaded (a prebuild or build/Release), undefined before or after a failed load. */
export declare function addonFile(): string | undefined;
