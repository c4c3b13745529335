import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ValueError } from "@backprop/core";
import { Figure, renderVegaLite } from "./Figure.js";

test("renders a Vega-Lite spec to SVG with its marks", async () => {
  const fig = await renderVegaLite({
    data: { values: [{ a: "x", b: 1 }, { a: "y", b: 3 }] },
    mark: "bar",
    encoding: { x: { field: "a", type: "nominal" }, y: { field: "b", type: "quantitative" } },
  });
  expect(fig.svg).toContain('aria-label="a: y; b: 3"');
  await expect(renderVegaLite({ mark: "nonsense" } as never)).rejects.toThrow(/renderVegaLite: Vega-Lite rejected the spec/);
});

test("PNG output is a PNG of the scaled size; save picks the format by extension", async () => {
  const fig = new Figure('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="6"><rect width="10" height="6" fill="red"/></svg>');
  const png = await fig.toPng(3);
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset);
  expect([view.getUint32(16), view.getUint32(20)]).toEqual([30, 18]); // IHDR width, height
  const dir = mkdtempSync(join(tmpdir(), "viz-"));
  await fig.save(join(dir, "a.svg"));
  expect(readFileSync(join(dir, "a.svg"), "utf8")).toBe(fig.svg);
  await fig.save(join(dir, "a.png"));
  expect(readFileSync(join(dir, "a.png")).subarray(1, 4).toString()).toBe("PNG");
  await expect(fig.save(join(dir, "a.jpg"))).rejects.toThrow(ValueError);
  await expect(fig.toPng(0)).rejects.toThrow(ValueError);
});

test("show hands the SVG to a notebook display", () => {
  const shown: string[] = [];
  new Figure("<svg></svg>").show({ svg: (s) => shown.push(s), html: () => undefined });
  expect(shown).toEqual(["<svg></svg>"]);
});
