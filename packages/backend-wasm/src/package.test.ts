// What the published tarball holds: the kernels' bytes once, and declarations without them.
// Reads the built dist/ (`npm test` builds every package first; alone: `npm run build`).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { kernelsWasmBase64 } from "./generated/kernelsWasm.js";

const root = fileURLToPath(new URL("..", import.meta.url));

interface PackedFile {
  path: string;
  size: number;
}

function packedFiles(): PackedFile[] {
  if (!existsSync(join(root, "dist", "cjs", "generated", "kernelsWasm.js"))) {
    throw new Error(`package.test: ${join(root, "dist")} is not built; expected dist/cjs/generated/kernelsWasm.js, got none (run npm run build)`);
  }
  // --ignore-scripts: the listing alone, without `prepare` writing to the JSON on stdout.
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" });
  return (JSON.parse(out) as { files: PackedFile[] }[])[0].files;
}

describe("the tarball", { timeout: 60_000 }, () => {
  it("holds the kernels once, in the CommonJS build that the ES module build re-exports", () => {
    const files = packedFiles();
    const probe = kernelsWasmBase64.slice(0, 200);
    const holders = files.filter((f) => readFileSync(join(root, f.path), "latin1").includes(probe)).map((f) => f.path);
    expect(holders).toEqual(["dist/cjs/generated/kernelsWasm.js"]);
    expect(files.some((f) => f.path.startsWith("src/generated/"))).toBe(false);
  });

  it("declares the kernels as strings: the generated .d.ts is a few hundred bytes, not a 184 KB literal type", () => {
    for (const build of ["esm", "cjs"]) {
      const file = join(root, "dist", build, "generated", "kernelsWasm.d.ts");
      expect(statSync(file).size).toBeLessThan(1024);
      expect(readFileSync(file, "utf8")).toContain("export declare const kernelsWasmBase64: string;");
    }
  });

  it("ships no tests and no JavaScript source maps, and does ship LICENSE and README.md", () => {
    const paths = packedFiles().map((f) => f.path);
    expect(paths.filter((p) => /\.test\.|\.js\.map$/.test(p))).toEqual([]);
    expect(paths).toContain("LICENSE");
    expect(paths).toContain("README.md");
  });

  it("runs nothing at install: the generated module is made by the repository's prepare, not the package's", () => {
    const own = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(Object.keys(own.scripts).filter((s) => ["preinstall", "install", "postinstall", "prepare"].includes(s))).toEqual([]);
    // `npm ci` in a fresh clone runs the root's prepare, so src/ loads before any build (`npm start`).
    const repo = JSON.parse(readFileSync(join(root, "..", "..", "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(repo.scripts.prepare).toBe("node packages/backend-wasm/scripts/build-wasm.mjs --if-stale");
  });
});
