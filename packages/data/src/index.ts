/**
 * @backprop/data: datasets, the DataLoader, MNIST (IDX), CSV, Iris and synthetic data sets,
 * and feature scaling.
 * @packageDocumentation
 */
export * from "./Dataset.js";
export * from "./collate.js";
export * from "./DataLoader.js";
export * from "./randomSplit.js";
export * from "./idx.js";
export * from "./csv.js";
export * from "./irisCsv.js";
export * from "./iris.js";
export * from "./synthetic.js";
export * from "./transforms.js";
// Node-only loaders: they import fs and zlib lazily, inside the functions.
export * from "./node.js";
// One-hot encoding of labels is core's; re-exported here beside the other transforms.
export { oneHot } from "@backprop/core";
