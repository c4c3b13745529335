#!/usr/bin/env node
// Builds the workspace package in the current directory to dist/esm (ES modules) and
// dist/cjs (CommonJS, for tslab and require()), each with its own declarations.
//
// The ES module pass is the real compile: it type-checks with NodeNext resolution (package
// "exports", subpaths included) and emits JavaScript and declarations. The CommonJS pass only
// re-emits the same sources as CommonJS without checking them again (--noCheck): a CommonJS
// compile needs node10 resolution, which cannot see "exports" subpaths, so it would reject
// imports that are correct. The CommonJS declarations are the checked ES ones, copied: the
// text is the same, and dist/cjs/package.json makes TypeScript read them as CommonJS.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const tsc = require.resolve("typescript/bin/tsc");
const run = (args) => {
  try {
    execFileSync(process.execPath, [tsc, ...args], { stdio: "inherit" });
  } catch {
    // tsc has already printed its diagnostics; a Node stack trace would only bury them.
    console.error(`build-package: tsc ${args.join(" ")} failed in ${process.cwd()}`);
    process.exit(1);
  }
};

/** The code of a compiled file without its comments (which may mention import.meta). */
function withoutComments(code) {
  return code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

/** Fails on `import.meta` in CommonJS output: unchecked, it would only fail at load time. */
function rejectImportMeta(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) rejectImportMeta(path);
    else if (entry.name.endsWith(".js") && /\bimport\.meta\b/.test(withoutComments(readFileSync(path, "utf8")))) {
      console.error(`build-package: ${path} uses import.meta, which CommonJS (tslab, require) cannot load`);
      process.exit(1);
    }
  }
}

/** Copies every declaration file (and its map) under `from` to the same place under `to`. */
function copyDeclarations(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      mkdirSync(target, { recursive: true });
      copyDeclarations(source, target);
    } else if (entry.name.endsWith(".d.ts") || entry.name.endsWith(".d.ts.map")) {
      copyFileSync(source, target);
    }
  }
}

rmSync("dist", { recursive: true, force: true });
run(["-p", "tsconfig.build.json", "--outDir", "dist/esm"]);
// customConditions is only legal with node16/nodenext/bundler resolution, so this pass unsets it.
run([
  "-p", "tsconfig.build.json", "--outDir", "dist/cjs",
  "--module", "commonjs", "--moduleResolution", "node10", "--verbatimModuleSyntax", "false",
  "--customConditions", "null", "--noCheck", "--declaration", "false", "--declarationMap", "false",
]);
mkdirSync("dist/cjs", { recursive: true });
rejectImportMeta("dist/cjs");
copyDeclarations("dist/esm", "dist/cjs");
// The package is "type": "module"; this marks the .js and .d.ts files under dist/cjs as CommonJS.
writeFileSync("dist/cjs/package.json", JSON.stringify({ type: "commonjs" }) + "\n");

// tslab loads packages with require(): prove that the package's own name loads that way.
const { name } = JSON.parse(readFileSync("package.json", "utf8"));
try {
  execFileSync(process.execPath, ["-e", `require(${JSON.stringify(name)})`], { stdio: "inherit" });
} catch {
  console.error(`build-package: require("${name}") failed after the build`);
  process.exit(1);
}
