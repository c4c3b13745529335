/**
 * ProgressBar: a live bar with ETA, loss and metrics in a terminal (cli-progress), one line per
 * epoch when the output is not a terminal (CI logs, notebooks, pipes).
 * @module
 */
import cliProgress from "cli-progress";
import { ValueError } from "@backprop/core";
import type { Callback, CallbackContext, Logs } from "./Callback.js";

/**
 * Options of {@link ProgressBar}.
 * @category Callbacks
 */
export interface ProgressBarOptions {
  /** "auto" (bar on a TTY, lines otherwise), "bar", "lines" or "silent". */
  mode?: "auto" | "bar" | "lines" | "silent";
  /** Where to write (default process.stderr for the bar, process.stdout for lines). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Decimal places of logged numbers (default 4). */
  digits?: number;
}

function formatLogs(logs: Logs, digits: number, skip: readonly string[] = ["size", "batch"]): string {
  return Object.entries(logs)
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => `${k}: ${Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 10 ** -digits) ? v.toExponential(2) : v.toFixed(digits)}`)
    .join(" - ");
}

/**
 * Shows training progress. In a terminal: a bar per epoch with batches done, ETA, the running
 * mean loss and metrics. Elsewhere: one line per epoch with time and logs.
 * @throws {ValueError} for an unknown mode.
 * @example
 * ```ts
 * import { ProgressBar } from "@backprop/callbacks";
 * const bar = new ProgressBar({ mode: "lines" });
 * ```
 * @category Callbacks
 */
export class ProgressBar implements Callback {
  private bar: cliProgress.SingleBar | null = null;
  private epochStart = 0;
  private running: Record<string, { sum: number; n: number }> = {};
  private readonly mode: "bar" | "lines" | "silent";
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly digits: number;

  constructor(options: ProgressBarOptions = {}) {
    const mode = options.mode ?? "auto";
    if (!["auto", "bar", "lines", "silent"].includes(mode)) {
      throw new ValueError(`ProgressBar: mode must be "auto", "bar", "lines" or "silent"; got ${JSON.stringify(mode)}`);
    }
    // The bar redraws on stderr; plain lines (CI logs, notebooks, pipes) belong on stdout.
    const stream = options.stream ?? (mode === "bar" || (mode === "auto" && process.stderr.isTTY) ? process.stderr : process.stdout);
    this.stream = stream;
    this.mode = mode === "auto" ? (stream.isTTY === true ? "bar" : "lines") : mode;
    this.digits = options.digits ?? 4;
  }

  onEpochBegin(epoch: number, ctx: CallbackContext): void {
    this.epochStart = performance.now();
    this.running = {};
    if (this.mode !== "bar") return;
    const width = String(ctx.params.epochs).length;
    this.bar = new cliProgress.SingleBar(
      {
        format: `Epoch ${String(epoch + 1).padStart(width)}/${ctx.params.epochs} |{bar}| {value}/{total} | ETA {eta_formatted} | {logs}`,
        stream: this.stream,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(ctx.params.stepsPerEpoch, 0, { logs: "" });
  }

  onBatchEnd(batch: number, logs: Logs): void {
    for (const [k, v] of Object.entries(logs)) {
      if (k === "size" || k === "batch") continue;
      const r = (this.running[k] ??= { sum: 0, n: 0 });
      r.sum += v;
      r.n++;
    }
    if (this.bar !== null) {
      const mean = Object.fromEntries(Object.entries(this.running).map(([k, r]) => [k, r.sum / r.n]));
      this.bar.update(batch + 1, { logs: formatLogs(mean, this.digits) });
    }
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: CallbackContext): void {
    const seconds = (performance.now() - this.epochStart) / 1000;
    if (this.bar !== null) {
      this.bar.update({ logs: formatLogs(logs, this.digits) });
      this.bar.stop();
      this.bar = null;
    } else if (this.mode === "lines") {
      const width = String(ctx.params.epochs).length;
      this.stream.write(`Epoch ${String(epoch + 1).padStart(width)}/${ctx.params.epochs} - ${seconds.toFixed(1)}s - ${formatLogs(logs, this.digits)}\n`);
    }
  }

  onTrainEnd(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
