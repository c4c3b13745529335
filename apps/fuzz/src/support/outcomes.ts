/**
 * Checks on what a case gave: the process did not hang, crash or blow up its memory, no
 * backend was left corrupted, and every error is one of core's named classes.
 */
import type { ErrorInfo } from "../children/errors.js";
import { describeOutcome } from "./sandbox.js";
import type { Outcome, Sandbox } from "./sandbox.js";

/** What the worker replies to every case. */
export interface WorkerReply<R> {
  result?: R;
  harnessError?: string;
  corrupt: string | null;
}

/** The case's result, or an error saying why there is none (hang, crash, RSS, corruption). */
export function unwrap<R>(outcome: Outcome<WorkerReply<R>>): R {
  if (outcome.kind !== "reply") throw new Error(`the case ${describeOutcome(outcome)}`);
  const reply = outcome.reply;
  if (reply.harnessError !== undefined) throw new Error(`fuzz harness error (a bug in apps/fuzz, not in the library): ${reply.harnessError}`);
  if (reply.corrupt !== null) throw new Error(`memory corruption: ${reply.corrupt}`);
  return reply.result as R;
}

/** Throws unless the error is one of core's classes with a message that is not `internal:`. */
export function expectNamed(error: ErrorInfo, what: string): void {
  if (!error.named) throw new Error(`${what} threw ${error.name}: ${error.message}; expected one of core's error classes (ValueError, ShapeError, DTypeError, RegistryError, FormatError, StateError) with a message that is not "internal:"`);
}

/** Equal as float results: same NaN positions, same infinities, finite values within tolerance. */
export function closeTo(a: number, b: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= atol + rtol * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Runs a case and gives its result (see {@link unwrap}). When the canaries find a backend
 * corrupted, the case is run again alone in a fresh process; if that run is clean, an earlier
 * case did it, and the cases since the last restart are replayed one by one in a fresh process
 * to name the first one after which the canaries fail.
 */
export async function runChecked<R>(sandbox: Sandbox, request: unknown): Promise<R> {
  const outcome = await sandbox.run<WorkerReply<R>>(request);
  if (outcome.kind !== "reply" || outcome.reply.corrupt === null) return unwrap(outcome);
  const history = sandbox.history.slice(0, -1);
  await sandbox.restart();
  const alone = await sandbox.run<WorkerReply<R>>(request);
  if (alone.kind === "reply" && alone.reply.corrupt !== null) {
    await sandbox.restart();
    return unwrap(alone);
  }
  await sandbox.restart();
  for (const [i, earlier] of history.slice(-300).entries()) {
    const replay = await sandbox.run<WorkerReply<unknown>>(earlier);
    if (replay.kind === "reply" && replay.reply.corrupt !== null) {
      await sandbox.restart();
      throw new Error(`memory corruption: ${replay.reply.corrupt}; the case that did it (case ${i + 1} of the replayed history, not this one): ${JSON.stringify(earlier)}`);
    }
  }
  await sandbox.restart();
  throw new Error(`memory corruption: ${outcome.reply.corrupt}; it does not reproduce when the earlier cases are replayed in a fresh process`);
}
