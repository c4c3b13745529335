/**
 * Builds the playground, serves dist/ on 127.0.0.1 and opens it in Debian's chromium
 * (playwright-core): the page must train on the wasm backend with no console error and its
 * loss must fall. Runs the page twice: cross-origin isolated (COOP/COEP headers, so the wasm
 * memory is shared and worker threads are possible) and without them, as a static host serves
 * it. A screenshot of each goes to build/.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(here, "dist");
const shots = join(here, "build");
const chromiumPath = "/usr/bin/chromium";
const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
};

interface PlaygroundState {
  losses: number[];
  accuracy: number[];
  done: boolean;
  backend: string;
  sharedMemory: boolean;
  error: string | null;
}

/** As the page formats it. */
function formatLoss(loss: number): string {
  return loss < 1e-3 ? loss.toExponential(2) : loss.toFixed(4);
}

let server: Server;
let base = "";
let context: BrowserContext | null = null;
let profile = "";

function serve(): Promise<string> {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    let file = normalize(join(dist, decodeURIComponent(url.pathname)));
    if (!file.startsWith(dist)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    // ?isolated asks for the headers that make the page cross-origin isolated.
    const isolation = url.searchParams.has("isolated")
      ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" }
      : {};
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream", ...isolation });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => { resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`); }));
}

beforeAll(async () => {
  const build = spawnSync(process.execPath, [join(here, "scripts", "build.mjs")], { cwd: here, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`the playground build failed:\n${build.stdout}\n${build.stderr}`);
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install chromium (CI installs it)`);
  mkdirSync(shots, { recursive: true });
  base = await serve();
  profile = mkdtempSync(join(tmpdir(), "backprop-playground-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1000, height: 760 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await new Promise<void>((resolve) => {
    if (server === undefined) resolve();
    else server.close(() => { resolve(); });
  });
  if (profile !== "") rmSync(profile, { recursive: true, force: true });
});

describe("the built bundle", () => {
  test("no output imports anything left for the browser to resolve (no Node built-ins)", () => {
    const meta = JSON.parse(readFileSync(join(here, "build", "meta.json"), "utf8")) as {
      outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
    };
    const outputs = Object.entries(meta.outputs);
    expect(outputs.map(([out]) => out.split("/").pop()).sort()).toEqual(["backprop.js", "playground.js"]);
    for (const [, output] of outputs) expect(output.imports.filter((i) => i.external === true)).toEqual([]);
    for (const name of ["playground.js", "backprop.js"]) {
      const code = readFileSync(join(dist, name), "utf8");
      // Static and dynamic imports of Node modules (the worker source string that the wasm
      // backend hands to node:worker_threads is `require(...)`, which this does not match).
      expect(code).not.toMatch(/\bfrom\s*["'](node:|fs|path|zlib|events|readline)/);
      expect(code).not.toMatch(/\bimport\s*\(\s*["']node:/);
    }
  });
});

describe.each([
  { name: "cross-origin isolated", query: "?isolated", isolated: true },
  { name: "plain static hosting", query: "", isolated: false },
])("the page, $name", ({ query, isolated }) => {
  test("trains on the wasm backend, the loss falls, no console error", async () => {
    const page = await context!.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || (m.type() === "warning" && m.text().startsWith("backprop:"))) problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    await page.goto(`${base}/${query}`);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(isolated);
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { __playground?: PlaygroundState }).__playground;
        return s !== undefined && (s.error !== null || s.losses.length >= 20);
      },
      undefined,
      { timeout: 30_000, polling: 100 },
    );
    // One evaluate, so that the state and the numbers shown belong to the same epoch.
    const { state, shown } = await page.evaluate(() => ({
      state: (window as unknown as { __playground: PlaygroundState }).__playground,
      shown: { epoch: document.getElementById("epoch")!.textContent, loss: document.getElementById("loss")!.textContent },
    }));
    await page.screenshot({ path: join(shots, `playground${isolated ? "-isolated" : ""}.png`) });
    await page.close();
    expect(problems).toEqual([]);
    expect(state.error).toBeNull();
    expect(state.backend).toBe("wasm");
    expect(state.sharedMemory).toBe(isolated);
    expect(state.losses.length).toBeGreaterThanOrEqual(20);
    for (const loss of state.losses) expect(Number.isFinite(loss)).toBe(true);
    expect(state.losses.at(-1)!).toBeLessThan(0.5 * state.losses[0]);
    expect(state.accuracy.length).toBe(state.losses.length);
    expect(state.accuracy.at(-1)!).toBeGreaterThan(0.8);
    expect(shown).toEqual({ epoch: `${state.losses.length} / 300`, loss: formatLoss(state.losses.at(-1)!) });
  });
});
