/**
 * History: the per-epoch record of every logged number, returned by `fit`.
 * @module
 */
import { ValueError } from "@backprop/core";
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
  // The logs objects themselves: callbacks that run after History (schedulers, throughput)
  // still add their keys to them, and a checkpoint written during the epoch already holds it.
  private readonly records: Logs[] = [];

  onEpochEnd(epoch: number, logs: Logs): void {
    this.epochs.push(epoch);
    this.records.push(logs);
  }

  /** One array per logged key, aligned with `epochs` (NaN where a key was missing). */
  get history(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    this.records.forEach((logs, i) => {
      for (const [key, value] of Object.entries(logs)) {
        out[key] ??= new Array<number>(this.records.length).fill(NaN);
        out[key][i] = value;
      }
    });
    return out;
  }

  /** The last recorded value of a key, or undefined. */
  last(key: string): number | undefined {
    return this.records.length === 0 ? undefined : this.records[this.records.length - 1][key];
  }

  stateDict(): { epochs: number[]; records: Logs[] } {
    return { epochs: [...this.epochs], records: this.records.map((r) => ({ ...r })) };
  }

  loadStateDict(state: unknown): void {
    const s = state as { epochs?: number[]; records?: Logs[] };
    if (!Array.isArray(s?.epochs) || !Array.isArray(s.records)) {
      throw new ValueError("History.loadStateDict: expected { epochs: number[], records: logs[] }");
    }
    this.epochs.splice(0, this.epochs.length, ...s.epochs);
    this.records.splice(0, this.records.length, ...s.records.map((r) => ({ ...r })));
  }
}
