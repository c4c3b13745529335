/**
 * CSV parsing into tensors: a header, column selection by name or index, strict numeric
 * parsing, and an optional label column turned into class indices. Every bad cell or ragged
 * row is reported as `file:line:column: what`. Works on text, so it runs anywhere;
 * `readCsv` (Node) reads the file.
 * @module
 */
import { FormatError, Tensor, ValueError, empty, tensor } from "@backprop/core";

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
   * A column of class labels, by name or index. Integer labels are kept as they are; text
   * labels become indices into `classes` in order of first appearance (or the order given).
   */
  label?: string | number;
  /** The class names in index order, for a text label column. */
  classes?: readonly string[];
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

/** Splits one CSV line into fields; double quotes protect delimiters, `""` is a quote. */
function splitLine(line: string, delimiter: string, where: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const fields: string[] = [];
  let field = "";
  let quoted = false;
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
      field = "";
    } else if (line.startsWith(delimiter, i)) {
      fields.push(field);
      field = "";
      i += delimiter.length - 1;
    } else field += c;
  }
  if (quoted) throw new FormatError(`${where}: unterminated quoted field; expected a closing "`);
  fields.push(field);
  return fields;
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

/**
 * Parses CSV text into a float32 feature tensor and, optionally, int32 labels.
 * Shape: x `[rows, features]`, y `[rows]`.
 * @throws {FormatError} for a cell that is not a number (`iris.csv:14:3: expected a number,
 * got "abc"`), a ragged row (`iris.csv:14: expected 5 fields, got 4`), an unterminated quote,
 * an unknown class name, or a file with no data rows.
 * @throws {ValueError} for an unknown column name or index.
 * @example
 * ```ts
 * import { parseCsv } from "@backprop/data";
 * const { x, y, classes } = parseCsv("a,b,kind\n1,2,cat\n3,4,dog\n", { label: "kind" });
 * x.toArray(); // [[1, 2], [3, 4]]
 * y?.toArray(); // [0, 1]; classes: ["cat", "dog"]
 * ```
 * @category Data
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvData {
  const file = options.file ?? "<csv>";
  const hasHeader = options.header ?? true;
  const delimiter = options.delimiter ?? ",";
  if (typeof text !== "string") throw new ValueError(`parseCsv(${file}): expected CSV text; got ${typeof text}`);
  if (delimiter.length === 0 || delimiter === '"') throw new ValueError(`parseCsv(${file}): delimiter must be a non-empty string other than '"'`);
  // A byte-order mark (spreadsheet exports) would otherwise stick to the first column's name.
  const lines = (text.startsWith("\uFEFF") ? text.slice(1) : text).split(/\r?\n/);
  // Line numbers are 1-based and count every line of the file, blank ones included.
  let lineNo = 0;
  while (lineNo < lines.length && lines[lineNo].trim() === "") lineNo++;
  if (lineNo === lines.length) throw new FormatError(`parseCsv: ${file} is empty; expected ${hasHeader ? "a header and " : ""}at least one row`);
  const firstFields = splitLine(lines[lineNo], delimiter, `${file}:${lineNo + 1}`);
  const width = firstFields.length;
  const names = hasHeader ? firstFields.map((s) => s.trim()) : firstFields.map((_, i) => `column ${i + 1}`);
  if (hasHeader) lineNo++;
  const labelIndex = options.label === undefined ? -1 : resolveColumn(options.label, names, hasHeader, file);
  const featureIndices =
    options.columns === undefined
      ? names.map((_, i) => i).filter((i) => i !== labelIndex)
      : options.columns.map((c) => resolveColumn(c, names, hasHeader, file));
  if (featureIndices.length === 0) throw new ValueError(`parseCsv(${file}): no feature columns selected`);

  const features: number[] = [];
  const labelTexts: string[] = [];
  const labelLines: number[] = [];
  let rows = 0;
  for (; lineNo < lines.length; lineNo++) {
    const line = lines[lineNo];
    if (line.trim() === "") continue;
    const where = `${file}:${lineNo + 1}`;
    const fields = splitLine(line, delimiter, where);
    if (fields.length !== width) throw new FormatError(`${where}: ragged row; expected ${width} fields, got ${fields.length}`);
    for (const c of featureIndices) {
      const cell = fields[c];
      if (!numberPattern.test(cell)) throw new FormatError(`${where}:${c + 1}: expected a number, got ${JSON.stringify(cell)}`);
      features.push(Number(cell));
    }
    if (labelIndex >= 0) {
      labelTexts.push(fields[labelIndex].trim());
      labelLines.push(lineNo + 1);
    }
    rows++;
  }
  if (rows === 0) throw new FormatError(`parseCsv: ${file} has no data rows; expected at least one after the ${hasHeader ? "header" : "start"}`);

  const x = empty([rows, featureIndices.length]);
  x.storage.data.set(features);
  let y: Tensor | null = null;
  let classes: string[] = [];
  if (labelIndex >= 0) {
    const integers = options.classes === undefined && labelTexts.every((s) => /^[+-]?\d+$/.test(s));
    const codes = new Int32Array(rows);
    if (integers) {
      labelTexts.forEach((s, i) => (codes[i] = Number(s)));
    } else {
      classes = options.classes !== undefined ? [...options.classes] : [...new Set(labelTexts)];
      const index = new Map(classes.map((c, i) => [c, i]));
      labelTexts.forEach((s, i) => {
        const k = index.get(s);
        if (k === undefined) {
          throw new FormatError(`${file}:${labelLines[i]}:${labelIndex + 1}: unknown class ${JSON.stringify(s)}; expected one of ${classes.map((c) => JSON.stringify(c)).join(", ")}`);
        }
        codes[i] = k;
      });
    }
    y = tensor(codes);
  }
  return { x, y, columns: featureIndices.map((i) => names[i]), classes };
}
