// A vitest config that runs a package's tests once per backend (js, native, wasm), so the
// layer, loss and optimizer suites hold on every backend CI builds.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const setup = fileURLToPath(new URL("./vitest-backends.mjs", import.meta.url));

export function perBackendConfig() {
  const project = (name) => ({
    extends: true,
    test: { name, include: ["src/**/*.test.ts"], env: { BACKPROP_BACKEND: name }, setupFiles: [setup] },
  });
  return defineConfig({
    resolve: { conditions: ["@backprop/source"] },
    ssr: { resolve: { conditions: ["@backprop/source"] } },
    test: { projects: [project("js"), project("native"), project("wasm")] },
  });
}
