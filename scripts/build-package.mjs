#!/usr/bin/env node
// Builds the workspace package in the current directory to dist/esm (ES modules) and
// dist/cjs (CommonJS, for tslab and require()), each with its own declarations.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const tsc = require.resolve("typescript/bin/tsc");
const run = (args) => {
  try {
    execFileSync(process.execPath, [tsc, ...args], { stdio: "inherit" });
  } catch {
    // tsc has already printed its diagnostics; a Node stack trace would only bury them.
    console.error(`build-package: tsc ${args.join(" ")} failed in ${process.cwd()}`);
    process.exit(1);
  }
};

rmSync("dist", { recursive: true, force: true });
run(["-p", "tsconfig.build.json", "--outDir", "dist/esm"]);
// customConditions is only legal with node16/nodenext/bundler resolution, so the CommonJS
// pass (node10 resolution, which reads dependencies' top-level `types`) unsets it.
run([
  "-p", "tsconfig.build.json", "--outDir", "dist/cjs",
  "--module", "commonjs", "--moduleResolution", "node10", "--verbatimModuleSyntax", "false",
  "--customConditions", "null",
]);
mkdirSync("dist/cjs", { recursive: true });
// The package is "type": "module"; this marks the .js files under dist/cjs as CommonJS.
writeFileSync("dist/cjs/package.json", JSON.stringify({ type: "commonjs" }) + "\n");
