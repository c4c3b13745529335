#!/usr/bin/env node
// `npm run notebooks:kernel`: registers the tslab TypeScript kernel in a repo-local Jupyter
// path (apps/notebooks/.jupyter, git-ignored) by writing its kernel.json with absolute paths of
// this node and tslab. No Python is needed; Jupyter finds it through JUPYTER_PATH.
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const appDir = fileURLToPath(new URL("..", import.meta.url));
export const jupyterPath = join(appDir, ".jupyter");

/** Writes .jupyter/kernels/tslab/kernel.json and returns its path. */
export function registerKernel() {
  const require = createRequire(join(appDir, "package.json"));
  let tslabBin;
  try {
    tslabBin = join(dirname(require.resolve("tslab/package.json")), "bin", "tslab");
  } catch {
    throw new Error("notebooks: tslab is not installed; run `npm ci` (or `npm install`) at the repository root first");
  }
  const dir = join(jupyterPath, "kernels", "tslab");
  mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [process.execPath, tslabBin, "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript (backprop)",
    language: "typescript",
  };
  const file = join(dir, "kernel.json");
  writeFileSync(file, JSON.stringify(spec, null, 2) + "\n");
  return file;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = registerKernel();
  console.log(`registered the tslab kernel: ${file}`);
  console.log(`Jupyter finds it with JUPYTER_PATH=${jupyterPath} (npm run notebooks sets it for you)`);
}
