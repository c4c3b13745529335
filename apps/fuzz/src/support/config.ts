/**
 * How long and with which seed the fuzz properties run, from the environment:
 * - `BACKPROP_FUZZ_SEED`: the fast-check seed (default 16, fixed so CI runs are reproducible);
 * - `BACKPROP_FUZZ_RUNS`: a factor on every property's number of cases and time budget;
 * - `BACKPROP_FUZZ=long`: the same as `BACKPROP_FUZZ_RUNS=20` (when that is not set);
 * - `BACKPROP_FUZZ_PATH`: replays one counterexample (with its seed; run one test with `-t`).
 * A failure prints the seed and path to rerun it.
 */
import fc from "fast-check";

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: expected a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

/** The fast-check seed of every property. */
export const seed = Math.trunc(envNumber("BACKPROP_FUZZ_SEED") ?? 16);

/** The factor on cases and time budgets. */
export const factor = envNumber("BACKPROP_FUZZ_RUNS") ?? (process.env.BACKPROP_FUZZ === "long" ? 20 : 1);

/** `n` cases, scaled by the factor. */
export function runs(n: number): number {
  return Math.max(1, Math.round(n * factor));
}

/** Milliseconds, scaled by the factor. */
export function budget(ms: number): number {
  return Math.round(ms * factor);
}

/** `BACKPROP_FUZZ_SURVEY=1`: run every case, list the distinct failures instead of stopping at the first. */
const survey = process.env.BACKPROP_FUZZ_SURVEY === "1";

/** A failure's message with numbers and quoted strings masked, so that one bug gives one line. */
function signature(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split("\n")[0].replace(/"[^"]*"/g, '"…"').replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, "#").slice(0, 240);
}

/**
 * Checks an async property: `numRuns` cases (scaled), stopping early without failing once
 * `budgetMs` (scaled) has passed, shrinking a failure within that budget. Throws an error that
 * names the seed, the replay path, the smallest counterexample found and what went wrong.
 * In survey mode, runs every case and throws one error listing each distinct failure once.
 */
export async function check<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, options: { numRuns: number; budgetMs: number; examples?: T[] }): Promise<void> {
  const path = process.env.BACKPROP_FUZZ_PATH;
  const found = new Map<string, { count: number; example: T; message: string }>();
  const body = survey
    ? async (value: T): Promise<void> => {
        try {
          await predicate(value);
        } catch (e) {
          const key = signature(e);
          const seen = found.get(key);
          if (seen === undefined) found.set(key, { count: 1, example: value, message: e instanceof Error ? e.message : String(e) });
          else seen.count++;
        }
      }
    : predicate;
  const details = await fc.check(fc.asyncProperty(arbitrary, body), {
    seed,
    numRuns: runs(options.numRuns),
    plugins: [fc.interruptAfterTimeLimit(budget(options.budgetMs))],
    includeErrorInReport: true,
    examples: (options.examples ?? []).map((e) => [e] as [T]),
    ...(path === undefined || path === "" ? {} : { path, endOnFailure: true }),
  });
  if (survey && found.size > 0) {
    const lines = [...found.values()].map((f) => `- ${f.count}x ${f.message.split("\n")[0]}\n  e.g. ${fc.stringify(f.example)}`);
    throw new Error(`${found.size} distinct failures in ${details.numRuns} cases (seed ${details.seed}):\n${lines.join("\n")}`);
  }
  if (!details.failed) return;
  const rerun = `rerun: BACKPROP_FUZZ_SEED=${details.seed} BACKPROP_FUZZ_PATH=${details.counterexamplePath ?? ""} npx vitest run -t '<this test>'`;
  throw new Error(`${fc.defaultReportMessage(details) ?? "property failed"}\n${rerun}`);
}
