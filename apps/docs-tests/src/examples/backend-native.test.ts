import { runExamples } from "../runExamples.js";

await runExamples("backend-native");
