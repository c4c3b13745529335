import "./index.js";
import { runBackendConformance } from "@backprop/core/testing";

runBackendConformance("native");
