#!/usr/bin/env node
// `npm test`: the whole test pass. Builds, lints and typechecks every workspace, runs every
// workspace's tests (each writes a vitest JSON report), then prints `N passed, N failed`
// as the last line. Arguments are passed to turbo (e.g. `npm test -- --force` skips the cache).
// turbo runs offline: no remote cache is configured, and telemetry and the update check are off.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { reportFile, summarize, workspaces } from "./test-summary.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
  TURBO_NO_UPDATE_NOTIFIER: "1",
};
const extra = process.argv.slice(2);

// One task per core: these tasks are CPU-bound, and more at once only stretches every test's
// wall time towards its timeout (CI has 2 cores).
function turbo(args) {
  const bin = join(root, "node_modules", ".bin", "turbo");
  const result = spawnSync(bin, ["run", "--concurrency=100%", ...args], { cwd: root, env, stdio: "inherit" });
  if (result.error) throw result.error;
  return result.status === 0;
}

// A stale report from an earlier run must never count; a cache hit restores the real one.
for (const dir of workspaces()) rmSync(join(dir, reportFile), { force: true });

const checked = turbo([
  "build", "lint", "typecheck", "--continue=dependencies-successful", "--output-logs=errors-only", ...extra,
]);
const tested = turbo([
  "test", "--continue=always", "--output-logs=errors-only", ...extra,
  "--", "--reporter=default", "--reporter=json", `--outputFile=${reportFile}`,
]);

console.log("\nTest summary:");
const summary = summarize();
if (!checked) console.log("build, lint or typecheck failed (see the turbo output above)");
if (!tested && summary.ok) console.log("a test task failed (see the turbo output above)");
console.log(summary.line);
process.exit(checked && tested && summary.ok ? 0 : 1);
