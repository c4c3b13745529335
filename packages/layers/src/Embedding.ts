/**
 * Embedding: a lookup table of learned vectors.
 * @module
 */
import { DTypeError, ValueError, embedding, noGrad } from "@backprop/core";
import type { DType, Generator, Tensor } from "@backprop/core";
import { Module } from "./Module.js";
import type { JsonObject } from "./Module.js";
import type { Parameter } from "./Parameter.js";
import { normalInit } from "./initializers.js";
import { checkParameters, dtypeConfig, floatDType, integer, optionsOf, param } from "./util.js";

/**
 * Options of {@link Embedding}.
 * @category Layers
 */
export interface EmbeddingLayerOptions {
  /** Rows of the table (vocabulary size), at most {@link layerLimits}.maxSize. */
  numEmbeddings: number;
  /** Length of each vector, at most {@link layerLimits}.maxSize. */
  embeddingDim: number;
  /** A row initialised to zeros that gets no gradient (the padding token); negative counts from the end. */
  paddingIdx?: number | null;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Generator for the initial table. */
  generator?: Generator;
}

/**
 * Embedding table [numEmbeddings, embeddingDim], initialised N(0, 1) as in PyTorch (the
 * paddingIdx row zero); forward looks up one row per int32 index.
 *
 * Shape: int32 [...] -> [..., embeddingDim].
 * @throws {ValueError} for bad sizes or a paddingIdx out of range.
 * @throws {DTypeError} in forward for non-int32 indices; {ShapeError} for an index out of range.
 * @example
 * ```ts
 * import { Embedding } from "@backprop/layers";
 * import { tensor } from "@backprop/core";
 * const emb = new Embedding({ numEmbeddings: 10, embeddingDim: 3, paddingIdx: 0 });
 * emb.forward(tensor([[1, 2, 0]], { dtype: "int32" })).shape; // [1, 3, 3]
 * ```
 * @category Layers
 */
export class Embedding extends Module {
  static override typeName = "Embedding";
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly dtype: DType;
  weight: Parameter;

  constructor(options: EmbeddingLayerOptions) {
    super();
    const o = optionsOf(options, "Embedding", "numEmbeddings and embeddingDim");
    this.numEmbeddings = integer(o.numEmbeddings, "numEmbeddings", "Embedding");
    this.embeddingDim = integer(o.embeddingDim, "embeddingDim", "Embedding");
    const v = this.numEmbeddings;
    let p = o.paddingIdx ?? null;
    if (p !== null) {
      if (!Number.isInteger(p) || p < -v || p >= v) throw new ValueError(`Embedding: paddingIdx must be an integer in [${-v}, ${v - 1}]; got ${JSON.stringify(p)}`);
      if (p < 0) p += v;
    }
    this.paddingIdx = p;
    this.dtype = floatDType(o.dtype, "Embedding");
    checkParameters("Embedding", v * this.embeddingDim, { numEmbeddings: v, embeddingDim: this.embeddingDim });
    this.weight = param(normalInit([v, this.embeddingDim], { dtype: this.dtype, generator: o.generator }));
    if (p !== null) {
      const row = p;
      noGrad(() => this.weight.storage.data.fill(0, row * this.embeddingDim, (row + 1) * this.embeddingDim));
    }
  }

  override forward(x: Tensor): Tensor {
    this.checkTensor(x);
    if (x.dtype !== "int32") throw new DTypeError(`${this.where()}: expected int32 indices, got a ${x.describe()}`);
    return this.guard(() => embedding(x, this.weight, { paddingIdx: this.paddingIdx }));
  }

  override config(): JsonObject {
    return { numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim, paddingIdx: this.paddingIdx, ...dtypeConfig(this.dtype) };
  }
}
