/**
 * Runs the code of every README that npm shows (the repository's and each package's under
 * packages/): a README's `ts` blocks run in order as one module (imports merged), inside a
 * temp working directory, as the guides do.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect, test } from "vitest";
import { getBackend, setBackend } from "@backprop/core";
import { joinBlocks, readmeBlocks, root, toModule } from "./extract.js";

const readmes = readmeBlocks();
const outDir = join(root, "apps", "docs-tests", "build", "readmes");
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), "backprop-readmes-"));
const cwd = process.cwd();
process.chdir(tmp);
afterAll(() => {
  process.chdir(cwd);
  rmSync(tmp, { recursive: true, force: true });
});
// A README may pick a backend (the wasm one does); the next README starts on the default again.
const defaultBackend = getBackend().name;
afterEach(() => {
  setBackend(defaultBackend);
});

test("every public package has a README with code", () => {
  const packages = readdirSync(join(root, "packages")).filter((name) => existsSync(join(root, "packages", name, "package.json")));
  const withCode = readmes.filter((r) => r.blocks.length > 0).map((r) => r.file);
  expect(packages.length).toBeGreaterThanOrEqual(10);
  expect(packages.map((name) => join("packages", name, "README.md")).filter((file) => !withCode.includes(file))).toEqual([]);
});

for (const readme of readmes.filter((r) => r.blocks.length > 0)) {
  test(readme.file, async () => {
    const source = toModule(joinBlocks(readme.blocks.map((b) => b.code)), [], tmp);
    const file = join(outDir, readme.file.replace(/[^\w.-]/g, "_").replace(/\.md$/, ".ts"));
    writeFileSync(file, source);
    try {
      await import(/* @vite-ignore */ file);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const lines = readme.blocks.map((b) => b.line).join(", ");
      err.message = `${readme.file} (ts blocks at lines ${lines}) failed: ${err.message}\n--- module: ${file}`;
      throw err;
    }
  });
}
