/**
 * Item 1 of issue 16's fuzz suite: every loader, fed mutated files, throws one of core's named
 * errors or loads exactly what the bytes say, without hanging, crashing or blowing up memory:
 * loadModel on mutated model folders (saveModel output of small models), decodeSafetensors,
 * parseIdx/readIdx (raw, gzip, gzip bombs) and parseCsv/readCsv. The expected values come from
 * this suite's own readers (src/support/safetensors.ts, src/support/idx.ts), not the library's.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, it } from "vitest";
import { manualSeed } from "@backprop/core";
import { BatchNorm2d, Conv2d, Dropout, Embedding, Flatten, LSTM, LayerNorm, Linear, MaxPool2d, ReLU, Sequential, saveModel } from "@backprop/layers";
import type { AnyModule } from "@backprop/layers";
import type { LoadReply, TensorData } from "./children/loaders.js";
import { check } from "./support/config.js";
import { readIdxBytes, writeIdx } from "./support/idx.js";
import { jsonMutationArb, mutateJson, mutateWeights, weightsMutationArb } from "./support/mutations.js";
import { expectNamed, runChecked } from "./support/outcomes.js";
import { floatTypes, readSafetensors, sameValue } from "./support/safetensors.js";
import { Sandbox } from "./support/sandbox.js";

// Loaders read files of a few hundred bytes: nothing legitimate takes seconds or 600 MiB.
const limits = { timeoutMs: 5_000, rssLimitMb: 600 };
let sandbox = new Sandbox(limits);
let root: string;
let caseNo = 0;

const fixtures: { name: string; json: string; weights: Uint8Array }[] = [];

function models(): [string, AnyModule][] {
  manualSeed(16);
  return [
    ["mlp", new Sequential([new Linear({ inFeatures: 4, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 3 })])],
    ["cnn", new Sequential([new Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3 }), new BatchNorm2d({ numFeatures: 2 }), new MaxPool2d({ kernelSize: 2 }), new Flatten(), new Linear({ inFeatures: 2, outFeatures: 2 })])],
    ["lstm", new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, batchFirst: true })],
    ["embedding", new Sequential([new Embedding({ numEmbeddings: 10, embeddingDim: 4 }), new LayerNorm({ normalizedShape: 4 }), new Dropout({ p: 0.1 })])],
  ];
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "backprop-fuzz-files-"));
  for (const [name, model] of models()) {
    const dir = join(root, `fixture-${name}`);
    await saveModel(model, dir);
    fixtures.push({ name, json: readFileSync(join(dir, "model.json"), "utf8"), weights: new Uint8Array(readFileSync(join(dir, "weights.safetensors"))) });
  }
});
beforeEach(async () => {
  await sandbox.close();
  sandbox = new Sandbox(limits);
});
afterAll(async () => {
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

function caseDir(): string {
  const dir = join(root, `case-${++caseNo}`);
  mkdirSync(dir);
  return dir;
}

async function load<T>(request: unknown): Promise<LoadReply<T>> {
  return runChecked<LoadReply<T>>(sandbox, request);
}

function same(got: TensorData, want: { shape: number[]; values: number[] }, what: string): void {
  if (got.shape.join() !== want.shape.join()) throw new Error(`${what} loaded with shape [${got.shape.join(", ")}]; the file says [${want.shape.join(", ")}]`);
  const bad = got.values.findIndex((v, i) => !sameValue(v, want.values[i], got.dtype));
  if (got.values.length !== want.values.length || bad >= 0) {
    throw new Error(`${what} loaded ${got.dtype} value ${got.values[bad]} at element ${bad}; the file holds ${want.values[bad]}`);
  }
}

describe("model folders", () => {
  it("loadModel on mutated model.json and weights.safetensors: a named error or exactly the file's weights", async () => {
    const arb = fc.record({
      model: fc.nat(fixtures.length - 1),
      json: fc.array(jsonMutationArb, { maxLength: 2 }),
      weights: fc.array(weightsMutationArb, { maxLength: 2 }),
    });
    await check(
      arb,
      async ({ model, json, weights }) => {
        const fixture = fixtures[model];
        const { text, effect } = mutateJson(fixture.json, json);
        const bytes = mutateWeights(fixture.weights, weights);
        const dir = caseDir();
        writeFileSync(join(dir, "model.json"), text);
        writeFileSync(join(dir, "weights.safetensors"), bytes);
        const reply = await load<Record<string, TensorData>>({ kind: "loadModel", dir });
        rmSync(dir, { recursive: true, force: true });
        if (!reply.ok) { expectNamed(reply.error, `loadModel (${fixture.name})`); return; }
        // Loaded: it must be exactly what the files say.
        if (effect.badSize !== undefined) throw new Error(`loadModel (${fixture.name}) accepted the size ${effect.badSize}; expected a named error`);
        if (effect.badFlag !== undefined) throw new Error(`loadModel (${fixture.name}) accepted the boolean ${effect.badFlag}; expected a named error`);
        const file = readSafetensors(bytes);
        if (!file.ok) throw new Error(`loadModel (${fixture.name}) loaded a weights file that is not valid safetensors (${file.problem})`);
        const keys = Object.keys(reply.value);
        if (keys.length !== file.tensors.size) throw new Error(`loadModel (${fixture.name}) loaded ${keys.length} tensors from a file of ${file.tensors.size}`);
        for (const key of keys) {
          const got = reply.value[key];
          const want = file.tensors.get(key);
          if (want === undefined) throw new Error(`loadModel (${fixture.name}) loaded "${key}", which the file does not hold`);
          const float = got.dtype === "float32" || got.dtype === "float64";
          const fits = float ? floatTypes.has(want.dtype) : want.dtype === { int32: "I32", bool: "BOOL" }[got.dtype];
          if (!fits) throw new Error(`loadModel (${fixture.name}) loaded "${key}" stored as ${want.dtype} into a ${got.dtype} tensor without a word; expected a named error (or an explicit option)`);
          same(got, want, `loadModel (${fixture.name}) "${key}"`);
        }
      },
      {
        numRuns: 150,
        budgetMs: 20_000,
        // The reproductions: LSTM numLayers 100000, inFeatures 1e9, a Sequential 3000 deep, I32 weights.
        examples: [
          { model: 2, json: [{ kind: "setSize", at: 2, value: 100_000 }], weights: [] },
          { model: 0, json: [{ kind: "setSize", at: 0, value: 1e9 }], weights: [] },
          { model: 0, json: [{ kind: "nest", depth: 3000 }], weights: [] },
          { model: 0, json: [], weights: [{ kind: "retype", at: 0, dtype: "I32" }] },
        ],
      },
    );
  });
});

describe("safetensors", () => {
  it("decodeSafetensors on mutated bytes: a named error or exactly the file's tensors", async () => {
    const arb = fc.record({ model: fc.nat(fixtures.length - 1), weights: fc.array(weightsMutationArb, { minLength: 1, maxLength: 3 }) });
    await check(
      arb,
      async ({ model, weights }) => {
        const bytes = mutateWeights(fixtures[model].weights, weights);
        const reply = await load<Record<string, TensorData>>({ kind: "decodeSafetensors", bytes });
        if (!reply.ok) { expectNamed(reply.error, "decodeSafetensors"); return; }
        const file = readSafetensors(bytes);
        if (!file.ok) throw new Error(`decodeSafetensors accepted bytes that are not valid safetensors (${file.problem})`);
        if (Object.keys(reply.value).length !== file.tensors.size) throw new Error(`decodeSafetensors gave ${Object.keys(reply.value).length} tensors from a file of ${file.tensors.size}`);
        for (const [name, want] of file.tensors) {
          const got = reply.value[name] as TensorData | undefined;
          if (got === undefined) throw new Error(`decodeSafetensors lost tensor "${name}"`);
          same(got, want, `decodeSafetensors "${name}" (${want.dtype})`);
        }
      },
      { numRuns: 300, budgetMs: 10_000 },
    );
  });
});

// ---- IDX ----

type ByteEdit = { kind: "flip"; at: number; xor: number } | { kind: "truncate"; keep: number } | { kind: "append"; bytes: number } | { kind: "dim"; at: number; value: number } | { kind: "byte"; at: 2 | 3; value: number };

const byteEditArb: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), keep: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }) }),
  fc.record({ kind: fc.constant("append" as const), bytes: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant("dim" as const), at: fc.nat(3), value: fc.constantFrom(0, 1, 5, 1e6, 2 ** 31, 2 ** 32 - 1, 0x10000) }),
  fc.record({ kind: fc.constant("byte" as const), at: fc.constantFrom(2 as const, 3 as const), value: fc.constantFrom(0, 1, 4, 0x08, 0x0a, 0x0e, 0xff) }),
);

function editBytes(original: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let bytes = original.slice();
  for (const e of edits) {
    if (e.kind === "flip" && bytes.length > 0) bytes[Math.floor(e.at * bytes.length)] ^= e.xor;
    else if (e.kind === "truncate") bytes = bytes.slice(0, Math.floor(e.keep * bytes.length));
    else if (e.kind === "append") {
      const out = new Uint8Array(bytes.length + e.bytes).fill(7);
      out.set(bytes);
      bytes = out;
    } else if (e.kind === "dim" && bytes.length >= 8 + 4 * e.at) new DataView(bytes.buffer).setUint32(4 + 4 * e.at, e.value, false);
    else if (e.kind === "byte" && bytes.length > e.at) bytes[e.at] = e.value;
  }
  return bytes;
}

type Packing = "raw" | "gzip" | "gzip-truncated" | "gzip-flipped";

function pack(bytes: Uint8Array, packing: Packing): Uint8Array {
  if (packing === "raw") return bytes;
  const gz = new Uint8Array(gzipSync(bytes));
  if (packing === "gzip") return gz;
  if (packing === "gzip-truncated") return gz.slice(0, Math.max(2, gz.length - 5));
  gz[Math.min(12, gz.length - 1)] ^= 0x5a;
  return gz;
}

function inflated(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch {
    return null;
  }
}

describe("IDX", () => {
  it("parseIdx and readIdx on mutated files, raw and gzip: a named error or exactly the file's elements", async () => {
    const arb = fc.record({
      type: fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e),
      dims: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
      values: fc.array(fc.constantFrom(0, 1, 127, 255, -1, -128, 1.5, 1e30, NaN), { minLength: 1, maxLength: 4 }),
      edits: fc.array(byteEditArb, { maxLength: 2 }),
      packing: fc.constantFrom("raw", "raw", "gzip", "gzip-truncated", "gzip-flipped"),
      viaFile: fc.boolean(),
    });
    await check(
      arb,
      async ({ type, dims, values, edits, packing, viaFile }) => {
        const bytes = pack(editBytes(writeIdx(type, dims, values), edits), packing);
        let reply: LoadReply<{ type: string; shape: number[]; values: number[] }>;
        if (viaFile || packing !== "raw") {
          const path = join(caseDir(), "data-idx3-ubyte");
          writeFileSync(path, bytes);
          reply = await load({ kind: "readIdx", path });
        } else reply = await load({ kind: "parseIdx", bytes });
        if (!reply.ok) { expectNamed(reply.error, "readIdx/parseIdx"); return; }
        const content = inflated(bytes);
        if (content === null) throw new Error("readIdx loaded a broken gzip stream");
        const ref = readIdxBytes(content);
        if (!ref.ok) throw new Error(`readIdx/parseIdx loaded a file that is not valid IDX (${ref.problem})`);
        if (reply.value.type !== ref.type || reply.value.shape.join() !== ref.shape.join()) {
          throw new Error(`readIdx/parseIdx loaded ${reply.value.type} [${reply.value.shape.join(", ")}]; the file holds ${ref.type} [${ref.shape.join(", ")}]`);
        }
        const bad = ref.values.findIndex((v, i) => !Object.is(v, reply.value.values[i]) && !(Number.isNaN(v) && Number.isNaN(reply.value.values[i])));
        if (bad >= 0) throw new Error(`readIdx/parseIdx loaded ${reply.value.values[bad]} at element ${bad}; the file holds ${ref.values[bad]}`);
      },
      { numRuns: 200, budgetMs: 10_000 },
    );
  });
});

// ---- CSV ----

const numberCells = ["1", "-2.5", " 3 ", "+.5", "1e3", "0", "-0", "1e-50", "9007199254740993", "2.5e-3"];
const badCells = ["1e400", "-1e400", "NaN", "Infinity", "0x10", "", "abc", "1_000", "1,5", '"2"', "1 2", "٣"];
const labelCells = ["0", "1", "2", "cat", "dog", "2147483648", "-2147483649", "4294967296", "1.5", "1e3", "01", "+3", " 4 ", ""];
const decimal = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

interface CsvCase {
  header: boolean;
  names: string[];
  rows: string[][];
  label: { by: "name" | "index"; column: number } | null;
  delimiter: string;
  edit: { kind: "none" } | { kind: "truncate"; keep: number } | { kind: "insert"; at: number; text: string };
  gzip: boolean;
}

const csvArb: fc.Arbitrary<CsvCase> = fc.integer({ min: 1, max: 4 }).chain((width) =>
  fc.record({
    header: fc.boolean(),
    names: fc.array(fc.constantFrom("a", "b", "c", "label", " x ", "a"), { minLength: width, maxLength: width }),
    rows: fc.array(
      fc.array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...numberCells) }, { weight: 1, arbitrary: fc.constantFrom(...badCells) }, { weight: 2, arbitrary: fc.constantFrom(...labelCells) }), { minLength: width, maxLength: width }),
      { minLength: 1, maxLength: 5 },
    ),
    label: fc.option(fc.record({ by: fc.constantFrom<"name" | "index">("name", "index"), column: fc.nat(width - 1) }), { nil: null }),
    delimiter: fc.constantFrom(",", ",", ";", "\t"),
    edit: fc.oneof(
      { weight: 4, arbitrary: fc.constant({ kind: "none" as const }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), keep: fc.double({ min: 0, max: 1, noNaN: true }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("insert" as const), at: fc.nat(200), text: fc.constantFrom('"', "\n", ",", "\r\n", "\u0000", "1e999", "\uFEFF") }) },
    ),
    gzip: fc.boolean(),
  }),
);

function field(text: string, delimiter: string): string {
  return text.includes(delimiter) || text.includes('"') ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvText(c: CsvCase): string {
  const lines = c.rows.map((row) => row.map((cell) => field(cell, c.delimiter)).join(c.delimiter));
  if (c.header) lines.unshift(c.names.map((n) => field(n, c.delimiter)).join(c.delimiter));
  let text = `${lines.join("\n")}\n`;
  if (c.edit.kind === "truncate") text = text.slice(0, Math.floor(text.length * c.edit.keep));
  else if (c.edit.kind === "insert") text = text.slice(0, c.edit.at % (text.length + 1)) + c.edit.text + text.slice(c.edit.at % (text.length + 1));
  return text;
}

interface CsvResult {
  x: TensorData;
  y: TensorData | null;
  columns: string[];
  classes: string[];
}

/** What a successful parse must hold; `exact` when the text is as generated (cells known). */
function checkCsv(c: CsvCase, r: CsvResult, exact: boolean): void {
  const bad = r.x.values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`parseCsv loaded the feature ${r.x.values[bad]} (element ${bad}); expected a named error for a cell that is not a finite number`);
  if (r.y !== null) {
    const wrapped = r.y.values.findIndex((v) => !Number.isSafeInteger(v));
    if (wrapped >= 0) throw new Error(`parseCsv loaded the label ${r.y.values[wrapped]}`);
  }
  if (!exact) return;
  const rows = c.rows.filter((row) => row.map((cell) => field(cell, c.delimiter)).join(c.delimiter).trim() !== "");
  const names = c.header ? c.names.map((n) => n.trim()) : c.names.map((_, i) => `column ${i + 1}`);
  const labelIndex = c.label === null ? -1 : c.label.by === "index" ? c.label.column : names.indexOf(names[c.label.column]);
  const features = names.map((_, i) => i).filter((i) => i !== labelIndex);
  rows.forEach((row, r0) => { features.forEach((col, j) => {
      const cell = row[col];
      const got = r.x.values[r0 * features.length + j];
      if (!decimal.test(cell)) throw new Error(`parseCsv accepted the cell ${JSON.stringify(cell)} (row ${r0 + 1}, column ${col + 1}) as ${got}; expected a named error`);
      if (!Object.is(got, Math.fround(Number(cell))) && !(got === 0 && Number(cell) === 0)) throw new Error(`parseCsv read the cell ${JSON.stringify(cell)} as ${got}`);
    }); },
  );
  if (labelIndex < 0 || r.y === null) return;
  const labels = rows.map((row) => row[labelIndex].trim());
  const integer = labels.map((s) => /^[+-]?\d+$/.test(s));
  if (integer.some(Boolean) && !integer.every(Boolean)) {
    throw new Error(`parseCsv turned the label column [${labels.map((s) => JSON.stringify(s)).join(", ")}] (integers and other text) into classes ${JSON.stringify(r.classes)}; expected a named error naming the first label that is not an integer`);
  }
  labels.forEach((s, i) => {
    const got = r.y!.values[i];
    if (integer[i]) {
      if (got !== Number(s)) throw new Error(`parseCsv read the label ${JSON.stringify(s)} as ${got}; expected that integer or a named error`);
    } else if (r.classes[got] !== s) throw new Error(`parseCsv gave the label ${JSON.stringify(s)} class ${got} (${JSON.stringify(r.classes[got])})`);
  });
}

describe("CSV", () => {
  it("parseCsv and readCsv on generated and mutated CSV: a named error or exactly the cells' numbers and labels", async () => {
    await check(
      csvArb,
      async (c) => {
        const text = csvText(c);
        const options = {
          header: c.header,
          delimiter: c.delimiter,
          ...(c.label === null ? {} : { label: c.label.by === "index" ? c.label.column : c.header ? c.names[c.label.column].trim() : c.label.column }),
        };
        let reply: LoadReply<CsvResult>;
        if (c.gzip) {
          const path = join(caseDir(), "data.csv.gz");
          writeFileSync(path, gzipSync(text));
          reply = await load({ kind: "readCsv", path, options });
        } else reply = await load({ kind: "parseCsv", text, options });
        if (!reply.ok) { expectNamed(reply.error, "parseCsv/readCsv"); return; }
        checkCsv(c, reply.value, c.edit.kind === "none");
      },
      { numRuns: 300, budgetMs: 10_000 },
    );
  });
});

// ---- gzip bombs ----

/** A gzip file of `head` followed by `mib` MiB of zeros: concatenated members, about 1 KiB per MiB. */
function gzipBomb(head: Uint8Array, mib: number): Uint8Array {
  const member = new Uint8Array(gzipSync(new Uint8Array(1 << 20), { level: 9 }));
  const first = new Uint8Array(gzipSync(head));
  const out = new Uint8Array(first.length + member.length * mib);
  out.set(first);
  for (let i = 0; i < mib; i++) out.set(member, first.length + i * member.length);
  return out;
}

describe("gzip bombs", () => {
  it("readIdx and readCsv refuse a small gzip file that inflates to 768 MiB without inflating it whole", async () => {
    const arb = fc.record({ loader: fc.constantFrom("readIdx", "readCsv"), head: fc.constantFrom("zeros", "idx-header", "csv-header") });
    await check(
      arb,
      async ({ loader, head }) => {
        const first = head === "zeros" ? new Uint8Array(16) : head === "idx-header" ? writeIdx(0x08, [4], [1, 2, 3, 4]) : new TextEncoder().encode("a,b\n1,2\n");
        const path = join(caseDir(), loader === "readIdx" ? "bomb-idx1-ubyte.gz" : "bomb.csv.gz");
        writeFileSync(path, gzipBomb(first, 768));
        const reply = await load<unknown>({ kind: loader, path, options: {} });
        rmSync(path);
        // 768 MiB of zeros after the head: no valid IDX or CSV file, and more than the RSS limit.
        if (reply.ok) throw new Error(`${loader} loaded a gzip bomb (${head} then 768 MiB of zeros)`);
        expectNamed(reply.error, loader);
      },
      { numRuns: 3, budgetMs: 15_000, examples: [{ loader: "readIdx", head: "zeros" }] },
    );
  });
});
