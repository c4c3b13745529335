#!/usr/bin/env node
// Builds the addon with AddressSanitizer into build-asan/ (a copy of binding.gyp and csrc/,
// so the normal build stays untouched) and runs the package's tests against it with libasan
// preloaded into node. Any out-of-bounds access in a kernel aborts the run with a report.
// Usage: npm run test:asan [-- vitest args]
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build-asan");
mkdirSync(out, { recursive: true });
cpSync(join(root, "binding.gyp"), join(out, "binding.gyp"));
cpSync(join(root, "csrc"), join(out, "csrc"), { recursive: true });

// npm puts its bundled node-gyp in npm_config_node_gyp and the local headers in npm_config_nodedir.
const gyp = process.env.npm_config_node_gyp;
const gypCommand = gyp !== undefined ? [process.execPath, gyp] : ["node-gyp"];
const nodedir = process.env.npm_config_nodedir;
const gypArgs = ["rebuild", "-j", "2", ...(nodedir ? [`--nodedir=${nodedir}`] : []), "--", "-Dbp_sanitize=address"];
execFileSync(gypCommand[0], [...gypCommand.slice(1), ...gypArgs], { cwd: out, stdio: "inherit" });

const libasan = execFileSync("gcc", ["-print-file-name=libasan.so"], { encoding: "utf8" }).trim();
const vitest = join(root, "node_modules", ".bin", "vitest");
const env = {
  ...process.env,
  LD_PRELOAD: libasan,
  // V8 and node allocate outside ASan's view; leaks at exit are not what this run looks for.
  ASAN_OPTIONS: "detect_leaks=0:abort_on_error=1:halt_on_error=1",
  BACKPROP_NATIVE_DIR: out,
};
const bin = [vitest, join(root, "..", "..", "node_modules", ".bin", "vitest")];
let lastError;
for (const candidate of bin) {
  try {
    // install.test.ts packs and installs the package: it tests the prebuild, not this build.
    execFileSync(candidate, ["run", "--exclude", "src/install.test.ts", ...process.argv.slice(2)], { cwd: root, env, stdio: "inherit" });
    lastError = undefined;
    break;
  } catch (e) {
    lastError = e;
    if (e.code !== "ENOENT") break;
  }
}
if (lastError !== undefined) process.exit(1);
