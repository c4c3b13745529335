import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@backprop/source"] },
  ssr: { resolve: { conditions: ["@backprop/source"] } },
  test: { include: ["src/**/*.test.ts"] },
});
