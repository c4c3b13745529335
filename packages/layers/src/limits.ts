/**
 * The limits that layer options are checked against before anything is allocated.
 * @module
 */

/**
 * The limits every layer checks its options against before it allocates anything, so that a
 * mistyped or hostile config (a model.json from elsewhere) fails at once with a ValueError that
 * names the layer and the option, instead of allocating gigabytes, hanging or overflowing the
 * stack. loadModel also refuses a config that implies more parameters than its weights file
 * holds (a FormatError), so loading never allocates much more than the file's size.
 * @example
 * ```ts
 * import { Linear, layerLimits } from "@backprop/layers";
 * layerLimits.maxSize; // 16777216
 * try { new Linear({ inFeatures: 1e9, outFeatures: 1 }); } catch (e) { console.log((e as Error).message); }
 * // Linear: inFeatures is too large; expected at most 16777216 (layerLimits.maxSize), got 1000000000
 * ```
 * @category Modules
 */
export const layerLimits = Object.freeze({
  /**
   * Largest size option, 2^24: features, channels, hidden and embedding sizes, numEmbeddings,
   * heads, groups, kernel sizes, strides, paddings, dilations, output sizes, normalized shapes.
   */
  maxSize: 2 ** 24,
  /** Most stacked layers inside one layer (`numLayers` of RNN, LSTM, GRU, TransformerEncoder): 1024. */
  maxLayers: 1024,
  /** Most parameter (and buffer) elements that one layer's options may imply: 2^30, 4 GiB of float32. */
  maxParameters: 2 ** 30,
  /** Deepest nesting of modules (containers inside containers), when built from a config and when run: 256 levels. */
  maxDepth: 256,
});

/**
 * The type of {@link layerLimits}.
 * @category Modules
 */
export type LayerLimits = typeof layerLimits;
