/**
 * File writes for the loggers, through core's durable-write helper (`@backprop/core/node`),
 * loaded on first use so that the package still bundles for browsers (where these loggers are
 * unavailable).
 * @module
 */

type NodeFiles = typeof import("@backprop/core/node");
let files: Promise<NodeFiles> | null = null;

function nodeFiles(): Promise<NodeFiles> {
  files ??= import("@backprop/core/node");
  return files;
}

/** Replaces a file durably (unique temporary sibling, fsync, rename), so readers never see half of it. */
export async function writeTextAtomic(path: string, text: string, where: string): Promise<void> {
  await (await nodeFiles()).writeFileDurably(path, text, where);
}

/** Appends text to a file, creating it when missing. */
export async function appendText(path: string, text: string, where: string): Promise<void> {
  await (await nodeFiles()).appendFileNamed(path, text, where);
}
