/**
 * History: the per-epoch record of every logged number, returned by `fit`.
 * @module
 */
import type { Callback, Logs } from "./Callback.js";

/**
 * Records the logs of every epoch: `history.history.loss[e]` is the loss of epoch e.
 * `fit` always adds one and returns it.
 * @example
 * ```ts
 * import { History } from "@backprop/callbacks";
 * const h = new History();
 * h.onEpochEnd(0, { loss: 0.5 });
 * h.history.loss; // [0.5]
 * ```
 * @category Callbacks
 */
export class History implements Callback {
  /** The epochs recorded, in order. */
  readonly epochs: number[] = [];
  /** One array per logged key, aligned with `epochs` (NaN where a key was missing). */
  readonly history: Record<string, number[]> = {};


  onEpochEnd(epoch: number, logs: Logs): void {
    const n = this.epochs.length;
    this.epochs.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      this.history[key] ??= new Array<number>(n).fill(NaN);
      this.history[key].push(value);
    }
    for (const series of Object.values(this.history)) if (series.length === n) series.push(NaN);
  }

  /** The last recorded value of a key, or undefined. */
  last(key: string): number | undefined {
    const series = this.history[key];
    return series === undefined ? undefined : series[series.length - 1];
  }

  stateDict(): { epochs: number[]; history: Record<string, number[]> } {
    return { epochs: [...this.epochs], history: Object.fromEntries(Object.entries(this.history).map(([k, v]) => [k, [...v]])) };
  }

  loadStateDict(state: unknown): void {
    const s = state as { epochs: number[]; history: Record<string, number[]> };
    this.epochs.splice(0, this.epochs.length, ...s.epochs);
    // The record object is shared with whoever holds the History, so it is refilled in place.
    for (const key of Object.keys(this.history)) Reflect.deleteProperty(this.history, key);
    for (const [k, v] of Object.entries(s.history)) this.history[k] = [...v];
  }
}
