import { runBackendConformance } from "@backprop/core/testing";
import "./index.js";

runBackendConformance("wasm");
