import { expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import ts from "typescript";
import * as core from "@backprop/core";
import * as losses from "@backprop/losses";
import * as optimizers from "@backprop/optimizers";

const mods: Record<string, unknown> = { "@backprop/core": core, "@backprop/losses": losses, "@backprop/optimizers": optimizers };
for (const dir of ["../losses/src", "../optimizers/src"]) {
  for (const f of readdirSync(new URL(dir, import.meta.url)).filter((n) => n.endsWith(".ts") && !n.endsWith(".test.ts"))) {
    const text = readFileSync(new URL(`${dir}/${f}`, import.meta.url), "utf8");
    const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1].replace(/^\s*\* ?/gm, ""));
    blocks.forEach((b, i) => {
      it(`${f} example ${i}`, () => {
        const js = ts.transpileModule(b, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
        const body = js.replace(/import \{([^}]*)\} from "([^"]+)";/g, (_m, names: string, mod: string) => `const {${names}} = mods["${mod}"];`).replace(/^export \{\};?$/m, "");
        // eslint-disable-next-line @typescript-eslint/no-implied-eval
        expect(() => new Function("mods", body)(mods)).not.toThrow();
      });
    });
  }
}
