import { describe, expect, it } from "vitest";
import { markdownWithMath } from "./notebooks.js";

/** The TeX annotations KaTeX leaves in its MathML: one per typeset formula. */
const formulas = (html: string): string[] => [...html.matchAll(/<annotation encoding="application\/x-tex">([^<]*)<\/annotation>/g)].map((m) => m[1]);

describe("markdownWithMath", () => {
  it("typesets inline and display TeX and leaves code and prices alone", () => {
    const html = markdownWithMath("By hand: $z < 0$, costs $5 and $6, `a $b$ c`.\n\n$$\\frac{2}{N}\\sum x_n^2$$", "t.ipynb");
    expect(formulas(html)).toEqual(["z &lt; 0", "\\frac{2}{N}\\sum x_n^2"]);
    expect(html).toContain("costs $5 and $6");
    expect(html).toContain("<code>a $b$ c</code>");
    expect(html).toContain('class="katex-display"');
    expect(html).not.toMatch(/[\uE000\uE001]/);
  });

  it("renders inline markdown for summaries", () => {
    expect(markdownWithMath("a *model* $w$", "t.ipynb", true)).toMatch(/^a <em>model<\/em> <span class="katex">/);
  });

  it("names the notebook and the TeX it cannot typeset", () => {
    expect(() => markdownWithMath("bad $\\frac{1$ here", "nb.ipynb")).toThrow(/^nb\.ipynb: cannot typeset \$\\frac\{1\$: KaTeX parse error/);
  });
});
