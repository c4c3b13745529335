/**
 * `@backprop/core/node`: what only Node needs, kept out of core's main entry so that browser
 * bundles never see a `node:` import. The durable-write helper that layers (saveModel),
 * callbacks (file loggers) and train (checkpoints) write every file and folder with.
 * @module node
 */
export { appendFileNamed, fileError, readFolder, writeFileDurably, writeFolderDurably } from "./files.js";
