/**
 * Pooling layers: MaxPool2d, AvgPool2d and AdaptiveAvgPool2d.
 * @module
 */
import { avgPool2d, maxPool2d, stack } from "@backprop/core";
import type { Size2d, Tensor } from "@backprop/core";
import { Module } from "./Module.js";
import type { JsonObject } from "./Module.js";
import { flag, optionsOf, pairConfig, pairOf } from "./util.js";

/**
 * Options of {@link MaxPool2d}.
 * @category Layers
 */
export interface MaxPool2dLayerOptions {
  /** Window size. Every size option here is at most {@link layerLimits}.maxSize. */
  kernelSize: Size2d;
  /** Step between windows (default: the window size). */
  stride?: Size2d;
  /** Implicit -Infinity padding per side, at most half the window (default 0). */
  padding?: Size2d;
  /** Spacing between window taps (default 1). */
  dilation?: Size2d;
  /** Round the output size up (default false). */
  ceilMode?: boolean;
}

/**
 * Options of {@link AvgPool2d}.
 * @category Layers
 */
export interface AvgPool2dLayerOptions {
  /** Window size. Every size option here is at most {@link layerLimits}.maxSize. */
  kernelSize: Size2d;
  /** Step between windows (default: the window size). */
  stride?: Size2d;
  /** Implicit zero padding per side, at most half the window (default 0). */
  padding?: Size2d;
  /** Round the output size up (default false). */
  ceilMode?: boolean;
  /** Whether padded zeros count in the divisor (default true). */
  countIncludePad?: boolean;
}

function checkRank4(m: Module, x: Tensor): void {
  if (x.rank !== 4 && x.rank !== 3) m.badInput("[N, C, H, W] or [C, H, W]", x);
}

/**
 * 2-D max pooling: the largest value in each window.
 *
 * Shape: [N, C, H, W] (or [C, H, W]) -> [N, C, floor((H + 2 padding - dilation (k - 1) - 1) / stride) + 1, ...].
 * @throws {ValueError} for bad options.
 * @throws {ShapeError} in forward for a wrong rank or a window larger than the input, naming the layer.
 * @example
 * ```ts
 * import { MaxPool2d } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * new MaxPool2d({ kernelSize: 2 }).forward(randn([1, 3, 8, 8])).shape; // [1, 3, 4, 4]
 * ```
 * @category Layers
 */
export class MaxPool2d extends Module {
  static override typeName = "MaxPool2d";
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceilMode: boolean;

  constructor(options: MaxPool2dLayerOptions) {
    super();
    const o = optionsOf(options, "MaxPool2d", "kernelSize");
    this.kernelSize = pairOf(o.kernelSize, 0, "kernelSize", "MaxPool2d");
    this.stride = o.stride === undefined ? this.kernelSize : pairOf(o.stride, 1, "stride", "MaxPool2d");
    this.padding = pairOf(o.padding, 0, "padding", "MaxPool2d", 0);
    this.dilation = pairOf(o.dilation, 1, "dilation", "MaxPool2d");
    this.ceilMode = flag(o.ceilMode, "ceilMode", "MaxPool2d", false);
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    checkRank4(this, x);
    return this.guard(() => maxPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode }));
  }

  override config(): JsonObject {
    return {
      kernelSize: pairConfig(this.kernelSize),
      stride: pairConfig(this.stride),
      padding: pairConfig(this.padding),
      dilation: pairConfig(this.dilation),
      ceilMode: this.ceilMode,
    };
  }
}

/**
 * 2-D average pooling: the mean of each window.
 *
 * Shape: [N, C, H, W] (or [C, H, W]) -> [N, C, floor((H + 2 padding - k) / stride) + 1, ...].
 * @throws {ValueError} for bad options.
 * @throws {ShapeError} in forward for a wrong rank or a window larger than the input, naming the layer.
 * @example
 * ```ts
 * import { AvgPool2d } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * new AvgPool2d({ kernelSize: 2 }).forward(randn([1, 3, 8, 8])).shape; // [1, 3, 4, 4]
 * ```
 * @category Layers
 */
export class AvgPool2d extends Module {
  static override typeName = "AvgPool2d";
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(options: AvgPool2dLayerOptions) {
    super();
    const o = optionsOf(options, "AvgPool2d", "kernelSize");
    this.kernelSize = pairOf(o.kernelSize, 0, "kernelSize", "AvgPool2d");
    this.stride = o.stride === undefined ? this.kernelSize : pairOf(o.stride, 1, "stride", "AvgPool2d");
    this.padding = pairOf(o.padding, 0, "padding", "AvgPool2d", 0);
    this.ceilMode = flag(o.ceilMode, "ceilMode", "AvgPool2d", false);
    this.countIncludePad = flag(o.countIncludePad, "countIncludePad", "AvgPool2d", true);
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    checkRank4(this, x);
    return this.guard(() =>
      avgPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad }),
    );
  }

  override config(): JsonObject {
    return {
      kernelSize: pairConfig(this.kernelSize),
      stride: pairConfig(this.stride),
      padding: pairConfig(this.padding),
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    };
  }
}

/**
 * Options of {@link AdaptiveAvgPool2d}.
 * @category Layers
 */
export interface AdaptiveAvgPool2dOptions {
  /** Output height and width, once or as a pair. */
  outputSize: Size2d;
}

/**
 * 2-D average pooling to a fixed output size: output cell (i, j) averages input rows
 * floor(i H / oh) .. ceil((i + 1) H / oh) - 1 and likewise for columns (PyTorch's bins).
 *
 * Shape: [N, C, H, W] (or [C, H, W]) -> [N, C, oh, ow].
 * @throws {ValueError} for a bad outputSize.
 * @throws {ShapeError} in forward for a wrong rank, naming the layer.
 * @example
 * ```ts
 * import { AdaptiveAvgPool2d } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * new AdaptiveAvgPool2d({ outputSize: 1 }).forward(randn([2, 16, 7, 7])).shape; // [2, 16, 1, 1]
 * ```
 * @category Layers
 */
export class AdaptiveAvgPool2d extends Module {
  static override typeName = "AdaptiveAvgPool2d";
  readonly outputSize: [number, number];

  constructor(options: AdaptiveAvgPool2dOptions) {
    super();
    const o = optionsOf(options, "AdaptiveAvgPool2d", "outputSize");
    this.outputSize = pairOf(o.outputSize, 0, "outputSize", "AdaptiveAvgPool2d");
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    checkRank4(this, x);
    if (x.shape[x.rank - 2] === 0 || x.shape[x.rank - 1] === 0) this.badInput("[N, C, H, W] with H, W > 0", x);
    const [oh, ow] = this.outputSize;
    const h = x.shape[x.rank - 2];
    const w = x.shape[x.rank - 1];
    return this.guard(() => {
      // Equal bins are one average pool; otherwise each bin is averaged on its own.
      if (h % oh === 0 && w % ow === 0) return avgPool2d(x, { kernelSize: [h / oh, w / ow] });
      const rows: Tensor[] = [];
      for (let i = 0; i < oh; i++) {
        const r0 = Math.floor((i * h) / oh);
        const r1 = Math.ceil(((i + 1) * h) / oh);
        const cells: Tensor[] = [];
        for (let j = 0; j < ow; j++) {
          const c0 = Math.floor((j * w) / ow);
          const c1 = Math.ceil(((j + 1) * w) / ow);
          const lead = x.shape.slice(0, -2).map(() => null);
          cells.push(x.slice([...lead, [r0, r1], [c0, c1]]).mean({ axis: [-2, -1] }));
        }
        rows.push(stack(cells, -1));
      }
      return stack(rows, -2);
    });
  }

  override config(): JsonObject {
    return { outputSize: pairConfig(this.outputSize) };
  }
}
