/**
 * MultiheadAttention with PyTorch's semantics, masks and parameter names (`in_proj_weight`,
 * `in_proj_bias`, `out_proj.weight`, ...), so a PyTorch state dict loads one to one.
 * @module
 */
import { ShapeError, ValueError, dropout, formatShape, softmax, where as maskWhere } from "@backprop/core";
import type { DType, Generator, Tensor } from "@backprop/core";
import { Linear } from "../Linear.js";
import { Module } from "../Module.js";
import type { JsonObject } from "../Module.js";
import { assignInPlace } from "../Parameter.js";
import type { Parameter } from "../Parameter.js";
import { xavierUniform, zerosInit } from "../initializers.js";
import { attentionMasks, badShape } from "./masks.js";
import { checkParameters, dtypeConfig, flag, floatDType, inRange, integer, optionsOf, param } from "../util.js";

/**
 * Options of {@link MultiheadAttention}.
 * @category Layers
 */
export interface MultiheadAttentionOptions {
  /** Features of the query and of the output (the model width E); this and kdim, vdim at most {@link layerLimits}.maxSize. */
  embedDim: number;
  /** Heads; must divide embedDim. Each head works on embedDim / numHeads features. */
  numHeads: number;
  /** Dropout probability on the attention weights, in training (default 0). */
  dropout?: number;
  /** Whether the input and output projections have biases (default true). */
  bias?: boolean;
  /** Features of the key (default embedDim). */
  kdim?: number;
  /** Features of the value (default embedDim). */
  vdim?: number;
  /** Inputs and output are [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Generator for the initial weights and the dropout masks (the global one by default). */
  generator?: Generator;
}

/**
 * Options of {@link MultiheadAttention.forward}.
 * @category Layers
 */
export interface AttentionForwardOptions {
  /**
   * [N, S] (unbatched [S]): keys to ignore. Bool: true marks a padded key, which gets zero
   * weight. Float: added to the scores of that key.
   */
  keyPaddingMask?: Tensor | null;
  /**
   * [L, S], or [N * numHeads, L, S] for a mask per sample and head (unbatched [numHeads, L, S]).
   * Bool: true marks a (query, key) pair that may not attend. Float: added to the scores
   * (e.g. -Infinity above the diagonal for causal attention; see {@link generateSquareSubsequentMask}).
   */
  attentionMask?: Tensor | null;
  /** Return the attention weights as well (default true, as in PyTorch). */
  needWeights?: boolean;
  /** Average the returned weights over the heads (default true); false returns them per head. */
  averageWeights?: boolean;
}


/**
 * Multi-head scaled dot-product attention (Vaswani et al.), as PyTorch's
 * `nn.MultiheadAttention`: Q = query W_q^T + b_q, K = key W_k^T + b_k, V = value W_v^T + b_v,
 * split into heads of d = embedDim / numHeads features; per head
 * A = softmax(Q K^T / sqrt(d) + masks), head = A V; output = concat(heads) W_o^T + b_o.
 * `forward(query, key?, value?, options?)` returns `[output, weights]`: the weights are A
 * (after dropout, as in PyTorch) averaged over heads, or null without `needWeights`. The key
 * defaults to the query and the value to the key (self-attention).
 *
 * Parameters as in PyTorch: `in_proj_weight` [3E, E] (or `q_proj_weight` [E, E],
 * `k_proj_weight` [E, kdim], `v_proj_weight` [E, vdim] when kdim or vdim differ from E),
 * Xavier-uniform; `in_proj_bias` [3E] zeros; `out_proj` a Linear(E, E) whose bias starts at zero.
 * A query whose keys are all masked gets NaN weights, as in PyTorch.
 *
 * Shape: query [L, N, E], key [S, N, kdim], value [S, N, vdim] ([N, L, E] etc. with batchFirst;
 * no N unbatched) -> output [L, N, E], weights [N, L, S] (per head [N, numHeads, L, S]).
 * @throws {ValueError} for bad options, e.g. embedDim not divisible by numHeads.
 * @throws {ShapeError} in forward for inputs or masks of the wrong shape, naming the layer and the shapes.
 * @throws {DTypeError} for a mask that is neither bool nor float.
 * @example
 * ```ts
 * import { MultiheadAttention } from "@backprop/layers";
 * import { randn, tensor } from "@backprop/core";
 * const attention = new MultiheadAttention({ embedDim: 8, numHeads: 2, batchFirst: true });
 * const x = randn([2, 3, 8]);
 * const keyPaddingMask = tensor([[false, false, true], [false, false, false]]);
 * const [out, weights] = attention.forward(x, x, x, { keyPaddingMask });
 * out.shape; // [2, 3, 8]
 * weights?.shape; // [2, 3, 3]; weights[0][i][2] is 0
 * ```
 * @category Layers
 */
export class MultiheadAttention extends Module<[query: Tensor, key?: Tensor, value?: Tensor, options?: AttentionForwardOptions], [Tensor, Tensor | null]> {
  static override typeName = "MultiheadAttention";
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly batchFirst: boolean;
  readonly dtype: DType;
  in_proj_weight: Parameter | null;
  q_proj_weight: Parameter | null;
  k_proj_weight: Parameter | null;
  v_proj_weight: Parameter | null;
  in_proj_bias: Parameter | null;
  out_proj: Linear;
  private readonly _generator: Generator | undefined;

  constructor(options: MultiheadAttentionOptions) {
    super();
    const where = "MultiheadAttention";
    const o = optionsOf(options, where, "embedDim and numHeads");
    this.embedDim = integer(o.embedDim, "embedDim", where);
    this.numHeads = integer(o.numHeads, "numHeads", where);
    if (this.embedDim % this.numHeads !== 0) {
      throw new ValueError(`${where}: embedDim must be divisible by numHeads; got embedDim ${this.embedDim} and numHeads ${this.numHeads}`);
    }
    this.headDim = this.embedDim / this.numHeads;
    this.dropout = inRange(o.dropout ?? 0, "dropout", where, 0, 1);
    this.kdim = integer(o.kdim ?? this.embedDim, "kdim", where);
    this.vdim = integer(o.vdim ?? this.embedDim, "vdim", where);
    this.batchFirst = flag(o.batchFirst, "batchFirst", where, false);
    const bias = flag(o.bias, "bias", where, true);
    this.dtype = floatDType(o.dtype, where);
    this._generator = o.generator;
    const e = this.embedDim;
    const init = { dtype: this.dtype, generator: o.generator };
    const packed = this.kdim === e && this.vdim === e;
    // The input projections and their bias (out_proj, a Linear, checks its own).
    checkParameters(where, e * (e + this.kdim + this.vdim) + (bias ? 3 * e : 0), { embedDim: e, kdim: this.kdim, vdim: this.vdim });
    this.in_proj_weight = packed ? param(xavierUniform([3 * e, e], init)) : null;
    this.q_proj_weight = packed ? null : param(xavierUniform([e, e], init));
    this.k_proj_weight = packed ? null : param(xavierUniform([e, this.kdim], init));
    this.v_proj_weight = packed ? null : param(xavierUniform([e, this.vdim], init));
    this.in_proj_bias = !bias ? null : param(zerosInit([3 * e], init));
    this.out_proj = new Linear({ inFeatures: e, outFeatures: e, bias, ...init });
    const outBias = this.out_proj.bias;
    if (outBias !== null) {
      const zero = zerosInit([e], init);
      assignInPlace(outBias, zero);
      zero.dispose();
    }
  }

  /** The projection weight and bias of one of q (0), k (1), v (2). */
  private projection(which: number): [Tensor, Tensor | null] {
    const e = this.embedDim;
    const rows: [number, number] = [which * e, (which + 1) * e];
    const weight = this.in_proj_weight !== null ? this.in_proj_weight.slice([rows]) : [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight][which]!;
    return [weight, this.in_proj_bias === null ? null : this.in_proj_bias.slice([rows])];
  }

  private expected(name: "query" | "key" | "value", features: number): string {
    const l = name === "query" ? "L" : "S";
    return `${this.batchFirst ? `[N, ${l}, ${features}]` : `[${l}, N, ${features}]`} (or unbatched [${l}, ${features}])`;
  }

  override forward(query: Tensor, key: Tensor = query, value: Tensor = key, options: AttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const at = this.where();
    this.checkTensor(query, "query");
    this.checkTensor(key, "key");
    this.checkTensor(value, "value");
    const batched = query.rank === 3;
    if ((query.rank !== 3 && query.rank !== 2) || query.shape[query.rank - 1] !== this.embedDim) badShape(at, "query", this.expected("query", this.embedDim), query);
    if (key.rank !== query.rank || key.shape[key.rank - 1] !== this.kdim) badShape(at, "key", this.expected("key", this.kdim), key);
    if (value.rank !== query.rank || value.shape[value.rank - 1] !== this.vdim) badShape(at, "value", this.expected("value", this.vdim), value);
    const seq = (t: Tensor): number => (batched && this.batchFirst ? t.shape[1] : t.shape[0]);
    const batchOf = (t: Tensor): number => (batched ? t.shape[this.batchFirst ? 0 : 1] : 1);
    if (seq(key) !== seq(value) || batchOf(key) !== batchOf(value) || batchOf(key) !== batchOf(query)) {
      throw new ShapeError(
        `${at}: query, key and value must share the batch size and key and value the length; got query ${formatShape(query.shape)}, key ${formatShape(key.shape)}, value ${formatShape(value.shape)}`,
      );
    }
    const n = batchOf(query);
    const l = seq(query);
    const s = seq(key);
    const h = this.numHeads;
    const masks = attentionMasks(at, { attention: "attentionMask", keyPadding: "keyPaddingMask" }, options.attentionMask, options.keyPaddingMask, { batched, n, h, l, s });
    const needWeights = options.needWeights ?? true;
    const averageWeights = options.averageWeights ?? true;
    return this.guard(() => {
      // Batch-first [N, L, features] inside.
      const toInner = (t: Tensor): Tensor => (!batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
      let q: Tensor;
      let k: Tensor;
      let v: Tensor;
      if (this.in_proj_weight !== null && query === key && key === value) {
        // Self-attention: one matmul for all three projections.
        let qkv = toInner(query).matmul(this.in_proj_weight.T);
        if (this.in_proj_bias !== null) qkv = qkv.add(this.in_proj_bias);
        [q, k, v] = qkv.chunk(3, -1);
      } else {
        const project = (t: Tensor, which: number): Tensor => {
          const [weight, bias] = this.projection(which);
          const y = toInner(t).matmul(weight.T);
          return bias === null ? y : y.add(bias);
        };
        q = project(query, 0);
        k = project(key, 1);
        v = project(value, 2);
      }
      const heads = (t: Tensor, len: number): Tensor => t.reshape([n, len, h, this.headDim]).permute([0, 2, 1, 3]);
      // [N, H, L, d] x [N, H, d, S] -> [N, H, L, S]; scaling q first touches fewer numbers.
      let scores = heads(q, l).mul(1 / Math.sqrt(this.headDim)).matmul(heads(k, s).permute([0, 1, 3, 2]));
      for (const m of masks) scores = m.dtype === "bool" ? maskWhere(m, -Infinity, scores) : scores.add(m);
      let weights = softmax(scores, -1);
      if (this.dropout > 0 && this.training) weights = dropout(weights, { p: this.dropout, training: true, generator: this._generator });
      const context = weights.matmul(heads(v, s)).permute([0, 2, 1, 3]).reshape([n, l, this.embedDim]);
      const out = this.out_proj.forward(context);
      const output = !batched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1);
      if (!needWeights) return [output, null];
      const w = averageWeights ? weights.mean({ axis: 1 }) : weights;
      return [output, batched ? w : w.squeeze(0)];
    });
  }

  override config(): JsonObject {
    return {
      embedDim: this.embedDim,
      numHeads: this.numHeads,
      dropout: this.dropout,
      bias: this.in_proj_bias !== null,
      kdim: this.kdim,
      vdim: this.vdim,
      batchFirst: this.batchFirst,
      ...dtypeConfig(this.dtype),
    };
  }
}
