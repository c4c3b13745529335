#!/usr/bin/env node
// The notebooks' `test`: executes every notebook in notebooks/ through the real Jupyter
// protocol (nbclient on Debian's /usr/bin/python3, the tslab kernel registered by kernel.mjs),
// two at a time (NOTEBOOK_JOBS), and writes the executed copies with their outputs to build/ for the docs site.
// A cell that throws, or fails to type-check, fails its notebook. Prints `N passed, N failed`.
// With --outputFile=FILE (as scripts/test.mjs passes to every workspace) it also writes a
// vitest-style JSON report there, so the root summary counts one test per notebook.
// Arguments: notebook names to run only those (e.g. `npm test -w apps/notebooks -- 03`).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { appDir, jupyterPath, registerKernel } from "./kernel.mjs";

const python = "/usr/bin/python3";
const notebookDir = join(appDir, "notebooks");
const buildDir = join(appDir, "build");
const timeoutPerCell = 600;

/** Throws unless every workspace package the notebooks import has its CommonJS build (tslab requires it). */
export function checkBuilt() {
  const pkg = createRequire(import.meta.url)("../package.json");
  const require = createRequire(join(appDir, "package.json"));
  const missing = Object.keys(pkg.dependencies)
    .filter((name) => name.startsWith("@backprop/"))
    .filter((name) => {
      const dir = dirname(require.resolve(`${name}/package.json`));
      return !existsSync(join(dir, "dist", "cjs", "index.js"));
    });
  if (missing.length > 0) {
    throw new Error(`notebooks: ${missing.join(", ")} not built (tslab loads dist/cjs); run \`npx turbo run build\` at the repository root first`);
  }
}

function checkPython() {
  const probe = spawnSync(python, ["-c", "import nbclient, nbformat"], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      `notebooks: ${python} cannot import nbclient${probe.error ? ` (${probe.error.message})` : ""}; ` +
        "run .ci/run, or install it: apt-get install -y python3-nbclient python3-ipykernel",
    );
  }
}

function execute(file) {
  const env = { ...process.env, JUPYTER_PATH: jupyterPath, PYDEVD_DISABLE_FILE_VALIDATION: "1" };
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(python, [join(appDir, "scripts", "execute.py"), join(notebookDir, file), join(buildDir, file), String(timeoutPerCell)], {
      cwd: notebookDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    child.on("close", (code) => resolve({ file, ok: code === 0, seconds: (performance.now() - start) / 1000, log }));
  });
}

async function main() {
  const args = process.argv.slice(2);
  const outputFile = args.find((a) => a.startsWith("--outputFile="))?.slice("--outputFile=".length);
  const filters = args.filter((a) => !a.startsWith("--"));
  checkPython();
  checkBuilt();
  registerKernel();
  mkdirSync(buildDir, { recursive: true });
  const files = readdirSync(notebookDir)
    .filter((f) => f.endsWith(".ipynb"))
    .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
    .sort();
  if (files.length === 0) throw new Error(`notebooks: no notebook in ${notebookDir} matches ${filters.join(", ") || "*.ipynb"}`);
  // Two at a time: most of a small notebook's time is kernel start-up and type-checking, which
  // overlaps well with the one that trains on MNIST.
  const jobs = Math.max(1, Number(process.env.NOTEBOOK_JOBS ?? 2) || 1);
  const results = [];
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const r = await execute(file);
      results.push(r);
      console.log(`${r.ok ? "ok  " : "FAIL"} ${file} (${r.seconds.toFixed(1)} s)`);
      if (!r.ok) console.log(r.log.trim().split("\n").map((l) => `     ${l}`).join("\n"));
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
  results.sort((a, b) => a.file.localeCompare(b.file));
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  if (outputFile !== undefined) {
    const report = {
      testResults: results.map((r) => ({
        name: join(notebookDir, r.file),
        status: r.ok ? "passed" : "failed",
        message: r.ok ? "" : r.log,
        assertionResults: [{ fullName: `notebook ${r.file}`, status: r.ok ? "passed" : "failed", duration: r.seconds * 1000 }],
      })),
    };
    mkdirSync(dirname(resolve(appDir, outputFile)), { recursive: true });
    writeFileSync(resolve(appDir, outputFile), JSON.stringify(report, null, 2) + "\n");
  }
  console.log(`executed copies in ${buildDir}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      console.log("0 passed, 1 failed");
      process.exit(1);
    },
  );
}
