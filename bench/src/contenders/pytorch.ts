/**
 * PyTorch (Debian's python3-torch, run by /usr/bin/python3) in a child process that runs
 * bench/python/torch_bench.py: the same workloads, timing rules and MNIST arrays (handed over
 * as raw float32/int32 files). Two variants: glibc's default allocator settings, and "tuned"
 * (`GLIBC_TUNABLES` raising the mmap and trim thresholds), because PyTorch's allocator otherwise
 * returns memory to the OS every step and pays the page faults again.
 * @module
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "../timing.js";
import type { Contender, EpochTiming, MnistArrays, TrainResult } from "../types.js";

const python = "/usr/bin/python3";
const script = fileURLToPath(new URL("../../python/torch_bench.py", import.meta.url));
const tunables = "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824";

/** Runs python with `args`; resolves to stdout, rejects with stderr's last line. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(python, args, { env, maxBuffer: 1 << 24, timeout: 600_000 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(stderr.trim().split("\n").pop() ?? error.message));
    });
  });
}

/** The MNIST arrays written once to a temporary folder for the child processes. */
let files: { dir: string; images: string; labels: string; data: MnistArrays } | undefined;

function dataFiles(data: MnistArrays): { images: string; labels: string } {
  if (files?.data !== data) {
    if (files !== undefined) rmSync(files.dir, { recursive: true, force: true });
    const dir = mkdtempSync(join(tmpdir(), "backprop-bench-"));
    const images = join(dir, "images.f32");
    const labels = join(dir, "labels.i32");
    writeFileSync(images, new Uint8Array(data.images.buffer, data.images.byteOffset, data.images.byteLength));
    writeFileSync(labels, new Uint8Array(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength));
    process.once("exit", () => { rmSync(dir, { recursive: true, force: true }); });
    files = { dir, images, labels, data };
  }
  return files;
}

/**
 * PyTorch with `threads` intra-op threads (0: PyTorch's default, one per core), with glibc's
 * default allocator settings or the tuned ones.
 */
export function pytorch(options: { tuned: boolean; threads: number }): Contender {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.tuned) env.GLIBC_TUNABLES = tunables;
  else delete env.GLIBC_TUNABLES;
  const ask = async (request: object): Promise<Record<string, unknown>> => {
    const out = await run([script, JSON.stringify({ ...request, threads: options.threads })], env);
    return JSON.parse(out.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
  };
  let version = "";
  return {
    name: `pytorch${options.threads > 0 ? ` ${options.threads}T` : ""}${options.tuned ? " tuned" : ""}`,
    async load() {
      try {
        await run(["-c", "import torch"], env);
      } catch (error) {
        return `${python} -c 'import torch' failed (${error instanceof Error ? error.message : String(error)}); install Debian's python3-torch`;
      }
      const info = await ask({ task: "matmul", n: 8, warmup: 0, reps: 1 });
      version = `torch ${String(info.torch)}, ${String(info.threads)} threads`;
      return undefined;
    },
    get version() {
      return version;
    },
    async matmul(n, timing) {
      const out = await ask({ task: "matmul", n, warmup: timing.warmup, reps: timing.reps });
      const seconds = out.seconds as number[];
      return { seconds, median: median(seconds) };
    },
    async train(spec, data, plan): Promise<TrainResult> {
      const { images, labels } = dataFiles(data);
      const out = await ask({ task: "train", ...spec, images, labels, count: data.count, ...plan });
      return { epochs: out.epochs as EpochTiming[] };
    },
  };
}
