import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

describe("memory", () => {
  it("resident memory stays within 5% over thousands of training steps after warm-up", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", "--conditions=@backprop/source", join(here, "..", "test-fixtures", "memory-child.ts")], {
      cwd: here,
      encoding: "utf8",
    });
    const rss = out.trim().split("\n").map(Number);
    expect(rss.length).toBe(12); // steps 250, 500, ..., 3000
    const afterWarmup = rss.slice(3); // from step 1,000 on
    const peak = Math.max(...afterWarmup);
    expect(peak / afterWarmup[0]).toBeLessThan(1.05);
  }, 120_000);
});
