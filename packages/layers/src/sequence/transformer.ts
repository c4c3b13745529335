/**
 * TransformerEncoderLayer and TransformerEncoder with PyTorch's semantics and parameter names
 * (`self_attn.in_proj_weight`, `linear1.weight`, `norm1.bias`, `layers.0. ...`), so a PyTorch
 * state dict loads one to one.
 * @module
 */
import { ValueError, tensor } from "@backprop/core";
import type { DType, Generator, Tensor } from "@backprop/core";
import { Dropout } from "../Dropout.js";
import { Linear } from "../Linear.js";
import { Module } from "../Module.js";
import type { JsonObject } from "../Module.js";
import { LayerNorm } from "../normalization.js";
import { layerLimits } from "../limits.js";
import { checkParameters, dtypeConfig, flag, floatDType, inRange, integer, optionsOf } from "../util.js";
import { MultiheadAttention } from "./attention.js";
import { attentionMasks } from "./masks.js";

/**
 * Options of {@link TransformerEncoderLayer}.
 * @category Layers
 */
export interface TransformerEncoderLayerOptions {
  /** Features of each position (the model width); this, nhead and dimFeedforward at most {@link layerLimits}.maxSize. */
  dModel: number;
  /** Attention heads; must divide dModel. */
  nhead: number;
  /** Hidden features of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** Activation of the feed-forward block (default "relu"; "gelu" is the exact, erf form). */
  activation?: "relu" | "gelu";
  /** eps of the layer norms (default 1e-5). */
  layerNormEps?: number;
  /** Input and output are [N, L, dModel] instead of [L, N, dModel] (default false). */
  batchFirst?: boolean;
  /** Normalize before each block (pre-norm) instead of after the residual sum (default false). */
  normFirst?: boolean;
  /** Whether the linear layers, attention and layer norms have biases (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Generator for the initial weights and the dropout masks (the global one by default). */
  generator?: Generator;
}

/**
 * Options of {@link TransformerEncoderLayer.forward} and {@link TransformerEncoder.forward}.
 * @category Layers
 */
export interface TransformerForwardOptions {
  /** The attention mask, [L, L] or [N * nhead, L, L]; bool true = may not attend, float = added (see {@link MultiheadAttention}). */
  srcMask?: Tensor | null;
  /** Shape `[N, L]`: bool true marks padding positions, which no position attends to; float is added. */
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * One encoder block of the Transformer (Vaswani et al.), as PyTorch's
 * `nn.TransformerEncoderLayer`. Post-norm (default):
 * x = norm1(x + dropout1(selfAttention(x))); x = norm2(x + dropout2(feedForward(x))).
 * Pre-norm (`normFirst`): x = x + dropout1(selfAttention(norm1(x))); x = x + dropout2(feedForward(norm2(x))).
 * feedForward(x) = linear2(dropout(activation(linear1(x)))).
 * Children, named as in PyTorch: `self_attn`, `linear1`, `dropout`, `linear2`, `norm1`,
 * `norm2`, `dropout1`, `dropout2`.
 *
 * Shape: [L, N, dModel] ([N, L, dModel] with batchFirst; [L, dModel] unbatched) -> same.
 * @throws {ValueError} for bad options, e.g. dModel not divisible by nhead.
 * @throws {ShapeError} in forward: `TransformerEncoderLayer: expected input [L, N, 16] ..., got [4, 2, 8]`, and for masks of the wrong shape.
 * @example
 * ```ts
 * import { TransformerEncoderLayer } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * const layer = new TransformerEncoderLayer({ dModel: 16, nhead: 4, dimFeedforward: 32, batchFirst: true });
 * layer.forward(randn([2, 5, 16])).shape; // [2, 5, 16]
 * ```
 * @category Layers
 */
export class TransformerEncoderLayer extends Module<[src: Tensor, options?: TransformerForwardOptions]> {
  static override typeName = "TransformerEncoderLayer";
  readonly dModel: number;
  readonly nhead: number;
  readonly dimFeedforward: number;
  readonly activation: "relu" | "gelu";
  readonly layerNormEps: number;
  readonly batchFirst: boolean;
  readonly normFirst: boolean;
  readonly dtype: DType;
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;

  constructor(options: TransformerEncoderLayerOptions) {
    super();
    const where = "TransformerEncoderLayer";
    const o = optionsOf(options, where, "dModel and nhead");
    this.dModel = integer(o.dModel, "dModel", where);
    this.nhead = integer(o.nhead, "nhead", where);
    if (this.dModel % this.nhead !== 0) throw new ValueError(`${where}: dModel must be divisible by nhead; got dModel ${this.dModel} and nhead ${this.nhead}`);
    this.dimFeedforward = integer(o.dimFeedforward ?? 2048, "dimFeedforward", where);
    const p = inRange(o.dropout ?? 0.1, "dropout", where, 0, 1);
    const act = o.activation ?? "relu";
    if (act !== "relu" && act !== "gelu") throw new ValueError(`${where}: activation must be "relu" or "gelu"; got ${JSON.stringify(act)}`);
    this.activation = act;
    this.layerNormEps = inRange(o.layerNormEps ?? 1e-5, "layerNormEps", where, 0, Infinity);
    this.batchFirst = flag(o.batchFirst, "batchFirst", where, false);
    this.normFirst = flag(o.normFirst, "normFirst", where, false);
    this.dtype = floatDType(o.dtype, where);
    const bias = flag(o.bias, "bias", where, true);
    const init = { dtype: this.dtype, generator: o.generator };
    this.self_attn = new MultiheadAttention({ embedDim: this.dModel, numHeads: this.nhead, dropout: p, bias, batchFirst: this.batchFirst, ...init });
    this.linear1 = new Linear({ inFeatures: this.dModel, outFeatures: this.dimFeedforward, bias, ...init });
    this.dropout = new Dropout({ p, generator: o.generator });
    this.linear2 = new Linear({ inFeatures: this.dimFeedforward, outFeatures: this.dModel, bias, ...init });
    const norm = { normalizedShape: this.dModel, eps: this.layerNormEps, bias, dtype: this.dtype };
    this.norm1 = new LayerNorm(norm);
    this.norm2 = new LayerNorm(norm);
    this.dropout1 = new Dropout({ p, generator: o.generator });
    this.dropout2 = new Dropout({ p, generator: o.generator });
  }

  override forward(src: Tensor, options: TransformerForwardOptions = {}): Tensor {
    this.checkTensor(src);
    if ((src.rank !== 3 && src.rank !== 2) || src.shape[src.rank - 1] !== this.dModel) {
      this.badInput(`${this.batchFirst ? `[N, L, ${this.dModel}]` : `[L, N, ${this.dModel}]`} (or unbatched [L, ${this.dModel}])`, src);
    }
    const batched = src.rank === 3;
    const n = batched ? src.shape[this.batchFirst ? 0 : 1] : 1;
    const l = batched && this.batchFirst ? src.shape[1] : src.shape[0];
    attentionMasks(this.where(), { attention: "srcMask", keyPadding: "srcKeyPaddingMask" }, options.srcMask, options.srcKeyPaddingMask, { batched, n, h: this.nhead, l, s: l });
    const attend = (x: Tensor): Tensor => {
      const [y] = this.self_attn.forward(x, x, x, { attentionMask: options.srcMask, keyPaddingMask: options.srcKeyPaddingMask, needWeights: false });
      return this.dropout1.forward(y);
    };
    const feedForward = (x: Tensor): Tensor => {
      const hidden = this.linear1.forward(x);
      const activated = this.activation === "relu" ? hidden.relu() : hidden.gelu();
      return this.dropout2.forward(this.linear2.forward(this.dropout.forward(activated)));
    };
    return this.guard(() => {
      let x = src;
      if (this.normFirst) {
        x = x.add(attend(this.norm1.forward(x)));
        return x.add(feedForward(this.norm2.forward(x)));
      }
      x = this.norm1.forward(x.add(attend(x)));
      return this.norm2.forward(x.add(feedForward(x)));
    });
  }

  override config(): JsonObject {
    return {
      dModel: this.dModel,
      nhead: this.nhead,
      dimFeedforward: this.dimFeedforward,
      dropout: this.dropout.p,
      activation: this.activation,
      layerNormEps: this.layerNormEps,
      batchFirst: this.batchFirst,
      normFirst: this.normFirst,
      bias: this.linear1.bias !== null,
      ...dtypeConfig(this.dtype),
    };
  }
}

/**
 * Options of {@link TransformerEncoder}.
 * @category Layers
 */
export interface TransformerEncoderOptions {
  /** The options of every layer; each layer gets its own fresh weights. */
  layer: TransformerEncoderLayerOptions;
  /** How many layers are stacked, at most {@link layerLimits}.maxLayers. */
  numLayers: number;
  /** Apply a final LayerNorm(dModel) after the last layer (default false; usual with normFirst). */
  norm?: boolean;
}

/**
 * A stack of {@link TransformerEncoderLayer}s with an optional final LayerNorm, as PyTorch's
 * `nn.TransformerEncoder`; the masks go to every layer. State-dict keys `layers.0.self_attn.in_proj_weight`,
 * ..., `norm.weight`, as in PyTorch. Unlike PyTorch, whose layers start as copies of one
 * layer, each layer here is initialised independently.
 *
 * Shape: [L, N, dModel] ([N, L, dModel] with batchFirst; [L, dModel] unbatched) -> same.
 * @throws {ValueError} for bad options.
 * @throws {ShapeError} in forward for an input or masks of the wrong shape, naming the layer.
 * @example
 * ```ts
 * import { TransformerEncoder, generateSquareSubsequentMask } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * const encoder = new TransformerEncoder({ layer: { dModel: 16, nhead: 4, dimFeedforward: 32 }, numLayers: 2 });
 * encoder.forward(randn([5, 2, 16]), { srcMask: generateSquareSubsequentMask(5) }).shape; // [5, 2, 16]
 * ```
 * @category Layers
 */
export class TransformerEncoder extends Module<[src: Tensor, options?: TransformerForwardOptions]> {
  static override typeName = "TransformerEncoder";
  layers: TransformerEncoderLayer[];
  norm: LayerNorm | null;

  constructor(options: TransformerEncoderOptions) {
    super();
    const where = "TransformerEncoder";
    const o = optionsOf(options, where, "layer and numLayers");
    if (o.layer === null || typeof o.layer !== "object") throw new ValueError(`${where}: layer must be the options of a TransformerEncoderLayer; got ${JSON.stringify(o.layer)}`);
    const numLayers = integer(o.numLayers, "numLayers", where, 1, "maxLayers");
    const norm = flag(o.norm, "norm", where, false);
    const first = new TransformerEncoderLayer(o.layer);
    // The first layer is built (and checked); the whole stack must fit too, before the others are.
    checkParameters(where, first.countParameters() * numLayers, { numLayers, "parameters per layer": first.countParameters() }, false);
    this.layers = [first, ...Array.from({ length: numLayers - 1 }, () => new TransformerEncoderLayer(o.layer))];
    this.norm = norm ? new LayerNorm({ normalizedShape: first.dModel, eps: first.layerNormEps, bias: first.linear1.bias !== null, dtype: first.dtype }) : null;
  }

  override forward(src: Tensor, options: TransformerForwardOptions = {}): Tensor {
    this.checkTensor(src);
    const first = this.layers[0];
    if ((src.rank !== 3 && src.rank !== 2) || src.shape[src.rank - 1] !== first.dModel) {
      this.badInput(`${first.batchFirst ? `[N, L, ${first.dModel}]` : `[L, N, ${first.dModel}]`} (or unbatched [L, ${first.dModel}])`, src);
    }
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, options);
    return this.norm === null ? x : this.norm.forward(x);
  }

  override config(): JsonObject {
    return { layer: this.layers[0].config(), numLayers: this.layers.length, norm: this.norm !== null };
  }
}

/**
 * Options of {@link generateSquareSubsequentMask}.
 * @category Layers
 */
export interface SquareSubsequentMaskOptions {
  /** Element type (default float32). */
  dtype?: DType;
}

/**
 * The causal attention mask of PyTorch's `generate_square_subsequent_mask`: a float [size, size]
 * matrix with -Infinity above the diagonal and 0 elsewhere, so position i attends to
 * positions 0..i only.
 * Shape: [size, size].
 * @throws {ValueError} when size is not a positive integer.
 * @example
 * ```ts
 * import { generateSquareSubsequentMask } from "@backprop/layers";
 * generateSquareSubsequentMask(2).toArray(); // [[0, -Infinity], [0, 0]]
 * ```
 * @category Layers
 */
export function generateSquareSubsequentMask(size: number, options: SquareSubsequentMaskOptions = {}): Tensor {
  integer(size, "size", "generateSquareSubsequentMask");
  if (size * size > layerLimits.maxParameters) {
    throw new ValueError(`generateSquareSubsequentMask: size ${size} implies ${size * size} elements; expected at most ${layerLimits.maxParameters} (layerLimits.maxParameters)`);
  }
  const data = new Float64Array(size * size);
  for (let i = 0; i < size; i++) for (let j = i + 1; j < size; j++) data[i * size + j] = -Infinity;
  return tensor(data, { shape: [size, size], dtype: floatDType(options.dtype, "generateSquareSubsequentMask") });
}
