#!/usr/bin/env node
// `npm pack` / `npm publish` run this (prepack): prebuildify compiles the addon once, as an N-API
// binary, into prebuilds/<platform>-<arch>/@backprop+backend-native.<libc>.node, so installing the
// tarball on a matching machine compiles nothing (node-gyp-build loads the prebuild). The one
// binary holds every ISA (the AVX-512 and AVX2 kernels are static libraries linked into it and
// chosen by cpuid at load), so one x64 prebuild serves every x64 machine.
// It builds in a fresh copy of binding.gyp and csrc/ under build/, so the development build in
// build/Release stays as it is and two packs at once never share a build folder.
// Headers: node-gyp uses npm's `nodedir` when it is set (offline), else downloads them once.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { name } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
mkdirSync(join(root, "build"), { recursive: true });
const stage = mkdtempSync(join(root, "build", "prebuild-"));
try {
  cpSync(join(root, "binding.gyp"), join(stage, "binding.gyp"));
  cpSync(join(root, "csrc"), join(stage, "csrc"), { recursive: true });
  const prebuildify = createRequire(import.meta.url).resolve("prebuildify/bin.js");
  const args = [
    prebuildify, stage, "--napi", "--tag-libc", "--strip", `--name=${name}`, `--out=${root}`,
    // The running Node's version: its headers are the local ones (any version works for N-API).
    `--target=node@${process.versions.node}`,
  ];
  execFileSync(process.execPath, args, { stdio: "inherit", env: { JOBS: "max", ...process.env } });
} finally {
  rmSync(stage, { recursive: true, force: true });
}
