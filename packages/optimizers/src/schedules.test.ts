import { describe, expect, it } from "vitest";
import { ValueError, isRegistered, resolve, tensor } from "@backprop/core";
import {
  adagrad, adam, cosineAnnealingLr, cosineAnnealingWarmRestarts, exponentialLr, lambdaLr, linearWarmup, multiStepLr, oneCycleLr,
  polynomialLr, sgd, stepLr,
} from "./index.js";
import type { LrSchedule } from "./index.js";

const param = () => tensor([1], { requiresGrad: true });

/** The learning rates of steps 0..n-1 (creation applies step 0). */
function lrs(schedule: LrSchedule, n: number, group = 0): number[] {
  const out = [schedule.optimizer.paramGroups[group].lr];
  for (let t = 1; t < n; t++) {
    schedule.step();
    out.push(schedule.optimizer.paramGroups[group].lr);
  }
  return out;
}

function expectClose(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((x, i) => { expect(x).toBeCloseTo(want[i], 12); });
}

describe("schedules against hand-computed sequences", () => {
  it("step", () => {
    expectClose(lrs(stepLr(sgd([param()], { lr: 1 }), { stepSize: 2, gamma: 0.5 }), 7), [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125]);
  });

  it("multiStep", () => {
    expectClose(lrs(multiStepLr(sgd([param()], { lr: 1 }), { milestones: [2, 5], gamma: 0.1 }), 7), [1, 1, 0.1, 0.1, 0.1, 0.01, 0.01]);
  });

  it("exponential", () => {
    expectClose(lrs(exponentialLr(sgd([param()], { lr: 2 }), { gamma: 0.5 }), 4), [2, 1, 0.5, 0.25]);
  });

  it("cosineAnnealing", () => {
    // 0.1 + 0.9 (1 + cos(pi t / 4)) / 2
    const c = (t: number): number => 0.1 + 0.45 * (1 + Math.cos((Math.PI * t) / 4));
    expectClose(lrs(cosineAnnealingLr(sgd([param()], { lr: 1 }), { tMax: 4, etaMin: 0.1 }), 5), [1, c(1), c(2), c(3), 0.1]);
    expectClose(lrs(cosineAnnealingLr(sgd([param()], { lr: 1 }), { tMax: 4, etaMin: 0.1 }), 3), [1, 0.1 + 0.45 * (1 + Math.SQRT1_2), 0.55]);
  });

  it("cosineAnnealingWarmRestarts with growing cycles", () => {
    // cycles of 2, 4, 8 steps: positions 0 1 | 0 1 2 3 | 0 ...
    const c = (pos: number, len: number): number => 0.5 * (1 + Math.cos((Math.PI * pos) / len));
    expectClose(lrs(cosineAnnealingWarmRestarts(sgd([param()], { lr: 1 }), { t0: 2, tMult: 2 }), 8), [1, c(1, 2), 1, c(1, 4), c(2, 4), c(3, 4), 1, c(1, 8)]);
    expectClose(lrs(cosineAnnealingWarmRestarts(sgd([param()], { lr: 1 }), { t0: 3 }), 7), [1, 0.75, 0.25, 1, 0.75, 0.25, 1]);
  });

  it("linearWarmup", () => {
    expectClose(lrs(linearWarmup(sgd([param()], { lr: 0.8 }), { warmupSteps: 4 }), 6), [0, 0.2, 0.4, 0.6, 0.8, 0.8]);
    expectClose(lrs(linearWarmup(sgd([param()], { lr: 1 }), { warmupSteps: 2, startFactor: 0.5 }), 4), [0.5, 0.75, 1, 1]);
  });

  it("polynomial", () => {
    expectClose(lrs(polynomialLr(sgd([param()], { lr: 1 }), { totalSteps: 4, power: 2 }), 6), [1, 0.5625, 0.25, 0.0625, 0, 0]);
    expectClose(lrs(polynomialLr(sgd([param()], { lr: 1 }), { totalSteps: 2, endLr: 0.2 }), 4), [1, 0.6, 0.2, 0.2]);
  });

  it("lambda, one function per group", () => {
    const opt = sgd([{ params: [param()] }, { params: [param()], lr: 10 }], { lr: 1 });
    const s = lambdaLr(opt, { lrLambda: [(t) => 1 / (t + 1), (t) => t] });
    s.step();
    s.step();
    expect(s.getLastLr()).toEqual([1 / 3, 20]);
  });

  it("oneCycle, two phases with cosine annealing, cycling Adam's beta1", () => {
    // totalSteps 10, pctStart 0.3: phase 1 ends at step 2, phase 2 at step 9.
    const opt = adam([param()], { lr: 123 });
    const s = oneCycleLr(opt, { maxLr: 1, totalSteps: 10, divFactor: 10, finalDivFactor: 100 });
    const cos = (a: number, b: number, pct: number): number => b + ((a - b) / 2) * (1 + Math.cos(Math.PI * pct));
    const want = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((t) => (t <= 2 ? cos(0.1, 1, t / 2) : cos(1, 0.001, (t - 2) / 7)));
    const betas: number[] = [opt.paramGroups[0].betas[0]];
    const got = [opt.paramGroups[0].lr];
    for (let t = 1; t < 10; t++) {
      s.step();
      got.push(opt.paramGroups[0].lr);
      betas.push(opt.paramGroups[0].betas[0]);
    }
    expectClose(got, want);
    expect(betas[0]).toBeCloseTo(0.95, 12);
    expect(betas[2]).toBeCloseTo(0.85, 12);
    expect(betas[9]).toBeCloseTo(0.95, 12);
    expect(opt.paramGroups[0].betas[1]).toBe(0.999);
    expect(() => { s.step(); }).toThrow("oneCycleLr: stepped 11 times; expected at most totalSteps = 10");
  });

  it("oneCycle, three linear phases with SGD momentum", () => {
    const opt = sgd([param()], { lr: 1, momentum: 0.9 });
    const s = oneCycleLr(opt, { maxLr: 1, totalSteps: 10, pctStart: 0.25, annealStrategy: "linear", threePhase: true, divFactor: 4, finalDivFactor: 10 });
    // Phases end at steps 1.5, 3 and 9: 0.25 -> 1 -> 0.25 -> 0.025.
    const lin = (a: number, b: number, pct: number): number => a + (b - a) * pct;
    const want = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((t) => (t <= 1.5 ? lin(0.25, 1, t / 1.5) : t <= 3 ? lin(1, 0.25, (t - 1.5) / 1.5) : lin(0.25, 0.025, (t - 3) / 6)));
    expectClose(lrs(s, 10), want);
    expect(opt.paramGroups[0].momentum).toBeCloseTo(0.95, 12);
  });

  it("a state-dict round trip continues identically", () => {
    const a = cosineAnnealingWarmRestarts(sgd([param()], { lr: 1 }), { t0: 2, tMult: 2 });
    lrs(a, 4);
    const optB = sgd([param()], { lr: 1 });
    const b = cosineAnnealingWarmRestarts(optB, { t0: 2, tMult: 2 });
    b.loadStateDict(a.stateDict());
    expect(optB.paramGroups[0].lr).toBe(a.optimizer.paramGroups[0].lr);
    expect(lrs(b, 5)).toEqual(lrs(a, 5));
    expect(() => { stepLr(sgd([param()], { lr: 1 }), { stepSize: 1 }).loadStateDict(a.stateDict()); }).toThrow(/expected "step", got "cosineAnnealingWarmRestarts"/);
  });

  it("are registered by name", () => {
    for (const n of ["step", "multiStep", "exponential", "cosineAnnealing", "cosineAnnealingWarmRestarts", "linearWarmup", "oneCycle", "polynomial", "lambda"]) {
      expect(isRegistered("schedule", n)).toBe(true);
    }
    const opt = sgd([param()], { lr: 1 });
    resolve("schedule", "exponential")(opt, { gamma: 0.5 }).step();
    expect(opt.paramGroups[0].lr).toBe(0.5);
  });

  it("reject bad options", () => {
    const opt = sgd([param()], { lr: 1 });
    expect(() => stepLr(opt, {} as never)).toThrow("stepLr: invalid stepSize; expected an integer > 0, got undefined");
    expect(() => multiStepLr(opt, { milestones: [5, 2] })).toThrow(ValueError);
    expect(() => cosineAnnealingLr(opt, { tMax: 0 })).toThrow(ValueError);
    expect(() => lambdaLr(opt, { lrLambda: 3 as never })).toThrow(ValueError);
    expect(() => oneCycleLr(adagrad([param()]), { maxLr: 1, totalSteps: 10 })).toThrow(/cycleMomentum needs an optimizer with momentum or betas/);
    expect(() => linearWarmup(opt, { warmupSteps: 2, startFactor: 2 })).toThrow(ValueError);
    expect(() => cosineAnnealingLr(opt, { tMax: 10, eta_min: 0 } as never)).toThrow('cosineAnnealingLr: unknown option "eta_min"; known: tMax, etaMin');
  });
});
