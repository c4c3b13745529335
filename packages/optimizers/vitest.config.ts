import { perBackendConfig } from "../../scripts/vitest-per-backend.mjs";

// Every test here runs on the js, native and wasm backends.
export default perBackendConfig();
