/**
 * RMSprop: gradients divided by a running root mean square, optionally centred and with momentum.
 * @module
 */
import { checkSetting, defineOptimizer } from "./optimizer.js";
import type { HyperParams, OptimizerRule } from "./optimizer.js";

/**
 * Settings of {@link rmsprop}.
 * @category Optimizers
 */
export interface RmspropOptions extends HyperParams {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the running mean square (default 0.99). */
  alpha: number;
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Divide by an estimate of the variance (mean square minus squared mean) instead. */
  centered: boolean;
  /** Maximise the objective instead of minimising it. */
  maximize: boolean;
}

/**
 * PyTorch's RMSprop rule: with g = grad + lambda p, s = alpha s + (1 - alpha) g^2;
 * centred: a = alpha a + (1 - alpha) g, d = sqrt(s - a^2) + eps, else d = sqrt(s) + eps;
 * with momentum b = mu b + g / d, p = p - lr b; otherwise p = p - lr g / d.
 * @example
 * ```ts
 * import { rmspropRule, Optimizer } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = new Optimizer(rmspropRule, [tensor([1], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const rmspropRule: OptimizerRule<RmspropOptions> = {
  name: "rmsprop",
  defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false },
  validate(h, where) {
    checkSetting(where, "alpha", h.alpha, 0);
    checkSetting(where, "eps", h.eps, 0);
    checkSetting(where, "weightDecay", h.weightDecay, 0);
    checkSetting(where, "momentum", h.momentum, 0);
  },
  buffers(h) {
    const b: Record<string, number> = { squareAvg: 0 };
    if (h.momentum > 0) b.momentumBuffer = 0;
    if (h.centered) b.gradAvg = 0;
    return b;
  },
  update(p, g, state, h) {
    const { lr, alpha, eps, weightDecay, momentum } = h;
    const sign = h.maximize ? -1 : 1;
    const sq = state.buffers.squareAvg;
    const avgG = h.centered ? state.buffers.gradAvg : null;
    const buf = momentum > 0 ? state.buffers.momentumBuffer : null;
    for (let i = 0; i < p.length; i++) {
      const gi = sign * g[i] + weightDecay * p[i];
      sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
      let d: number;
      if (avgG !== null) {
        avgG[i] += (1 - alpha) * (gi - avgG[i]);
        d = Math.sqrt(sq[i] - avgG[i] * avgG[i]) + eps;
      } else {
        d = Math.sqrt(sq[i]) + eps;
      }
      if (buf !== null) {
        buf[i] = momentum * buf[i] + gi / d;
        p[i] -= lr * buf[i];
      } else {
        p[i] -= (lr * gi) / d;
      }
    }
  },
};

/**
 * RMSprop (PyTorch's `torch.optim.RMSprop`); see {@link rmspropRule} for the maths.
 * @throws {ValueError} for a negative learning rate, alpha, eps, momentum or weight decay.
 * @example
 * ```ts
 * import { rmsprop } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = rmsprop([tensor([1, 2], { requiresGrad: true })], { lr: 1e-3, centered: true });
 * ```
 * @category Optimizers
 */
export const rmsprop = defineOptimizer(rmspropRule);
