#!/usr/bin/env node
"use strict";
// The package's `install` script. A binary that loads here (the prebuild for this platform, or an
// earlier build) means there is nothing to do: no compiler runs (`--build-from-source` forces
// one). Otherwise node-gyp-build compiles the addon from csrc/. In an installed copy (under node_modules) a failed compile never
// fails the user's `npm install`: it prints one line saying what failed and how to fix it, keeps
// node-gyp's output in build/install-error.log (the loader quotes it when the backend is asked
// for) and exits 0, and backprop uses the next backend (wasm, then js). In this repository
// (not under node_modules) a failed compile fails `npm ci`, as it must.
const { spawnSync } = require("node:child_process");
const { mkdirSync, realpathSync, rmSync, writeFileSync } = require("node:fs");
const { join, sep } = require("node:path");

const root = join(__dirname, "..");
const installed = realpathSync(root).split(sep).includes("node_modules");

if (process.env.npm_config_build_from_source !== "true") {
  try {
    const file = require("node-gyp-build").resolve(root);
    // In this repository a prebuild left by `npm pack` may be older than csrc/: only a build counts.
    if (installed || file.startsWith(join(root, "build") + sep)) {
      require(file);
      process.exit(0);
    }
  } catch {
    // No binary for this platform, or one that does not load here: compile.
  }
}

// node-gyp-build's own script finds node-gyp and compiles; told to build from source, it does not
// look for a binary again.
const bin = require.resolve("node-gyp-build/bin.js");
const env = { ...process.env, npm_config_build_from_source: "true" };
if (!installed) {
  const result = spawnSync(process.execPath, [bin], { cwd: root, env, stdio: "inherit" });
  process.exit(result.status ?? 1);
}

const result = spawnSync(process.execPath, [bin], { cwd: root, env, encoding: "utf8", maxBuffer: 64 << 20 });
const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}`;
if (result.status === 0) {
  process.stdout.write(output);
  process.exit(0);
}

// The most telling line of node-gyp's output: gyp's own message (Node's headers missing), make's
// (no compiler), the compiler's first error, node-gyp's error (no Python, no make), else the last line.
const lines = output.split("\n").map((l) => l.trim()).filter((l) => l !== "");
const telling = [/^gyp: /, /^make: (?!\*\*\*|Entering|Leaving)/, /\berror: /, /^gyp ERR! stack \w*Error: /];
const found = telling.map((re) => lines.find((l) => re.test(l))).find((l) => l !== undefined);
const what = (found ?? lines.at(-1) ?? `node-gyp-build exited with code ${result.status}`).replace(/^gyp ERR! stack /, "");
// Nothing half built stays behind: build/ holds only the log.
const build = join(root, "build");
let log = join(build, "install-error.log");
try {
  rmSync(build, { recursive: true, force: true });
  mkdirSync(build, { recursive: true });
  writeFileSync(log, `${what}\n\n${output}`);
} catch {
  log = "(not written: the package folder is read-only)";
}
console.error(
  `@backprop/backend-native: no prebuilt binary for ${process.platform}-${process.arch} and compiling the addon failed (${what}); ` +
    `installed anyway, backprop will use the wasm or js backend. To fix: install a C++ compiler, make, Python 3 and Node's headers, ` +
    `then run \`npm rebuild @backprop/backend-native\` (node-gyp's output: ${log})`,
);
process.exit(0);
