#!/usr/bin/env node
// Runs after the package build: the kernels' bytes (four base64 strings, 184 KB) ship once.
// tsc compiles src/generated/kernelsWasm.ts into both dist/esm and dist/cjs; this replaces the
// ES module copy with a re-export of the CommonJS one. An ES module can import CommonJS in
// every Node version and every bundler (the reverse needs Node 20.19's require(esm)), and the
// strings are constants, so sharing them between the two builds changes nothing else.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const esm = join(root, "dist", "esm", "generated", "kernelsWasm.js");
const cjs = join(root, "dist", "cjs", "generated", "kernelsWasm.js");

const names = [...readFileSync(esm, "utf8").matchAll(/^export const (\w+WasmBase64)\b/gm)].map((m) => m[1]);
if (names.length === 0) {
  console.error(`share-kernels: ${esm} exports no kernels; expected the tsc output of src/generated/kernelsWasm.ts`);
  process.exit(1);
}
writeFileSync(
  esm,
  "// The kernels' bytes ship once, in the CommonJS build; see scripts/share-kernels.mjs.\n" +
    `export { ${names.join(", ")} } from "../../cjs/generated/kernelsWasm.js";\n`,
);
// The module's maps would point at src/generated/, which is not published: no maps for it.
for (const file of [esm, cjs, esm.replace(/\.js$/, ".d.ts"), cjs.replace(/\.js$/, ".d.ts")]) {
  rmSync(`${file}.map`, { force: true });
  if (existsSync(file)) writeFileSync(file, readFileSync(file, "utf8").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n"));
}

// Prove that Node's ES module loader sees the CommonJS exports by name, with the same bytes.
const check = `
  const esm = await import(${JSON.stringify(pathToFileURL(esm).href)});
  const { createRequire } = await import("node:module");
  const cjs = createRequire(import.meta.url)(${JSON.stringify(cjs)});
  for (const name of ${JSON.stringify(names)}) {
    if (typeof esm[name] !== "string" || esm[name].length < 1000 || esm[name] !== cjs[name]) {
      throw new Error("share-kernels: " + name + " differs between dist/esm and dist/cjs");
    }
  }`;
execFileSync(process.execPath, ["--input-type=module", "-e", check], { stdio: "inherit" });
