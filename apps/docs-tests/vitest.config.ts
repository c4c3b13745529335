import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@backprop/source"] },
  ssr: { resolve: { conditions: ["@backprop/source"] } },
  test: {
    include: ["src/**/*.test.ts"],
    // Examples chdir into a temp folder and share module state: one process per file.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
