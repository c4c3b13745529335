import { runExamples } from "../runExamples.js";

await runExamples("viz");
