/**
 * Adadelta: steps scaled by the ratio of running RMS of updates to running RMS of gradients.
 * @module
 */
import { ValueError } from "@backprop/core";
import { checkSetting, defineOptimizer } from "./optimizer.js";
import type { HyperParams, OptimizerRule } from "./optimizer.js";

/**
 * Settings of {@link adadelta}.
 * @category Optimizers
 */
export interface AdadeltaOptions extends HyperParams {
  /** Scale of the update (default 1). */
  lr: number;
  /** Decay rate of both running averages (default 0.9). */
  rho: number;
  /** Added inside the square roots for stability (default 1e-6). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximise the objective instead of minimising it. */
  maximize: boolean;
}

/**
 * PyTorch's Adadelta rule (Zeiler, 2012): with g = grad + lambda p,
 * v = rho v + (1 - rho) g^2, d = sqrt(u + eps) / sqrt(v + eps) g, u = rho u + (1 - rho) d^2,
 * p = p - lr d.
 * @example
 * ```ts
 * import { adadeltaRule, Optimizer } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = new Optimizer(adadeltaRule, [tensor([1], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const adadeltaRule: OptimizerRule<AdadeltaOptions> = {
  name: "adadelta",
  defaults: { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false },
  validate(h, where) {
    if (typeof h.rho !== "number" || !(h.rho >= 0 && h.rho <= 1)) throw new ValueError(`${where}: invalid rho; expected a number in [0, 1], got ${String(h.rho)}`);
    checkSetting(where, "eps", h.eps, 0);
    checkSetting(where, "weightDecay", h.weightDecay, 0);
  },
  buffers: () => ({ squareAvg: 0, accDelta: 0 }),
  update(p, g, state, h) {
    const { lr, rho, eps, weightDecay } = h;
    const sign = h.maximize ? -1 : 1;
    const v = state.buffers.squareAvg;
    const u = state.buffers.accDelta;
    for (let i = 0; i < p.length; i++) {
      const gi = sign * g[i] + weightDecay * p[i];
      v[i] = rho * v[i] + (1 - rho) * gi * gi;
      const d = (Math.sqrt(u[i] + eps) / Math.sqrt(v[i] + eps)) * gi;
      u[i] = rho * u[i] + (1 - rho) * d * d;
      p[i] -= lr * d;
    }
  },
};

/**
 * Adadelta (PyTorch's `torch.optim.Adadelta`); see {@link adadeltaRule} for the maths.
 * @throws {ValueError} for a negative learning rate, eps or weight decay, or rho outside [0, 1].
 * @example
 * ```ts
 * import { adadelta } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = adadelta([tensor([1, 2], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const adadelta = defineOptimizer(adadeltaRule);
