/**
 * Adagrad: per-element learning rates shrinking with the sum of squared gradients.
 * @module
 */
import { checkSetting, defineOptimizer } from "./optimizer.js";
import type { HyperParams, OptimizerRule } from "./optimizer.js";

/**
 * Settings of {@link adagrad}.
 * @category Optimizers
 */
export interface AdagradOptions extends HyperParams {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay per step (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the sum of squares (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator for stability (default 1e-10). */
  eps: number;
  /** Maximise the objective instead of minimising it. */
  maximize: boolean;
}

/**
 * PyTorch's Adagrad rule: with g = grad + lambda p, s = s + g^2 and
 * p = p - lr / (1 + (t - 1) decay) * g / (sqrt(s) + eps).
 * @example
 * ```ts
 * import { adagradRule, Optimizer } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = new Optimizer(adagradRule, [tensor([1], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const adagradRule: OptimizerRule<AdagradOptions> = {
  name: "adagrad",
  defaults: { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false },
  validate(h, where) {
    checkSetting(where, "lrDecay", h.lrDecay, 0);
    checkSetting(where, "weightDecay", h.weightDecay, 0);
    checkSetting(where, "initialAccumulatorValue", h.initialAccumulatorValue, 0);
    checkSetting(where, "eps", h.eps, 0);
  },
  buffers: (h) => ({ sum: h.initialAccumulatorValue }),
  update(p, g, state, h) {
    const { weightDecay, eps } = h;
    const sign = h.maximize ? -1 : 1;
    const clr = h.lr / (1 + (state.step - 1) * h.lrDecay);
    const s = state.buffers.sum;
    for (let i = 0; i < p.length; i++) {
      const gi = sign * g[i] + weightDecay * p[i];
      s[i] += gi * gi;
      p[i] -= (clr * gi) / (Math.sqrt(s[i]) + eps);
    }
  },
};

/**
 * Adagrad (PyTorch's `torch.optim.Adagrad`); see {@link adagradRule} for the maths.
 * @throws {ValueError} for a negative learning rate, decay, weight decay, accumulator or eps.
 * @example
 * ```ts
 * import { adagrad } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = adagrad([tensor([1, 2], { requiresGrad: true })], { lr: 0.1 });
 * ```
 * @category Optimizers
 */
export const adagrad = defineOptimizer(adagradRule);
