// Vitest setup for suites that run once per backend: registers the backend named by
// BACKPROP_BACKEND (set per project in the package's vitest config) before any test runs, and
// refuses to go on if a different backend would run the tests.
import { getBackend } from "@backprop/core";

const name = process.env.BACKPROP_BACKEND;
if (name === "native") await import("@backprop/backend-native");
if (name === "wasm") await import("@backprop/backend-wasm");
if (name !== undefined && getBackend().name !== name) {
  throw new Error(`vitest-backends: expected the ${name} backend, got ${getBackend().name}`);
}
