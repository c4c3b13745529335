/**
 * ProgressBar: a live bar with ETA, loss and metrics in a terminal (cli-progress), an updating
 * HTML display in a notebook (tslab), one line per epoch anywhere else (CI logs, pipes).
 * @module
 */
import type cliProgressModule from "cli-progress";
import { ValueError } from "@backprop/core";
import type { Callback, CallbackContext, Logs } from "./Callback.js";

/**
 * Options of {@link ProgressBar}.
 * @category Callbacks
 */
export interface ProgressBarOptions {
  /**
   * "auto" (a bar on a terminal, an updating display in a tslab notebook, lines otherwise),
   * "bar", "display", "lines" or "silent".
   */
  mode?: "auto" | "bar" | "display" | "lines" | "silent";
  /** Where "display" mode draws: anything with `html(s)` that overwrites itself, such as tslab's `newDisplay()`. */
  display?: HtmlDisplay;
  /** Where to write (default process.stderr for the bar, process.stdout for lines). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Decimal places of logged numbers (default 4). */
  digits?: number;
}

/**
 * A rich display that overwrites its one entry on each call, as tslab's `newDisplay()` does.
 * @category Callbacks
 */
export interface HtmlDisplay {
  html(s: string): void;
}

/** tslab's `newDisplay()` when this process is a tslab notebook kernel, else null. */
function notebookDisplay(): HtmlDisplay | null {
  const proc = globalThis.process as (NodeJS.Process & { getBuiltinModule?: (id: string) => unknown }) | undefined;
  if (proc === undefined || !proc.argv.some((a) => /tslab/.test(a))) return null;
  try {
    const mod = proc.getBuiltinModule?.("node:module") as typeof import("node:module") | undefined;
    const tslab = mod?.createRequire(proc.argv[1]).call(null, "tslab") as { newDisplay?: () => HtmlDisplay } | undefined;
    return tslab?.newDisplay?.() ?? null;
  } catch {
    return null;
  }
}

type CliProgress = typeof cliProgressModule;
let cliProgressPromise: Promise<CliProgress> | null = null;

/** cli-progress, loaded when a terminal bar is first drawn (it needs Node's readline). */
function loadCliProgress(): Promise<CliProgress> {
  cliProgressPromise ??= import("cli-progress").then((m) => ((m as { default?: CliProgress }).default ?? m));
  return cliProgressPromise;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
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
  private bar: InstanceType<CliProgress["SingleBar"]> | null = null;
  private epochStart = 0;
  private running: Record<string, { sum: number; n: number }> = {};
  private readonly mode: "bar" | "display" | "lines" | "silent";
  private display: HtmlDisplay | null;
  private done: string[] = [];
  private lastDraw = 0;
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly digits: number;

  constructor(options: ProgressBarOptions = {}) {
    const mode = options.mode ?? "auto";
    if (!["auto", "bar", "display", "lines", "silent"].includes(mode)) {
      throw new ValueError(`ProgressBar: mode must be "auto", "bar", "display", "lines" or "silent"; got ${JSON.stringify(mode)}`);
    }
    this.display = options.display ?? (mode === "auto" || mode === "display" ? notebookDisplay() : null);
    if (mode === "display" && this.display === null) {
      throw new ValueError('ProgressBar: mode "display" needs options.display (e.g. tslab.newDisplay()) outside a tslab notebook');
    }
    // The bar redraws on stderr; plain lines (CI logs, notebooks, pipes) belong on stdout.
    const stream = options.stream ?? (mode === "bar" || (mode === "auto" && process.stderr.isTTY) ? process.stderr : process.stdout);
    this.stream = stream;
    this.mode = mode === "auto" ? (this.display !== null ? "display" : stream.isTTY === true ? "bar" : "lines") : mode;
    this.digits = options.digits ?? 4;
  }

  async onEpochBegin(epoch: number, ctx: CallbackContext): Promise<void> {
    this.epochStart = performance.now();
    this.running = {};
    this.total = ctx.params.stepsPerEpoch;
    this.epochLabel = `Epoch ${epoch + 1}/${ctx.params.epochs}`;
    if (this.mode !== "bar") return;
    const cliProgress = await loadCliProgress();
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
    if (this.bar !== null || this.mode === "display") {
      const mean = Object.fromEntries(Object.entries(this.running).map(([k, r]) => [k, r.sum / r.n]));
      this.bar?.update(batch + 1, { logs: formatLogs(mean, this.digits) });
      const now = performance.now();
      if (this.mode === "display" && now - this.lastDraw > 200) {
        this.lastDraw = now;
        this.draw(batch + 1, formatLogs(mean, this.digits), now);
      }
    }
  }

  private epochLabel = "";
  private total = 0;

  /** Redraws the notebook display: finished epochs as lines, the current one as a bar. */
  private draw(doneBatches: number, logs: string, now: number): void {
    const elapsed = (now - this.epochStart) / 1000;
    const eta = doneBatches > 0 ? (elapsed / doneBatches) * (this.total - doneBatches) : 0;
    const current =
      doneBatches < 0
        ? ""
        : `<div>${this.epochLabel} <progress value="${doneBatches}" max="${this.total}" style="width:40%"></progress> ` +
          `${doneBatches}/${this.total} - ETA ${eta.toFixed(0)}s - ${escapeHtml(logs)}</div>`;
    this.display!.html(`<div style="font-family:monospace">${this.done.map((l) => `<div>${escapeHtml(l)}</div>`).join("")}${current}</div>`);
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: CallbackContext): void {
    const seconds = (performance.now() - this.epochStart) / 1000;
    if (this.bar !== null) {
      this.bar.update({ logs: formatLogs(logs, this.digits) });
      this.bar.stop();
      this.bar = null;
    } else if (this.mode === "lines" || this.mode === "display") {
      const width = String(ctx.params.epochs).length;
      const line = `Epoch ${String(epoch + 1).padStart(width)}/${ctx.params.epochs} - ${seconds.toFixed(1)}s - ${formatLogs(logs, this.digits)}`;
      if (this.mode === "lines") this.stream.write(line + "\n");
      else {
        this.done.push(line);
        this.draw(-1, "", performance.now());
      }
    }
  }

  onTrainBegin(): void {
    this.done = [];
  }

  onTrainEnd(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
