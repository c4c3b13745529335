import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError, Generator, RegistryError, ShapeError, Tensor, getRngState, randn, register, unregister } from "@backprop/core";
import {
  BatchNorm2d,
  Conv2d,
  Dropout,
  Embedding,
  Flatten,
  Linear,
  MaxPool2d,
  Module,
  ModuleDict,
  Parameter,
  ReLU,
  Sequential,
  decodeModel,
  encodeModel,
  loadModel,
  saveModel,
} from "./index.js";
import type { JsonObject } from "./index.js";

/**
 * Fault injection into node:fs/promises: `faults.before(call, path)` runs before every call that
 * changes the disk (and before each write and sync through a file handle); it may throw.
 */
const faults = vi.hoisted(() => ({ before: null as null | ((call: string, path: string) => void), calls: [] as string[] }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  const hook = (call: string, path: unknown): void => {
    faults.calls.push(`${call} ${String(path)}`);
    faults.before?.(call, String(path));
  };
  const wrap = <A extends unknown[], R>(call: string, fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    hook(call, args[0]);
    return fn(...args);
  };
  return {
    ...fs,
    mkdir: wrap("mkdir", fs.mkdir),
    rename: wrap("rename", fs.rename),
    rm: wrap("rm", fs.rm),
    writeFile: wrap("writeFile", fs.writeFile),
    open: async (path: string, ...rest: [string?]) => {
      hook("open", path);
      const handle = await fs.open(path, ...rest);
      return new Proxy(handle, {
        get(target, key) {
          if (key === "writeFile") return async (data: Uint8Array | string) => { hook("write", path); return target.writeFile(data); };
          if (key === "sync") return async () => { hook("sync", path); return target.sync(); };
          const v: unknown = Reflect.get(target, key);
          return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
  };
});
afterEach(() => {
  faults.before = null;
});

const root = mkdtempSync(join(tmpdir(), "backprop-layers-io-"));
afterAll(() => { rmSync(root, { recursive: true, force: true }); });
let n = 0;
const fresh = (): string => join(root, `m${++n}`);

function cnn(): Sequential {
  const g = new Generator(11);
  return new Sequential([
    new Conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1, generator: g }),
    new BatchNorm2d({ numFeatures: 4 }),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Dropout({ p: 0.3 }),
    new Flatten(),
    new Linear({ inFeatures: 4 * 2 * 2, outFeatures: 3, generator: g }),
  ]);
}

/** A user layer with its own options and a raw Parameter. */
class Scale extends Module {
  readonly size: number;
  gain: Parameter;
  constructor(options: { size: number }) {
    super();
    this.size = options.size;
    this.gain = new Parameter(randn([options.size]));
  }
  override forward(x: Tensor): Tensor {
    return x.mul(this.gain);
  }
  override config(): JsonObject {
    return { size: this.size };
  }
}

describe("saveModel / loadModel", () => {
  it("round-trips a model with bit-identical outputs, in the safetensors layout", async () => {
    const model = cnn();
    // One training step changes the batch-norm running statistics, which must be saved too.
    model.forward(randn([2, 1, 4, 4]));
    model.eval();
    const dir = fresh();
    await saveModel(model, dir);
    expect(readdirSync(dir).sort()).toEqual(["model.json", "weights.safetensors"]);
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    expect(json.format).toBe("backprop-model");
    expect(json.formatVersion).toBe(1);
    expect(json.model.type).toBe("sequential");
    expect(json.model.config.layers.map((l: { type: string }) => l.type)).toEqual(["conv2d", "batchNorm2d", "relu", "maxPool2d", "dropout", "flatten", "linear"]);
    const bytes = readFileSync(join(dir, "weights.safetensors"));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8"));
    expect(header["1.runningVar"]).toEqual({ dtype: "F32", shape: [4], data_offsets: expect.any(Array) });
    const loaded = await loadModel(dir);
    expect(loaded.training).toBe(false);
    const x = randn([3, 1, 4, 4]);
    expect(Array.from(loaded.forward(x).data())).toEqual(Array.from(model.forward(x).data()));
    expect(loaded.toString()).toBe(model.toString());
  });

  it("round-trips a custom registered layer, and leaves the global RNG alone", async () => {
    register("layer", "test/scale", Scale);
    try {
      const model = new Sequential({ scale: new Scale({ size: 3 }), act: new ReLU() });
      const dir = fresh();
      const rng = getRngState();
      await saveModel(model, dir);
      expect(getRngState()).toEqual(rng);
      const loaded = await loadModel(dir);
      expect(loaded instanceof Sequential && loaded.at(0) instanceof Scale).toBe(true);
      const x = randn([2, 3]);
      expect(loaded.forward(x).toArray()).toEqual(model.forward(x).toArray());
    } finally {
      unregister("layer", "test/scale");
    }
  });

  it("round-trips a registered subclass of Sequential as itself", () => {
    class Tower extends Sequential {}
    register("layer", "test/tower", Tower);
    try {
      const copy = decodeModel(encodeModel(new Tower([new Linear({ inFeatures: 2, outFeatures: 2 }), new ReLU()])));
      expect(copy).toBeInstanceOf(Tower);
      expect(Object.keys(copy.stateDict())).toEqual(["0.weight", "0.bias"]);
    } finally {
      unregister("layer", "test/tower");
    }
  });

    it("refuses an unregistered layer without touching an existing model", async () => {
    const dir = fresh();
    await saveModel(new Linear({ inFeatures: 2, outFeatures: 1 }), dir);
    const before = [readFileSync(join(dir, "model.json")), readFileSync(join(dir, "weights.safetensors"))];
    await expect(saveModel(new Sequential([new Scale({ size: 2 })]), dir)).rejects.toThrow(RegistryError);
    await expect(saveModel(new Sequential([new Scale({ size: 2 })]), dir)).rejects.toThrow(/^saveModel: Scale\(0\) is not a registered layer class/);
    expect(readdirSync(dir).sort()).toEqual(["model.json", "weights.safetensors"]);
    expect(readFileSync(join(dir, "model.json"))).toEqual(before[0]);
    expect(readFileSync(join(dir, "weights.safetensors"))).toEqual(before[1]);
  });

  it("refuses a config that does not rebuild the model", async () => {
    class Forgetful extends Scale {
      override config(): JsonObject {
        return { size: 1 };
      }
    }
    register("layer", "test/forgetful", Forgetful);
    try {
      await expect(saveModel(new Forgetful({ size: 3 }), fresh())).rejects.toThrow(/^saveModel: the model's config does not rebuild it .*gain \(expected \[1\], got \[3\]\)/);
    } finally {
      unregister("layer", "test/forgetful");
    }
  });

  it("names the file and the problem when loading fails", async () => {
    const dir = fresh();
    await saveModel(new Sequential([new Linear({ inFeatures: 4, outFeatures: 2 })]), dir);
    const jsonPath = join(dir, "model.json");
    const weightsPath = join(dir, "weights.safetensors");
    const json = readFileSync(jsonPath, "utf8");
    const weights = readFileSync(weightsPath);

    writeFileSync(jsonPath, json.replace('"linear"', '"lineer"'));
    await expect(loadModel(dir)).rejects.toThrow(RegistryError);
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel: model\.json: no layer "lineer"; did you mean "linear"\?/);

    writeFileSync(jsonPath, json.slice(0, 20));
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel: model\.json is not valid JSON/);

    writeFileSync(jsonPath, json.replace('"formatVersion": 1', '"formatVersion": 7'));
    await expect(loadModel(dir)).rejects.toThrow("loadModel: model.json has format version 7; expected 1");

    writeFileSync(jsonPath, json);
    writeFileSync(weightsPath, weights.subarray(0, weights.length - 8));
    await expect(loadModel(dir)).rejects.toThrow(FormatError);
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel: weights\.safetensors is truncated; header says 40 bytes of data, file has 32$/);

    writeFileSync(jsonPath, json.replace('"outFeatures": 2', '"outFeatures": 3'));
    writeFileSync(weightsPath, weights);
    await expect(loadModel(dir)).rejects.toThrow(ShapeError);
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel: weights\.safetensors does not match model\.json; mis-shaped keys: 0\.weight \(expected \[3, 4\], got \[2, 4\]\), 0\.bias/);

    writeFileSync(jsonPath, json.replace('"bias": true', '"bias": false'));
    await expect(loadModel(dir)).rejects.toThrow(FormatError);
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel: weights\.safetensors does not match model\.json; unexpected keys: 0\.bias$/);

    rmSync(weightsPath);
    writeFileSync(jsonPath, json);
    await expect(loadModel(dir)).rejects.toThrow(FormatError);
    await expect(loadModel(dir)).rejects.toThrow(/^loadModel: cannot read .*\/m\d+\/weights\.safetensors; ENOENT: no such file or directory$/);
    await expect(loadModel(join(root, "nowhere"))).rejects.toThrow(/^loadModel: cannot read .*\/nowhere\/model\.json; ENOENT: no such file or directory$/);
  });

  it("encodes and decodes in memory (browser-safe), e.g. an embedding model", () => {
    const model = new Sequential([new Embedding({ numEmbeddings: 6, embeddingDim: 2, paddingIdx: 0 }), new Flatten()]);
    const copy = decodeModel(encodeModel(model));
    expect(copy.stateDict()["0.weight"].toArray()).toEqual(model.stateDict()["0.weight"].toArray());
    const dict = new ModuleDict({ head: new Linear({ inFeatures: 2, outFeatures: 2 }) });
    const dictCopy = decodeModel(encodeModel(dict));
    expect(dictCopy).toBeInstanceOf(ModuleDict);
    expect(dictCopy.stateDict()["head.weight"].toArray()).toEqual(dict.stateDict()["head.weight"].toArray());
    expect(copy.toString()).toBe("Sequential(\n  (0): Embedding(numEmbeddings=6, embeddingDim=2, paddingIdx=0)\n  (1): Flatten(startAxis=1, endAxis=-1)\n)");
  });
});

/** The models of test-fixtures/save-loop.ts. */
function saveLoopModel(hidden: number, seed: number): Sequential {
  const g = new Generator(seed);
  return new Sequential([new Linear({ inFeatures: 32, outFeatures: hidden, generator: g }), new ReLU(), new Linear({ inFeatures: hidden, outFeatures: 10, generator: g })]);
}

/** The state dict as plain arrays, to compare models. */
function weightsOf(model: Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.data() as Float32Array)]));
}

/**
 * Names in `dir` and beside it that are neither the model folder nor its two files (`dir` is
 * absent after a kill between moving the old folder aside and renaming the new one in).
 */
function leftovers(dir: string): string[] {
  const inside = existsSync(dir) ? readdirSync(dir).filter((n) => n !== "model.json" && n !== "weights.safetensors") : [];
  const beside = readdirSync(dirname(dir)).filter((n) => n !== dir.split("/").pop());
  return [...inside, ...beside];
}

const enospc = (path: string): Error => Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: "ENOSPC", errno: -28, syscall: "write", path });

describe("saveModel is crash-safe", () => {
  const here = dirname(fileURLToPath(import.meta.url));

  /** A model folder alone in its own parent, so that leftovers beside it are visible. */
  const isolated = (): string => {
    const parent = fresh();
    mkdirSync(parent);
    return join(parent, "model");
  };

  it("a failure at any step of a save (disk full, a throwing write, a failed rename) leaves the old or the new model, and no temporary files", async () => {
    const narrow = saveLoopModel(64, 1);
    const wide = saveLoopModel(96, 2);
    // Count the disk-changing calls of one clean save, then fail each of them in turn.
    const probe = isolated();
    await saveModel(narrow, probe);
    faults.calls = [];
    await saveModel(wide, probe);
    const steps = faults.calls.length;
    expect(steps).toBeGreaterThanOrEqual(4);
    for (let k = 0; k < steps; k++) {
      const dir = isolated();
      await saveModel(narrow, dir);
      let n = 0;
      let failedAt = "";
      faults.before = (call, path) => {
        if (n++ === k) {
          failedAt = `${call} ${path}`;
          throw enospc(path);
        }
      };
      const outcome = await saveModel(wide, dir).then(() => "saved", (e: unknown) => e);
      faults.before = null;
      if (outcome !== "saved") {
        expect(outcome, failedAt).toBeInstanceOf(FormatError);
        expect((outcome as Error).message, failedAt).toMatch(/^saveModel: cannot (write|replace) .*model.*; ENOSPC: no space left on device/);
      }
      const loaded = await loadModel(dir);
      expect([weightsOf(narrow), weightsOf(wide)], failedAt).toContainEqual(weightsOf(loaded));
      expect(leftovers(dir), failedAt).toEqual([]);
    }
  });

  it("concurrent saves to one folder do not collide: the folder holds one of the models, whole", async () => {
    const dir = isolated();
    // Sizes far apart, so that the saves' writes take different times and their renames interleave.
    const models = [8, 1024, 16, 512, 32, 256].map((h, i) => saveLoopModel(h, i));
    const expected = models.map(weightsOf);
    for (let round = 0; round < 5; round++) {
      await Promise.all(models.map((m) => saveModel(m, dir)));
      expect(expected).toContainEqual(weightsOf(await loadModel(dir)));
      expect(leftovers(dir)).toEqual([]);
    }
  });

  it("refuses to replace a folder that holds other files", async () => {
    const dir = isolated();
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    await expect(saveModel(saveLoopModel(4, 1), dir)).rejects.toThrow(/^saveModel: .*model holds files that saveModel did not write \(notes\.txt\)/);
    expect(readdirSync(dir)).toEqual(["notes.txt"]);
  });

  it.runIf(process.env.BACKPROP_BACKEND === undefined || process.env.BACKPROP_BACKEND === "js")(
    "SIGKILL at random moments of saves, a wide model over a narrow one and back, always leaves one of them loadable",
    async () => {
      const dir = isolated();
      const expected = { 64: weightsOf(saveLoopModel(64, 1)), 96: weightsOf(saveLoopModel(96, 2)) };
      await saveModel(saveLoopModel(64, 1), dir);
      const child = join(here, "..", "test-fixtures", "save-loop.ts");
      const deadline = Date.now() + 18_000;
      let kills = 0;
      let before: string[] = [];
      while (Date.now() < deadline && kills < 40) {
        const { pid, saves } = await new Promise<{ pid: number; saves: number }>((resolve, reject) => {
          // node itself with tsx as a loader (tsx's CLI would run the script in a grandchild that SIGKILL misses)
          const p = spawn(process.execPath, ["--import", "tsx", "--conditions=@backprop/source", child, dir], { cwd: here, stdio: ["ignore", "pipe", "pipe"] });
          let out = "";
          let err = "";
          p.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
          p.stdout.on("data", (chunk: Buffer) => {
            if (out === "") setTimeout(() => p.kill("SIGKILL"), Math.random() * 300);
            out += chunk.toString();
          });
          p.on("error", reject);
          // "close" comes after the child's output is read: each completed save printed a line.
          p.on("close", (code, signal) => {
            if (signal === "SIGKILL") resolve({ pid: p.pid!, saves: out.split("\n").filter((l) => l === "saved").length });
            else reject(new Error(`save-loop exited ${code}: ${err}`));
          });
        });
        kills++;
        const loaded = await loadModel<Sequential>(dir);
        const first = loaded.at(0);
        const hidden = first instanceof Linear ? first.outFeatures : -1;
        expect([64, 96]).toContain(hidden);
        expect(weightsOf(loaded)).toEqual(expected[hidden as 64 | 96]);
        // What the killed save left: its own temporary folder and the old one it moved aside, at
        // most; earlier leftovers only if it never completed a save (each save removes them).
        const left = leftovers(dir);
        const own = left.filter((n) => n.includes(`.tmp-${pid}-`) || n.includes(`.old-${pid}-`));
        expect(own.length).toBeLessThanOrEqual(2);
        expect(left.filter((n) => !own.includes(n)), `${saves} saves completed`).toEqual(saves > 0 ? [] : left.filter((n) => !own.includes(n) && before.includes(n)));
        before = left;
      }
      expect(kills).toBeGreaterThanOrEqual(3);
      // The next save cleans up what killed ones left.
      await saveModel(saveLoopModel(64, 1), dir);
      expect(leftovers(dir)).toEqual([]);
    },
    60_000,
  );
});
