/**
 * File writes for the loggers: atomic replace and append, through node:fs loaded on first use
 * so that the package still bundles for browsers (where these loggers are unavailable).
 * @module
 */

type Fs = typeof import("node:fs/promises");
let fsPromise: Promise<Fs> | null = null;

function fs(): Promise<Fs> {
  fsPromise ??= import("node:fs/promises");
  return fsPromise;
}

/** Writes a file through a temporary name and a rename, so readers never see half of it. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const f = await fs();
  const tmp = `${path}.tmp-${process.pid}`;
  await f.writeFile(tmp, text);
  await f.rename(tmp, path);
}

/** Appends text to a file, creating it when missing. */
export async function appendText(path: string, text: string): Promise<void> {
  const f = await fs();
  await f.appendFile(path, text);
}
