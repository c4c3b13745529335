import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Runs the plain loop in a fresh process; returns its samples and final loss. */
function run(backend: string, steps: number, every: number, mode = "plain"): { step: number; rss: number; heap: number }[] & { loss: number } {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", "--conditions=@backprop/source", join(here, "..", "test-fixtures", "plain-loop-child.ts"), backend, String(steps), String(every), mode],
    { cwd: here, encoding: "utf8", timeout: 240_000 },
  );
  const lines = out.trim().split("\n");
  const samples = lines.filter((l) => !l.startsWith("done")).map((l) => {
    const [step, rss, heap] = l.split(" ").map(Number);
    return { step, rss, heap };
  });
  const loss = Number(lines[lines.length - 1].split(" ")[2]);
  return Object.assign(samples, { loss });
}

// Before: every tensor of a loop with no scope held its storage until a finalizer ran, and none
// runs inside a synchronous loop: about 195 MB per 1,000 steps on every backend.
describe("a plain training loop with no tidy", () => {
  for (const [backend, steps] of [["native", 8000], ["wasm", 8000], ["js", 3000]] as const) {
    it(`keeps resident memory flat on ${backend}`, () => {
      const samples = run(backend, steps, steps / 8);
      expect(samples.length).toBe(8);
      const settled = samples.slice(2).map((s) => s.rss); // after a quarter of the steps
      expect(Math.max(...settled) / settled[0]).toBeLessThan(1.05);
      // The wasm heap holds only parameters, optimizer state, gradients and in-flight temporaries:
      // results that nothing disposes live in typed arrays the garbage collector frees.
      const heaps = samples.map((s) => s.heap);
      expect(Math.max(...heaps)).toBe(heaps[0]);
      expect(samples.loss).toBeLessThan(0.05); // it trains: 64 fixed samples are memorized
    }, 300_000);

    it(`keeps resident memory flat on ${backend} with the same loop inside tidy`, () => {
      const samples = run(backend, steps, steps / 8, "tidy");
      const settled = samples.slice(2).map((s) => s.rss);
      expect(Math.max(...settled) / settled[0]).toBeLessThan(1.05);
      expect(Math.max(...samples.map((s) => s.heap))).toBe(samples[0].heap);
    }, 300_000);

    it(`keeps the README's first example flat as a loop on ${backend} (new leaves every step)`, () => {
      const samples = run(backend, 40000, 5000, "readme");
      const settled = samples.slice(2).map((s) => s.rss);
      expect(Math.max(...settled) / settled[0]).toBeLessThan(1.05);
      expect(Math.max(...samples.map((s) => s.heap))).toBe(samples[0].heap);
      expect(samples.loss).toBeLessThan(1e-10); // y = 2x - 1 is fitted exactly
    }, 300_000);
  }
});
