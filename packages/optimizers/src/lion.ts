/**
 * Lion: sign-of-momentum updates (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms").
 * @module
 */
import { checkBetas, checkSetting, defineOptimizer } from "./optimizer.js";
import type { HyperParams, OptimizerRule } from "./optimizer.js";

/**
 * Settings of {@link lion}.
 * @category Optimizers
 */
export interface LionOptions extends HyperParams {
  /** Learning rate (default 1e-4; typically 3-10x smaller than AdamW's). */
  lr: number;
  /** `[beta1, beta2]`: interpolation for the update and for the momentum (default [0.9, 0.99]). */
  betas: readonly [number, number];
  /** Decoupled weight decay (default 0). */
  weightDecay: number;
  /** Maximise the objective instead of minimising it. */
  maximize: boolean;
}

/**
 * The published Lion rule: p = p (1 - lr lambda), p = p - lr sign(beta1 m + (1 - beta1) g),
 * then m = beta2 m + (1 - beta2) g.
 * @example
 * ```ts
 * import { lionRule, Optimizer } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = new Optimizer(lionRule, [tensor([1], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const lionRule: OptimizerRule<LionOptions> = {
  name: "lion",
  defaults: { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, maximize: false },
  validate(h, where) {
    checkBetas(where, h.betas);
    checkSetting(where, "weightDecay", h.weightDecay, 0);
  },
  buffers: () => ({ expAvg: 0 }),
  update(p, g, state, h) {
    const { lr } = h;
    const [beta1, beta2] = h.betas;
    const sign = h.maximize ? -1 : 1;
    const m = state.buffers.expAvg;
    const shrink = 1 - lr * h.weightDecay;
    for (let i = 0; i < p.length; i++) {
      const gi = sign * g[i];
      p[i] = p[i] * shrink - lr * Math.sign(beta1 * m[i] + (1 - beta1) * gi);
      m[i] = beta2 * m[i] + (1 - beta2) * gi;
    }
  },
};

/**
 * Lion (Chen et al., 2023); see {@link lionRule} for the maths.
 * @throws {ValueError} for a negative learning rate or weight decay, or betas outside [0, 1).
 * @example
 * ```ts
 * import { lion } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = lion([tensor([1, 2], { requiresGrad: true })], { lr: 3e-4, weightDecay: 0.1 });
 * ```
 * @category Optimizers
 */
export const lion = defineOptimizer(lionRule);
