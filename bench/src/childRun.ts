/**
 * Running one program to completion in a child process (the mnist workload's `npm start` and
 * PyTorch runs): its output, exit status and wall time, each line passed on as it comes, and an
 * optional early stop. The child leads its own process group so that an early stop also ends
 * what it started (npm runs a shell that runs node); a group still running when the bench is
 * interrupted or exits is ended too.
 * @module
 */
import { spawn } from "node:child_process";

/** How a child run ended. */
export interface ChildRun {
  stdout: string;
  stderr: string;
  /** Exit code, null when a signal ended it. */
  code: number | null;
  /** Wall seconds from spawn to exit. */
  seconds: number;
  /** True when `stopWhen` asked for the early stop. */
  stopped: boolean;
}

/** What to run a child with. */
export interface ChildOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Every line of stdout and stderr, as it arrives. */
  onLine?: (line: string) => void;
  /** Ends the child's process group (SIGTERM) at the first line for which this is true. */
  stopWhen?: (line: string) => boolean;
}

const running = new Set<number>();

function endGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    // already gone
  }
}

let cleanupInstalled = false;
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once("exit", () => { for (const pid of running) endGroup(pid); });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      for (const pid of running) endGroup(pid);
      process.exit(130);
    });
  }
}

/** Runs `command args` to completion; rejects only when it cannot be started. */
export function runChild(command: string, args: readonly string[], options: ChildOptions): Promise<ChildRun> {
  installCleanup();
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    const out = { stdout: "", stderr: "" };
    let stopped = false;
    for (const stream of ["stdout", "stderr"] as const) {
      let pending = "";
      child[stream].on("data", (chunk: Buffer) => {
        const text = chunk.toString();
        out[stream] += text;
        pending += text;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          options.onLine?.(line);
          if (!stopped && pid !== undefined && options.stopWhen?.(line) === true) {
            stopped = true;
            endGroup(pid);
          }
        }
      });
    }
    child.on("error", (error) => {
      if (pid !== undefined) running.delete(pid);
      reject(new Error(`${command}: ${error.message}`));
    });
    child.on("close", (code) => {
      if (pid !== undefined) running.delete(pid);
      resolve({ ...out, code, seconds: (performance.now() - t0) / 1000, stopped });
    });
  });
}

/** The last non-empty line of a child's output, for error messages. */
export function lastLine(text: string): string {
  return text.trim().split("\n").pop() ?? "";
}
