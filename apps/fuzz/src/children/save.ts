// Child process of kill.test.ts: saves model A or B (saveModel) or a checkpoint (writeCheckpoint)
// into a folder, and dies by SIGKILL at a chosen point:
//   node --import tsx save.ts <model|checkpoint> <dir> <A|B> inject <n>   killed right after the
//       n-th file-system call completes (counting every fs call, promise or sync, and every
//       FileHandle call), or not at all when the save needs fewer;
//   node --import tsx save.ts <model|checkpoint> <dir> <A|B> loop         saves B, A, B, ... until
//       the parent kills it; prints "started" first.
// Prints "done <calls>" after a save that completed.
import { createRequire, syncBuiltinESMExports } from "node:module";
import { saveModel } from "@backprop/layers";
import { writeCheckpoint } from "@backprop/train";
import { checkpointOf, twoModels } from "../support/twoModels.js";

const [kind, dir, which, mode, nArg] = process.argv.slice(2);
if (kind === undefined || dir === undefined) throw new Error("usage: save.ts <model|checkpoint> <dir> <A|B> <inject n|loop>");
const crashAfter = mode === "inject" ? Number(nArg) : -1;
let calls = 0;

function counted(): void {
  calls++;
  if (calls === crashAfter) process.kill(process.pid, "SIGKILL");
}

// Count (and maybe die after) every file-system call, whichever API the library uses.
const require = createRequire(import.meta.url);
const fsp = require("node:fs/promises") as Record<string, unknown>;
const fsSync = require("node:fs") as Record<string, unknown>;
const probe = await (fsp.open as (p: string, f: string) => Promise<object>)("/dev/null", "r");
const handleProto = Object.getPrototypeOf(probe) as Record<string, unknown>;
await (probe as { close(): Promise<void> }).close();
function wrapAsync(target: Record<string, unknown>, name: string): void {
  const original = target[name];
  if (typeof original !== "function") return;
  target[name] = async function (this: unknown, ...args: unknown[]) {
    const result: unknown = await (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
    // A FileHandle's close is an own property of each handle, not on its prototype.
    if (name === "open" && result !== null && typeof result === "object" && Object.hasOwn(result, "close")) wrapAsync(result as Record<string, unknown>, "close");
    counted();
    return result;
  };
}
function wrapSync(target: Record<string, unknown>, name: string): void {
  const original = target[name];
  if (typeof original !== "function") return;
  target[name] = function (this: unknown, ...args: unknown[]) {
    const result: unknown = (original as (...a: unknown[]) => unknown).apply(this, args);
    counted();
    return result;
  };
}
for (const name of ["open", "writeFile", "appendFile", "rename", "rm", "rmdir", "unlink", "mkdir", "mkdtemp", "copyFile", "cp", "truncate", "link", "symlink"]) wrapAsync(fsp, name);
for (const name of ["writeFile", "write", "sync", "datasync", "close", "truncate", "appendFile"]) wrapAsync(handleProto, name);
for (const name of ["openSync", "writeFileSync", "writeSync", "fsyncSync", "fdatasyncSync", "closeSync", "renameSync", "rmSync", "rmdirSync", "unlinkSync", "mkdirSync", "mkdtempSync", "copyFileSync", "cpSync", "truncateSync", "linkSync"]) wrapSync(fsSync, name);
syncBuiltinESMExports();

async function save(name: "A" | "B"): Promise<void> {
  if (kind === "model") await saveModel(twoModels(name), dir);
  else await writeCheckpoint(dir, checkpointOf(name));
}

if (mode === "inject") {
  await save(which === "B" ? "B" : "A");
  process.stdout.write(`done ${calls}\n`);
} else {
  process.stdout.write("started\n");
  for (let i = 0; ; i++) {
    await save(i % 2 === 0 ? "B" : "A");
    process.stdout.write(`done ${calls}\n`);
  }
}
