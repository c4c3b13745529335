/**
 * Sequence models: RNN, LSTM, GRU, MultiheadAttention, TransformerEncoderLayer and
 * TransformerEncoder, registered under the "layer" kind.
 * @module
 */
import { register } from "@backprop/core";
import { GRU, LSTM, RNN } from "./rnn.js";
import { MultiheadAttention } from "./attention.js";
import { TransformerEncoder, TransformerEncoderLayer } from "./transformer.js";

export * from "./rnn.js";
export * from "./attention.js";
export * from "./transformer.js";

register("layer", "rnn", RNN);
register("layer", "lstm", LSTM);
register("layer", "gru", GRU);
register("layer", "multiheadAttention", MultiheadAttention);
register("layer", "transformerEncoderLayer", TransformerEncoderLayer);
register("layer", "transformerEncoder", TransformerEncoder);
