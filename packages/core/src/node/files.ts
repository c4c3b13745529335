/**
 * Durable writes: the one helper that writes every file and folder backprop saves (models,
 * checkpoints, logs). A folder is written whole to a temporary sibling with a unique name,
 * flushed to disk (files and folder), and swapped in by renames, so a crash at any instant
 * leaves the old folder or the new one; readers fall back to the old one that an interrupted
 * swap moved aside. Node only: browsers never load this module.
 * @module
 */
import { mkdir, open, readFile, readdir, realpath, rename, rm, stat } from "node:fs/promises";
import { FormatError, ValueError } from "../errors.js";

/** What Node's file errors carry. */
interface SystemError {
  code?: string;
  message: string;
}

let counter = 0;
/** Temporary and moved-aside paths of the writes in flight in this process (never cleaned up by another write). */
const inFlight = new Set<string>();

/** `<pid>-<n>-<random>`: unique per write in this process, and across processes and hosts. */
function uniqueId(): string {
  return `${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 10)}`;
}

function codeOf(e: unknown): string | undefined {
  return (e as SystemError | null)?.code;
}

/** Splits `a/b/c/` into its parent `a/b` and last part `c` (`.` is the parent of a bare name). */
function split(path: string): { parent: string; base: string } {
  const trimmed = path.length > 1 ? path.replace(/[\\/]+$/, "") : path;
  const cut = Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\"));
  if (cut < 0) return { parent: ".", base: trimmed };
  return { parent: cut === 0 ? trimmed.slice(0, 1) : trimmed.slice(0, cut), base: trimmed.slice(cut + 1) };
}

function join(dir: string, name: string): string {
  return /[\\/]$/.test(dir) ? `${dir}${name}` : `${dir}/${name}`;
}

/**
 * Wraps a file-system error as a FormatError that names the operation and the path:
 * `saveModel: cannot write /runs/m/weights.safetensors; ENOSPC: no space left on device`.
 * Errors that are already backprop's pass through unchanged.
 * @example
 * ```ts
 * import { fileError } from "@backprop/core/node";
 * const e = fileError("loadModel", "read", "/nowhere/model.json", Object.assign(new Error("ENOENT: no such file or directory, open '/nowhere/model.json'"), { code: "ENOENT" }));
 * e.message; // "loadModel: cannot read /nowhere/model.json; ENOENT: no such file or directory"
 * ```
 * @category Files
 */
export function fileError(where: string, action: string, path: string, e: unknown): Error {
  if (e instanceof FormatError || e instanceof ValueError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = codeOf(e);
  // Node's message repeats the syscall and the path ("..., open '/x'"): keep the reason only.
  const reason = message.replace(/, \w+ '.*'( -> '.*')?$/, "");
  const error = new FormatError(`${where}: cannot ${action} ${path}; ${code !== undefined && !reason.startsWith(code) ? `${code}: ` : ""}${reason}`);
  (error as { cause?: unknown }).cause = e;
  return error;
}

/** Writes a new file and flushes it to disk; the path must not exist (temporary names are unique). */
async function writeSynced(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a folder's entries (new names, renames) to disk. Some platforms cannot open folders; they skip it. */
async function syncFolder(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (e) {
    if (["EISDIR", "EPERM", "EACCES", "EINVAL"].includes(codeOf(e) ?? "")) return;
    throw e;
  }
  try {
    await handle.sync();
  } catch (e) {
    if (!["EINVAL", "ENOTSUP", "EBADF", "EPERM"].includes(codeOf(e) ?? "")) throw e;
  } finally {
    await handle.close();
  }
}

/** Whether a process with this id runs (on this host). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return codeOf(e) === "EPERM";
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Removes what writes that died (or failed to clean up) left beside `base` in `parent`: its
 * `.tmp-<pid>-...` siblings (and for a `folder`, `.old-<pid>-...`) whose process is gone, and
 * for a folder the fixed `.tmp` and `.old` names of older versions. Best effort: a leftover it
 * cannot remove stays for the next write.
 */
async function removeLeftovers(parent: string, base: string, folder: boolean): Promise<void> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  // `-<pid>` alone: the temporary names of older versions' file writes.
  const pattern = new RegExp(`^${escape(base)}\\.${folder ? "(?:tmp|old)" : "tmp"}(?:-(\\d+)(?:-.+)?)?$`);
  for (const name of names) {
    const m = pattern.exec(name);
    if (m === null) continue;
    const path = join(parent, name);
    if (m[1] === undefined ? !folder : inFlight.has(path) || (Number(m[1]) !== process.pid && alive(Number(m[1])))) continue;
    await rm(path, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The path to write: `path` itself, or where it leads when it is a symbolic link. */
async function target(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

function checkNames(names: readonly string[], where: string): void {
  for (const name of names) {
    if (name === "" || name === "." || name === ".." || /[\\/]/.test(name)) {
      throw new ValueError(`${where}: file names in a folder must be plain names; got ${JSON.stringify(name)}`);
    }
  }
}

/**
 * Writes a folder of files so that a crash at any instant leaves either the folder as it was or
 * the new one: the files go to a temporary sibling `<dir>.tmp-<pid>-<n>-<random>` (a unique
 * name, so concurrent writers never collide), each is flushed to disk, then the folder, then
 * the old folder is moved aside to `<dir>.old-...`, the new one renamed into place and the old
 * one removed. {@link readFolder} reads the moved-aside folder when a crash fell between the
 * two renames. A failed write removes its temporary folder and leaves the old one in place.
 * Concurrent writes of one folder end with one of them, whole. Leftovers of writes that died
 * are removed by the next write. An existing folder may only hold the files being written
 * (or leftovers of older backprop versions), so that no one's other files are lost.
 * @param files file names (plain names, no folders) and contents, written in this order.
 * @param where the caller, for messages (`saveModel`).
 * @throws {FormatError} naming the path for a file-system error (`saveModel: cannot write /m/weights.safetensors; ENOSPC: no space left on device`).
 * @throws {ValueError} when `dir` holds other files, is not a folder, or names no folder (`.`).
 * @example
 * ```ts
 * import { writeFolderDurably, readFolder } from "@backprop/core/node";
 * await writeFolderDurably("/tmp/backprop-example-folder", { "a.txt": "hello", "b.bin": new Uint8Array([1, 2]) }, "example");
 * const { files } = await readFolder("/tmp/backprop-example-folder", ["a.txt", "b.bin"], "example");
 * new TextDecoder().decode(files["a.txt"]); // "hello"
 * ```
 * @category Files
 */
export async function writeFolderDurably(dir: string, files: Readonly<Record<string, Uint8Array | string>>, where: string): Promise<void> {
  const names = Object.keys(files);
  checkNames(names, where);
  const named = split(dir).base;
  if (named === "" || named === "." || named === ".." || /^[\\/]+$/.test(dir)) {
    throw new ValueError(`${where}: cannot replace the folder ${JSON.stringify(dir)}; expected a path whose last part names the folder, e.g. "out/model"`);
  }
  const { parent, base } = split(await target(dir));
  const final = join(parent, base);
  let existing: string[] | null = null;
  try {
    if (!(await stat(final)).isDirectory()) throw new ValueError(`${where}: ${dir} is a file; expected a folder to replace, or a new path`);
    existing = await readdir(final);
  } catch (e) {
    if (codeOf(e) !== "ENOENT") throw fileError(where, "write", dir, e);
  }
  const foreign = (existing ?? []).filter((n) => !names.includes(n) && !names.some((m) => n.startsWith(`${m}.tmp-`)));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(", ") + (foreign.length > 5 ? `, and ${foreign.length - 5} more` : "");
    throw new ValueError(`${where}: ${dir} holds files that ${where} did not write (${shown}); expected a new path or a folder ${where} wrote, which it replaces whole`);
  }
  const id = uniqueId();
  const tmp = join(parent, `${base}.tmp-${id}`);
  let action = "write";
  let path = dir;
  inFlight.add(tmp);
  const asides: string[] = [];
  try {
    await mkdir(parent, { recursive: true });
    await mkdir(tmp);
    for (const name of names) {
      path = join(dir, name);
      await writeSynced(join(tmp, name), files[name]);
    }
    path = dir;
    await syncFolder(tmp);
    action = "replace";
    await swapIn(tmp, final, (attempt) => {
      const aside = join(parent, `${base}.old-${id}-${attempt}`);
      inFlight.add(aside);
      asides.push(aside);
      return aside;
    });
    await syncFolder(parent);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw fileError(where, action, path, e);
  } finally {
    inFlight.delete(tmp);
    // The old folders moved aside go, unless a failed swap could not put the old one back: then
    // the newest aside is the model, and readFolder reads it.
    const placed = (await identity(final)) !== null;
    for (const aside of asides) {
      if (placed) await rm(aside, { recursive: true, force: true }).catch(() => undefined);
      inFlight.delete(aside);
    }
  }
  // What follows only tidies up (a failure leaves work for the next write).
  await removeLeftovers(parent, base, true);
}

/** Whether a rename failed because the target folder exists and is not empty. */
function taken(e: unknown): boolean {
  const code = codeOf(e);
  return code === "ENOTEMPTY" || code === "EEXIST" || (process.platform === "win32" && code === "EPERM");
}

/**
 * Renames `tmp` to `dir`, moving whatever folder is at `dir` aside first. Another writer may
 * put its folder at `dir` between the two renames: then that one is moved aside too, and the
 * last rename wins, whole. If the final rename fails otherwise, the old folder goes back.
 */
async function swapIn(tmp: string, dir: string, asidePath: (attempt: number) => string): Promise<void> {
  let moved: string | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(tmp, dir);
      return;
    } catch (e) {
      if (!taken(e) || attempt >= 100) {
        if (moved !== null) await rename(moved, dir).catch(() => undefined);
        throw e;
      }
    }
    const aside = asidePath(attempt);
    try {
      await rename(dir, aside);
      moved = aside;
    } catch (e) {
      // Another writer moved it first; try again.
      if (codeOf(e) !== "ENOENT") throw e;
    }
  }
}

/**
 * Replaces one file durably: the data goes to a unique temporary sibling, is flushed to disk,
 * renamed over `path`, and the folder is flushed. Readers see the old file or the new one,
 * never half of it; a failed write removes its temporary file.
 * @throws {FormatError} naming the path for a file-system error.
 * @example
 * ```ts
 * import { writeFileDurably } from "@backprop/core/node";
 * await writeFileDurably("/tmp/backprop-example-log.csv", "epoch,loss\n0,1.5\n", "CSVLogger");
 * ```
 * @category Files
 */
export async function writeFileDurably(path: string, data: Uint8Array | string, where: string): Promise<void> {
  const real = await target(path);
  const { parent, base } = split(real);
  const tmp = join(parent, `${base}.tmp-${uniqueId()}`);
  inFlight.add(tmp);
  try {
    await writeSynced(tmp, data);
    await rename(tmp, real);
    await syncFolder(parent);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fileError(where, "write", path, e);
  } finally {
    inFlight.delete(tmp);
  }
  await removeLeftovers(parent, base, false);
}

/**
 * Appends text to a file, creating it when missing (a log that grows; each append is one write).
 * @throws {FormatError} naming the path for a file-system error.
 * @example
 * ```ts
 * import { appendFileNamed } from "@backprop/core/node";
 * await appendFileNamed("/tmp/backprop-example-log.jsonl", '{"epoch":0}\n', "JsonlLogger");
 * ```
 * @category Files
 */
export async function appendFileNamed(path: string, text: string, where: string): Promise<void> {
  const handle = await open(path, "a").catch((e: unknown) => {
    throw fileError(where, "write", path, e);
  });
  try {
    await handle.writeFile(text);
  } catch (e) {
    throw fileError(where, "write", path, e);
  } finally {
    await handle.close();
  }
}

/** The folder's identity, to notice that it was replaced while being read (null when absent). */
async function identity(path: string): Promise<string | null> {
  try {
    const s = await stat(path);
    return `${s.dev}:${s.ino}:${s.birthtimeMs}`;
  } catch {
    return null;
  }
}

/**
 * The folder to read for `dir`: `dir` itself when it exists, else the newest complete folder
 * that an interrupted {@link writeFolderDurably} moved aside (`<dir>.old-...`, or `<dir>.old`
 * of older versions), else `dir`.
 */
async function currentFolder(dir: string, names: readonly string[]): Promise<string> {
  if ((await identity(dir)) !== null) return dir;
  const { parent, base } = split(dir);
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return dir;
  }
  let best: { path: string; time: number } | null = null;
  for (const name of entries) {
    if (name !== `${base}.old` && !name.startsWith(`${base}.old-`)) continue;
    const path = join(parent, name);
    try {
      const times = await Promise.all(names.map(async (n) => (await stat(join(path, n))).mtimeMs));
      const time = Math.max(...times);
      if (best === null || time > best.time) best = { path, time };
    } catch {
      // Incomplete (being removed): not a candidate.
    }
  }
  return best?.path ?? dir;
}

/**
 * Reads files of one folder written by {@link writeFolderDurably}, all from the same version:
 * the folder at `dir`, or the old one that a save interrupted between its renames left beside
 * it. A read that a concurrent write overtook is retried.
 * @returns the folder read (for messages) and the files' bytes by name.
 * @throws {FormatError} naming the path of a file that cannot be read (`loadModel: cannot read /m/model.json; ENOENT: no such file or directory`).
 * @example
 * ```ts
 * import { writeFolderDurably, readFolder } from "@backprop/core/node";
 * await writeFolderDurably("/tmp/backprop-example-read", { "x.txt": "1" }, "example");
 * const { folder, files } = await readFolder("/tmp/backprop-example-read", ["x.txt"], "example");
 * ```
 * @category Files
 */
export async function readFolder(dir: string, names: readonly string[], where: string): Promise<{ folder: string; files: Record<string, Uint8Array> }> {
  for (let attempt = 0; ; attempt++) {
    const folder = await currentFolder(dir, names);
    const before = await identity(folder);
    const files: Record<string, Uint8Array> = {};
    let failure: { path: string; error: unknown } | null = null;
    for (const name of names) {
      const path = join(folder, name);
      try {
        files[name] = await readFile(path);
      } catch (e) {
        failure = { path, error: e };
        break;
      }
    }
    const changed = (await identity(folder)) !== before;
    if (changed && attempt < 5) continue;
    if (failure !== null) throw fileError(where, "read", failure.path, failure.error);
    return { folder, files };
  }
}
