#!/usr/bin/env node
// Builds the playground into dist/: index.html, playground.js (the page) and backprop.js (every
// browser-capable package, one namespace each). esbuild bundles the packages' sources (the
// @backprop/source condition) for browsers. Node-only modules that the packages import are
// replaced by stubs that throw when called (see `stubs`), and the build fails if any other Node
// built-in, or any import left external, would reach the browser. The esbuild metafile goes to
// build/meta.json for the test.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const root = join(here, "..", "..");
const dist = join(here, "dist");

// Modules that browsers lack, imported by code that a page never runs: file I/O for saveModel,
// checkpoints and file loggers, the terminal progress bar. Each stub exports the names its
// importers use, as functions that throw when called; a page that calls one gets a clear error.
// Delete an entry once no package reaches the module (the build prints which files do).
const stubs = {
  "node:fs/promises": ["mkdir", "open", "readFile", "writeFile", "appendFile", "rename", "rm", "stat", "readdir", "unlink", "realpath"],
  "node:path": ["join", "dirname", "basename", "resolve", "relative", "extname", "sep"],
  "node:zlib": ["gunzip", "gunzipSync", "createGunzip"],
  "node:stream": ["Readable", "pipeline"],
  "node:module": ["createRequire"],
  "cli-progress": ["SingleBar", "MultiBar", "Presets"],
};

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function stubSource(spec, names) {
  const lines = [
    "function unavailable(name) {",
    `  return function () { throw new Error(${JSON.stringify(spec)} + ": " + name + " is not available in a browser; this needs Node"); };`,
    "}",
    ...names.map((n) => `export const ${n} = unavailable(${JSON.stringify(n)});`),
    "export default new Proxy({}, { get: (_, key) => unavailable(String(key)) });",
  ];
  return lines.join("\n");
}

/** @type {import("esbuild").Plugin} */
const browserStubs = {
  name: "browser-stubs",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (Object.hasOwn(stubs, args.path)) return { path: args.path, namespace: "browser-stub" };
      if (builtins.has(args.path)) {
        return { errors: [{ text: `${args.path} is a Node built-in with no browser stub (imported by ${relative(root, args.importer)})` }] };
      }
      return undefined;
    });
    b.onLoad({ filter: /.*/, namespace: "browser-stub" }, (args) => ({ contents: stubSource(args.path, stubs[args.path]), loader: "js" }));
  },
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
mkdirSync(join(here, "build"), { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { playground: join(here, "src", "main.ts"), backprop: join(here, "src", "backprop.ts") },
  outdir: dist,
  bundle: true,
  platform: "browser",
  format: "esm",
  target: "es2022",
  conditions: ["@backprop/source"],
  minify: true,
  // Error messages and the playground's own checks print class names.
  keepNames: true,
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  plugins: [browserStubs],
});

const leftExternal = Object.entries(result.metafile.outputs).flatMap(([out, o]) => o.imports.filter((i) => i.external).map((i) => `${out} imports ${i.path}`));
if (leftExternal.length > 0) throw new Error(`playground build: imports left for the browser to resolve:\n${leftExternal.join("\n")}`);

// Which files import a stub, and which outputs keep one (tree shaking drops unused importers).
const importers = [];
for (const [file, input] of Object.entries(result.metafile.inputs)) {
  for (const i of input.imports) if (i.path.startsWith("browser-stub:")) importers.push(`${i.path.slice("browser-stub:".length)} <- ${file}`);
}
const kept = Object.entries(result.metafile.outputs).flatMap(([out, o]) =>
  Object.entries(o.inputs).filter(([file, i]) => file.startsWith("browser-stub:") && i.bytesInOutput > 0).map(([file]) => `${relative(here, join(root, out))}: ${file.slice("browser-stub:".length)}`));
writeFileSync(join(here, "build", "meta.json"), JSON.stringify(result.metafile));
copyFileSync(join(here, "src", "index.html"), join(dist, "index.html"));

for (const [out, o] of Object.entries(result.metafile.outputs)) console.log(`${relative(here, join(root, out))}  ${(o.bytes / 1024).toFixed(0)} KiB`);
if (importers.length > 0) {
  console.log(`Node-only imports replaced by browser stubs:\n  ${[...new Set(importers)].sort().join("\n  ")}`);
  console.log(`Stubs kept in the bundles:\n  ${kept.length > 0 ? kept.join("\n  ") : "none"}`);
}
