import { defineConfig } from "vitest/config";

// The packages load from their built dist/ here and in the child processes (which start faster
// that way): run `npm run build` (or turbo's test task, which builds first) after changing one.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // The cases run in child processes (src/support/sandbox.ts); each test bounds its own time
    // (src/support/config.ts), these limits only catch a stuck harness.
    pool: "forks",
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
});
