/**
 * Adamax: Adam with the infinity norm in place of the second moment.
 * @module
 */
import { checkBetas, checkSetting, defineOptimizer } from "./optimizer.js";
import type { HyperParams, OptimizerRule } from "./optimizer.js";

/**
 * Settings of {@link adamax}.
 * @category Optimizers
 */
export interface AdamaxOptions extends HyperParams {
  /** Learning rate (default 2e-3). */
  lr: number;
  /** Decay rates [beta1, beta2] (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** Added to |g| for stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximise the objective instead of minimising it. */
  maximize: boolean;
}

/**
 * PyTorch's Adamax rule (Kingma and Ba, 2015, section 7): with g = grad + lambda p,
 * m = beta1 m + (1 - beta1) g, u = max(beta2 u, |g| + eps), p = p - lr / (1 - beta1^t) m / u.
 * @example
 * ```ts
 * import { adamaxRule, Optimizer } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = new Optimizer(adamaxRule, [tensor([1], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const adamaxRule: OptimizerRule<AdamaxOptions> = {
  name: "adamax",
  defaults: { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false },
  validate(h, where) {
    checkBetas(where, h.betas);
    checkSetting(where, "eps", h.eps, 0);
    checkSetting(where, "weightDecay", h.weightDecay, 0);
  },
  buffers: () => ({ expAvg: 0, expInf: 0 }),
  update(p, g, state, h) {
    const { eps, weightDecay } = h;
    const [beta1, beta2] = h.betas;
    const sign = h.maximize ? -1 : 1;
    const m = state.buffers.expAvg;
    const u = state.buffers.expInf;
    const clr = h.lr / (1 - beta1 ** state.step);
    for (let i = 0; i < p.length; i++) {
      const gi = sign * g[i] + weightDecay * p[i];
      m[i] += (1 - beta1) * (gi - m[i]);
      u[i] = Math.max(beta2 * u[i], Math.abs(gi) + eps);
      p[i] -= (clr * m[i]) / u[i];
    }
  },
};

/**
 * Adamax (PyTorch's `torch.optim.Adamax`); see {@link adamaxRule} for the maths.
 * @throws {ValueError} for a negative learning rate, eps or weight decay, or betas outside [0, 1).
 * @example
 * ```ts
 * import { adamax } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = adamax([tensor([1, 2], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const adamax = defineOptimizer(adamaxRule);
