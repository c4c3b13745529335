// Vitest global setup: builds the wasm kernels when assembly/ is newer than the generated module.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export function setup() {
  execFileSync(process.execPath, [fileURLToPath(new URL("build-wasm.mjs", import.meta.url)), "--if-stale"], { stdio: "inherit" });
}
