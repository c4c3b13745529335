#!/usr/bin/env node
// Runs the project's TypeScript (the root devDependency). `npx tsc` is not safe here: tslab
// brings its own older TypeScript whose `tsc` bin can win the hoisting race in node_modules/.bin.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
try {
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), ...process.argv.slice(2)], { stdio: "inherit" });
} catch (e) {
  process.exit(typeof e.status === "number" ? e.status : 1);
}
