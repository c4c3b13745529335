/**
 * Builds the documentation site, serves it on 127.0.0.1 and visits every page in Debian's
 * chromium (playwright-core): a broken internal link or anchor, a failed request, a console
 * error or an image that does not load fails the test. Screenshots of the home page, an API
 * page and a tutorial page go to build/screenshots/. The live playground page must train in the
 * page: its loss falls. With BACKPROP_DOCS_PREBUILT=1 the site
 * already in docs/site is checked as it is (after `npm run docs`), without building it again.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { root } from "./extract.js";

const site = join(root, "docs", "site");
const shots = join(root, "apps", "docs-tests", "build", "screenshots");
const chromiumPath = "/usr/bin/chromium";
const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css",
  ".js": "text/javascript",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

let server: Server;
let base = "";
let context: BrowserContext | null = null;
let profile = "";

function serve(): Promise<string> {
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    let file = normalize(join(site, path));
    if (!file.startsWith(site)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => { resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`); }));
}

function buildSite(): void {
  const build = spawnSync(process.execPath, ["--import", "tsx", join(root, "apps", "docs-tests", "src", "site", "build.ts")], {
    cwd: root,
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`npm run docs failed:\n${build.stdout}\n${build.stderr}`);
}

beforeAll(async () => {
  if (process.env.BACKPROP_DOCS_PREBUILT !== "1") buildSite();
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install chromium (.ci/run installs it)`);
  base = await serve();
  profile = mkdtempSync(join(tmpdir(), "backprop-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  await context?.close();
  await new Promise<void>((resolve) => { if (server) server.close(() => { resolve(); }); else resolve(); });
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test("every page of the site loads with no broken link, console error or missing image", { timeout: 900_000 }, async () => {
  const ctx = context!;
  const problems: string[] = [];
  const queue = ["/index.html"];
  const seen = new Set(queue);
  const ids = new Map<string, Set<string>>();
  const anchorLinks: [from: string, path: string, id: string][] = [];

  /** One tab working through the shared queue. */
  async function worker(): Promise<void> {
    const page = await ctx.newPage();
    let current = "";
    page.on("console", (msg) => { if (msg.type() === "error") problems.push(`${current}: console error: ${msg.text()}`); });
    page.on("pageerror", (err) => problems.push(`${current}: uncaught ${err.message}`));
    page.on("response", (res) => { if (res.url().startsWith(base) && res.status() >= 400) problems.push(`${current}: ${res.status()} for ${res.url().slice(base.length)}`); });
    // A request the tab abandons when it moves on to the next page (the favicon, typically) is
    // not a fault; a missing file shows up as a 404 above.
    page.on("requestfailed", (req) => {
      if (req.url().startsWith(base) && req.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`${current}: request failed ${req.url().slice(base.length)} (${req.failure()?.errorText ?? "?"})`);
    });
    for (let next = queue.shift(); next !== undefined || busy > 0; next = queue.shift()) {
      if (next === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      busy++;
      current = next;
      try {
        const res = await page.goto(base + current, { waitUntil: "load" });
        if (!res?.ok()) continue; // reported by the response handler
        const facts = await page.evaluate(() => ({
          links: Array.from(document.querySelectorAll("a[href]"), (a) => (a as HTMLAnchorElement).href),
          brokenImages: Array.from(document.images).filter((img) => !img.complete || img.naturalWidth === 0).map((img) => img.src),
          ids: Array.from(document.querySelectorAll("[id]"), (e) => e.id),
        }));
        ids.set(current, new Set(facts.ids));
        for (const src of facts.brokenImages) problems.push(`${current}: image did not load: ${src}`);
        for (const href of facts.links) {
          if (!href.startsWith(base)) continue; // external links are not followed (no network here)
          const url = new URL(href);
          const path = url.pathname.endsWith("/") ? `${url.pathname}index.html` : url.pathname;
          if (!existsSync(join(site, decodeURIComponent(path)))) {
            problems.push(`${current}: broken link to ${path}`);
            continue;
          }
          if (url.hash.length > 1) anchorLinks.push([current, path, decodeURIComponent(url.hash.slice(1))]);
          if (path.endsWith(".html") && !seen.has(path)) {
            seen.add(path);
            queue.push(path);
          }
        }
      } finally {
        busy--;
      }
    }
    await page.close();
  }
  let busy = 0;
  await Promise.all([worker(), worker(), worker()]);

  for (const [from, path, id] of anchorLinks) {
    // typedoc's class hierarchy page draws its entries with a script after load.
    if (path === "/hierarchy.html") continue;
    const known = ids.get(path);
    if (known && !known.has(id)) problems.push(`${from}: no anchor #${id} in ${path}`);
  }
  const unique = [...new Set(problems)];
  expect(unique, `${unique.length} problem(s) on ${seen.size} pages:\n${unique.slice(0, 60).join("\n")}`).toEqual([]);
  expect(seen.size).toBeGreaterThan(100);
});

test("screenshots of the home page, an API page and a tutorial page", async () => {
  const tutorials = join(site, "tutorials");
  const tutorial = existsSync(tutorials) ? readdirSync(tutorials).filter((f) => /^\d.*\.html$/.test(f)).sort()[0] : undefined;
  expect(tutorial, "no rendered tutorial page in docs/site/tutorials (are there executed notebooks in apps/notebooks/build?)").toBeTruthy();
  const apiPage = readdirSync(join(site, "functions")).find((f) => f.endsWith(".defineOp.html"));
  expect(apiPage, "no API page for defineOp").toBeTruthy();
  mkdirSync(shots, { recursive: true });
  const page = await context!.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  for (const [name, path] of [["home", "/index.html"], ["api-defineOp", `/functions/${apiPage!}`], ["tutorial", `/tutorials/${tutorial!}`]] as const) {
    await page.goto(base + path, { waitUntil: "load" });
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
    expect(statSync(join(shots, `${name}.png`)).size).toBeGreaterThan(5000);
  }
  await page.close();
});

test("the live playground trains in the page: the loss falls", { timeout: 120_000 }, async () => {
  mkdirSync(shots, { recursive: true });
  expect(existsSync(join(site, "playground", "index.html")), "no docs/site/playground/: the playground build (apps/playground) did not run before the site build").toBe(true);
  const page = await context!.newPage();
  const problems: string[] = [];
  page.on("console", (msg) => { if (msg.type() === "error") problems.push(`console error: ${msg.text()}`); });
  page.on("pageerror", (err) => problems.push(`uncaught ${err.message}`));
  await page.goto(`${base}/playground/index.html`, { waitUntil: "load" });
  interface State { losses: number[]; accuracy: number[]; backend: string; error: string | null }
  await page.waitForFunction(() => {
    const s = (window as unknown as { __playground?: State }).__playground;
    return s !== undefined && (s.error !== null || s.losses.length >= 20);
  }, undefined, { timeout: 60_000, polling: 100 });
  const state = await page.evaluate(() => (window as unknown as { __playground: State }).__playground);
  await page.screenshot({ path: join(shots, "playground.png") });
  await page.close();
  expect(problems).toEqual([]);
  expect(state.error).toBeNull();
  expect(state.backend).toBe("wasm");
  for (const loss of state.losses) expect(Number.isFinite(loss)).toBe(true);
  expect(state.losses.at(-1)!).toBeLessThan(0.5 * state.losses[0]);
});
