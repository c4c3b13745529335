/**
 * Recurrent layers RNN, LSTM and GRU with PyTorch's semantics: time-major input unless
 * `batchFirst`, stacked layers, both directions, the same gate order (LSTM i, f, g, o; GRU
 * r, z, n) and the same parameter names (`weight_ih_l0`, `bias_hh_l1_reverse`, ...), so a
 * PyTorch state dict loads one to one.
 * @module
 */
import { ShapeError, Tensor, ValueError, concat, dropout, formatShape, stack, zeros } from "@backprop/core";
import type { DType, Generator } from "@backprop/core";
import { Module } from "../Module.js";
import type { JsonObject } from "../Module.js";
import type { Parameter } from "../Parameter.js";
import { uniformInit } from "../initializers.js";
import { checkParameters, dtypeConfig, flag, floatDType, inRange, integer, optionsOf, param } from "../util.js";

/**
 * Options shared by {@link RNN}, {@link LSTM} and {@link GRU}.
 * @category Layers
 */
export interface RecurrentOptions {
  /** Features of each input step (the last axis of the input), at most {@link layerLimits}.maxSize. */
  inputSize: number;
  /** Features of the hidden state, at most {@link layerLimits}.maxSize. */
  hiddenSize: number;
  /** Stacked recurrent layers, each reading the previous one's output sequence (default 1), at most {@link layerLimits}.maxLayers. */
  numLayers?: number;
  /** Whether the cells have the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [N, L, features] instead of [L, N, features] (default false); states stay [layers, N, hidden]. */
  batchFirst?: boolean;
  /** Dropout probability on the output of every layer but the last, in training (default 0). */
  dropout?: number;
  /** Also run each layer backwards in time and concatenate both outputs (default false). */
  bidirectional?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Generator for the initial weights and the dropout masks (the global one by default). */
  generator?: Generator;
}

/**
 * Options of {@link RNN}.
 * @category Layers
 */
export interface RNNOptions extends RecurrentOptions {
  /** The cell's activation (default "tanh"). */
  nonlinearity?: "tanh" | "relu";
}

/**
 * Options of {@link LSTM}.
 * @category Layers
 */
export type LSTMOptions = RecurrentOptions;

/**
 * Options of {@link GRU}.
 * @category Layers
 */
export type GRUOptions = RecurrentOptions;

/**
 * The machinery shared by RNN, LSTM and GRU: options, parameters, input and state checks and
 * the loop over layers, directions and time steps. A subclass supplies one cell step.
 * @category Layers
 */
export abstract class RecurrentBase<State> extends Module<[x: Tensor, hx?: State], [Tensor, State]> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly dtype: DType;
  private readonly _generator: Generator | undefined;
  /** The names of the state tensors in messages: ["h0"] or ["h0", "c0"]. */
  private readonly _stateNames: readonly string[];

  protected constructor(options: RecurrentOptions, where: string, gates: number, stateNames: readonly string[]) {
    super();
    const o = optionsOf(options, where, "inputSize and hiddenSize");
    this.inputSize = integer(o.inputSize, "inputSize", where);
    this.hiddenSize = integer(o.hiddenSize, "hiddenSize", where);
    this.numLayers = integer(o.numLayers ?? 1, "numLayers", where, 1, "maxLayers");
    this.bias = flag(o.bias, "bias", where, true);
    this.batchFirst = flag(o.batchFirst, "batchFirst", where, false);
    this.dropout = inRange(o.dropout ?? 0, "dropout", where, 0, 1);
    this.bidirectional = flag(o.bidirectional, "bidirectional", where, false);
    this.dtype = floatDType(o.dtype, where);
    this._generator = o.generator;
    this._stateNames = stateNames;
    // PyTorch's default: every weight and bias uniform in [-1/sqrt(hidden), 1/sqrt(hidden)].
    const k = 1 / Math.sqrt(this.hiddenSize);
    const init = { dtype: this.dtype, generator: o.generator, low: -k, high: k };
    const fields = this as unknown as Record<string, Parameter>;
    const rows = gates * this.hiddenSize;
    // Per layer and direction: W_ih [rows, in], W_hh [rows, hidden] and two biases [rows].
    const perDirection = (inSize: number): number => rows * (inSize + this.hiddenSize + (this.bias ? 2 : 0));
    const count = this.directions * (perDirection(this.inputSize) + (this.numLayers - 1) * perDirection(this.hiddenSize * this.directions));
    checkParameters(where, count, { inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: this.numLayers });
    for (let layer = 0; layer < this.numLayers; layer++) {
      const inSize = layer === 0 ? this.inputSize : this.hiddenSize * this.directions;
      for (let dir = 0; dir < this.directions; dir++) {
        const sfx = suffix(layer, dir);
        fields[`weight_ih${sfx}`] = param(uniformInit([rows, inSize], init));
        fields[`weight_hh${sfx}`] = param(uniformInit([rows, this.hiddenSize], init));
        if (this.bias) {
          fields[`bias_ih${sfx}`] = param(uniformInit([rows], init));
          fields[`bias_hh${sfx}`] = param(uniformInit([rows], init));
        }
      }
    }
  }

  /** 2 when bidirectional, else 1. */
  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * One time step of one layer and direction. `xt` [N, gates * hidden] already holds
   * x W_ih^T + b_ih (plus b_hh when {@link RecurrentBase.foldHiddenBias} is true); `state` is
   * [h] or [h, c], each [N, hidden]. Returns the new state, h first.
   */
  protected abstract step(xt: Tensor, state: readonly Tensor[], weightHhT: Tensor, biasHh: Tensor | null): Tensor[];

  /** Whether b_hh can be added to the input projection once (RNN, LSTM) instead of every step (GRU). */
  protected abstract get foldHiddenBias(): boolean;

  private weight(name: string, sfx: string): Tensor | null {
    const v = (this as unknown as Record<string, unknown>)[`${name}${sfx}`];
    return v instanceof Tensor ? v : null;
  }

  private expectedInput(): string {
    const batched = this.batchFirst ? `[N, L, ${this.inputSize}]` : `[L, N, ${this.inputSize}]`;
    return `${batched} or unbatched [L, ${this.inputSize}], with L >= 1`;
  }

  /**
   * Checks the input and initial states, runs every layer and direction over time and returns
   * the output sequence and the final states (in the input's layout).
   */
  protected run(x: Tensor, hx: readonly Tensor[] | undefined): [Tensor, Tensor[]] {
    this.checkTensor(x);
    const batched = x.rank === 3;
    if ((x.rank !== 3 && x.rank !== 2) || x.shape[x.rank - 1] !== this.inputSize) this.badInput(this.expectedInput(), x);
    const seqLen = batched && this.batchFirst ? x.shape[1] : x.shape[0];
    if (seqLen === 0) this.badInput(this.expectedInput(), x);
    const batch = batched ? x.shape[this.batchFirst ? 0 : 1] : 1;
    const slots = this.numLayers * this.directions;
    const stateShape = batched ? [slots, batch, this.hiddenSize] : [slots, this.hiddenSize];
    if (hx !== undefined) {
      hx.forEach((h, i) => {
        const name = this._stateNames[i];
        this.checkTensor(h, name);
        if (h.rank !== stateShape.length || h.shape.some((d, j) => d !== stateShape[j])) {
          throw new ShapeError(`${this.where()}: expected ${name} ${formatShape(stateShape)} (layers * directions, ${batched ? "batch, " : ""}hidden), got ${formatShape(h.shape)}`);
        }
      });
    }
    return this.guard(() => {
      // Time-major [L, N, features] inside.
      let input = !batched ? x.unsqueeze(1) : this.batchFirst ? x.transpose(0, 1) : x;
      const initial = this._stateNames.map((_, i) => (hx === undefined ? zeros([slots, batch, this.hiddenSize], { dtype: this.dtype }) : batched ? hx[i] : hx[i].unsqueeze(1)));
      const final: Tensor[][] = [];
      for (let layer = 0; layer < this.numLayers; layer++) {
        const outputs: Tensor[] = [];
        for (let dir = 0; dir < this.directions; dir++) {
          const sfx = suffix(layer, dir);
          const biasIh = this.weight("bias_ih", sfx);
          const biasHh = this.weight("bias_hh", sfx);
          // The input projection of all steps at once: one matmul instead of L small ones.
          let proj = input.matmul(this.weight("weight_ih", sfx)!.T);
          if (biasIh !== null && biasHh !== null) proj = proj.add(this.foldHiddenBias ? biasIh.add(biasHh) : biasIh);
          // Every step multiplies by W_hh^T: one contiguous copy beats L strided reads.
          const weightHhT = this.weight("weight_hh", sfx)!.T.contiguous();
          const stepBias = this.foldHiddenBias ? null : biasHh;
          let state: readonly Tensor[] = initial.map((s) => s.slice([layer * this.directions + dir]));
          const hs = new Array<Tensor>(seqLen);
          for (let s = 0; s < seqLen; s++) {
            const t = dir === 0 ? s : seqLen - 1 - s;
            state = this.step(proj.slice([t]), state, weightHhT, stepBias);
            hs[t] = state[0];
          }
          outputs.push(stack(hs, 0));
          final.push([...state]);
        }
        input = outputs.length === 1 ? outputs[0] : concat(outputs, 2);
        if (layer < this.numLayers - 1 && this.dropout > 0 && this.training) {
          input = dropout(input, { p: this.dropout, training: true, generator: this._generator });
        }
      }
      const output = !batched ? input.squeeze(1) : this.batchFirst ? input.transpose(0, 1) : input;
      const states = this._stateNames.map((_, i) => {
        const s = stack(final.map((f) => f[i]), 0);
        return batched ? s : s.squeeze(1);
      });
      return [output, states];
    });
  }

  override config(): JsonObject {
    return {
      inputSize: this.inputSize,
      hiddenSize: this.hiddenSize,
      numLayers: this.numLayers,
      bias: this.bias,
      batchFirst: this.batchFirst,
      dropout: this.dropout,
      bidirectional: this.bidirectional,
      ...dtypeConfig(this.dtype),
    };
  }
}

function suffix(layer: number, dir: number): string {
  return `_l${layer}${dir === 1 ? "_reverse" : ""}`;
}

/**
 * Elman recurrent network: h_t = act(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh), act tanh or relu.
 * `forward(x, h0?)` returns `[output, hN]`: the last layer's h at every step (both directions
 * concatenated) and every layer's final h. Parameters `weight_ih_l{k}` [hidden, in],
 * `weight_hh_l{k}` [hidden, hidden], `bias_ih_l{k}`, `bias_hh_l{k}` [hidden], `_reverse` for
 * the backward direction; all uniform in [-1/sqrt(hidden), 1/sqrt(hidden)], as in PyTorch.
 *
 * Shape: x [L, N, inputSize] ([N, L, inputSize] with batchFirst; [L, inputSize] unbatched),
 * h0 [numLayers * D, N, hidden] -> output [L, N, D * hidden], hN [numLayers * D, N, hidden]
 * (D = 2 when bidirectional).
 * @throws {ValueError} for bad options.
 * @throws {ShapeError} in forward: `RNN: expected input [L, N, 10] or unbatched [L, 10], with L >= 1, got [5, 3, 8]`, and likewise for h0.
 * @example
 * ```ts
 * import { RNN } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * const rnn = new RNN({ inputSize: 10, hiddenSize: 20, numLayers: 2 });
 * const [output, hN] = rnn.forward(randn([5, 3, 10]));
 * output.shape; // [5, 3, 20]
 * hN.shape; // [2, 3, 20]
 * ```
 * @category Layers
 */
export class RNN extends RecurrentBase<Tensor> {
  static override typeName = "RNN";
  readonly nonlinearity: "tanh" | "relu";

  constructor(options: RNNOptions) {
    super(options, "RNN", 1, ["h0"]);
    const act = options.nonlinearity ?? "tanh";
    if (act !== "tanh" && act !== "relu") throw new ValueError(`RNN: nonlinearity must be "tanh" or "relu"; got ${JSON.stringify(act)}`);
    this.nonlinearity = act;
  }

  protected get foldHiddenBias(): boolean {
    return true;
  }

  protected step(xt: Tensor, state: readonly Tensor[], weightHhT: Tensor): Tensor[] {
    const pre = xt.add(state[0].matmul(weightHhT));
    return [this.nonlinearity === "tanh" ? pre.tanh() : pre.relu()];
  }

  override forward(x: Tensor, h0?: Tensor): [Tensor, Tensor] {
    const [output, [hN]] = this.run(x, h0 === undefined ? undefined : [h0]);
    return [output, hN];
  }

  override config(): JsonObject {
    return { ...super.config(), nonlinearity: this.nonlinearity };
  }
}

/**
 * Long short-term memory (Hochreiter and Schmidhuber), PyTorch's equations and gate order:
 * i = sigmoid(W_ii x + b_ii + W_hi h + b_hi), f = sigmoid(... f ...), g = tanh(... g ...),
 * o = sigmoid(... o ...); c' = f * c + i * g; h' = o * tanh(c'). The weights stack the gate
 * blocks in the order i, f, g, o: `weight_ih_l{k}` [4 * hidden, in].
 * `forward(x, [h0, c0]?)` returns `[output, [hN, cN]]`.
 *
 * Shape: x [L, N, inputSize] ([N, L, inputSize] with batchFirst; [L, inputSize] unbatched),
 * h0 and c0 [numLayers * D, N, hidden] -> output [L, N, D * hidden], hN and cN
 * [numLayers * D, N, hidden] (D = 2 when bidirectional).
 * @throws {ValueError} for bad options, or an hx that is not [h0, c0].
 * @throws {ShapeError} in forward for a wrong input, h0 or c0 shape, naming the layer and both shapes.
 * @example
 * ```ts
 * import { LSTM } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * const lstm = new LSTM({ inputSize: 10, hiddenSize: 20, batchFirst: true, bidirectional: true });
 * const [output, [hN, cN]] = lstm.forward(randn([3, 5, 10]));
 * output.shape; // [3, 5, 40]
 * hN.shape; // [2, 3, 20]
 * ```
 * @category Layers
 */
export class LSTM extends RecurrentBase<[Tensor, Tensor]> {
  static override typeName = "LSTM";

  constructor(options: LSTMOptions) {
    super(options, "LSTM", 4, ["h0", "c0"]);
  }

  protected get foldHiddenBias(): boolean {
    return true;
  }

  protected step(xt: Tensor, state: readonly Tensor[], weightHhT: Tensor): Tensor[] {
    const [i, f, g, o] = xt.add(state[0].matmul(weightHhT)).chunk(4, 1);
    const c = f.sigmoid().mul(state[1]).add(i.sigmoid().mul(g.tanh()));
    return [o.sigmoid().mul(c.tanh()), c];
  }

  override forward(x: Tensor, hx?: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    if (hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new ValueError(`${this.where()}: hx must be [h0, c0]; got ${Array.isArray(hx) ? `an array of ${String((hx as unknown[]).length)}` : typeof hx}`);
    }
    const [output, [hN, cN]] = this.run(x, hx);
    return [output, [hN, cN]];
  }
}

/**
 * Gated recurrent unit (Cho et al.), PyTorch's equations and gate order:
 * r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z = sigmoid(W_iz x + b_iz + W_hz h + b_hz),
 * n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h. The weights stack
 * the blocks in the order r, z, n: `weight_ih_l{k}` [3 * hidden, in].
 * `forward(x, h0?)` returns `[output, hN]`.
 *
 * Shape: x [L, N, inputSize] ([N, L, inputSize] with batchFirst; [L, inputSize] unbatched),
 * h0 [numLayers * D, N, hidden] -> output [L, N, D * hidden], hN [numLayers * D, N, hidden].
 * @throws {ValueError} for bad options.
 * @throws {ShapeError} in forward for a wrong input or h0 shape, naming the layer and both shapes.
 * @example
 * ```ts
 * import { GRU } from "@backprop/layers";
 * import { randn } from "@backprop/core";
 * const gru = new GRU({ inputSize: 10, hiddenSize: 20 });
 * const [output, hN] = gru.forward(randn([5, 3, 10]));
 * output.shape; // [5, 3, 20]
 * ```
 * @category Layers
 */
export class GRU extends RecurrentBase<Tensor> {
  static override typeName = "GRU";

  constructor(options: GRUOptions) {
    super(options, "GRU", 3, ["h0"]);
  }

  // b_hn sits inside r * (W_hn h + b_hn), so b_hh cannot join the input projection.
  protected get foldHiddenBias(): boolean {
    return false;
  }

  protected step(xt: Tensor, state: readonly Tensor[], weightHhT: Tensor, biasHh: Tensor | null): Tensor[] {
    const h = state[0];
    let hp = h.matmul(weightHhT);
    if (biasHh !== null) hp = hp.add(biasHh);
    const [xr, xz, xn] = xt.chunk(3, 1);
    const [hr, hz, hn] = hp.chunk(3, 1);
    const r = xr.add(hr).sigmoid();
    const z = xz.add(hz).sigmoid();
    const n = xn.add(r.mul(hn)).tanh();
    return [n.add(z.mul(h.sub(n)))];
  }

  override forward(x: Tensor, h0?: Tensor): [Tensor, Tensor] {
    const [output, [hN]] = this.run(x, h0 === undefined ? undefined : [h0]);
    return [output, hN];
  }
}
