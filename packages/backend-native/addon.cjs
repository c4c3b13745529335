"use strict";
// Loads the compiled addon (build/Release, or the prebuild for this platform in
// prebuilds/<platform>-<arch>/) through node-gyp-build. CommonJS so that the ESM and CJS builds
// of the package share one loader.
// BACKPROP_NATIVE_DIR points at another build (the AddressSanitizer one of `npm run test:asan`).
const { existsSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
const nodeGypBuild = require("node-gyp-build");

let cached;
let file;

function firstLine(text) {
  return String(text).split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "";
}

/** Why no binary loaded, and what fixes it: the message of loadAddon's error. */
function unavailable(dir, error) {
  const where = `${process.platform}-${process.arch}`;
  const fix = (flags) =>
    `To fix: install a C++ compiler, make, Python 3 and Node's headers, then run \`npm rebuild @backprop/backend-native${flags}\``;
  let binary;
  try {
    binary = nodeGypBuild.resolve(dir);
  } catch {
    binary = undefined;
  }
  if (binary !== undefined) {
    return (
      `backend "native": the addon binary ${binary} did not load (${firstLine(error.message)}); expected a binary built for ` +
      `this machine (${where}, Node ${process.versions.node}). ${fix(" --build-from-source")}`
    );
  }
  const log = join(dir, "build", "install-error.log");
  const compile = existsSync(log)
    ? `the install script's compile failed: ${firstLine(readFileSync(log, "utf8"))}; see ${log}`
    : "no compile ran: npm skipped the package's install script (it was run with --ignore-scripts, or the script is not approved yet: " +
      "`npm install-scripts approve @backprop/backend-native`)";
  return (
    `backend "native": no binary of the addon for ${where} (Node ${process.versions.node}); expected ` +
    `${join(dir, "prebuilds", where)}/*.node or ${join(dir, "build", "Release")}/*.node, got neither (${compile}). ${fix("")}`
  );
}

exports.loadAddon = function loadAddon() {
  if (cached === undefined) {
    const dir = process.env.BACKPROP_NATIVE_DIR || __dirname;
    try {
      file = nodeGypBuild.resolve(dir);
      cached = require(file);
    } catch (e) {
      file = undefined;
      throw new Error(unavailable(dir, e), { cause: e });
    }
  }
  return cached;
};

exports.addonFile = function addonFile() {
  return file;
};
