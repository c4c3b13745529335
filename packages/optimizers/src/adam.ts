/**
 * Adam and AdamW: adaptive moments with bias correction, with L2 or decoupled weight decay.
 * @module
 */
import { kernels } from "@backprop/core";
import { checkBetas, checkSetting, defineOptimizer } from "./optimizer.js";
import type { HyperParams, OptimizerRule } from "./optimizer.js";

/**
 * Settings of {@link adam} and {@link adamw}.
 * @category Optimizers
 */
export interface AdamOptions extends HyperParams {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates [beta1, beta2] of the first and second moment (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** Weight decay: L2 added to the gradient (adam, default 0) or decoupled (adamw, default 1e-2). */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad). */
  amsgrad: boolean;
  /** Maximise the objective instead of minimising it. */
  maximize: boolean;
}

function makeAdamRule(name: string, decoupled: boolean, weightDecay: number): OptimizerRule<AdamOptions> {
  return {
    name,
    defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false, maximize: false },
    validate(h, where) {
      checkBetas(where, h.betas);
      checkSetting(where, "eps", h.eps, 0);
      checkSetting(where, "weightDecay", h.weightDecay, 0);
    },
    buffers: (h): Record<string, number> => (h.amsgrad ? { expAvg: 0, expAvgSq: 0, maxExpAvgSq: 0 } : { expAvg: 0, expAvgSq: 0 }),
    fused(p, g, buffers, state, h) {
      // The backend's fused kernel, where it has one, for the case it covers (float32, no AMSGrad).
      const ks = kernels();
      const m = buffers.expAvg;
      const v = buffers.expAvgSq;
      if (ks.adamUpdate === undefined || h.amsgrad || p.dtype !== "float32" || g.dtype !== "float32") return false;
      if (!p.isContiguous || !g.isContiguous || !m.isContiguous || !v.isContiguous || m.dtype !== "float32" || v.dtype !== "float32") return false;
      ks.adamUpdate(p, g, m, v, {
        lr: h.lr, beta1: h.betas[0], beta2: h.betas[1], eps: h.eps, weightDecay: h.weightDecay, decoupled, step: state.step, maximize: h.maximize,
      });
      return true;
    },
    update(p, g, state, h) {
      const { lr, eps, weightDecay: wd } = h;
      const [beta1, beta2] = h.betas;
      const m = state.buffers.expAvg;
      const v = state.buffers.expAvgSq;
      const vMax = h.amsgrad ? state.buffers.maxExpAvgSq : null;
      const sign = h.maximize ? -1 : 1;
      const stepSize = lr / (1 - beta1 ** state.step);
      const bc2Sqrt = Math.sqrt(1 - beta2 ** state.step);
      const shrink = decoupled ? 1 - lr * wd : 1;
      const l2 = decoupled ? 0 : wd;
      if (vMax === null && shrink === 1 && l2 === 0) {
        // The common case as a branch-free loop over locals: this runs over every weight every step.
        const c1 = 1 - beta1;
        const c2 = 1 - beta2;
        const scale = 1 / bc2Sqrt;
        for (let i = 0, n = p.length; i < n; i++) {
          const gi = sign * g[i];
          const mi = m[i] + c1 * (gi - m[i]);
          const vi = beta2 * v[i] + c2 * gi * gi;
          m[i] = mi;
          v[i] = vi;
          p[i] -= (stepSize * mi) / (Math.sqrt(vi) * scale + eps);
        }
        return;
      }
      for (let i = 0; i < p.length; i++) {
        p[i] *= shrink;
        const gi = sign * g[i] + l2 * p[i];
        m[i] += (1 - beta1) * (gi - m[i]);
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        let second = v[i];
        if (vMax !== null) second = vMax[i] = Math.max(vMax[i], v[i]);
        p[i] -= (stepSize * m[i]) / (Math.sqrt(second) / bc2Sqrt + eps);
      }
    },
  };
}

/**
 * PyTorch's Adam rule (Kingma and Ba, 2015): with g = grad + lambda p,
 * m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2 (v_max = max(v_max, v) for
 * AMSGrad), p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
 * @example
 * ```ts
 * import { adamRule, Optimizer } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = new Optimizer(adamRule, [tensor([1], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const adamRule = makeAdamRule("adam", false, 0);

/**
 * PyTorch's AdamW rule (Loshchilov and Hutter, 2019): Adam whose weight decay shrinks the
 * parameter directly, p = p (1 - lr lambda), instead of entering the moments.
 * @example
 * ```ts
 * import { adamwRule, Optimizer } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = new Optimizer(adamwRule, [tensor([1], { requiresGrad: true })]);
 * ```
 * @category Optimizers
 */
export const adamwRule = makeAdamRule("adamw", true, 1e-2);

/**
 * Adam (PyTorch's `torch.optim.Adam`); see {@link adamRule} for the maths.
 * @throws {ValueError} for a negative learning rate, eps or weight decay, or betas outside [0, 1).
 * @example
 * ```ts
 * import { adam } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = adam([tensor([1, 2], { requiresGrad: true })], { lr: 1e-3, amsgrad: true });
 * ```
 * @category Optimizers
 */
export const adam = defineOptimizer(adamRule);

/**
 * AdamW, Adam with decoupled weight decay (PyTorch's `torch.optim.AdamW`, weight decay 1e-2
 * by default); see {@link adamwRule}.
 * @throws {ValueError} for a negative learning rate, eps or weight decay, or betas outside [0, 1).
 * @example
 * ```ts
 * import { adamw } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = adamw([tensor([1, 2], { requiresGrad: true })], { lr: 1e-3, weightDecay: 0.1 });
 * ```
 * @category Optimizers
 */
export const adamw = defineOptimizer(adamwRule);
