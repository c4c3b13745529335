/**
 * Runs the code of every guide in docs/guides: a guide's `ts` blocks run in order as one
 * module (imports merged), inside a temp working directory.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { guideBlocks, joinBlocks, root, toModule } from "./extract.js";

const guides = guideBlocks();
const outDir = join(root, "apps", "docs-tests", "build", "guides");
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), "backprop-guides-"));
const cwd = process.cwd();
process.chdir(tmp);
afterAll(() => {
  process.chdir(cwd);
  rmSync(tmp, { recursive: true, force: true });
});

test("there are guides with code", () => {
  expect(guides.filter((g) => g.blocks.length > 0).length).toBeGreaterThan(5);
});

for (const guide of guides.filter((g) => g.blocks.length > 0)) {
  test(guide.file, async () => {
    const source = toModule(joinBlocks(guide.blocks.map((b) => b.code)), [], tmp);
    const file = join(outDir, guide.file.replace(/[^\w.-]/g, "_").replace(/\.md$/, ".ts"));
    writeFileSync(file, source);
    try {
      await import(/* @vite-ignore */ file);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const lines = guide.blocks.map((b) => b.line).join(", ");
      err.message = `${guide.file} (ts blocks at lines ${lines}) failed: ${err.message}\n--- module: ${file}`;
      throw err;
    }
  });
}
