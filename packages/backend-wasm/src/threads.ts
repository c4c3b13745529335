/**
 * Worker threads for large kernels: worker_threads in Node, Web Workers in a
 * cross-origin-isolated page. Every worker instantiates the same kernels over the same shared
 * memory and waits on a control block in that memory; the calling thread posts a job (a GEMM
 * split by columns into shares), runs shares itself until none is unclaimed, and waits for
 * the ones workers are running. Workers start in the
 * background; until they are ready, kernels run on the calling thread alone.
 * @module
 */
import { GEMM_PACK_A_BYTES, GEMM_PACK_B_BYTES } from "./wasmHeap.js";
import type { WasmHeap } from "./wasmHeap.js";

// Control block (int32 slots).
const SEQ = 0; // job number, the word workers sleep on; -1 stops them
const DONE = 1; // shares of the current job finished
const READY = 2; // workers started
const SHARES = 3; // shares of the current job
const CLAIM = 4; // (job tag << 8) | next unclaimed share
const FAILED = 5; // a share threw
const ARGS = 6;
const CONTROL_INTS = 32;
const MAX_SHARES = 255;

interface SgemmKernel {
  sgemm(m: number, n: number, k: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number,
    c: number, ldc: number, accumulate: number, packA: number, packB: number, bias: number, relu: number): void;
}

/**
 * Claims shares of job `seq` and runs them until none is left. Shares are claimed, not
 * assigned: each thread (the caller included) takes the next one with a compare-and-swap on
 * the claim word, so a worker that wakes late, or never, leaves its share to the caller
 * instead of stalling it. The claim word carries the low 23 bits of the job number, so a
 * thread holding a stale one cannot claim a share of the next job. A share runs sgemm over a
 * block of columns with the thread's own packing scratch.
 *
 * Workers run this function from its source text, so it uses nothing from outside itself:
 * the slot numbers are those of the control block above.
 */
function claimAndRun(k: SgemmKernel, ctl: Int32Array, seq: number, packA: number, packB: number): void {
  const tag = (seq & 0x7fffff) << 8;
  for (;;) {
    const claim = Atomics.load(ctl, 4 /* CLAIM */);
    if ((claim & ~0xff) !== tag || (claim & 0xff) >= Atomics.load(ctl, 3 /* SHARES */)) return;
    if (Atomics.compareExchange(ctl, 4 /* CLAIM */, claim, claim + 1) !== claim) continue;
    try {
      const g = 6; /* ARGS: m n k a aRs aCs b bRs bCs c ldc accumulate per bias relu */
      const m = ctl[g], n = ctl[g + 1], per = ctl[g + 12], bias = ctl[g + 13] >>> 0;
      const j0 = (claim & 0xff) * per, j1 = Math.min(n, j0 + per);
      if (j1 > j0) {
        k.sgemm(m, j1 - j0, ctl[g + 2], ctl[g + 3] >>> 0, ctl[g + 4], ctl[g + 5], (ctl[g + 6] >>> 0) + 4 * j0 * ctl[g + 8], ctl[g + 7],
          ctl[g + 8], (ctl[g + 9] >>> 0) + 4 * j0, ctl[g + 10], ctl[g + 11], packA, packB, bias === 0 ? 0 : bias + 4 * j0, ctl[g + 14]);
      }
    } catch {
      Atomics.store(ctl, 5 /* FAILED */, 1);
    }
    Atomics.add(ctl, 1 /* DONE */, 1);
    Atomics.notify(ctl, 1 /* DONE */);
  }
}

// The worker: one job loop, written as plain JS so it runs from a string in Node and from a
// Blob URL in browsers, with nothing to resolve or bundle.
const workerLoop = `const claimAndRun = ${claimAndRun.toString()};
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
    claimAndRun(k, ctl, seq, d.packA, d.packB);
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
      const pa = heap.alloc(GEMM_PACK_A_BYTES);
      const pb = heap.alloc(GEMM_PACK_B_BYTES);
      this.workers.push(start({ module: heap.module, memory: heap.memory, control: controlPtr, packA: pa, packB: pb }));
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
   * C (+)= A B split by columns into one share per thread; the calling thread claims shares
   * too, and runs any that no worker has claimed by the time it is free. Arguments as for the
   * sgemm kernel (the scratch is the calling thread's).
   * @throws Error when a share's kernel trapped.
   */
  sgemm(
    m: number, n: number, k: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number,
    c: number, ldc: number, accumulate: number, packA: number, packB: number, bias: number, relu: number,
  ): void {
    const shares = Math.min(this.size, MAX_SHARES);
    const per = Math.ceil(n / shares / 8) * 8;
    const ctl = this.control;
    const args = [m, n, k, a, aRs, aCs, b, bRs, bCs, c, ldc, accumulate, per, bias, relu];
    for (let i = 0; i < args.length; i++) ctl[ARGS + i] = args[i];
    const seq = (this.seq = (this.seq + 1) & 0x3fffffff);
    Atomics.store(ctl, SHARES, shares);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, FAILED, 0);
    Atomics.store(ctl, CLAIM, (seq & 0x7fffff) << 8);
    Atomics.store(ctl, SEQ, seq);
    Atomics.notify(ctl, SEQ);
    claimAndRun(this.heap.kernels, ctl, seq, packA, packB);
    // Every share is claimed now; wait for those the workers are running.
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done === shares) break;
      if (this.blocking) Atomics.wait(ctl, DONE, done, 50);
    }
    if (Atomics.load(ctl, FAILED) !== 0) {
      throw new Error(`wasm backend: internal: threaded sgemm (${m}x${k} @ ${k}x${n}) failed: a share's kernel trapped`);
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
