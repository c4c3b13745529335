/**
 * Watching a logged quantity for improvement: the logic EarlyStopping, ModelCheckpoint and
 * ReduceLROnPlateau share.
 * @module
 */
import { ValueError } from "@backprop/core";
import type { Logs } from "./Callback.js";

/**
 * Whether a monitored value should go down (`min`), up (`max`), or be guessed from its name
 * (`auto`: accuracy-like names go up, the rest down).
 * @category Callbacks
 */
export type MonitorMode = "auto" | "min" | "max";

/**
 * Tracks the best value of one logged quantity.
 * @example
 * ```ts
 * import { Monitor } from "@backprop/callbacks";
 * const m = new Monitor("EarlyStopping", "val_loss", "auto", 0);
 * m.improved({ val_loss: 0.5 }); // true
 * m.improved({ val_loss: 0.6 }); // false
 * ```
 * @category Callbacks
 */
export class Monitor {
  best: number;
  readonly direction: "min" | "max";

  constructor(
    readonly owner: string,
    readonly key: string,
    mode: MonitorMode,
    readonly minDelta: number,
  ) {
    if (mode !== "auto" && mode !== "min" && mode !== "max") {
      throw new ValueError(`${owner}: mode must be "auto", "min" or "max"; got ${JSON.stringify(mode)}`);
    }
    if (!(minDelta >= 0)) throw new ValueError(`${owner}: minDelta must be >= 0; got ${minDelta}`);
    const goesUp = /acc|accuracy|precision|recall|f1|auc/i.test(key) && !/loss|error/i.test(key);
    this.direction = mode === "auto" ? (goesUp ? "max" : "min") : mode;
    this.best = this.direction === "min" ? Infinity : -Infinity;
  }

  /** The monitored value in these logs, or undefined when absent. */
  value(logs: Logs): number | undefined {
    return logs[this.key];
  }

  /** Whether `value` beats the best so far by more than minDelta. */
  isBetter(value: number): boolean {
    return this.direction === "min" ? value < this.best - this.minDelta : value > this.best + this.minDelta;
  }

  /** Updates the best value; returns whether the logs improved on it. */
  improved(logs: Logs): boolean {
    const v = this.value(logs);
    if (v === undefined || Number.isNaN(v)) return false;
    if (this.isBetter(v)) {
      this.best = v;
      return true;
    }
    return false;
  }

  /** A warning for logs that lack the monitored key (named keys help spot typos). */
  missing(logs: Logs): string {
    return `${this.owner}: "${this.key}" is not in the logs; available: ${Object.keys(logs).join(", ") || "none"}`;
  }
}
