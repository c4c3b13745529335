/**
 * The playground page: trains a small MLP on a 2-D data set with the WebAssembly backend,
 * in the page, and draws the data, the decision boundary and the loss curve as it learns.
 * Tests read `window.__playground`.
 * @module
 */
import { noGrad, setBackend, softmax, tensor, tidy } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { wasmBackendInfo, wasmReady } from "@backprop/backend-wasm";
import type { Callback, CallbackContext, Logs } from "@backprop/callbacks";
import { circles, moons, spirals, xor } from "@backprop/data";
import { Linear, Sequential, Tanh } from "@backprop/layers";
import { crossEntropy } from "@backprop/losses";
import { adam } from "@backprop/optimizers";
import { fit } from "@backprop/train";

/** What the page exposes for tests and the curious (read it from the devtools console). */
export interface PlaygroundState {
  /** Mean training loss of each finished epoch of the current run. */
  losses: number[];
  /** Training accuracy of each finished epoch of the current run. */
  accuracy: number[];
  /** Whether the current run has finished all its epochs. */
  done: boolean;
  /** The backend in use ("wasm" unless it failed to load). */
  backend: string;
  /**
   * Whether the wasm memory is shared, which needs a cross-origin-isolated page (COOP/COEP
   * headers) and lets the backend run large kernels on worker threads.
   */
  sharedMemory: boolean;
  /** The data set of the current run. */
  dataset: DatasetName;
  /** The message of an error that stopped the page, else null. */
  error: string | null;
}

declare global {
  interface Window {
    __playground: PlaygroundState;
  }
}

type DatasetName = "spirals" | "moons" | "circles" | "xor";

const EPOCHS = 300;
/** Redraw the decision boundary every this many epochs (the numbers update every epoch). */
const DRAW_EVERY = 5;
/** Cells per side of the grid on which the boundary is evaluated. */
const GRID = 72;
const COLORS: readonly (readonly [number, number, number])[] = [
  [37, 99, 235],
  [234, 88, 12],
  [22, 163, 74],
  [147, 51, 234],
];

interface Data {
  x: Tensor;
  y: Tensor;
  classes: number;
}

function makeData(name: DatasetName): Data {
  const seed = 1;
  switch (name) {
    case "spirals": {
      const [x, y] = spirals({ samples: 300, classes: 3, noise: 0.2, seed });
      return { x, y, classes: 3 };
    }
    case "moons": {
      const [x, y] = moons({ samples: 300, noise: 0.15, seed });
      return { x, y, classes: 2 };
    }
    case "circles": {
      const [x, y] = circles({ samples: 300, factor: 0.5, noise: 0.08, seed });
      return { x, y, classes: 2 };
    }
    case "xor": {
      const [x, y] = xor({ samples: 300, noise: 0.15, seed });
      return { x, y, classes: 2 };
    }
  }
}

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`playground: the page has no <${type.name}> #${id}`);
  return found;
}

/** A canvas sized for the screen's pixel density, drawn in CSS pixels. */
function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  const { width, height } = canvas;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d");
  if (ctx === null) throw new Error("playground: this browser gives no 2-D canvas context");
  ctx.scale(ratio, ratio);
  return ctx;
}

/** The square region of the plane shown: the data's bounding box, padded and made square. */
function viewOf(points: ArrayLike<number>): { x0: number; y0: number; span: number } {
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < points.length; i += 2) {
    minX = Math.min(minX, points[i]);
    maxX = Math.max(maxX, points[i]);
    minY = Math.min(minY, points[i + 1]);
    maxY = Math.max(maxY, points[i + 1]);
  }
  const span = 1.15 * Math.max(maxX - minX, maxY - minY);
  return { x0: (minX + maxX - span) / 2, y0: (minY + maxY - span) / 2, span };
}

class Plots {
  private readonly boundary: CanvasRenderingContext2D;
  private readonly loss: CanvasRenderingContext2D;
  private readonly cells: HTMLCanvasElement;
  private readonly cellsCtx: CanvasRenderingContext2D;
  private readonly image: ImageData;
  private readonly size: number;
  private readonly lossSize: { width: number; height: number };

  constructor(boundary: HTMLCanvasElement, loss: HTMLCanvasElement) {
    this.size = boundary.width;
    this.lossSize = { width: loss.width, height: loss.height };
    this.boundary = context2d(boundary);
    this.loss = context2d(loss);
    this.cells = document.createElement("canvas");
    this.cells.width = GRID;
    this.cells.height = GRID;
    const cellsCtx = this.cells.getContext("2d");
    if (cellsCtx === null) throw new Error("playground: this browser gives no 2-D canvas context");
    this.cellsCtx = cellsCtx;
    this.image = cellsCtx.createImageData(GRID, GRID);
  }

  /** Background tinted by the predicted class probabilities, then the training points. */
  drawBoundary(probabilities: Float32Array | null, classes: number, points: ArrayLike<number>, labels: ArrayLike<number>, view: { x0: number; y0: number; span: number }): void {
    const ctx = this.boundary;
    const s = this.size;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, s, s);
    if (probabilities !== null) {
      const px = this.image.data;
      for (let row = 0; row < GRID; row++) {
        for (let col = 0; col < GRID; col++) {
          // Grid row 0 is the top of the picture, the largest y.
          const cell = (GRID - 1 - row) * GRID + col;
          let r = 0, g = 0, b = 0;
          for (let k = 0; k < classes; k++) {
            const p = probabilities[cell * classes + k];
            r += p * COLORS[k][0];
            g += p * COLORS[k][1];
            b += p * COLORS[k][2];
          }
          const o = 4 * (row * GRID + col);
          // 40% of the mixed class colour over white keeps the points readable.
          px[o] = 255 + 0.4 * (r - 255);
          px[o + 1] = 255 + 0.4 * (g - 255);
          px[o + 2] = 255 + 0.4 * (b - 255);
          px[o + 3] = 255;
        }
      }
      this.cellsCtx.putImageData(this.image, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.cells, 0, 0, s, s);
    }
    for (let i = 0; i < labels.length; i++) {
      const cx = ((points[2 * i] - view.x0) / view.span) * s;
      const cy = s - ((points[2 * i + 1] - view.y0) / view.span) * s;
      const [r, g, b] = COLORS[labels[i] % COLORS.length];
      ctx.beginPath();
      ctx.arc(cx, cy, 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${r}, ${g}, ${b})`;
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
    }
  }

  /** The loss per epoch on a log scale, with the epoch budget as the x range. */
  drawLoss(losses: readonly number[]): void {
    const ctx = this.loss;
    const { width, height } = this.lossSize;
    const pad = { left: 44, right: 10, top: 10, bottom: 22 };
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, height);
    ctx.strokeStyle = "#d4d4d8";
    ctx.lineWidth = 1;
    ctx.strokeRect(pad.left, pad.top, width - pad.left - pad.right, height - pad.top - pad.bottom);
    ctx.fillStyle = "#52525b";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText("epoch", width - pad.right - 30, height - 6);
    if (losses.length === 0) return;
    const logs = losses.map((v) => Math.log10(Math.max(v, 1e-6)));
    const hi = Math.ceil(Math.max(...logs));
    const lo = Math.min(Math.floor(Math.min(...logs)), hi - 1);
    const x = (i: number): number => pad.left + (i / Math.max(EPOCHS - 1, 1)) * (width - pad.left - pad.right);
    const y = (v: number): number => pad.top + ((hi - v) / (hi - lo)) * (height - pad.top - pad.bottom);
    for (let decade = lo; decade <= hi; decade++) {
      ctx.fillText(`1e${decade}`, 6, y(decade) + 4);
      ctx.beginPath();
      ctx.moveTo(pad.left, y(decade));
      ctx.lineTo(width - pad.right, y(decade));
      ctx.strokeStyle = "#f4f4f5";
      ctx.stroke();
    }
    ctx.beginPath();
    logs.forEach((v, i) => {
      if (i === 0) ctx.moveTo(x(i), y(v));
      else ctx.lineTo(x(i), y(v));
    });
    ctx.strokeStyle = "#dc2626";
    ctx.lineWidth = 2;
    ctx.stroke();
  }
}

/** The grid of points where the boundary is evaluated, row-major from the bottom left. */
function gridPoints(view: { x0: number; y0: number; span: number }): Tensor {
  const values = new Float32Array(GRID * GRID * 2);
  for (let row = 0; row < GRID; row++) {
    for (let col = 0; col < GRID; col++) {
      const i = row * GRID + col;
      values[2 * i] = view.x0 + ((col + 0.5) / GRID) * view.span;
      values[2 * i + 1] = view.y0 + ((row + 0.5) / GRID) * view.span;
    }
  }
  return tensor(values, { shape: [GRID * GRID, 2] });
}

/** Four decimals, or three significant digits once the loss is below 0.001. */
function formatLoss(loss: number): string {
  return loss < 1e-3 ? loss.toExponential(2) : loss.toFixed(4);
}

function nextTask(): Promise<void> {
  // A macrotask (not a microtask) so the browser can paint and handle input in between.
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function main(): Promise<void> {
  const state: PlaygroundState = { losses: [], accuracy: [], done: false, backend: "", sharedMemory: false, dataset: "spirals", error: null };
  window.__playground = state;
  const status = element("status", HTMLElement);
  const select = element("dataset", HTMLSelectElement);
  const restart = element("restart", HTMLButtonElement);
  const stats = {
    epoch: element("epoch", HTMLElement),
    loss: element("loss", HTMLElement),
    accuracy: element("accuracy", HTMLElement),
    backend: element("backend", HTMLElement),
    speed: element("speed", HTMLElement),
  };
  const plots = new Plots(element("boundary", HTMLCanvasElement), element("loss-curve", HTMLCanvasElement));

  // Browsers may refuse to compile a large wasm module synchronously on the main thread, so
  // the kernels compile first and the backend is chosen only then.
  status.textContent = "Compiling the WebAssembly kernels…";
  await wasmReady;
  const backend = setBackend("wasm");
  state.backend = backend.name;
  state.sharedMemory = wasmBackendInfo(backend).sharedMemory;
  stats.backend.textContent = `${backend.name}${state.sharedMemory ? " (shared memory, threads)" : ""}`;

  let generation = 0;
  let running: Promise<void> = Promise.resolve();

  const run = async (name: DatasetName, mine: number): Promise<void> => {
    const data = makeData(name);
    const points = data.x.toArray() as number[][];
    const flat = points.flat();
    const labels = data.y.toArray() as number[];
    const view = viewOf(flat);
    const grid = gridPoints(view);
    const probabilities = new Float32Array(GRID * GRID * data.classes);
    const model = new Sequential([
      new Linear({ inFeatures: 2, outFeatures: 32 }),
      new Tanh(),
      new Linear({ inFeatures: 32, outFeatures: 32 }),
      new Tanh(),
      new Linear({ inFeatures: 32, outFeatures: data.classes }),
    ]);
    const draw = (): void => {
      tidy(() => {
        noGrad(() => {
          probabilities.set(softmax(model.forward(grid)).data());
        });
      });
      plots.drawBoundary(probabilities, data.classes, flat, labels, view);
    };
    Object.assign(state, { losses: [], accuracy: [], done: false, dataset: name });
    plots.drawBoundary(null, data.classes, flat, labels, view);
    plots.drawLoss([]);
    status.textContent = `Training on ${name}: ${labels.length} points, ${data.classes} classes.`;
    let last = performance.now();
    const live: Callback = {
      onEpochEnd: async (epoch: number, logs: Logs, ctx: CallbackContext): Promise<void> => {
        if (mine !== generation) {
          ctx.stop("restarted");
          return;
        }
        const now = performance.now();
        state.losses.push(logs.loss);
        state.accuracy.push(logs.accuracy);
        stats.epoch.textContent = `${epoch + 1} / ${EPOCHS}`;
        stats.loss.textContent = formatLoss(logs.loss);
        stats.accuracy.textContent = `${(100 * logs.accuracy).toFixed(1)}%`;
        stats.speed.textContent = `${(now - last).toFixed(1)} ms`;
        last = now;
        if (epoch % DRAW_EVERY === 0 || epoch === EPOCHS - 1) draw();
        plots.drawLoss(state.losses);
        await nextTask();
      },
    };
    try {
      await fit(model, [data.x, data.y], {
        loss: crossEntropy,
        optimizer: adam(model.parameters(), { lr: 0.02 }),
        metrics: ["accuracy"],
        epochs: EPOCHS,
        batchSize: 32,
        seed: 0,
        progress: false,
        callbacks: [live],
      });
      if (mine === generation) {
        draw();
        state.done = true;
        status.textContent = `Done: ${EPOCHS} epochs on ${name}. Pick a data set or press Restart to train again.`;
      }
    } finally {
      grid.dispose();
      data.x.dispose();
      data.y.dispose();
    }
  };

  const start = (): void => {
    const mine = ++generation;
    const name = select.value as DatasetName;
    running = running.then(() => run(name, mine)).catch(fail);
  };
  select.addEventListener("change", start);
  restart.addEventListener("click", start);
  start();
  await running;
}

function fail(error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  window.__playground.error = message;
  const status = document.getElementById("status");
  if (status !== null) status.textContent = `Stopped by an error: ${message}`;
  console.error(error);
}

main().catch(fail);
