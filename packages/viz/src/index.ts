/**
 * @backprop/viz: charts (Vega-Lite rendered to SVG in Node), computation-graph drawings
 * (Graphviz in WebAssembly), PNG export, and live display in tslab notebooks.
 * @packageDocumentation
 */
export * from "./Figure.js";
export * from "./linePlot.js";
export * from "./scatterPlot.js";
export * from "./imageGrid.js";
export * from "./heatmap.js";
export * from "./histogram.js";
export * from "./graph.js";
export * from "./summaryTable.js";
export * from "./LivePlot.js";
