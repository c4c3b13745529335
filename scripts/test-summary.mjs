#!/usr/bin/env node
// Adds up the vitest JSON reports that every workspace's `test` task writes to
// <workspace>/.test-results/vitest.json (scripts/test.mjs passes the reporter flags) and prints
// one line per workspace and the closing line `N passed, N failed`.
// Exit code 1 when a test failed, a test file failed to load, a workspace with a `test`
// script left no report, or no test ran at all.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const reportFile = join(".test-results", "vitest.json");

/** Failures listed per workspace; the rest are only counted. */
const maxListed = 15;
const root = fileURLToPath(new URL("..", import.meta.url));

/** Workspace folders named by the root package.json (only the `dir/*` and `dir` forms). */
export function workspaces() {
  const { workspaces: globs } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const dirs = [];
  for (const glob of globs) {
    if (glob.endsWith("/*")) {
      const parent = join(root, glob.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory()) dirs.push(join(parent, entry.name));
      }
    } else {
      dirs.push(join(root, glob));
    }
  }
  return dirs.filter((dir) => existsSync(join(dir, "package.json")));
}

/**
 * Counts of one vitest JSON report; a test file that failed outside any test counts as one
 * failure. A runner other than vitest may write just `{ numPassedTests, numFailedTests }`.
 */
function count(report) {
  if (!Array.isArray(report.testResults)) {
    return { passed: report.numPassedTests ?? 0, failed: report.numFailedTests ?? 0, skipped: 0, failures: [] };
  }
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures = [];
  for (const file of report.testResults ?? []) {
    let failedHere = 0;
    for (const test of file.assertionResults ?? []) {
      if (test.status === "passed") passed++;
      else if (test.status === "failed") {
        failed++;
        failedHere++;
        failures.push(test.fullName);
      } else skipped++;
    }
    if (file.status === "failed" && failedHere === 0) {
      failed++;
      failures.push(`${relative(root, file.name)}: ${(file.message || "failed to run").split("\n")[0]}`);
    }
  }
  return { passed, failed, skipped, failures };
}

export function summarize() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let ok = true;
  for (const dir of workspaces()) {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    if (!pkg.scripts?.test) continue;
    const file = join(dir, reportFile);
    if (!existsSync(file)) {
      console.log(`  ${pkg.name}: no test report (${relative(root, file)}); its test run crashed or was skipped`);
      ok = false;
      continue;
    }
    const c = count(JSON.parse(readFileSync(file, "utf8")));
    passed += c.passed;
    failed += c.failed;
    skipped += c.skipped;
    const extra = c.skipped > 0 ? `, ${c.skipped} skipped` : "";
    console.log(`  ${pkg.name}: ${c.passed} passed, ${c.failed} failed${extra}`);
    for (const name of c.failures.slice(0, maxListed)) console.log(`    FAIL ${name}`);
    if (c.failures.length > maxListed) console.log(`    ... and ${c.failures.length - maxListed} more`);
    if (c.passed + c.failed === 0) console.log(`    (no tests in ${pkg.name})`);
  }
  if (passed + failed === 0) {
    console.log("no test ran");
    ok = false;
  }
  const extra = skipped > 0 ? `, ${skipped} skipped` : "";
  return { passed, failed, skipped, ok: ok && failed === 0, line: `${passed} passed, ${failed} failed${extra}` };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = summarize();
  console.log(result.line);
  process.exit(result.ok ? 0 : 1);
}
