/**
 * Worker threads for large kernels: worker_threads in Node, Web Workers in a
 * cross-origin-isolated page. Every worker instantiates the same kernels over the same shared
 * memory and waits on a control block in that memory; the calling thread posts a job (a GEMM
 * split by columns), does its own share, and waits for the others. Workers start in the
 * background; until they are ready, kernels run on the calling thread alone.
 * @module
 */
import type { WasmHeap } from "./wasmHeap.js";

// Control block (int32 slots).
const SEQ = 0;
const DONE = 1;
const READY = 2;
const THREADS = 3;
const ARGS = 4;
const CONTROL_INTS = 32;

// The worker: one job loop, written as plain JS so it runs from a string in Node and from a
// Blob URL in browsers, with nothing to resolve or bundle.
const workerLoop = `
function run(d) {
  const k = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
  const ctl = new Int32Array(d.memory.buffer, d.control, ${CONTROL_INTS});
  let seq = 0;
  Atomics.add(ctl, ${READY}, 1);
  Atomics.notify(ctl, ${READY});
  for (;;) {
    Atomics.wait(ctl, ${SEQ}, seq);
    seq = Atomics.load(ctl, ${SEQ});
    if (seq < 0) return;
    const t = ctl[${THREADS}];
    if (d.index < t) {
      const a = ${ARGS};
      const m = ctl[a], n = ctl[a + 1], kk = ctl[a + 2], per = ctl[a + 12], bias = ctl[a + 13];
      const j0 = d.index * per, j1 = Math.min(n, j0 + per);
      if (j1 > j0) {
        k.sgemm(m, j1 - j0, kk, ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6] + 4 * j0 * ctl[a + 8], ctl[a + 7], ctl[a + 8],
          ctl[a + 9] + 4 * j0, ctl[a + 10], ctl[a + 11], d.packA, d.packB, bias === 0 ? 0 : bias + 4 * j0, ctl[a + 14]);
      }
    }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
}
`;

const nodeWorkerSource = `${workerLoop}\nrun(require("node:worker_threads").workerData);\n`;
const webWorkerSource = `${workerLoop}\nonmessage = (e) => run(e.data);\n`;

interface WorkerHandle {
  terminate(): unknown;
  unref?: () => void;
}

interface NodeWorkerThreads {
  Worker: new (source: string, options: { eval: true; workerData: unknown }) => WorkerHandle;
}

/** A way to start a worker running `run(data)`, or null where this platform has none. */
function workerStarter(): ((data: unknown) => WorkerHandle) | null {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (proc?.versions?.node !== undefined) {
    const threads = proc.getBuiltinModule?.("node:worker_threads") as NodeWorkerThreads | undefined;
    if (threads === undefined) return null;
    return (data) => {
      const w = new threads.Worker(nodeWorkerSource, { eval: true, workerData: data });
      // Idle workers must not keep the process alive.
      w.unref?.();
      return w;
    };
  }
  const g = globalThis as { Worker?: typeof Worker; crossOriginIsolated?: boolean; Blob?: typeof Blob; URL?: typeof URL };
  if (g.Worker === undefined || g.crossOriginIsolated !== true || g.Blob === undefined || g.URL === undefined) return null;
  const url = g.URL.createObjectURL(new g.Blob([webWorkerSource], { type: "text/javascript" }));
  return (data) => {
    const w = new g.Worker!(url);
    w.postMessage(data);
    return w;
  };
}

/** Whether the calling thread may block in Atomics.wait (not a browser's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Workers over one shared heap, started in the background. */
export class ThreadPool {
  private readonly control: Int32Array;
  private readonly workers: WorkerHandle[] = [];
  private readonly blocking: boolean;
  private seq = 0;

  private constructor(
    private readonly heap: WasmHeap,
    private readonly controlPtr: number,
    /** Threads including the calling one. */
    readonly size: number,
    start: (data: unknown) => WorkerHandle,
  ) {
    this.control = new Int32Array(heap.memory.buffer, controlPtr, CONTROL_INTS);
    this.control.fill(0);
    this.blocking = canBlock();
    for (let i = 1; i < size; i++) {
      const pa = heap.alloc(4 * 64 * 256);
      const pb = heap.alloc(4 * 256 * 512);
      this.workers.push(start({ module: heap.module, memory: heap.memory, control: controlPtr, index: i, packA: pa, packB: pb }));
    }
  }

  /** A pool of `size` threads over the heap, or null where threads are not possible here. */
  static create(heap: WasmHeap, size: number): ThreadPool | null {
    if (size < 2 || typeof SharedArrayBuffer !== "function" || !(heap.memory.buffer instanceof SharedArrayBuffer)) return null;
    const start = workerStarter();
    if (start === null) return null;
    try {
      return new ThreadPool(heap, heap.alloc(4 * CONTROL_INTS), size, start);
    } catch {
      return null;
    }
  }

  /** Whether every worker has started and waits for jobs. */
  get ready(): boolean {
    return Atomics.load(this.control, READY) === this.size - 1;
  }

  /**
   * C (+)= A B split by columns over the threads (the calling thread takes the first share).
   * Arguments as for the sgemm kernel (the scratch is the calling thread's).
   */
  sgemm(
    m: number, n: number, k: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number,
    c: number, ldc: number, accumulate: number, packA: number, packB: number, bias: number, relu: number,
  ): void {
    const t = this.size;
    const per = Math.ceil(n / t / 8) * 8;
    const ctl = this.control;
    const args = [m, n, k, a, aRs, aCs, b, bRs, bCs, c, ldc, accumulate, per, bias, relu];
    for (let i = 0; i < args.length; i++) ctl[ARGS + i] = args[i];
    ctl[THREADS] = t;
    Atomics.store(ctl, DONE, 0);
    this.seq = (this.seq + 1) & 0x3fffffff;
    Atomics.store(ctl, SEQ, this.seq);
    Atomics.notify(ctl, SEQ);
    this.heap.kernels.sgemm(m, Math.min(n, per), k, a, aRs, aCs, b, bRs, bCs, c, ldc, accumulate, packA, packB, bias, relu);
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done === t - 1) break;
      if (this.blocking) Atomics.wait(ctl, DONE, done, 50);
    }
  }

  /** Stops the workers. */
  close(): void {
    Atomics.store(this.control, SEQ, -1);
    Atomics.notify(this.control, SEQ);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}
