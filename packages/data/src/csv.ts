/**
 * CSV parsing into tensors: a header, column selection by name or index, strict numeric
 * parsing, and an optional label column of integer class indices or (when asked) class names.
 * Every bad cell or ragged row is reported as `file:line:column: what`, line and column
 * 1-based as editors count them. Works on text, so it runs anywhere; `readCsv` (Node) reads
 * the file.
 * @module
 */
import { FormatError, Tensor, ValueError, empty, tensor } from "@backprop/core";
import { describeValue, optionalBoolean, optionsOf, typeName } from "./check.js";

/**
 * Options of {@link parseCsv}.
 * @category Data
 */
export interface CsvOptions {
  /** The file's name for error messages (default "<csv>"). */
  file?: string;
  /** Whether the first line names the columns (default true). */
  header?: boolean;
  /** Field separator (default ","). */
  delimiter?: string;
  /** Feature columns, by name (needs a header) or 0-based index; default: every column but the label. */
  columns?: readonly (string | number)[];
  /**
   * A column of class labels, by name or index. Its cells are integer class indices (int32)
   * unless `classes` says they are class names.
   */
  label?: string | number;
  /**
   * The label cells are class names: the names in index order, or "auto" for the distinct
   * names in order of first appearance. Without it every label must be an int32 integer.
   */
  classes?: readonly string[] | "auto";
}

/**
 * What {@link parseCsv} returns: the features, the labels when a label column was chosen, the
 * feature column names and the class names of a text label column.
 * @category Data
 */
export interface CsvData {
  /** float32 `[rows, columns.length]`. */
  x: Tensor;
  /** int32 `[rows]`, when `label` was given. */
  y: Tensor | null;
  /** Names of the feature columns (`column 1`, ... without a header). */
  columns: string[];
  /** Class names by index, for a text label column; empty otherwise. */
  classes: string[];
}

const numberPattern = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const integerPattern = /^[+-]?\d+$/;
const maxFloat32 = 3.4028234663852886e38;
const int32Range = "[-2147483648, 2147483647]";

/** One line split into fields, with the 0-based index in the line where each field starts. */
interface Fields {
  fields: string[];
  starts: number[];
}

/** Splits one CSV line into fields; double quotes protect delimiters, `""` is a quote. */
function splitLine(line: string, delimiter: string, where: string): Fields {
  const starts: number[] = [0];
  if (!line.includes('"')) {
    const fields = line.split(delimiter);
    for (let i = 1; i < fields.length; i++) starts.push(starts[i - 1] + fields[i - 1].length + delimiter.length);
    return { fields, starts };
  }
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  let quoteAt = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === "") {
      quoted = true;
      quoteAt = i;
      field = "";
    } else if (line.startsWith(delimiter, i)) {
      fields.push(field);
      field = "";
      i += delimiter.length - 1;
      starts.push(i + 1);
    } else field += c;
  }
  if (quoted) throw new FormatError(`${where}:${quoteAt + 1}: unterminated quoted field; expected a closing ", got the end of the line`);
  fields.push(field);
  return { fields, starts };
}

function resolveColumn(spec: string | number, names: string[], hasHeader: boolean, file: string): number {
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 0 || spec >= names.length) {
      throw new ValueError(`parseCsv(${file}): column index ${spec} is out of range; expected an integer in [0, ${names.length - 1}]`);
    }
    return spec;
  }
  if (!hasHeader) throw new ValueError(`parseCsv(${file}): column "${spec}" is chosen by name, but the file has no header; use an index`);
  const i = names.indexOf(spec);
  if (i < 0) throw new ValueError(`parseCsv(${file}): no column "${spec}"; known: ${names.join(", ")}`);
  return i;
}

function checkClasses(classes: unknown, file: string): readonly string[] | "auto" | undefined {
  if (classes === undefined || classes === "auto") return classes;
  const bad = `parseCsv(${file}): classes must be "auto" or an array of distinct names; got`;
  if (!Array.isArray(classes)) throw new ValueError(`${bad} ${describeValue(classes)}`);
  const seen = new Set<string>();
  for (const c of classes as unknown[]) {
    if (typeof c !== "string" || c.trim() === "") throw new ValueError(`${bad} ${describeValue(c)} among them`);
    if (seen.has(c)) throw new ValueError(`${bad} ${JSON.stringify(c)} twice`);
    seen.add(c);
  }
  return classes as readonly string[];
}

/**
 * Parses CSV text into a float32 feature tensor and, optionally, int32 labels: integers as
 * written, or class names numbered as `classes` says. A mode never changes because of a cell:
 * a cell that does not fit is an error naming its place, `file:line:column` (1-based, the
 * column where the cell starts, as editors count), the field and what was found.
 * Shape: x `[rows, features]`, y `[rows]`.
 * @throws {FormatError} for a cell that is not a number (`iris.csv:14:9: field 3
 * (petal_length); expected a number, got "abc"`; empty, NaN and Infinity included) or is out
 * of float32's range (`1e400`), a label that is not an integer or is outside int32 (without
 * `classes`), an unknown class name, a ragged row (`iris.csv:14:16: ragged row; expected 5
 * fields, got 4`), an unterminated quote, or a file with no data rows.
 * @throws {ValueError} for an unknown column name or index, or a bad option.
 * @example
 * ```ts
 * import { parseCsv } from "@backprop/data";
 * const { x, y, classes } = parseCsv("a,b,kind\n1,2,cat\n3,4,dog\n", { label: "kind", classes: "auto" });
 * x.toArray(); // [[1, 2], [3, 4]]
 * y?.toArray(); // [0, 1]; classes: ["cat", "dog"]
 * ```
 * @category Data
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvData {
  const opts = optionsOf(options, "parseCsv");
  const file = opts.file ?? "<csv>";
  if (typeof file !== "string") throw new ValueError(`parseCsv: file must be a string; got ${typeName(file)}`);
  const at = `parseCsv(${file})`;
  if (typeof text !== "string") throw new ValueError(`${at}: expected CSV text; got ${typeName(text)}`);
  const hasHeader = optionalBoolean(opts.header, "header", at) ?? true;
  const delimiter = opts.delimiter ?? ",";
  if (typeof delimiter !== "string" || delimiter.length === 0 || /["\r\n]/.test(delimiter)) {
    throw new ValueError(`${at}: delimiter must be a non-empty string other than '"'; got ${describeValue(delimiter)}`);
  }
  const columns: unknown = opts.columns;
  if (columns !== undefined && !Array.isArray(columns)) throw new ValueError(`${at}: columns must be an array of names or indices; got ${describeValue(columns)}`);
  const classOption = checkClasses(opts.classes, file);
  if (classOption !== undefined && opts.label === undefined) throw new ValueError(`${at}: classes needs a label column; expected label set, got none`);
  // A byte-order mark (spreadsheet exports) would otherwise stick to the first column's name.
  const lines = (text.startsWith("\uFEFF") ? text.slice(1) : text).split(/\r?\n/);
  // Line numbers are 1-based and count every line of the file, blank ones included.
  let lineNo = 0;
  while (lineNo < lines.length && lines[lineNo].trim() === "") lineNo++;
  if (lineNo === lines.length) throw new FormatError(`parseCsv: ${file} is empty; expected ${hasHeader ? "a header and " : ""}at least one row`);
  const firstFields = splitLine(lines[lineNo], delimiter, `${file}:${lineNo + 1}`).fields;
  const width = firstFields.length;
  const names = hasHeader ? firstFields.map((s) => s.trim()) : firstFields.map((_, i) => `column ${i + 1}`);
  if (hasHeader) lineNo++;
  const labelIndex = opts.label === undefined ? -1 : resolveColumn(opts.label, names, hasHeader, file);
  const featureIndices =
    opts.columns === undefined
      ? names.map((_, i) => i).filter((i) => i !== labelIndex)
      : opts.columns.map((c) => resolveColumn(c, names, hasHeader, file));
  if (featureIndices.length === 0) throw new ValueError(`${at}: no feature columns selected`);
  // `file:line:column: field 3 (name); expected ..., got ...`, the column where the cell starts.
  const cellError = (line: number, row: Fields, c: number, expected: string, got: string, hint = ""): FormatError =>
    new FormatError(`${file}:${line}:${row.starts[c] + 1}: field ${c + 1}${hasHeader ? ` (${names[c]})` : ""}; expected ${expected}, got ${JSON.stringify(got)}${hint}`);

  const features: number[] = [];
  const labels: number[] = [];
  const classes: string[] = classOption === undefined || classOption === "auto" ? [] : [...classOption];
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  let rows = 0;
  for (; lineNo < lines.length; lineNo++) {
    const line = lines[lineNo];
    if (line.trim() === "") continue;
    const where = `${file}:${lineNo + 1}`;
    const row = splitLine(line, delimiter, where);
    if (row.fields.length !== width) {
      // The column where the missing field should start, or where the first extra one does.
      const column = row.fields.length < width ? line.length + 1 : row.starts[width] + 1;
      throw new FormatError(`${where}:${column}: ragged row; expected ${width} fields, got ${row.fields.length}`);
    }
    for (const c of featureIndices) {
      const cell = row.fields[c];
      if (!numberPattern.test(cell)) throw cellError(lineNo + 1, row, c, "a number", cell);
      const value = Number(cell);
      // Past float32's range a cell would load as Infinity; tiny values round to 0 as floats do.
      if (!Number.isFinite(Math.fround(value))) throw cellError(lineNo + 1, row, c, `a number within float32 range (±${maxFloat32})`, cell);
      features.push(value);
    }
    if (labelIndex >= 0) {
      const cell = row.fields[labelIndex].trim();
      if (classOption === undefined) {
        if (!integerPattern.test(cell)) {
          throw cellError(lineNo + 1, row, labelIndex, "an integer label", cell, ' (for class names pass classes: [...names] or classes: "auto")');
        }
        const value = Number(cell);
        if (value < -2147483648 || value > 2147483647) throw cellError(lineNo + 1, row, labelIndex, `an integer label in ${int32Range}`, cell);
        labels.push(value);
      } else {
        let k = classIndex.get(cell);
        if (k === undefined && classOption === "auto" && cell !== "") {
          k = classes.length;
          classes.push(cell);
          classIndex.set(cell, k);
        }
        if (k === undefined) {
          const known = classes.slice(0, 10).map((c) => JSON.stringify(c)).join(", ") + (classes.length > 10 ? `, ... (${classes.length} in all)` : "");
          throw cellError(lineNo + 1, row, labelIndex, classOption === "auto" ? "a class name" : `one of ${known}`, cell);
        }
        labels.push(k);
      }
    }
    rows++;
  }
  if (rows === 0) throw new FormatError(`parseCsv: ${file} has no data rows; expected at least one after the ${hasHeader ? "header" : "start"}`);

  const x = empty([rows, featureIndices.length]);
  x.storage.data.set(features);
  const y = labelIndex >= 0 ? tensor(Int32Array.from(labels)) : null;
  return { x, y, columns: featureIndices.map((i) => names[i]), classes };
}
