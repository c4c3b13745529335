/**
 * How a case ended, as the worker reports it: which error was thrown and whether it is one of
 * core's named classes (a message starting `internal:` is a bug even in a named class).
 */
import * as core from "@backprop/core";

/** An error as data. */
export interface ErrorInfo {
  /** The class's name (`ValueError`, `RangeError`, ...). */
  name: string;
  message: string;
  /** One of core's classes, with a message that is not `internal:`. */
  named: boolean;
}

/**
 * Core's error classes. StateError is looked up by name, so that this suite runs before and
 * after it exists.
 */
const namedClasses: (abstract new (...args: never[]) => Error)[] = [core.ValueError, core.ShapeError, core.DTypeError, core.RegistryError, core.FormatError];
const stateError = (core as Record<string, unknown>).StateError;
if (typeof stateError === "function") namedClasses.push(stateError as new () => Error);

/** Whether a value is an instance of one of core's error classes. */
export function isNamedClass(e: unknown): boolean {
  return namedClasses.some((c) => e instanceof c);
}

export function describeError(e: unknown): ErrorInfo {
  if (e instanceof Error) {
    const message = e.message.length > 2000 ? `${e.message.slice(0, 2000)}...` : e.message;
    return { name: e.constructor.name === "Error" ? e.name : e.constructor.name, message, named: isNamedClass(e) && !/(^|: )internal:/.test(e.message) };
  }
  return { name: typeof e, message: String(e), named: false };
}

/** Runs `fn`, giving its value or the error it threw. */
export function attempt<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: ErrorInfo } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}
