/**
 * Renders executed Jupyter notebooks (nbformat 4) to standalone HTML pages: markdown cells
 * through marked with their TeX ($...$, $$...$$) typeset by KaTeX, code cells highlighted by
 * highlight.js, and their outputs (streams,
 * text/plain, text/html, image/svg+xml, image/png; errors shown as errors). Pictures are
 * written as files beside the page.
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import hljs from "highlight.js/lib/core";
import typescript from "highlight.js/lib/languages/typescript";
import katex from "katex";
import { marked } from "marked";

hljs.registerLanguage("typescript", typescript);

/** The parts of an nbformat-4 notebook that are rendered. */
interface Notebook {
  cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[];
}

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** A rendered notebook page. */
export interface RenderedNotebook {
  /** Page file name, e.g. `03-chain-rule.html`. */
  page: string;
  /** The first heading of the notebook. */
  title: string;
  /** Its first paragraph as HTML, for the index. */
  summaryHtml: string;
}

const text = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join("") : (v ?? ""));
// eslint-disable-next-line no-control-regex -- ANSI colour codes in kernel output start with ESC
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");

/** HTML-escapes text. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** TypeScript highlighted to HTML spans. */
export function highlightTs(code: string): string {
  return hljs.highlight(code, { language: "typescript", ignoreIllegals: true }).value;
}

// Private-use characters mark where typeset maths goes back after marked: marked leaves them alone.
const mathMark = /\uE000(\d+)\uE001/g;

/**
 * Markdown to HTML with its TeX typeset by KaTeX at build time (the site needs no script):
 * `$$...$$` as display maths, `$...$` inline (not when a space follows the opening or precedes
 * the closing dollar, so "$5 and $6" stays text). Code spans and fences are left as they are.
 * @throws Error naming `where` for TeX that KaTeX cannot parse.
 */
export function markdownWithMath(source: string, where: string, inline = false): string {
  const typeset: string[] = [];
  const render = (tex: string, displayMode: boolean): string => {
    try {
      typeset.push(katex.renderToString(tex, { displayMode, throwOnError: true }));
    } catch (e) {
      throw new Error(`${where}: cannot typeset $${tex}$: ${(e as Error).message}`);
    }
    return `\uE000${typeset.length - 1}\uE001`;
  };
  const withMarks = source
    .split(/(```[\s\S]*?```|`[^`\n]*`)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part
            .replace(/\$\$([\s\S]+?)\$\$/g, (_, tex: string) => render(tex, true))
            .replace(/(?<![\\$])\$(?![\s$])([^$]*?[^\s\\])\$/g, (_, tex: string) => render(tex, false)),
    )
    .join("");
  const html = inline ? marked.parseInline(withMarks, { async: false }) : marked.parse(withMarks, { async: false });
  return html.replace(mathMark, (_, n: string) => typeset[Number(n)]);
}

/** A small page shell shared by the tutorial and source pages; `math` links KaTeX's stylesheet. */
export function pageShell(options: { title: string; css: string; home: string; body: string; crumbs?: string; math?: boolean }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)} | backprop</title>
<link rel="icon" href="${options.css.replace(/backprop-pages\.css$/, "favicon.svg")}" type="image/svg+xml">
<link rel="stylesheet" href="${options.css}">${options.math === true ? `\n<link rel="stylesheet" href="${options.css.replace(/backprop-pages\.css$/, "katex/katex.min.css")}">` : ""}
</head>
<body>
<header><a href="${options.home}">backprop</a>${options.crumbs ?? ""}</header>
<main>
${options.body}
</main>
</body>
</html>
`;
}

function renderOutputs(outputs: Output[], dir: string, stem: string, counter: { n: number }): string {
  const parts: string[] = [];
  for (const out of outputs) {
    if (out.output_type === "stream") {
      parts.push(`<pre class="output stream ${out.name ?? ""}">${escapeHtml(stripAnsi(text(out.text)))}</pre>`);
    } else if (out.output_type === "error") {
      const trace = out.traceback?.map(stripAnsi).join("\n") ?? `${out.ename ?? ""}: ${out.evalue ?? ""}`;
      parts.push(`<pre class="output error">${escapeHtml(trace)}</pre>`);
    } else if (out.data !== undefined) {
      const data = out.data;
      if (data["image/png"] !== undefined) {
        const file = `${stem}-${++counter.n}.png`;
        writeFileSync(join(dir, file), Buffer.from(text(data["image/png"]).replace(/\s/g, ""), "base64"));
        parts.push(`<div class="output image"><img src="${stem}/${file}" alt="cell output ${counter.n}"></div>`);
      } else if (data["image/svg+xml"] !== undefined) {
        const file = `${stem}-${++counter.n}.svg`;
        writeFileSync(join(dir, file), text(data["image/svg+xml"]));
        parts.push(`<div class="output image"><img src="${stem}/${file}" alt="cell output ${counter.n}"></div>`);
      } else if (data["text/html"] !== undefined) {
        parts.push(`<div class="output html">${text(data["text/html"])}</div>`);
      } else if (data["text/plain"] !== undefined) {
        parts.push(`<pre class="output">${escapeHtml(stripAnsi(text(data["text/plain"])))}</pre>`);
      }
    }
  }
  return parts.join("\n");
}

/**
 * Renders one notebook to `<outDir>/<stem>.html`, its pictures to `<outDir>/<stem>/`.
 * `css` and `home` are URLs relative to the page.
 */
export function renderNotebook(path: string, outDir: string, links: { css: string; home: string; index: string }): RenderedNotebook {
  const nb = JSON.parse(readFileSync(path, "utf8")) as Notebook;
  const stem = basename(path, ".ipynb");
  const assetDir = join(outDir, stem);
  mkdirSync(assetDir, { recursive: true });
  const counter = { n: 0 };
  let title = stem;
  let summary = "";
  const cells: string[] = [];
  for (const cell of nb.cells) {
    const source = text(cell.source);
    if (cell.cell_type === "markdown") {
      if (title === stem) {
        const heading = /^#+\s+(.+)$/m.exec(source);
        if (heading) title = heading[1].trim();
      }
      if (summary === "") {
        const para = source.split(/\n\s*\n/).map((p) => p.trim()).find((p) => p !== "" && !p.startsWith("#"));
        if (para) summary = para.replace(/\s+/g, " ");
      }
      cells.push(`<section class="cell markdown">${markdownWithMath(source, basename(path))}</section>`);
    } else if (cell.cell_type === "code") {
      const outputs = renderOutputs(cell.outputs ?? [], assetDir, stem, counter);
      cells.push(
        `<section class="cell code"><pre class="source"><code class="hljs language-typescript">${highlightTs(source)}</code></pre>${outputs ? `\n<div class="outputs">${outputs}</div>` : ""}</section>`,
      );
    }
  }
  const crumbs = ` / <a href="${links.index}">Tutorials</a> / ${escapeHtml(title)}`;
  const page = `${stem}.html`;
  writeFileSync(join(outDir, page), pageShell({ title, css: links.css, home: links.home, crumbs, math: true, body: `<article class="notebook">\n${cells.join("\n")}\n</article>` }));
  return { page, title, summaryHtml: markdownWithMath(summary, basename(path), true) };
}
