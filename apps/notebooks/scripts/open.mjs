#!/usr/bin/env node
// `npm run notebooks`: opens the tutorials in Jupyter (Lab if installed, else Notebook) with the
// repo-local tslab kernel; says how to get Jupyter where it is missing.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { appDir, jupyterPath, registerKernel } from "./kernel.mjs";
import { checkBuilt } from "./run.mjs";

try {
  registerKernel();
  checkBuilt();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
const has = (cmd) => spawnSync("jupyter", [cmd, "--version"], { stdio: "ignore" }).status === 0;
const app = ["lab", "notebook"].find(has);
if (app === undefined) {
  console.error(
    [
      "notebooks: Jupyter is not installed (no `jupyter lab` or `jupyter notebook` on PATH).",
      "Install one of them, then run `npm run notebooks` again:",
      "  pipx install jupyterlab        (or: pip install jupyterlab)",
      "  apt-get install jupyter-notebook   (Debian, Ubuntu)",
      `The kernel is registered at ${join(jupyterPath, "kernels", "tslab")}; any Jupyter started with`,
      `JUPYTER_PATH=${jupyterPath} finds it. To run the notebooks headlessly instead: npm test -w apps/notebooks`,
    ].join("\n"),
  );
  process.exit(1);
}
const env = { ...process.env, JUPYTER_PATH: [jupyterPath, process.env.JUPYTER_PATH].filter(Boolean).join(":") };
const child = spawn("jupyter", [app, join(appDir, "notebooks")], { cwd: appDir, env, stdio: "inherit" });
child.on("exit", (code) => process.exit(code ?? 0));
