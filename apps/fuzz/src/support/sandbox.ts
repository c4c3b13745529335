/**
 * A child process that runs fuzz cases one at a time (src/children/worker.ts), so that a case
 * that hangs, crashes the process or blows up its memory is reported as such instead of taking
 * the test run down with it. Each case gets a time limit and an RSS limit (read from
 * /proc/<pid>/status while it runs, on Linux); the child is killed and restarted after either.
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** What running one case gave. */
export type Outcome<R> =
  | { kind: "reply"; reply: R; ms: number }
  | { kind: "hang"; ms: number }
  | { kind: "crash"; code: number | null; signal: string | null; output: string }
  | { kind: "rss"; mb: number };

export interface SandboxOptions {
  /** Per-case time limit in ms (default 10,000). */
  timeoutMs?: number;
  /** The child is killed when its RSS passes this many MiB during a case (default 1024). */
  rssLimitMb?: number;
  /** The script to run (default: the case worker). */
  script?: string;
}

const appDir = fileURLToPath(new URL("../..", import.meta.url));
const workerScript = fileURLToPath(new URL("../children/worker.ts", import.meta.url));

/** Resident set size of a process in MiB, or null where /proc is unavailable. */
export function rssOf(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? null : Number(match[1]) / 1024;
  } catch {
    return null;
  }
}

interface Pending {
  id: number;
  resolve: (outcome: Outcome<unknown>) => void;
}

export class Sandbox {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private output = "";
  private pending: Pending | null = null;
  private nextId = 1;
  private readonly timeoutMs: number;
  private readonly rssLimitMb: number;
  private readonly script: string;
  /** Cases run, and how many of them killed or crashed the child. */
  readonly stats = { cases: 0, restarts: 0 };
  /** The cases the current child has run, oldest first. */
  history: unknown[] = [];

  constructor(options: SandboxOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.rssLimitMb = options.rssLimitMb ?? 1024;
    this.script = options.script ?? workerScript;
  }

  private start(): Promise<void> {
    const child = fork(this.script, [], {
      cwd: appDir,
      execArgv: ["--import", "tsx"],
      serialization: "advanced",
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, BACKPROP_BACKEND: "" },
    });
    this.child = child;
    this.output = "";
    this.history = [];
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString("utf8")).slice(-4000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: unknown): void => {
        if ((message as { ready?: boolean }).ready === true) {
          child.off("exit", onEarlyExit);
          resolve();
        }
      };
      const onEarlyExit = (code: number | null): void => {
        reject(new Error(`sandbox: the worker exited (code ${code}) before it was ready:\n${this.output}`));
      };
      child.once("message", onMessage);
      child.once("exit", onEarlyExit);
    });
    child.on("message", (message: { id?: number; reply?: unknown }) => {
      const p = this.pending;
      if (p !== null && message.id === p.id) {
        this.pending = null;
        p.resolve({ kind: "reply", reply: message.reply, ms: 0 });
      }
    });
    child.on("exit", (code, signal) => {
      if (this.child === child) {
        this.child = null;
        this.ready = null;
      }
      const p = this.pending;
      if (p !== null) {
        this.pending = null;
        p.resolve({ kind: "crash", code, signal, output: this.output });
      }
    });
    return this.ready;
  }

  /** Kills the child (it is started again by the next case). */
  async restart(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.stats.restarts++;
    this.child = null;
    this.ready = null;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else {
        child.once("exit", () => { resolve(); });
        child.kill("SIGKILL");
      }
    });
  }

  /** Runs one case in the child. */
  async run<R>(request: unknown): Promise<Outcome<R>> {
    if (this.child === null) await this.start();
    else await this.ready;
    const child = this.child!;
    this.stats.cases++;
    this.history.push(request);
    const id = this.nextId++;
    const started = performance.now();
    let over: Outcome<R> | null = null;
    const outcome = await new Promise<Outcome<unknown>>((resolve) => {
      this.pending = { id, resolve };
      const kill = (why: Outcome<R>): void => {
        if (over !== null) return;
        over = why;
        child.kill("SIGKILL");
      };
      const timer = setTimeout(() => { kill({ kind: "hang", ms: this.timeoutMs }); }, this.timeoutMs);
      const watch = setInterval(() => {
        const mb = child.pid === undefined ? null : rssOf(child.pid);
        if (mb !== null && mb > this.rssLimitMb) kill({ kind: "rss", mb: Math.round(mb) });
      }, 20);
      const done = (o: Outcome<unknown>): void => {
        clearTimeout(timer);
        clearInterval(watch);
        resolve(o);
      };
      this.pending = { id, resolve: done };
      child.send({ id, request });
    });
    if (over !== null) {
      this.stats.restarts++;
      return over;
    }
    if (outcome.kind === "crash") {
      this.stats.restarts++;
      return outcome;
    }
    return { kind: "reply", reply: (outcome as { reply: R }).reply, ms: performance.now() - started };
  }

  /** Stops the child. */
  async close(): Promise<void> {
    await this.restart();
    this.stats.restarts--;
  }
}

/** A one-line description of an outcome that is not a reply, for failure messages. */
export function describeOutcome(outcome: Outcome<unknown>): string {
  switch (outcome.kind) {
    case "reply":
      return "replied";
    case "hang":
      return `did not finish within ${outcome.ms} ms (killed)`;
    case "rss":
      return `resident memory passed ${outcome.mb} MiB (killed)`;
    case "crash": {
      const tail = outcome.output.trim().split("\n").slice(-6).join("\n    ");
      return `crashed the process (exit code ${outcome.code}, signal ${outcome.signal})${tail === "" ? "" : `:\n    ${tail}`}`;
    }
  }
}
