/**
 * Registers one vitest test per `@example` of a package: the example is written to a module
 * under build/examples and imported, inside a fresh temp folder that is also the working
 * directory, so examples that write files touch nothing else.
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, test } from "vitest";
import { examplesOf, root, toModule } from "./extract.js";

/** Export names of a package, read from the package itself. */
async function exportNames(pkg: string): Promise<ReadonlySet<string>> {
  const mod = (await import(/* @vite-ignore */ pkg)) as Record<string, unknown>;
  return new Set(Object.keys(mod));
}

/** Examples that declare vitest suites themselves (a backend conformance suite) run at collection. */
const declaresSuite = /\brun\w*Conformance\(|\bdescribe\(/;

/** Registers the tests for `packages/<pkg>`; inline examples see its exports and core's. */
export async function runExamples(pkg: string): Promise<void> {
  const examples = examplesOf(pkg);
  const outDir = join(root, "apps", "docs-tests", "build", "examples", pkg);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), `backprop-examples-${pkg}-`));
  const cwd = process.cwd();
  process.chdir(tmp);
  afterAll(() => {
    process.chdir(cwd);
    rmSync(tmp, { recursive: true, force: true });
  });
  const names = [`@backprop/${pkg}`, "@backprop/core"].filter((n, i, all) => all.indexOf(n) === i);
  const scope = await Promise.all(names.map(async (n) => [n, await exportNames(n)] as const));

  test("the package has examples", () => {
    if (examples.length === 0) throw new Error(`packages/${pkg}/src: no @example found`);
  });

  for (const [i, example] of examples.entries()) {
    const name = `${example.file}:${example.line} ${example.symbol}`;
    const file = join(outDir, `${String(i).padStart(3, "0")}-${example.symbol.replace(/[^\w.$-]/g, "_")}.ts`);
    const source = toModule(example.code, scope, tmp);
    writeFileSync(file, source);
    const run = async () => {
      try {
        await import(/* @vite-ignore */ file);
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        err.message = `@example of ${example.symbol} (${example.file}:${example.line}) failed: ${err.message}\n--- example module (${file}) ---\n${source}`;
        throw err;
      }
    };
    if (declaresSuite.test(example.code)) describe(name, run);
    else test(name, run);
  }
}
