// The package as users get it: `npm pack` (its prepack makes the prebuild), then the tarball
// installed into fresh projects whose PATH holds only node, npm and sh (no Python, make or
// compiler) and whose nodedir is empty (no headers), so any attempt to compile fails.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const coreDir = resolve(pkgDir, "..", "core");
const require = createRequire(join(pkgDir, "package.json"));

let tmp = "";
let nativeTgz = "";
let otherTgzs: string[] = [];
let bareEnv: NodeJS.ProcessEnv = {};

/** `npm pack` of a folder into its own directory under tmp; the tarball's path. */
function pack(dir: string, into: string, ignoreScripts: boolean): string {
  const dest = join(tmp, into);
  mkdirSync(dest);
  execFileSync("npm", ["pack", dir, "--pack-destination", dest, ...(ignoreScripts ? ["--ignore-scripts"] : [])], {
    cwd: dir, stdio: ["ignore", "ignore", "pipe"], timeout: 240_000,
  });
  const [file] = readdirSync(dest).filter((f) => f.endsWith(".tgz"));
  if (file === undefined) throw new Error(`npm pack ${dir}: no tarball in ${dest}`);
  return join(dest, file);
}

/** The first `name` on PATH, as a real path. */
function which(name: string): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, name))) return realpathSync(join(dir, name));
  }
  throw new Error(`${name} is not on PATH`);
}

/** A fresh project that installs these tarballs with no compiler: npm's exit status and output, and how long it took. */
function install(name: string, tarballs: string[]): { dir: string; status: number | null; output: string; seconds: number } {
  const dir = join(tmp, name);
  mkdirSync(dir);
  // npm versions that ask before running a dependency's install script get the approval here.
  const allowScripts = Object.fromEntries(["@backprop/backend-native", `file:${tarballs[0]}`].map((k) => [k, true]));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true, type: "module", allowScripts }));
  const start = performance.now();
  const result = spawnSync("npm", ["install", "--offline", "--foreground-scripts", "--no-audit", "--no-fund", ...tarballs], {
    cwd: dir, env: bareEnv, encoding: "utf8", timeout: 120_000,
  });
  const seconds = (performance.now() - start) / 1000;
  return { dir, status: result.status, output: `${result.stdout}${result.stderr}`, seconds };
}

/** Runs an ES module in a project (with the bare PATH) and parses the JSON it prints last; also its stderr. */
function runIn(dir: string, source: string, env: NodeJS.ProcessEnv = {}): { result: Record<string, unknown>; stderr: string } {
  const out = spawnSync(process.execPath, ["--input-type=module", "-e", source], {
    cwd: dir, env: { ...bareEnv, ...env }, encoding: "utf8", timeout: 60_000,
  });
  if (out.status !== 0) throw new Error(`node exited with ${out.status}: ${out.stderr}`);
  return { result: JSON.parse(out.stdout.trim().split("\n").at(-1) ?? "null") as Record<string, unknown>, stderr: out.stderr };
}

// A 33x47 by 47x29 product on the backend in use, against a plain loop in doubles.
const matmulCheck = `
import { getBackend, tensor } from "@backprop/core";
import { createNativeBackend, nativeBackendInfo } from "@backprop/backend-native";
const [m, k, n] = [33, 47, 29];
const a = Array.from({ length: m }, (_, i) => Array.from({ length: k }, (_, j) => ((i * 7 + j * 3) % 11) - 5));
const b = Array.from({ length: k }, (_, i) => Array.from({ length: n }, (_, j) => ((i * 5 + j * 2) % 13) - 6));
const got = tensor(a).matmul(tensor(b)).toArray();
let maxError = 0;
for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
  let s = 0;
  for (let p = 0; p < k; p++) s += a[i][p] * b[p][j];
  maxError = Math.max(maxError, Math.abs(got[i][j] - s));
}
let createError = null;
try { createNativeBackend(); } catch (e) { createError = { name: e.name, message: e.message }; }
console.log(JSON.stringify({ backend: getBackend().name, info: nativeBackendInfo(), small: tensor([[1, 2, 3], [4, 5, 6]]).matmul(tensor([[7, 8], [9, 10], [11, 12]])).toArray(), maxError, createError }));
`;

describe("the packed tarball, installed where no compiler exists", () => {
  beforeAll(() => {
    for (const dir of [pkgDir, coreDir]) {
      if (!existsSync(join(dir, "dist", "esm", "index.js"))) throw new Error(`${dir}/dist is missing; run \`npm run build\` first`);
    }
    tmp = mkdtempSync(join(tmpdir(), "backprop-native-install-"));
    // prepack compiles the prebuild (the one slow step, ~40 s of CPU).
    nativeTgz = pack(pkgDir, "native", false);
    // Everything else the projects need, as tarballs, so `npm install --offline` needs no registry.
    otherTgzs = [
      pack(coreDir, "core", true),
      ...["tslib", "node-addon-api", "node-gyp-build"].map((name) => pack(dirname(require.resolve(`${name}/package.json`)), name, true)),
    ];
    const bin = join(tmp, "bin");
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, "node"));
    symlinkSync(which("npm"), join(bin, "npm"));
    symlinkSync("/bin/sh", join(bin, "sh"));
    const noHeaders = join(tmp, "no-headers");
    mkdirSync(noHeaders);
    bareEnv = {
      HOME: process.env.HOME, PATH: bin, npm_config_nodedir: noHeaders, npm_config_ignore_scripts: "false",
      npm_config_update_notifier: "false",
    };
  }, 300_000);

  afterAll(() => {
    if (tmp !== "") rmSync(tmp, { recursive: true, force: true });
  });

  it("(a) holds the linux-x64 prebuild (every ISA in one binary) and no test files", () => {
    const files = execFileSync("tar", ["-tzf", nativeTgz], { encoding: "utf8" }).split("\n").filter((f) => f !== "");
    expect(files).toContain("package/prebuilds/linux-x64/@backprop+backend-native.glibc.node");
    expect(files).toContain("package/scripts/install.cjs");
    expect(files.filter((f) => /\.test\.|\/test\//.test(f))).toEqual([]);
    // The AVX-512 and AVX2 kernels are linked into it: the binary holds their symbols.
    const extracted = join(tmp, "a");
    mkdirSync(extracted);
    execFileSync("tar", ["-xzf", nativeTgz, "-C", extracted, "package/prebuilds"]);
    const binary = join(extracted, "package/prebuilds/linux-x64/@backprop+backend-native.glibc.node");
    const dynsym = execFileSync("nm", ["-D", "--defined-only", binary], { encoding: "utf8" });
    for (const isa of ["avx512", "avx2"]) expect(dynsym).toMatch(new RegExp(`sgemm_\\w*${isa}|${isa}\\w*sgemm`, "i"));
  });

  it("(b) installs without compiling and computes on the native backend", () => {
    const { dir, status, output, seconds } = install("with-prebuild", [nativeTgz, ...otherTgzs]);
    expect(status, output).toBe(0);
    expect(output).toContain("> @backprop/backend-native@0.1.0 install");
    expect(output).not.toContain("compiling the addon failed");
    const installed = join(dir, "node_modules", "@backprop", "backend-native");
    expect(existsSync(join(installed, "build"))).toBe(false);
    expect(seconds).toBeLessThan(30);
    const { result } = runIn(dir, matmulCheck);
    expect(result.backend).toBe("native");
    expect(result.info).toMatchObject({ available: true, binary: join(installed, "prebuilds/linux-x64/@backprop+backend-native.glibc.node") });
    // cpuid picks the widest kernel this machine runs, from the one binary.
    const flags = readFileSync("/proc/cpuinfo", "utf8");
    const widest = /\bavx512f\b/.test(flags) ? "avx512 12x32" : /\bavx2\b/.test(flags) && /\bfma\b/.test(flags) ? "avx2 6x16" : "portable 4x8";
    expect((result.info as { kernel: string }).kernel).toBe(widest);
    expect(result.small).toEqual([[58, 64], [139, 154]]);
    expect(result.maxError).toBe(0);
    expect(result.createError).toBeNull();
  }, 60_000);

  it("(c) without a prebuild the install still succeeds, and the backend says why and falls back to js", () => {
    const stripped = join(tmp, "stripped");
    mkdirSync(stripped);
    execFileSync("tar", ["-xzf", nativeTgz, "-C", stripped]);
    rmSync(join(stripped, "package", "prebuilds"), { recursive: true });
    const strippedTgz = join(tmp, "stripped.tgz");
    execFileSync("tar", ["-czf", strippedTgz, "-C", stripped, "package"]);

    const { dir, status, output } = install("without-prebuild", [strippedTgz, ...otherTgzs]);
    expect(status, output).toBe(0);
    const line = output.split("\n").find((l) => l.startsWith("@backprop/backend-native: "));
    expect(line).toContain("no prebuilt binary for linux-x64 and compiling the addon failed (Error: Could not find any Python installation to use)");
    expect(line).toContain("then run `npm rebuild @backprop/backend-native`");
    const installed = join(dir, "node_modules", "@backprop", "backend-native");
    expect(readdirSync(join(installed, "build"))).toEqual(["install-error.log"]);

    const { result, stderr } = runIn(dir, matmulCheck);
    expect(result.backend).toBe("js");
    expect(result.small).toEqual([[58, 64], [139, 154]]);
    expect(result.maxError).toBe(0);
    const info = result.info as { available: boolean; reason: string };
    expect(info.available).toBe(false);
    expect(info.reason).toContain(`backend "native": no binary of the addon for linux-x64 (Node ${process.versions.node}); expected `);
    expect(info.reason).toContain("got neither (the install script's compile failed: Error: Could not find any Python installation to use;");
    expect(info.reason).toContain("To fix: install a C++ compiler, make, Python 3 and Node's headers, then run `npm rebuild @backprop/backend-native`");
    expect(result.createError).toEqual({ name: "RegistryError", message: info.reason });
    expect(stderr).toContain(`backprop: backend "native" did not load (${info.reason}); falling back to the next one`);

    // Where npm never ran the install script, the reason says so.
    rmSync(join(installed, "build"), { recursive: true });
    const skipped = runIn(dir, matmulCheck).result.info as { reason: string };
    expect(skipped.reason).toContain("got neither (no compile ran: npm skipped the package's install script");
  }, 60_000);
});
