/**
 * NAdam: Adam with Nesterov momentum and a momentum-decay schedule.
 * @module
 */
import { checkBetas, checkSetting, defineOptimizer } from "./optimizer.js";
import type { HyperParams, OptimizerRule } from "./optimizer.js";

/**
 * Settings of {@link nadam}.
 * @category Optimizers
 */
export interface NadamOptions extends HyperParams {
  /** Learning rate (default 2e-3). */
  lr: number;
  /** Decay rates [beta1, beta2] (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** Weight decay (default 0): L2, or decoupled as in AdamW when `decoupledWeightDecay`. */
  weightDecay: number;
  /** Momentum decay psi (default 4e-3). */
  momentumDecay: number;
  /** Shrink the parameter directly (NAdamW) instead of adding lambda p to the gradient. */
  decoupledWeightDecay: boolean;
  /** Maximise the objective instead of minimising it. */
  maximize: boolean;
}

/**
 * PyTorch's NAdam rule (Dozat, 2016): mu_t = beta1 (1 - 0.96^(t psi) / 2), P = prod mu_t,
 * m and v as in Adam, d = sqrt(v / (1 - beta2^t)) + eps,
 * p = p - lr (1 - mu_t) / (1 - P) g / d - lr mu_(t+1) / (1 - P mu_(t+1)) m / d.
 * @example
 * ```ts
 * import { nadamRule, Optimizer } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = new Optimizer(nadamRule, [tensor([1], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const nadamRule: OptimizerRule<NadamOptions> = {
  name: "nadam",
  defaults: { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3, decoupledWeightDecay: false, maximize: false },
  validate(h, where) {
    checkBetas(where, h.betas);
    checkSetting(where, "eps", h.eps, 0);
    checkSetting(where, "weightDecay", h.weightDecay, 0);
    checkSetting(where, "momentumDecay", h.momentumDecay, 0);
  },
  buffers: () => ({ expAvg: 0, expAvgSq: 0 }),
  scalars: { muProduct: 1 },
  update(p, g, state, h) {
    const { lr, eps, weightDecay, momentumDecay } = h;
    const [beta1, beta2] = h.betas;
    const t = state.step;
    const sign = h.maximize ? -1 : 1;
    const m = state.buffers.expAvg;
    const v = state.buffers.expAvgSq;
    const bc2 = 1 - beta2 ** t;
    const mu = beta1 * (1 - 0.5 * 0.96 ** (t * momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentumDecay));
    const muProduct = (state.scalars.muProduct *= mu);
    const gradScale = (lr * (1 - mu)) / (1 - muProduct);
    const avgScale = (lr * muNext) / (1 - muProduct * muNext);
    const shrink = h.decoupledWeightDecay ? 1 - lr * weightDecay : 1;
    const l2 = h.decoupledWeightDecay ? 0 : weightDecay;
    for (let i = 0; i < p.length; i++) {
      p[i] *= shrink;
      const gi = sign * g[i] + l2 * p[i];
      m[i] += (1 - beta1) * (gi - m[i]);
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      const d = Math.sqrt(v[i] / bc2) + eps;
      p[i] -= (gradScale * gi) / d;
      p[i] -= (avgScale * m[i]) / d;
    }
  },
};

/**
 * NAdam (PyTorch's `torch.optim.NAdam`); see {@link nadamRule} for the maths.
 * @throws {ValueError} for a negative learning rate, eps, weight decay or momentum decay, or
 * betas outside [0, 1).
 * @example
 * ```ts
 * import { nadam } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = nadam([tensor([1, 2], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const nadam = defineOptimizer(nadamRule);
