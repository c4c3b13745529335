import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError, ValueError } from "../errors.js";
import { appendFileNamed, fileError, readFolder, writeFileDurably, writeFolderDurably } from "./index.js";

const root = mkdtempSync(join(tmpdir(), "backprop-core-files-"));
afterAll(() => { rmSync(root, { recursive: true, force: true }); });
let n = 0;
/** A fresh parent folder; returns the path of a folder inside it that does not exist yet. */
const fresh = (): string => {
  const parent = join(root, `p${++n}`);
  mkdirSync(parent);
  return join(parent, "f");
};
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** The id of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("writeFolderDurably / readFolder", () => {
  it("writes a new folder, replaces it whole, and leaves nothing beside it", async () => {
    const dir = fresh();
    await writeFolderDurably(dir, { "a.txt": "one", "b.bin": new Uint8Array([1, 2, 3]) }, "test");
    expect(readdirSync(dir).sort()).toEqual(["a.txt", "b.bin"]);
    await writeFolderDurably(dir, { "a.txt": "two", "b.bin": new Uint8Array([4]) }, "test");
    const { folder, files } = await readFolder(dir, ["a.txt", "b.bin"], "test");
    expect(folder).toBe(dir);
    expect(text(files["a.txt"])).toBe("two");
    expect(Array.from(files["b.bin"])).toEqual([4]);
    expect(readdirSync(join(dir, ".."))).toEqual(["f"]);
  });

  it("reads the old folder that a crash between the two renames left aside, and the next write removes it", async () => {
    const dir = fresh();
    await writeFolderDurably(dir, { "a.txt": "old" }, "test");
    const pid = deadPid();
    // The state a SIGKILL leaves between `rename(dir, aside)` and `rename(tmp, dir)`.
    renameSync(dir, `${dir}.old-${pid}-1-abc-0`);
    mkdirSync(`${dir}.tmp-${pid}-1-abc`);
    writeFileSync(`${dir}.tmp-${pid}-1-abc/a.txt`, "new");
    const read = await readFolder(dir, ["a.txt"], "test");
    expect(read.folder).toBe(`${dir}.old-${pid}-1-abc-0`);
    expect(text(read.files["a.txt"])).toBe("old");
    await writeFolderDurably(dir, { "a.txt": "newer" }, "test");
    expect(text((await readFolder(dir, ["a.txt"], "test")).files["a.txt"])).toBe("newer");
    expect(readdirSync(join(dir, ".."))).toEqual(["f"]);
  });

  it("reads the `<dir>.old` of older versions, and removes their fixed `.tmp` and `.old` names", async () => {
    const dir = fresh();
    await writeFolderDurably(dir, { "a.txt": "old" }, "test");
    renameSync(dir, `${dir}.old`);
    mkdirSync(`${dir}.tmp`);
    expect(text((await readFolder(dir, ["a.txt"], "test")).files["a.txt"])).toBe("old");
    await writeFolderDurably(dir, { "a.txt": "new" }, "test");
    expect(readdirSync(join(dir, ".."))).toEqual(["f"]);
  });

  it("leaves alone the temporary folders of a live process", async () => {
    const dir = fresh();
    // This test's parent process is alive and is not this one.
    const live = `${dir}.tmp-${process.ppid}-1-abc`;
    mkdirSync(live);
    await writeFolderDurably(dir, { "a.txt": "x" }, "test");
    expect(readdirSync(join(dir, "..")).sort()).toEqual(["f", `f.tmp-${process.ppid}-1-abc`]);
  });

  it("concurrent writes end with one of them, whole", async () => {
    const dir = fresh();
    const writes = Array.from({ length: 8 }, (_, i) => ({ "a.txt": String(i), "b.txt": String(i).repeat(1000 * (i + 1)) }));
    await Promise.all(writes.map((w) => writeFolderDurably(dir, w, "test")));
    const { files } = await readFolder(dir, ["a.txt", "b.txt"], "test");
    const i = Number(text(files["a.txt"]));
    expect(text(files["b.txt"])).toBe(String(i).repeat(1000 * (i + 1)));
    expect(readdirSync(join(dir, ".."))).toEqual(["f"]);
  });

  it("follows a symbolic link to the folder it names", async () => {
    const dir = fresh();
    const real = join(dir, "..", "real");
    await writeFolderDurably(real, { "a.txt": "old" }, "test");
    symlinkSync(real, dir);
    await writeFolderDurably(dir, { "a.txt": "new" }, "test");
    expect(readFileSync(join(real, "a.txt"), "utf8")).toBe("new");
    expect(readdirSync(join(dir, "..")).sort()).toEqual(["f", "real"]);
  });

  it("refuses folders it must not replace, with named errors", async () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, "mine.txt"), "keep");
    await expect(writeFolderDurably(dir, { "a.txt": "x" }, "saveModel")).rejects.toThrow(ValueError);
    await expect(writeFolderDurably(dir, { "a.txt": "x" }, "saveModel")).rejects.toThrow(/^saveModel: .*\/f holds files that saveModel did not write \(mine\.txt\); expected a new path/);
    expect(readdirSync(dir)).toEqual(["mine.txt"]);
    const file = join(dir, "mine.txt");
    await expect(writeFolderDurably(file, { "a.txt": "x" }, "saveModel")).rejects.toThrow(/^saveModel: .*mine\.txt is a file; expected a folder/);
    await expect(writeFolderDurably(".", { "a.txt": "x" }, "saveModel")).rejects.toThrow(/^saveModel: cannot replace the folder "\."/);
    await expect(writeFolderDurably(fresh(), { "../a.txt": "x" }, "saveModel")).rejects.toThrow(/^saveModel: file names in a folder must be plain names; got "\.\.\/a\.txt"/);
  });

  it("names the path of a file it cannot read", async () => {
    const dir = fresh();
    await expect(readFolder(dir, ["a.txt"], "loadModel")).rejects.toThrow(FormatError);
    await expect(readFolder(dir, ["a.txt"], "loadModel")).rejects.toThrow(/^loadModel: cannot read .*\/f\/a\.txt; ENOENT: no such file or directory$/);
  });
});

describe("writeFileDurably / appendFileNamed / fileError", () => {
  it("replaces a file and leaves no temporary file; concurrent writers do not collide", async () => {
    const path = join(fresh(), "..", "log.csv");
    await Promise.all(["a", "b", "c", "d"].map((t) => writeFileDurably(path, t.repeat(10_000), "CSVLogger")));
    expect(readFileSync(path, "utf8")).toMatch(/^(a{10000}|b{10000}|c{10000}|d{10000})$/);
    expect(readdirSync(join(path, ".."))).toEqual(["log.csv"]);
    // What an older version's killed write left: removed by the next write.
    writeFileSync(`${path}.tmp-${deadPid()}`, "half");
    await writeFileDurably(path, "e", "CSVLogger");
    expect(readdirSync(join(path, ".."))).toEqual(["log.csv"]);
    await appendFileNamed(path, "!", "JsonlLogger");
    expect(readFileSync(path, "utf8").endsWith("!")).toBe(true);
  });

  it("wraps file-system errors as FormatErrors naming the path", async () => {
    const missing = join(fresh(), "no", "such", "log.csv");
    await expect(writeFileDurably(missing, "x", "CSVLogger")).rejects.toThrow(/^CSVLogger: cannot write .*\/no\/such\/log\.csv; ENOENT: no such file or directory$/);
    await expect(appendFileNamed(missing, "x", "JsonlLogger")).rejects.toThrow(/^JsonlLogger: cannot write .*\/no\/such\/log\.csv; ENOENT: no such file or directory$/);
    const raw = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    const e = fileError("saveModel", "write", "/m/weights.safetensors", raw);
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toBe("saveModel: cannot write /m/weights.safetensors; ENOSPC: no space left on device, write");
    expect(e.cause).toBe(raw);
    const ours = new ValueError("x");
    expect(fileError("saveModel", "write", "/m", ours)).toBe(ours);
  });
});
