/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay.
 * @module
 */
import { ValueError, kernels } from "@backprop/core";
import { checkSetting, defineOptimizer } from "./optimizer.js";
import type { HyperParams, OptimizerRule } from "./optimizer.js";

/**
 * Settings of {@link sgd}.
 * @category Optimizers
 */
export interface SgdOptions extends HyperParams {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Momentum factor mu (default 0: none). */
  momentum: number;
  /** Dampening tau of the momentum (default 0). */
  dampening: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** L2 penalty lambda added to the gradient (default 0). */
  weightDecay: number;
  /** Maximise the objective instead of minimising it. */
  maximize: boolean;
}

/**
 * PyTorch's SGD rule. With g = grad + lambda p, on the first step b = g, afterwards
 * b = mu b + (1 - tau) g; then g = g + mu b (Nesterov) or g = b; finally p = p - lr g.
 * @example
 * ```ts
 * import { sgdRule, Optimizer } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = new Optimizer(sgdRule, [tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * ```
 * @category Optimizers
 */
export const sgdRule: OptimizerRule<SgdOptions> = {
  name: "sgd",
  defaults: { lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false },
  validate(h, where) {
    checkSetting(where, "momentum", h.momentum, 0);
    checkSetting(where, "weightDecay", h.weightDecay, 0);
    checkSetting(where, "dampening", h.dampening, -Infinity);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new ValueError(`${where}: Nesterov momentum needs momentum > 0 and dampening 0; got momentum ${h.momentum}, dampening ${h.dampening}`);
    }
  },
  buffers: (h): Record<string, number> => (h.momentum !== 0 ? { momentumBuffer: 0 } : {}),
  fused(p, g, buffers, state, h) {
    // The backend's fused kernel, where it has one, for float32 contiguous tensors.
    const ks = kernels();
    const buf = h.momentum !== 0 ? buffers.momentumBuffer : null;
    if (ks.sgdUpdate === undefined || p.dtype !== "float32" || g.dtype !== "float32" || !p.isContiguous || !g.isContiguous) return false;
    if (buf !== null && (buf.dtype !== "float32" || !buf.isContiguous)) return false;
    ks.sgdUpdate(p, g, buf, {
      lr: h.lr, momentum: h.momentum, dampening: h.dampening, nesterov: h.nesterov, weightDecay: h.weightDecay, maximize: h.maximize,
      fresh: state.fresh.includes("momentumBuffer"),
    });
    return true;
  },
  update(p, g, state, h) {
    const { lr, momentum, dampening, nesterov, weightDecay } = h;
    const sign = h.maximize ? -1 : 1;
    const buf = momentum !== 0 ? state.buffers.momentumBuffer : null;
    const first = state.fresh.includes("momentumBuffer");
    for (let i = 0; i < p.length; i++) {
      let d = sign * g[i] + weightDecay * p[i];
      if (buf !== null) {
        buf[i] = first ? d : momentum * buf[i] + (1 - dampening) * d;
        d = nesterov ? d + momentum * buf[i] : buf[i];
      }
      p[i] -= lr * d;
    }
  },
};

/**
 * Stochastic gradient descent (PyTorch's `torch.optim.SGD`); see {@link sgdRule} for the maths.
 * @throws {ValueError} for a negative learning rate, momentum or weight decay, or Nesterov
 * without momentum.
 * @example
 * ```ts
 * import { sgd } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const w = tensor([1, 2], { requiresGrad: true });
 * const opt = sgd([w], { lr: 0.1, momentum: 0.9, nesterov: true });
 * ```
 * @category Optimizers
 */
export const sgd = defineOptimizer(sgdRule);
