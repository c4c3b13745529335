/**
 * LivePlot: training curves that redraw in place in a notebook while `fit` runs.
 * @module
 */
import { ValueError } from "@backprop/core";
import { History, type Callback, type Logs } from "@backprop/callbacks";
import type { NotebookDisplay } from "./Figure.js";
import type { Figure } from "./Figure.js";
import { plotHistory, type PlotHistoryOptions } from "./linePlot.js";

/**
 * Options of {@link LivePlot}.
 * @category Display
 */
export interface LivePlotOptions extends PlotHistoryOptions {
  /**
   * Where to draw: `tslab.newDisplay()` overwrites one output cell entry at every redraw.
   * Without one the plot is only kept in `figure` (scripts, tests).
   */
  display?: NotebookDisplay;
  /** Redraw every this many epochs (default 1). */
  every?: number;
  /** Extra drawing after each redraw, e.g. a decision boundary: return a figure to show beside the curves. */
  extra?: (epoch: number) => Promise<Figure | null>;
}

/**
 * A callback that records the epoch logs and redraws the loss and metric curves after every
 * epoch (through a notebook display that updates in place, such as `tslab.newDisplay()`).
 * @throws {ValueError} for an `every` that is not a positive integer.
 * @example
 * ```ts
 * import { LivePlot } from "@backprop/viz";
 * const live = new LivePlot(); // in tslab: new LivePlot({ display: tslab.newDisplay() })
 * await live.onEpochEnd(0, { loss: 0.7 });
 * live.figure?.svg.includes("loss"); // true
 * ```
 * @category Display
 */
export class LivePlot implements Callback {
  /** The logs so far. */
  readonly history = new History();
  /** The latest drawing (null before the first epoch ends). */
  figure: Figure | null = null;
  private readonly options: LivePlotOptions;

  constructor(options: LivePlotOptions = {}) {
    const every = options.every ?? 1;
    if (!Number.isInteger(every) || every < 1) throw new ValueError(`LivePlot: every must be a positive integer; got ${every}`);
    this.options = { ...options, every };
  }

  onTrainBegin(): void {
    this.history.loadStateDict({ epochs: [], records: [] });
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    this.history.onEpochEnd(epoch, logs);
    if ((epoch + 1) % (this.options.every ?? 1) !== 0) return;
    const { display, extra, every: _every, ...plot } = this.options;
    this.figure = await plotHistory(this.history, plot);
    const side = extra === undefined ? null : await extra(epoch);
    if (display === undefined) return;
    if (side === null) display.svg(this.figure.svg);
    else display.html(`<div style="display:flex;gap:1em;align-items:flex-start">${this.figure.svg}${side.svg}</div>`);
  }
}
