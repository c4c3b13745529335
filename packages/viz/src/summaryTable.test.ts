import { expect, test } from "vitest";
import { Linear, ReLU, Sequential } from "@backprop/layers";
import { summaryTable } from "./summaryTable.js";

test("turns Module.summary into rows with shapes and parameter counts", () => {
  const model = new Sequential([new Linear({ inFeatures: 2, outFeatures: 4 }), new ReLU(), new Linear({ inFeatures: 4, outFeatures: 1 })]);
  const t = summaryTable(model, [5, 2]);
  expect(t.header).toEqual(["Layer (type)", "Output shape", "Params", "Trainable"]);
  expect(t.rows.length).toBe(4);
  expect(t.rows[1].cells).toEqual(["0 (Linear)", "[5, 4]", "12", "yes"]); // 2*4 weights + 4 biases
  expect(t.rows[3].cells.slice(1, 3)).toEqual(["[5, 1]", "5"]);
  expect(t.rows[1].depth).toBe(1);
  expect(t.totals[0]).toBe("Total params: 17");
  expect(t.html).toContain("<td style=\"text-align:right\">12</td>");
});

test("rejects text that is not a summary", () => {
  expect(() => summaryTable({ summary: () => "hello" })).toThrow(/expected the layout of Module.summary/);
});
