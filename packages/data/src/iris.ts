/**
 * The Iris data set as tensors, parsed from the CSV shipped in the package.
 * @module
 */
import type { Tensor } from "@backprop/core";
import { parseCsv } from "./csv.js";
import { irisCsv } from "./irisCsv.js";

/**
 * The Iris species, in label order.
 * @category Datasets
 */
export const irisClasses = ["setosa", "versicolor", "virginica"] as const;

/**
 * The Iris feature names, in column order (centimetres).
 * @category Datasets
 */
export const irisFeatures = ["sepal_length", "sepal_width", "petal_length", "petal_width"] as const;

/**
 * The Iris data set (Fisher, 1936): 150 flowers, 50 per species, in file order.
 * Shape: x float32 `[150, 4]` (see {@link irisFeatures}), y int32 `[150]` (see {@link irisClasses}).
 * @example
 * ```ts
 * import { loadIris } from "@backprop/data";
 * const [x, y] = loadIris();
 * x.shape; // [150, 4]
 * ```
 * @category Datasets
 */
export function loadIris(): [x: Tensor, y: Tensor] {
  const { x, y } = parseCsv(irisCsv, { file: "iris.csv", label: "species", classes: irisClasses });
  return [x, y as Tensor];
}
