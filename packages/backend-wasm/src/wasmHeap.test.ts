import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Generator, getBackend } from "@backprop/core";
import { makeTensor, readValues } from "@backprop/core/testing";
import { wasmBackendInfo } from "./index.js";
import { relaxedSimd } from "./wasmHeap.js";

const packageRoot = fileURLToPath(new URL("..", import.meta.url));

interface Products {
  relaxedSimd: boolean;
  matmul: number[];
  linear: number[];
}

interface Deps {
  Generator: typeof Generator;
  getBackend: typeof getBackend;
  makeTensor: typeof makeTensor;
  readValues: typeof readValues;
  wasmBackendInfo: typeof wasmBackendInfo;
}

/**
 * A GEMM across the KC block edge and a fused linear layer with bias and relu. Runs here, and
 * (as its source text) in a child process, so it takes what it uses as arguments.
 */
function products(d: Deps): Products {
  const gen = new d.Generator(41);
  const r = (n: number): number[] => Array.from({ length: n }, () => gen.nextFloat() * 2 - 1);
  const be = d.getBackend("wasm");
  const a = d.makeTensor(be, "float32", [1, 37, 300], r(37 * 300));
  const y = be.matmul(a, d.makeTensor(be, "float32", [1, 300, 45], r(300 * 45), "transposed"));
  const x = d.makeTensor(be, "float32", [9, 70], r(630));
  const z = be.linear!(x, d.makeTensor(be, "float32", [21, 70], r(1470)), d.makeTensor(be, "float32", [21], r(21)), "relu");
  return { relaxedSimd: d.wasmBackendInfo(be).relaxedSimd, matmul: d.readValues(y), linear: d.readValues(z) };
}

const here = (): Products => products({ Generator, getBackend, makeTensor, readValues, wasmBackendInfo });

/** The products in a Node child process with relaxed SIMD switched on, under the given environment. */
function child(env: Record<string, string>): Products {
  const code = `
    import { Generator, getBackend } from "@backprop/core";
    import { makeTensor, readValues } from "@backprop/core/testing";
    import { wasmBackendInfo } from "./src/index.ts";
    const products = ${products.toString()};
    console.log(JSON.stringify(products({ Generator, getBackend, makeTensor, readValues, wasmBackendInfo })));
  `;
  const out = spawnSync(
    process.execPath,
    ["--experimental-wasm-relaxed-simd", "--conditions=@backprop/source", "--import", "tsx", "--input-type=module", "-e", code],
    { cwd: packageRoot, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 },
  );
  if (out.status !== 0) throw new Error(`child failed (${out.status}): ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split("\n").pop()!) as Products;
}

describe("relaxed SIMD", () => {
  it("Node 20 without the flag loads the SIMD128-only kernels", () => {
    expect(relaxedSimd).toBe(false);
    expect(wasmBackendInfo(getBackend("wasm")).relaxedSimd).toBe(false);
  });

  it("loads the relaxed-SIMD kernels where the engine has them, with the plain module's results within float32 rounding", () => {
    const plain = here();
    const relaxed = child({});
    expect(relaxed.relaxedSimd).toBe(true);
    // A fused multiply-add rounds once where mul + add rounds twice: sums of 300 products in
    // [-1, 1] may differ in the last bits, never more.
    for (const key of ["matmul", "linear"] as const) {
      expect(relaxed[key].length).toBe(plain[key].length);
      relaxed[key].forEach((v, i) => {
        if (Math.abs(v - plain[key][i]) > 1e-5 * (1 + Math.abs(plain[key][i]))) expect.fail(`${key}[${i}]: ${v} vs ${plain[key][i]}`);
      });
    }
    expect(plain.linear.some((v) => v === 0) && plain.linear.some((v) => v > 0)).toBe(true);
  }, 60_000);

  it("BACKPROP_WASM_RELAXED=0 insists on the SIMD128-only kernels, bit for bit the same as here", () => {
    const forced = child({ BACKPROP_WASM_RELAXED: "0" });
    expect(forced.relaxedSimd).toBe(false);
    const plain = here();
    expect(forced.matmul).toEqual(plain.matmul);
    expect(forced.linear).toEqual(plain.linear);
  }, 60_000);
});
