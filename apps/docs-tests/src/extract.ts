/**
 * Finds the runnable code in the documentation: every `@example` in the TSDoc of
 * `packages/<name>/src`, and every `ts` block of the guides in `docs/guides` and of the READMEs.
 * @module
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root = fileURLToPath(new URL("../../../", import.meta.url));

/** One `@example`: where it is, what it documents and its code. */
export interface Example {
  /** File path relative to the repository root. */
  file: string;
  /** 1-based line of the `@example` tag. */
  line: number;
  /** The documented symbol (`Class.method` for members). */
  symbol: string;
  /** The example's code, without comment markers or fences. */
  code: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.ts$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

const declaration =
  /^\s*(?:export\s+)?(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|interface|type|const|let|var|namespace)\s+([A-Za-z_$][\w$]*)/;
const member =
  /^\s*(?:(?:public|protected|static|readonly|override|abstract|async|get|set|declare)\s+)*\*?([A-Za-z_$#][\w$]*)\s*[?!]?\s*[(<:=;]/;

/** The name declared right after a doc comment, and the class it sits in (if any). */
function symbolAfter(lines: string[], from: number, classStack: string | null): string {
  for (let i = from; i < Math.min(lines.length, from + 8); i++) {
    const line = lines[i];
    if (/^\s*(\/\/|@|$)/.test(line)) continue;
    const decl = declaration.exec(line);
    if (decl) return decl[1];
    const m = member.exec(line);
    if (m) return classStack ? `${classStack}.${m[1]}` : m[1];
    return line.trim().slice(0, 40);
  }
  return "(unknown)";
}

/** The body of the `@example` tag inside one doc comment's text (markers stripped). */
function exampleCode(body: string): string {
  const fences = [...body.matchAll(/```(?:ts|typescript|js|javascript)?[^\n]*\n([\s\S]*?)```/g)];
  if (fences.length > 0) return fences.map((f) => f[1]).join("\n");
  const inline = [...body.matchAll(/`([^`]+)`/g)];
  if (inline.length > 0) return inline.map((f) => f[1]).join("\n");
  return body.trim();
}

/** Index of the first block tag on a line that is not inside inline code, or -1. */
function tagOutsideCode(line: string): number {
  for (const m of line.matchAll(/(^|\s)@[a-zA-Z]+/g)) {
    const ticks = (line.slice(0, m.index).match(/`/g) ?? []).length;
    if (ticks % 2 === 0) return m.index;
  }
  return -1;
}

/** Every `@example` in one package's sources, in file order. */
export function examplesOf(pkg: string): Example[] {
  const srcDir = join(root, "packages", pkg, "src");
  if (!existsSync(srcDir)) return [];
  const out: Example[] = [];
  for (const path of sourceFiles(srcDir)) {
    const text = readFileSync(path, "utf8");
    if (!text.includes("@example")) continue;
    const lines = text.split("\n");
    let currentClass: string | null = null;
    let classIndent = -1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const cls = /^(\s*)(?:export\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)/.exec(line);
      if (cls) {
        currentClass = cls[2]!;
        classIndent = cls[1].length;
      } else if (currentClass && new RegExp(`^\\s{${classIndent}}}`).test(line)) {
        currentClass = null;
      }
      const start = line.indexOf("/**");
      if (start < 0) continue;
      // Collect the whole comment.
      let end = i;
      while (end < lines.length && !lines[end].includes("*/", end === i ? start + 3 : 0)) end++;
      const raw = lines.slice(i, end + 1).join("\n");
      if (!raw.includes("@example")) {
        i = end;
        continue;
      }
      const commentText = raw
        .slice(raw.indexOf("/**") + 3, raw.lastIndexOf("*/"))
        .split("\n")
        .map((l) => l.replace(/^\s*\* ?/, ""))
        .join("\n");
      const tagLine = i + raw.slice(0, raw.indexOf("@example")).split("\n").length - 1;
      const symbol = symbolAfter(lines, end + 1, currentClass);
      // An example ends at the next block tag (outside a fence).
      for (const part of commentText.split(/@example\b/).slice(1)) {
        let body = "";
        let inFence = false;
        for (const bodyLine of part.split("\n")) {
          if (/^\s*```/.test(bodyLine)) inFence = !inFence;
          if (!inFence) {
            const cut = tagOutsideCode(bodyLine);
            if (cut >= 0) {
              body += bodyLine.slice(0, cut) + "\n";
              break;
            }
          }
          body += bodyLine + "\n";
        }
        const code = exampleCode(body);
        if (code) out.push({ file: relative(root, path), line: tagLine + 1, symbol, code });
      }
      i = end;
    }
  }
  return out;
}

/** One guide or README and the code of its `ts` blocks, which run as one module, in order. */
export interface GuideCode {
  /** File path relative to the repository root. */
  file: string;
  /** The `ts` blocks, with their 1-based starting lines. */
  blocks: { line: number; code: string }[];
}

/** The `ts` code blocks of one Markdown file; a block fenced as `ts no-run` is skipped. */
function markdownCode(path: string): GuideCode {
  const lines = readFileSync(path, "utf8").split("\n");
  const blocks: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !lines[end].startsWith("```")) end++;
    if (!open[2].includes("no-run")) blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return { file: relative(root, path), blocks };
}

/** The `ts` code blocks of every guide; a block fenced as `ts no-run` is skipped. */
export function guideBlocks(): GuideCode[] {
  const dir = join(root, "docs", "guides");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => markdownCode(join(dir, name)));
}

/**
 * The `ts` code blocks of the READMEs that npm shows: the repository's and each package's
 * (`packages/<name>/README.md`); a block fenced as `ts no-run` is skipped.
 */
export function readmeBlocks(): GuideCode[] {
  const packages = join(root, "packages");
  const files = [
    join(root, "README.md"),
    ...readdirSync(packages)
      .sort()
      .map((name) => join(packages, name, "README.md")),
  ];
  return files.filter((file) => existsSync(file)).map(markdownCode);
}

const importLine = /^\s*import\s+(type\s+)?\{([^}]*)\}\s+from\s+["']([^"']+)["'];?\s*$/;

/**
 * Joins code blocks into one module: `import { ... } from "x"` lines are merged by module
 * and hoisted, so that blocks may each show the imports they use.
 */
export function joinBlocks(blocks: readonly string[]): string {
  const imports = new Map<string, Set<string>>();
  const body: string[] = [];
  for (const block of blocks) {
    for (const line of block.split("\n")) {
      const m = importLine.exec(line);
      if (m) {
        const names = imports.get(m[3]) ?? new Set<string>();
        for (const n of m[2].split(",").map((s) => s.trim()).filter(Boolean)) names.add(m[1] ? `type ${n.replace(/^type\s+/, "")}` : n);
        imports.set(m[3], names);
      } else body.push(line);
    }
  }
  const head = [...imports].map(([from, names]) => `import { ${[...names].join(", ")} } from "${from}";`);
  return [...head, ...body].join("\n");
}

/**
 * Makes an example a module that runs: an example without imports gets imports for the
 * names it uses from `scope` (package name to its export names, searched in order), and
 * paths under `/tmp/` move into `tmp`.
 */
export function toModule(code: string, scope: readonly (readonly [string, ReadonlySet<string>])[], tmp: string): string {
  let out = code.replace(/(["'`])\/tmp\//g, `$1${tmp}/`);
  if (!/^\s*import\s/m.test(out)) {
    const used = new Set(out.replace(/\/\/.*$/gm, "").replace(/"[^"]*"|'[^']*'/g, "").match(/[A-Za-z_$][\w$]*/g) ?? []);
    const taken = new Set<string>();
    const head: string[] = [];
    for (const [pkg, names] of scope) {
      const pick = [...used].filter((n) => names.has(n) && !taken.has(n));
      pick.forEach((n) => taken.add(n));
      if (pick.length > 0) head.push(`import { ${pick.join(", ")} } from "${pkg}";`);
    }
    out = `${head.join("\n")}\n${out}`;
  }
  return `${out}\nexport {};\n`;
}
