/**
 * `npm run docs`: builds the documentation site into docs/site.
 *
 * 1. typedoc (typedoc.json at the root): the API reference of every package and the guides.
 * 2. The executed tutorials (apps/notebooks/build/*.ipynb) rendered to docs/site/tutorials/.
 * 3. The sources rendered to docs/site/source/<path>.html, with line and symbol anchors, so
 *    the API pages' "Defined in" links and the guides' links into the code work offline.
 * 4. Links written `source:<path>#<anchor>` and `site:<path>` (typedoc's sourceLinkTemplate,
 *    the guides) become relative links; a target that does not exist fails the build.
 * @module
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, posix, relative, sep } from "node:path";
import { root } from "../extract.js";
import { escapeHtml, highlightTs, pageShell, renderNotebook, type RenderedNotebook } from "./notebooks.js";

const site = join(root, "docs", "site");
const notebooksDir = join(root, "apps", "notebooks", "build");
const require = createRequire(import.meta.url);

function htmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...htmlFiles(path));
    else if (entry.name.endsWith(".html")) out.push(path);
  }
  return out;
}

const toUrl = (p: string): string => p.split(sep).join("/");
/** URL of `target` (a path under the site) relative to the page `from`. */
const rel = (from: string, target: string): string => toUrl(relative(dirname(from), target)) || ".";

function runTypedoc(): void {
  const bin = join(root, "node_modules", "typedoc", "bin", "typedoc");
  const result = spawnSync(process.execPath, [bin, ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("docs: typedoc failed (warnings are errors; see above)");
    process.exit(result.status ?? 1);
  }
}

const declaration =
  /^\s*(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|interface|type|const|let|var|namespace)\s+([A-Za-z_$][\w$]*)/;
const member = /^\s+(?:(?:public|protected|static|readonly|override|abstract|async|get|set)\s+)*\*?([A-Za-z_$][\w$]*)\s*[?!]?\s*[(<:=]/;

/** Renders one source file with `L<n>` line anchors and an anchor per declared symbol. */
function renderSource(repoPath: string): void {
  const out = join(site, "source", `${repoPath}.html`);
  mkdirSync(dirname(out), { recursive: true });
  const code = readFileSync(join(root, repoPath), "utf8");
  const plain = code.split("\n");
  const lines = highlightTs(code).split("\n");
  const ids = new Set<string>();
  let cls: { name: string; indent: number } | null = null;
  const body = lines.map((html, i) => {
    const src = plain[i] ?? "";
    const c = /^(\s*)(?:export\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)/.exec(src);
    if (c) cls = { name: c[2], indent: c[1].length };
    else if (cls && new RegExp(`^\\s{${cls.indent}}}`).test(src)) cls = null;
    let anchor = "";
    const d = declaration.exec(src);
    const m = cls && !d && !/^\s*(\/\/|\/?\*)/.test(src) ? member.exec(src) : null;
    const name = d ? d[1] : m && cls && src.search(/\S/) === cls.indent + 2 ? `${cls.name}.${m[1]}` : null;
    if (name !== null && !ids.has(name)) {
      ids.add(name);
      anchor = `<span id="${escapeHtml(name)}"></span>`;
    }
    return `<span class="line" id="L${i + 1}">${anchor}<a class="ln" href="#L${i + 1}">${i + 1}</a>${html}</span>`;
  });
  const depth = toUrl(relative(dirname(out), site)) || ".";
  writeFileSync(
    out,
    pageShell({
      title: repoPath,
      css: `${depth}/assets/backprop-pages.css`,
      home: `${depth}/index.html`,
      crumbs: ` / source / ${escapeHtml(repoPath)}`,
      body: `<pre class="sourcefile"><code class="hljs language-typescript">${body.join("\n")}</code></pre>`,
    }),
  );
}

function writeCss(): void {
  const hljsCss = readFileSync(require.resolve("highlight.js/styles/github.css"), "utf8");
  const own = readFileSync(join(root, "docs", "assets", "backprop-pages.css"), "utf8");
  writeFileSync(join(site, "assets", "backprop-pages.css"), `${hljsCss}\n${own}`);
  // KaTeX's stylesheet and the woff2 fonts it names first (every browser the site targets takes woff2).
  const katexDist = dirname(require.resolve("katex/dist/katex.min.css"));
  mkdirSync(join(site, "assets", "katex", "fonts"), { recursive: true });
  copyFileSync(join(katexDist, "katex.min.css"), join(site, "assets", "katex", "katex.min.css"));
  for (const font of readdirSync(join(katexDist, "fonts")).filter((f) => f.endsWith(".woff2"))) {
    copyFileSync(join(katexDist, "fonts", font), join(site, "assets", "katex", "fonts", font));
  }
}

function renderTutorials(): RenderedNotebook[] {
  const outDir = join(site, "tutorials");
  mkdirSync(outDir, { recursive: true });
  const files = existsSync(notebooksDir) ? readdirSync(notebooksDir).filter((f) => f.endsWith(".ipynb") && !f.startsWith("00-")).sort() : [];
  const links = { css: "../assets/backprop-pages.css", home: "../index.html", index: "index.html" };
  const rendered = files.map((f) => renderNotebook(join(notebooksDir, f), outDir, links));
  const list =
    rendered.length > 0
      ? `<ol class="tutorials">\n${rendered.map((r) => `<li><a href="${r.page}">${escapeHtml(r.title)}</a><p>${r.summaryHtml}</p></li>`).join("\n")}\n</ol>`
      : `<p class="missing">No executed notebooks were found in <code>apps/notebooks/build/</code>. They are written by the notebook test run: <code>npx turbo run test --filter=@backprop/notebooks</code>, then <code>npm run docs</code> again.</p>`;
  writeFileSync(
    join(outDir, "index.html"),
    pageShell({
      title: "Tutorials",
      css: links.css,
      home: links.home,
      crumbs: " / Tutorials",
      math: true,
      body: `<h1>Tutorials</h1>\n<p>The notebooks of <code>apps/notebooks</code>, as executed by the test run, with their outputs and pictures.</p>\n${list}`,
    }),
  );
  if (rendered.length === 0) {
    console.warn(`docs: NO EXECUTED NOTEBOOKS in ${relative(root, notebooksDir)}/ — the tutorials page says so; run the notebooks' tests first to include them.`);
  } else {
    console.log(`docs: rendered ${rendered.length} tutorials into docs/site/tutorials/`);
  }
  return rendered;
}

/** Rewrites `source:` and `site:` links; returns the problems found. */
function rewriteLinks(): string[] {
  const problems: string[] = [];
  const anchors = new Map<string, Set<string>>();
  const anchorsOf = (file: string): Set<string> => {
    let set = anchors.get(file);
    if (!set) {
      set = new Set([...readFileSync(file, "utf8").matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
      anchors.set(file, set);
    }
    return set;
  };
  const rendered = new Set<string>();
  for (const page of htmlFiles(site)) {
    const html = readFileSync(page, "utf8");
    if (!/href="(source|site):/.test(html)) continue;
    const out = html.replace(/href="(source|site):([^"#]*)(#[^"]*)?"/g, (_all, scheme: string, path: string, hash: string | undefined) => {
      let target: string;
      if (scheme === "source") {
        const repoPath = posix.normalize(path);
        if (!existsSync(join(root, repoPath))) {
          problems.push(`${relative(site, page)}: link to missing source file ${repoPath}`);
          return `href="${path}"`;
        }
        target = join(site, "source", `${repoPath}.html`);
        if (!rendered.has(repoPath)) {
          renderSource(repoPath);
          rendered.add(repoPath);
        }
      } else {
        target = join(site, path);
      }
      if (!existsSync(target)) problems.push(`${relative(site, page)}: link to missing page ${relative(site, target)}`);
      else if (hash && hash.length > 1 && !anchorsOf(target).has(decodeURIComponent(hash.slice(1)))) {
        problems.push(`${relative(site, page)}: no anchor ${hash} in ${relative(site, target)}`);
      }
      return `href="${rel(page, target)}${hash ?? ""}"`;
    });
    writeFileSync(page, out);
  }
  return problems;
}

/** The live playground page (apps/playground/dist, built by that workspace) goes to docs/site/playground/. */
function copyPlayground(): void {
  const from = join(root, "apps", "playground", "dist");
  if (!existsSync(join(from, "index.html"))) {
    console.warn("docs: NO PLAYGROUND BUILD in apps/playground/dist/ — run its build first to include the live page.");
    return;
  }
  const to = join(site, "playground");
  mkdirSync(to, { recursive: true });
  for (const file of readdirSync(from)) copyFileSync(join(from, file), join(to, file));
  console.log("docs: copied the live playground into docs/site/playground/");
}

runTypedoc();
writeCss();
copyPlayground();
const tutorials = renderTutorials();
const problems = rewriteLinks();
if (problems.length > 0) {
  console.error(`docs: ${problems.length} broken link(s):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`docs: site built in ${relative(root, site)}/ (${htmlFiles(site).length} pages, ${tutorials.length} tutorials)`);
