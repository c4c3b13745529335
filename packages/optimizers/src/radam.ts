/**
 * RAdam: Adam with the variance of the adaptive learning rate rectified in early steps.
 * @module
 */
import { checkBetas, checkSetting, defineOptimizer } from "./optimizer.js";
import type { HyperParams, OptimizerRule } from "./optimizer.js";

/**
 * Settings of {@link radam}.
 * @category Optimizers
 */
export interface RadamOptions extends HyperParams {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates [beta1, beta2] (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** Weight decay (default 0): L2, or decoupled as in AdamW when `decoupledWeightDecay`. */
  weightDecay: number;
  /** Shrink the parameter directly instead of adding lambda p to the gradient. */
  decoupledWeightDecay: boolean;
  /** Maximise the objective instead of minimising it. */
  maximize: boolean;
}

/**
 * PyTorch's RAdam rule (Liu et al., 2020): m and v as in Adam, m^ = m / (1 - beta1^t),
 * rho_inf = 2 / (1 - beta2) - 1, rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t); when rho_t > 5,
 * r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)) and
 * p = p - lr m^ r sqrt(1 - beta2^t) / (sqrt(v) + eps); otherwise p = p - lr m^.
 * @example
 * ```ts
 * import { radamRule, Optimizer } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = new Optimizer(radamRule, [tensor([1], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const radamRule: OptimizerRule<RadamOptions> = {
  name: "radam",
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, maximize: false },
  validate(h, where) {
    checkBetas(where, h.betas);
    checkSetting(where, "eps", h.eps, 0);
    checkSetting(where, "weightDecay", h.weightDecay, 0);
  },
  buffers: () => ({ expAvg: 0, expAvgSq: 0 }),
  update(p, g, state, h) {
    const { lr, eps, weightDecay } = h;
    const [beta1, beta2] = h.betas;
    const t = state.step;
    const sign = h.maximize ? -1 : 1;
    const m = state.buffers.expAvg;
    const v = state.buffers.expAvgSq;
    const bc1 = 1 - beta1 ** t;
    const bc2 = 1 - beta2 ** t;
    const rhoInf = 2 / (1 - beta2) - 1;
    const rhoT = rhoInf - (2 * t * beta2 ** t) / bc2;
    const rect = rhoT > 5 ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
    const shrink = h.decoupledWeightDecay ? 1 - lr * weightDecay : 1;
    const l2 = h.decoupledWeightDecay ? 0 : weightDecay;
    for (let i = 0; i < p.length; i++) {
      p[i] *= shrink;
      const gi = sign * g[i] + l2 * p[i];
      m[i] += (1 - beta1) * (gi - m[i]);
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      const corrected = m[i] / bc1;
      p[i] -= rhoT > 5 ? ((corrected * lr * Math.sqrt(bc2)) / (Math.sqrt(v[i]) + eps)) * rect : corrected * lr;
    }
  },
};

/**
 * RAdam (PyTorch's `torch.optim.RAdam`); see {@link radamRule} for the maths.
 * @throws {ValueError} for a negative learning rate, eps or weight decay, or betas outside [0, 1).
 * @example
 * ```ts
 * import { radam } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = radam([tensor([1, 2], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const radam = defineOptimizer(radamRule);
