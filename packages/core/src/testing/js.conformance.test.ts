import { runBackendConformance } from "./index.js";

runBackendConformance("js");
