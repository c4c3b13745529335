/**
 * The learning-rate schedule class: it owns an epoch counter and, at each `step()`, sets the
 * `lr` of every parameter group of any optimizer from a closed-form function of the counter.
 * @module
 */
import { ValueError } from "@backprop/core";
import type { Optimizer } from "./optimizer.js";

declare module "@backprop/core" {
  interface Registry {
    /** Learning-rate schedules: `resolve("schedule", "cosineAnnealing")(opt, { tMax: 100 })`. */
    schedule: ScheduleFactory;
  }
}

/**
 * A function that makes a schedule for an optimizer, as registered under the kind "schedule".
 * @category Schedules
 */
// The method form makes option types compare bivariantly, so every schedule fits one type.
export type ScheduleFactory = { factory(optimizer: Optimizer, options: object): LrSchedule }["factory"];

/**
 * A schedule's state: the step counter and each group's base learning rate.
 * @category Schedules
 */
export interface LrScheduleStateDict {
  name: string;
  lastEpoch: number;
  baseLrs: number[];
}

/**
 * The learning rate of group `index` at step `epoch`, given its base learning rate.
 * @category Schedules
 */
export type LrFunction = (epoch: number, baseLr: number, index: number) => number;

/**
 * A learning-rate schedule. As in PyTorch, creating it applies step 0 (so `lr` is the value
 * for the first epoch) and each `step()` moves to the next one; call it after
 * `optimizer.step()`, once per epoch or per batch as the schedule is meant.
 * The base learning rates are the groups' `lr` when the schedule is created.
 * @example
 * ```ts
 * import { LrSchedule, sgd } from "@backprop/optimizers";
 * import { tensor } from "@backprop/core";
 * const opt = sgd([tensor([1], { requiresGrad: true })], { lr: 1 });
 * const halving = new LrSchedule(opt, "example/halving", (t, base) => base / 2 ** t);
 * halving.step();
 * opt.paramGroups[0].lr; // 0.5
 * ```
 * @category Schedules
 */
export class LrSchedule {
  /** The number of `step()` calls so far (0 right after creation). */
  lastEpoch = -1;
  /** Each group's learning rate at creation. */
  baseLrs: number[];
  private lastLrs: number[] = [];

  constructor(
    readonly optimizer: Optimizer,
    readonly name: string,
    private readonly lrAt: LrFunction,
    private readonly onApply?: (epoch: number) => void,
  ) {
    if (optimizer === null || typeof optimizer !== "object" || !Array.isArray((optimizer as { paramGroups?: unknown }).paramGroups)) {
      throw new ValueError(`${name}: expected an optimizer; got ${optimizer === null ? "null" : typeof optimizer}`);
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    this.step();
  }

  /** Advances one step and sets every group's learning rate. */
  step(): void {
    this.lastEpoch++;
    this.apply();
  }

  /** The learning rates the last step set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  /** The step counter and base learning rates. */
  stateDict(): LrScheduleStateDict {
    return { name: this.name, lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /**
   * Restores a state dict and sets the learning rates for its step.
   * @throws {ValueError} when it belongs to another schedule or another number of groups.
   */
  loadStateDict(dict: LrScheduleStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (dict === null || typeof dict !== "object") throw new ValueError(`${where}: expected { name, lastEpoch, baseLrs }; got ${String(dict)}`);
    if (dict.name !== this.name) throw new ValueError(`${where}: the state belongs to another schedule; expected "${this.name}", got ${JSON.stringify(dict.name)}`);
    if (!Number.isInteger(dict.lastEpoch) || dict.lastEpoch < 0) throw new ValueError(`${where}: invalid lastEpoch; expected an integer >= 0, got ${String(dict.lastEpoch)}`);
    if (!Array.isArray(dict.baseLrs) || dict.baseLrs.length !== this.optimizer.paramGroups.length) {
      throw new ValueError(`${where}: expected ${this.optimizer.paramGroups.length} base learning rates, got ${Array.isArray(dict.baseLrs) ? dict.baseLrs.length : String(dict.baseLrs)}`);
    }
    this.lastEpoch = dict.lastEpoch;
    this.baseLrs = [...dict.baseLrs];
    this.apply();
  }

  private apply(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.baseLrs.length) {
      throw new ValueError(`${this.name}: the optimizer has ${groups.length} parameter groups now; expected ${this.baseLrs.length}, as when the schedule was created`);
    }
    this.lastLrs = groups.map((g, i) => (g.lr = this.lrAt(this.lastEpoch, this.baseLrs[i], i)));
    this.onApply?.(this.lastEpoch);
  }
}
