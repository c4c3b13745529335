/**
 * Computation graphs: the ops and tensors behind a result, with each tensor's value and, after
 * backward, its gradient, laid out by Graphviz (compiled to WebAssembly).
 * @module
 */
import { Graphviz } from "@hpcc-js/wasm-graphviz";
import { ValueError, type Tensor } from "@backprop/core";
import { Figure } from "./Figure.js";
import { formatNumber, isTensor, numbers } from "./util.js";

/**
 * One op application in a traced graph: `output = op(inputs)`.
 * @category Graphs
 */
export interface TracedOp {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
}

/**
 * The graph behind a tensor, captured by {@link traceGraph}: its tensors (leaves first) and ops.
 * @category Graphs
 */
export interface TracedGraph {
  readonly root: Tensor;
  readonly tensors: readonly Tensor[];
  readonly ops: readonly TracedOp[];
  /** Display names given for some tensors. */
  readonly names: ReadonlyMap<Tensor, string>;
}

/**
 * Options of {@link traceGraph} and {@link drawGraph}.
 * @category Graphs
 */
export interface GraphOptions {
  /** Names to print on tensors, e.g. `{ w, x, b, z, L }`. */
  names?: Record<string, Tensor>;
}

function tensorArgs(args: readonly unknown[]): Tensor[] {
  const out: Tensor[] = [];
  for (const a of args) {
    if (isTensor(a)) out.push(a);
    else if (Array.isArray(a)) for (const b of a as unknown[]) if (isTensor(b)) out.push(b);
  }
  return out;
}

/**
 * Captures the computation graph behind `root` by walking its autograd records, and asks
 * every intermediate tensor to keep its gradient, so that after `root.backward()` the drawing
 * can show the error signal at every node. Call it before backward: backward frees the records.
 * @throws {ValueError} when root was not computed by recorded ops, or its graph was freed.
 * @example
 * ```ts
 * import { traceGraph } from "@backprop/viz";
 * import { tensor } from "@backprop/core";
 * const w = tensor([2], { requiresGrad: true });
 * const L = w.mul(3).square().sum();
 * const graph = traceGraph(L, { names: { w, L } });
 * graph.ops.map((o) => o.op); // ["sum", "square", "mul"]
 * ```
 * @category Graphs
 */
export function traceGraph(root: Tensor, options: GraphOptions = {}): TracedGraph {
  if (root.gradNode === null) {
    throw new ValueError(
      `traceGraph: the ${root.describe()} was not computed from tensors that require gradients; expected the result of ops on a tensor with requiresGrad: true`,
    );
  }
  const names = new Map<Tensor, string>();
  for (const [name, t] of Object.entries(options.names ?? {})) names.set(t, name);
  const ops: TracedOp[] = [];
  const seen = new Set<Tensor>([root]);
  const order: Tensor[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    order.push(t);
    const node = t.gradNode;
    if (node === null) continue;
    if (node.freed) {
      throw new ValueError(`traceGraph: the graph through "${node.op.name}" was freed by backward; expected traceGraph to be called before backward()`);
    }
    // The gradient of an intermediate tensor is otherwise dropped once it has flowed on.
    t.retainGrad();
    const inputs = tensorArgs(node.args);
    ops.push({ op: node.op.name, inputs, output: t });
    for (const a of inputs) {
      if (!seen.has(a)) {
        seen.add(a);
        stack.push(a);
      }
    }
  }
  return { root, tensors: order.reverse(), ops, names };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A tensor's elements for a label: the number for one element, a short list, else the shape. */
function describeValues(t: Tensor): string {
  if (t.isDisposed) return "(disposed)";
  if (t.size === 1) return formatNumber(numbers(t)[0]);
  if (t.size <= 6) return `[${numbers(t).map((v) => formatNumber(v, 3)).join(", ")}]`;
  return `${t.dtype} [${t.shape.join(", ")}]`;
}

/**
 * Writes a traced graph in the DOT language of Graphviz: a box per tensor (name, value, and
 * gradient once backward has run) and an ellipse per op, edges in the direction of the forward pass.
 * @example
 * ```ts
 * import { traceGraph, graphToDot } from "@backprop/viz";
 * import { tensor } from "@backprop/core";
 * const x = tensor([1], { requiresGrad: true });
 * graphToDot(traceGraph(x.exp().sum())).startsWith("digraph"); // true
 * ```
 * @category Graphs
 */
export function graphToDot(graph: TracedGraph): string {
  const ids = new Map<Tensor, string>();
  graph.tensors.forEach((t, i) => ids.set(t, `t${i}`));
  const lines = [
    "digraph G {",
    '  rankdir=LR; bgcolor="white"; nodesep=0.3; ranksep=0.35;',
    '  node [fontname="Helvetica", fontsize=11]; edge [color="#555555", arrowsize=0.7];',
  ];
  for (const t of graph.tensors) {
    const name = graph.names.get(t) ?? (t === graph.root ? "output" : t.isLeaf ? (t.requiresGrad ? "param" : "const") : "");
    const rows = [
      name === "" ? "" : `<tr><td><b>${escapeHtml(name)}</b></td></tr>`,
      `<tr><td>value ${escapeHtml(describeValues(t))}</td></tr>`,
      t.grad === null ? "" : `<tr><td><font color="#c0392b">grad ${escapeHtml(describeValues(t.grad))}</font></td></tr>`,
    ].join("");
    const fill = t.isLeaf ? (t.requiresGrad ? "#dbeafe" : "#f3f4f6") : "#ffffff";
    lines.push(`  ${ids.get(t)} [shape=box, style="rounded,filled", fillcolor="${fill}", label=<<table border="0" cellspacing="0" cellpadding="1">${rows}</table>>];`);
  }
  graph.ops.forEach((o, i) => {
    lines.push(`  op${i} [shape=ellipse, style=filled, fillcolor="#fef3c7", label="${o.op}"];`);
    const seen = new Set<Tensor>();
    for (const input of o.inputs) {
      if (seen.has(input)) continue;
      seen.add(input);
      lines.push(`  ${ids.get(input)} -> op${i};`);
    }
    lines.push(`  op${i} -> ${ids.get(o.output)};`);
  });
  lines.push("}");
  return lines.join("\n");
}

let graphviz: Promise<Graphviz> | null = null;

/**
 * Draws the computation graph behind a tensor (or a graph traced earlier) with Graphviz's
 * `dot` layout: tensors as boxes with their values and gradients, ops as ellipses.
 * To show gradients: trace, run backward, then draw the traced graph.
 * @throws {ValueError} as {@link traceGraph} does.
 * @example
 * ```ts
 * import { traceGraph, drawGraph } from "@backprop/viz";
 * import { tensor } from "@backprop/core";
 * const w = tensor([0.5], { requiresGrad: true });
 * const x = tensor([2]);
 * const L = w.mul(x).sigmoid().sum();
 * const graph = traceGraph(L, { names: { w, x, L } });
 * L.backward();
 * const fig = await drawGraph(graph); // values and dL/d(node) at every box
 * ```
 * @category Graphs
 */
export async function drawGraph(graph: TracedGraph | Tensor, options: GraphOptions = {}): Promise<Figure> {
  const traced = isTensor(graph) ? traceGraph(graph, options) : graph;
  graphviz ??= Graphviz.load();
  const svg = (await graphviz).dot(graphToDot(traced));
  // Drop the XML prologue and DOCTYPE so the SVG embeds in HTML and notebooks as is.
  return new Figure(svg.slice(svg.indexOf("<svg")));
}
