/**
 * The built-in learning-rate schedules, each a closed-form function of the step count
 * (PyTorch's formulas), registered under the kind "schedule".
 * @module
 */
import { ValueError, register } from "@backprop/core";
import { LrSchedule } from "./lrSchedule.js";
import type { ScheduleFactory } from "./lrSchedule.js";
import type { Optimizer } from "./optimizer.js";

/** Checks an options object; a misspelt key must not be ignored. */
function options<T extends object>(value: T | undefined, where: string, known: readonly (keyof T & string)[]): T {
  if (value === null || typeof value !== "object") throw new ValueError(`${where}: expected an options object; got ${String(value)}`);
  for (const key of Object.keys(value)) {
    if (!(known as readonly string[]).includes(key)) throw new ValueError(`${where}: unknown option "${key}"; known: ${known.join(", ")}`);
  }
  return value;
}

function positiveInt(where: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new ValueError(`${where}: invalid ${name}; expected an integer > 0, got ${String(value)}`);
  }
  return value;
}

function number(where: string, name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== "number" || !(value >= min && value <= max)) {
    throw new ValueError(`${where}: invalid ${name}; expected a number in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function define<F extends (optimizer: Optimizer, options: never) => LrSchedule>(name: string, factory: F): F {
  register("schedule", name, factory as unknown as ScheduleFactory);
  return factory;
}

/**
 * Options of {@link stepLr}.
 * @category Schedules
 */
export interface StepLrOptions {
  /** Steps between decays. */
  stepSize: number;
  /** Factor per decay (default 0.1). */
  gamma?: number;
}

/**
 * Decays by gamma every `stepSize` steps: lr = base gamma^floor(t / stepSize) (PyTorch's StepLR).
 * @throws {ValueError} for a missing or non-positive stepSize, or a negative gamma.
 * @example
 * ```ts
 * import { sgd, stepLr } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = sgd([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * const schedule = stepLr(opt, { stepSize: 30, gamma: 0.1 }); // 0.1, then 0.01 from step 30
 * ```
 * @category Schedules
 */
export const stepLr = define("step", (optimizer: Optimizer, opts: StepLrOptions): LrSchedule => {
  const o = options(opts, "stepLr", ["stepSize", "gamma"]);
  const stepSize = positiveInt("stepLr", "stepSize", o.stepSize);
  const gamma = number("stepLr", "gamma", o.gamma ?? 0.1, 0);
  return new LrSchedule(optimizer, "step", (t, base) => base * gamma ** Math.floor(t / stepSize));
});

/**
 * Options of {@link multiStepLr}.
 * @category Schedules
 */
export interface MultiStepLrOptions {
  /** Steps at which to decay, increasing. */
  milestones: readonly number[];
  /** Factor per milestone (default 0.1). */
  gamma?: number;
}

/**
 * Decays by gamma at each milestone: lr = base gamma^(number of milestones <= t) (PyTorch's MultiStepLR).
 * @throws {ValueError} for milestones that are not increasing non-negative integers.
 * @example
 * ```ts
 * import { sgd, multiStepLr } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = sgd([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * const schedule = multiStepLr(opt, { milestones: [30, 80] });
 * ```
 * @category Schedules
 */
export const multiStepLr = define("multiStep", (optimizer: Optimizer, opts: MultiStepLrOptions): LrSchedule => {
  const o = options(opts, "multiStepLr", ["milestones", "gamma"]);
  const ms: readonly unknown[] = Array.isArray(o.milestones) ? o.milestones : [null];
  if (ms.some((m, i) => typeof m !== "number" || !Number.isInteger(m) || m < 0 || (i > 0 && m <= (ms[i - 1] as number)))) {
    throw new ValueError(`multiStepLr: invalid milestones; expected increasing integers >= 0, got ${JSON.stringify(o.milestones)}`);
  }
  const milestones = ms as readonly number[];
  const gamma = number("multiStepLr", "gamma", o.gamma ?? 0.1, 0);
  return new LrSchedule(optimizer, "multiStep", (t, base) => base * gamma ** milestones.filter((m) => m <= t).length);
});

/**
 * Options of {@link exponentialLr}.
 * @category Schedules
 */
export interface ExponentialLrOptions {
  /** Factor per step. */
  gamma: number;
}

/**
 * Decays by gamma every step: lr = base gamma^t (PyTorch's ExponentialLR).
 * @throws {ValueError} for a missing or negative gamma.
 * @example
 * ```ts
 * import { sgd, exponentialLr } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = sgd([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * const schedule = exponentialLr(opt, { gamma: 0.95 });
 * ```
 * @category Schedules
 */
export const exponentialLr = define("exponential", (optimizer: Optimizer, opts: ExponentialLrOptions): LrSchedule => {
  const gamma = number("exponentialLr", "gamma", options(opts, "exponentialLr", ["gamma"]).gamma, 0);
  return new LrSchedule(optimizer, "exponential", (t, base) => base * gamma ** t);
});

/**
 * Options of {@link cosineAnnealingLr}.
 * @category Schedules
 */
export interface CosineAnnealingLrOptions {
  /** Steps of the half cosine from base to etaMin. */
  tMax: number;
  /** Lowest learning rate (default 0). */
  etaMin?: number;
}

/**
 * Half a cosine from base down to etaMin over tMax steps:
 * lr = etaMin + (base - etaMin)(1 + cos(pi t / tMax)) / 2 (PyTorch's CosineAnnealingLR, closed form).
 * @throws {ValueError} for a missing or non-positive tMax.
 * @example
 * ```ts
 * import { sgd, cosineAnnealingLr } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = sgd([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * const schedule = cosineAnnealingLr(opt, { tMax: 100, etaMin: 1e-5 });
 * ```
 * @category Schedules
 */
export const cosineAnnealingLr = define("cosineAnnealing", (optimizer: Optimizer, opts: CosineAnnealingLrOptions): LrSchedule => {
  const o = options(opts, "cosineAnnealingLr", ["tMax", "etaMin"]);
  const tMax = positiveInt("cosineAnnealingLr", "tMax", o.tMax);
  const etaMin = number("cosineAnnealingLr", "etaMin", o.etaMin ?? 0, 0);
  return new LrSchedule(optimizer, "cosineAnnealing", (t, base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2);
});

/**
 * Options of {@link cosineAnnealingWarmRestarts}.
 * @category Schedules
 */
export interface CosineAnnealingWarmRestartsOptions {
  /** Steps of the first cycle. */
  t0: number;
  /** Each cycle is tMult times longer than the one before (integer, default 1). */
  tMult?: number;
  /** Lowest learning rate (default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing restarted every cycle (SGDR, Loshchilov and Hutter 2017; PyTorch's
 * CosineAnnealingWarmRestarts): cycles of t0, t0 tMult, t0 tMult^2, ... steps, and within a
 * cycle of length T at position c, lr = etaMin + (base - etaMin)(1 + cos(pi c / T)) / 2.
 * @throws {ValueError} for a non-positive t0 or a tMult that is not an integer >= 1.
 * @example
 * ```ts
 * import { sgd, cosineAnnealingWarmRestarts } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = sgd([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * const schedule = cosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 });
 * ```
 * @category Schedules
 */
export const cosineAnnealingWarmRestarts = define("cosineAnnealingWarmRestarts", (optimizer: Optimizer, opts: CosineAnnealingWarmRestartsOptions): LrSchedule => {
  const where = "cosineAnnealingWarmRestarts";
  const o = options(opts, where, ["t0", "tMult", "etaMin"]);
  const t0 = positiveInt(where, "t0", o.t0);
  const tMult = positiveInt(where, "tMult", o.tMult ?? 1);
  const etaMin = number(where, "etaMin", o.etaMin ?? 0, 0);
  return new LrSchedule(optimizer, "cosineAnnealingWarmRestarts", (t, base) => {
    let cycle = t0;
    let c = t;
    if (tMult === 1) c = t % t0;
    else {
      while (c >= cycle) {
        c -= cycle;
        cycle *= tMult;
      }
    }
    return etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * c) / cycle))) / 2;
  });
});

/**
 * Options of {@link linearWarmup}.
 * @category Schedules
 */
export interface LinearWarmupOptions {
  /** Steps to go from startFactor to endFactor. */
  warmupSteps: number;
  /** Factor of the base learning rate at step 0 (default 0). */
  startFactor?: number;
  /** Factor from step warmupSteps on (default 1). */
  endFactor?: number;
}

/**
 * Scales the learning rate linearly from startFactor to endFactor over warmupSteps steps,
 * then holds it: lr = base (s + (e - s) min(t, W) / W) (PyTorch's LinearLR with totalIters W).
 * @throws {ValueError} for a non-positive warmupSteps or factors outside [0, 1].
 * @example
 * ```ts
 * import { adamw, linearWarmup } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = adamw([tensor([1], { requiresGrad: true })], { lr: 1e-3 });
 * const schedule = linearWarmup(opt, { warmupSteps: 1000 }); // 0 -> 1e-3 over 1000 steps
 * ```
 * @category Schedules
 */
export const linearWarmup = define("linearWarmup", (optimizer: Optimizer, opts: LinearWarmupOptions): LrSchedule => {
  const o = options(opts, "linearWarmup", ["warmupSteps", "startFactor", "endFactor"]);
  const steps = positiveInt("linearWarmup", "warmupSteps", o.warmupSteps);
  const start = number("linearWarmup", "startFactor", o.startFactor ?? 0, 0, 1);
  const end = number("linearWarmup", "endFactor", o.endFactor ?? 1, 0, 1);
  return new LrSchedule(optimizer, "linearWarmup", (t, base) => base * (start + ((end - start) * Math.min(t, steps)) / steps));
});

/**
 * Options of {@link polynomialLr}.
 * @category Schedules
 */
export interface PolynomialLrOptions {
  /** Steps over which to decay; the learning rate stays at endLr afterwards. */
  totalSteps: number;
  /** Power of the polynomial (default 1: linear). */
  power?: number;
  /** Final learning rate (default 0). */
  endLr?: number;
}

/**
 * Polynomial decay to endLr over totalSteps: lr = (base - endLr)(1 - min(t, T) / T)^power + endLr
 * (PyTorch's PolynomialLR when endLr is 0, Keras's PolynomialDecay otherwise).
 * @throws {ValueError} for a non-positive totalSteps or a negative power or endLr.
 * @example
 * ```ts
 * import { sgd, polynomialLr } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = sgd([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * const schedule = polynomialLr(opt, { totalSteps: 100, power: 2 });
 * ```
 * @category Schedules
 */
export const polynomialLr = define("polynomial", (optimizer: Optimizer, opts: PolynomialLrOptions): LrSchedule => {
  const o = options(opts, "polynomialLr", ["totalSteps", "power", "endLr"]);
  const total = positiveInt("polynomialLr", "totalSteps", o.totalSteps);
  const power = number("polynomialLr", "power", o.power ?? 1, 0);
  const endLr = number("polynomialLr", "endLr", o.endLr ?? 0, 0);
  return new LrSchedule(optimizer, "polynomial", (t, base) => (base - endLr) * (1 - Math.min(t, total) / total) ** power + endLr);
});

/**
 * Options of {@link lambdaLr}.
 * @category Schedules
 */
export interface LambdaLrOptions {
  /** The factor of the base learning rate at step t (one function, or one per group). */
  lrLambda: ((t: number) => number) | readonly ((t: number) => number)[];
}

/**
 * lr = base f(t) for a function of your own (PyTorch's LambdaLR). Its state dict holds the
 * step count only, so the function must be supplied again when resuming.
 * @throws {ValueError} when lrLambda is not a function (or one per group), or returns a non-finite number.
 * @example
 * ```ts
 * import { sgd, lambdaLr } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = sgd([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * const schedule = lambdaLr(opt, { lrLambda: (t) => 0.95 ** t });
 * ```
 * @category Schedules
 */
export const lambdaLr = define("lambda", (optimizer: Optimizer, opts: LambdaLrOptions): LrSchedule => {
  const o = options(opts, "lambdaLr", ["lrLambda"]);
  const groups = optimizer.paramGroups.length;
  const given = o.lrLambda;
  const fns: readonly unknown[] = typeof given === "function" ? Array.from({ length: groups }, () => given) : Array.isArray(given) ? given : [];
  if (fns.length !== groups || fns.some((f) => typeof f !== "function")) {
    throw new ValueError(`lambdaLr: invalid lrLambda; expected a function or ${groups} functions (one per group), got ${String(o.lrLambda)}`);
  }
  return new LrSchedule(optimizer, "lambda", (t, base, i) => {
    const factor = (fns[i] as (t: number) => number)(t);
    if (typeof factor !== "number" || !Number.isFinite(factor)) throw new ValueError(`lambdaLr: lrLambda(${t}) for group ${i}; expected a finite number, got ${String(factor)}`);
    return base * factor;
  });
});

/**
 * Options of {@link oneCycleLr}.
 * @category Schedules
 */
export interface OneCycleLrOptions {
  /** Peak learning rate (one for all groups, or one per group). */
  maxLr: number | readonly number[];
  /** Steps in the cycle; stepping past it throws. */
  totalSteps: number;
  /** Fraction of the cycle spent increasing the learning rate (default 0.3). */
  pctStart?: number;
  /** How to interpolate: "cos" (default) or "linear". */
  annealStrategy?: "cos" | "linear";
  /** Cycle momentum (or Adam's beta1) inversely to the learning rate (default true). */
  cycleMomentum?: boolean;
  /** Lowest momentum (default 0.85). */
  baseMomentum?: number;
  /** Highest momentum (default 0.95). */
  maxMomentum?: number;
  /** Initial lr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** Final lr = initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to the initial lr, down to the final lr) instead of two. */
  threePhase?: boolean;
}

/**
 * The one-cycle policy (Smith and Topin, 2018; PyTorch's OneCycleLR): the learning rate rises
 * from maxLr / divFactor to maxLr over pctStart of the cycle, then anneals to
 * maxLr / (divFactor finalDivFactor); momentum (or beta1) moves the opposite way between
 * maxMomentum and baseMomentum. The groups' own lr are ignored.
 * @throws {ValueError} for invalid options, an optimizer without momentum or betas while
 * cycleMomentum is on, or stepping beyond totalSteps.
 * @example
 * ```ts
 * import { sgd, oneCycleLr } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = sgd([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const schedule = oneCycleLr(opt, { maxLr: 0.1, totalSteps: 1000 });
 * ```
 * @category Schedules
 */
export const oneCycleLr = define("oneCycle", (optimizer: Optimizer, opts: OneCycleLrOptions): LrSchedule => {
  const where = "oneCycleLr";
  const o = options(opts, where, ["maxLr", "totalSteps", "pctStart", "annealStrategy", "cycleMomentum", "baseMomentum", "maxMomentum", "divFactor", "finalDivFactor", "threePhase"]);
  const groups = optimizer.paramGroups;
  const total = positiveInt(where, "totalSteps", o.totalSteps);
  const pctStart = number(where, "pctStart", o.pctStart ?? 0.3, 0, 1);
  const strategy = o.annealStrategy ?? "cos";
  if (strategy !== "cos" && strategy !== "linear") throw new ValueError(`${where}: invalid annealStrategy; expected "cos" or "linear", got ${JSON.stringify(strategy)}`);
  const divFactor = number(where, "divFactor", o.divFactor ?? 25, Number.MIN_VALUE);
  const finalDivFactor = number(where, "finalDivFactor", o.finalDivFactor ?? 1e4, Number.MIN_VALUE);
  const given = o.maxLr;
  const candidates: readonly unknown[] = typeof given === "number" ? groups.map(() => given) : Array.isArray(given) ? given : [];
  const maxLrs = candidates as readonly number[];
  if (maxLrs.length !== groups.length || candidates.some((v) => typeof v !== "number" || !(v >= 0))) {
    throw new ValueError(`${where}: invalid maxLr; expected a number >= 0 or ${groups.length} of them (one per group), got ${JSON.stringify(o.maxLr)}`);
  }
  const cycleMomentum = o.cycleMomentum ?? true;
  const baseMomentum = number(where, "baseMomentum", o.baseMomentum ?? 0.85, 0, 1);
  const maxMomentum = number(where, "maxMomentum", o.maxMomentum ?? 0.95, 0, 1);
  if (cycleMomentum) {
    groups.forEach((g, i) => {
      if (!("momentum" in g) && !("betas" in g)) {
        throw new ValueError(`${where}: cycleMomentum needs an optimizer with momentum or betas; parameter group ${i} has neither (pass cycleMomentum: false)`);
      }
    });
  }
  // A phase: [end step, start lr, end lr (per group), start momentum, end momentum].
  const initial = (i: number): number => maxLrs[i] / divFactor;
  type Phase = [number, (i: number) => number, (i: number) => number, number, number];
  const peak = (i: number): number => maxLrs[i];
  const low = (i: number): number => initial(i) / finalDivFactor;
  const phases: Phase[] = o.threePhase === true
    ? [
        [pctStart * total - 1, initial, peak, maxMomentum, baseMomentum],
        [2 * pctStart * total - 2, peak, initial, baseMomentum, maxMomentum],
        [total - 1, initial, low, maxMomentum, maxMomentum],
      ]
    : [
        [pctStart * total - 1, initial, peak, maxMomentum, baseMomentum],
        [total - 1, peak, low, baseMomentum, maxMomentum],
      ];
  const anneal = (start: number, end: number, pct: number): number =>
    strategy === "cos" ? end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
  const at = (t: number): { phase: Phase; pct: number } => {
    if (t >= total) throw new ValueError(`${where}: stepped ${t + 1} times; expected at most totalSteps = ${total}`);
    let start = 0;
    for (let k = 0; k < phases.length; k++) {
      const end = phases[k][0];
      if (t <= end || k === phases.length - 1) return { phase: phases[k], pct: (t - start) / (end - start) };
      start = end;
    }
    throw new Error("internal: oneCycleLr found no phase");
  };
  return new LrSchedule(
    optimizer,
    "oneCycle",
    (t, _base, i) => {
      const { phase, pct } = at(t);
      return anneal(phase[1](i), phase[2](i), pct);
    },
    (t) => {
      if (!cycleMomentum) return;
      const { phase, pct } = at(t);
      const m = anneal(phase[3], phase[4], pct);
      for (const g of groups as unknown as Record<string, unknown>[]) {
        if ("betas" in g) g.betas = [m, (g.betas as readonly number[])[1]];
        else g.momentum = m;
      }
    },
  );
});
