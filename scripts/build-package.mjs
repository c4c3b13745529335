#!/usr/bin/env node
// Builds the workspace package in the current directory to dist/esm (ES modules) and
// dist/cjs (CommonJS, for tslab and require()), each with its own declarations.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const tsc = require.resolve("typescript/bin/tsc");
const run = (args) => execFileSync(process.execPath, [tsc, ...args], { stdio: "inherit" });

rmSync("dist", { recursive: true, force: true });
run(["-p", "tsconfig.build.json", "--outDir", "dist/esm"]);
run([
  "-p", "tsconfig.build.json", "--outDir", "dist/cjs",
  "--module", "commonjs", "--moduleResolution", "node10", "--verbatimModuleSyntax", "false",
]);
mkdirSync("dist/cjs", { recursive: true });
writeFileSync("dist/cjs/package.json", JSON.stringify({ type: "commonjs" }) + "\n");
