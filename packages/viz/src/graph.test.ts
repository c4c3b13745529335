import { expect, test } from "vitest";
import { tensor, ValueError } from "@backprop/core";
import { drawGraph, graphToDot, traceGraph } from "./graph.js";

test("traceGraph finds every op and tensor once, and keeps intermediate gradients", () => {
  const w = tensor([2], { requiresGrad: true });
  const x = tensor([3]);
  const z = w.mul(x);
  const L = z.add(z).sum(); // z is used twice: one tensor box, two edges into add
  const g = traceGraph(L, { names: { w, x, z, L } });
  expect(g.ops.map((o) => o.op).sort()).toEqual(["add", "mul", "sum"]);
  expect(g.tensors.length).toBe(5); // w, x, z, z + z, L
  L.backward();
  // L = 2wx: dL/dz = 2, dL/dw = 2x = 6
  expect(z.grad?.item()).toBe(2);
  expect(w.grad?.item()).toBe(6);
});

test("the drawing has one node per op and per tensor, with names, values and gradients", async () => {
  const w = tensor([0.5], { requiresGrad: true });
  const b = tensor([-1], { requiresGrad: true });
  const x = tensor([2]);
  const zz = w.mul(x).add(b);
  const a = zz.sigmoid();
  const L = a.sum();
  const g = traceGraph(L, { names: { w, b, x, z: zz, a, L } });
  L.backward();
  const fig = await drawGraph(g);
  const titles = [...fig.svg.matchAll(/<g id="node\d+" class="node">\s*<title>([^<]*)<\/title>/g)].map((m) => m[1]);
  expect(titles.filter((t) => t.startsWith("op")).length).toBe(4); // mul, add, sigmoid, sum
  expect(titles.filter((t) => t.startsWith("t")).length).toBe(7); // w, x, wx, b, z, a, L
  const text = [...fig.svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  expect(text).toEqual(expect.arrayContaining(["mul", "add", "sigmoid", "sum", "w", "b", "x", "z", "a", "L"]));
  // z = 0.5 * 2 - 1 = 0, a = sigma(0) = 0.5, dL/dz = sigma'(0) = 0.25, dL/dw = 0.25 * x = 0.5
  expect(text).toEqual(expect.arrayContaining(["value 0", "value 0.5", "grad 0.25", "grad 0.5", "grad 1"]));
  expect(fig.svg.startsWith("<svg")).toBe(true);
});

test("before backward there are no gradients in the drawing; a tensor can be drawn directly", async () => {
  const w = tensor([1, 2, 3], { requiresGrad: true });
  const fig = await drawGraph(w.square().sum(), { names: { w } });
  expect(fig.svg).toContain("value [1, 2, 3]");
  expect(fig.svg).not.toContain("grad ");
  expect(graphToDot(traceGraph(w.exp().sum()))).toMatch(/^digraph G \{/);
});

test("refuses leaves and freed graphs with a reason", () => {
  expect(() => traceGraph(tensor([1]))).toThrow(ValueError);
  const w = tensor([1], { requiresGrad: true });
  const L = w.exp().sum();
  L.backward();
  expect(() => traceGraph(L)).toThrow(/freed by backward; expected traceGraph to be called before backward/);
});
