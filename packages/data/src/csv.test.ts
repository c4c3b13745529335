import { describe, expect, it } from "vitest";
import { FormatError, ValueError } from "@backprop/core";
import { irisClasses, irisCsv, loadIris, parseCsv } from "./index.js";

const sample = "sepal_length,sepal_width,species\n5.1,3.5,setosa\n\n7.0,3.2,versicolor\n6.3,3.3,virginica\n";

describe("parseCsv", () => {
  it("parses a header, numbers and a text label column", () => {
    const { x, y, columns, classes } = parseCsv(sample, { label: "species", classes: "auto" });
    expect(x.shape).toEqual([3, 2]);
    expect(x.dtype).toBe("float32");
    expect(x.toArray()).toEqual([[5.1, 3.5], [7.0, 3.2], [6.3, 3.3]].map((r) => r.map(Math.fround)));
    expect(y?.toArray()).toEqual([0, 1, 2]);
    expect(y?.dtype).toBe("int32");
    expect(columns).toEqual(["sepal_length", "sepal_width"]);
    expect(classes).toEqual(["setosa", "versicolor", "virginica"]);
  });

  it("selects columns by name or index, in the order given", () => {
    expect(parseCsv(sample, { columns: ["sepal_width", 0], label: 2, classes: "auto" }).x.toArray()).toEqual([[3.5, 5.1], [3.2, 7.0], [3.3, 6.3]].map((r) => r.map(Math.fround)));
    expect(parseCsv(sample, { columns: [1], label: 2, classes: "auto" }).columns).toEqual(["sepal_width"]);
  });

  it("reads files without a header, other delimiters, quotes, CRLF, signs and exponents", () => {
    const { x, columns } = parseCsv('1;-2.5e1\r\n"+3";.5\r\n', { header: false, delimiter: ";" });
    expect(x.toArray()).toEqual([[1, -25], [3, 0.5]]);
    expect(columns).toEqual(["column 1", "column 2"]);
    expect(parseCsv("\uFEFFa,b\n1,2\n", { columns: ["a"] }).x.toArray()).toEqual([[1]]);
    const quoted = parseCsv('name,v\n"Smith, J. ""Jr""",2\n', { columns: ["v"], label: "name", classes: "auto" });
    expect(quoted.classes).toEqual(['Smith, J. "Jr"']);
  });

  it("keeps integer labels as they are, and honours an explicit class order", () => {
    expect(parseCsv("a,y\n1,2\n2,0\n", { label: "y" }).y?.toArray()).toEqual([2, 0]);
    expect(parseCsv("a,y\n1,dog\n2,cat\n", { label: "y", classes: ["cat", "dog"] }).y?.toArray()).toEqual([1, 0]);
    expect(() => parseCsv("a,y\n1,dog\n2,cow\n", { file: "pets.csv", label: "y", classes: ["cat", "dog"] })).toThrow('pets.csv:3:3: field 2 (y); expected one of "cat", "dog", got "cow"');
  });

  it("reports a non-numeric cell with file, line and column", () => {
    const text = irisCsv.split("\n");
    text[13] = "4.8,3.0,abc,0.1,setosa"; // line 14 of the file
    expect(() => parseCsv(text.join("\n"), { file: "iris.csv", label: "species", classes: irisClasses })).toThrow(FormatError);
    expect(() => parseCsv(text.join("\n"), { file: "iris.csv", label: "species", classes: irisClasses })).toThrow('iris.csv:14:9: field 3 (petal_length); expected a number, got "abc"');
  });

  it("rejects empty cells and text that Number() would accept", () => {
    expect(() => parseCsv("a,b\n1,\n", { file: "f.csv" })).toThrow('f.csv:2:3: field 2 (b); expected a number, got ""');
    expect(() => parseCsv("a,b\n1,0x10\n", { file: "f.csv" })).toThrow('f.csv:2:3: field 2 (b); expected a number, got "0x10"');
    expect(() => parseCsv("a,b\n1,Infinity\n", { file: "f.csv" })).toThrow('f.csv:2:3: field 2 (b); expected a number, got "Infinity"');
    expect(() => parseCsv("a,b\n1,NaN\n", { file: "f.csv" })).toThrow('f.csv:2:3: field 2 (b); expected a number, got "NaN"');
  });

  it("reports ragged rows, counting blank lines in line numbers", () => {
    expect(() => parseCsv("a,b,c\n1,2,3\n\n4,5\n", { file: "r.csv" })).toThrow("r.csv:4:4: ragged row; expected 3 fields, got 2");
    expect(() => parseCsv("a,b\n1,2,3\n", { file: "r.csv" })).toThrow("r.csv:2:5: ragged row; expected 2 fields, got 3");
    expect(() => parseCsv('a,b\n"1,2\n', { file: "q.csv" })).toThrow('q.csv:2:1: unterminated quoted field; expected a closing ", got the end of the line');
  });

  it("reads class names only when asked, never because of one odd cell", () => {
    // Without classes, labels are integers: one text cell is an error, not a switch to text classes.
    expect(() => parseCsv("a,y\n1,0\n2,1\n3,x\n", { file: "l.csv", label: "y" })).toThrow(FormatError);
    expect(() => parseCsv("a,y\n1,0\n2,1\n3,x\n", { file: "l.csv", label: "y" })).toThrow(
      'l.csv:4:3: field 2 (y); expected an integer label, got "x" (for class names pass classes: [...names] or classes: "auto")',
    );
    expect(() => parseCsv(sample, { file: "s.csv", label: "species" })).toThrow(/^s.csv:2:9: field 3 \(species\); expected an integer label, got "setosa"/);
    expect(() => parseCsv("a,y\n1,1.5\n", { file: "l.csv", label: "y" })).toThrow('l.csv:2:3: field 2 (y); expected an integer label, got "1.5"');
    expect(() => parseCsv("a,y\n1,\n", { file: "l.csv", label: "y" })).toThrow('l.csv:2:3: field 2 (y); expected an integer label, got ""');
    // "auto": every cell is a class name, numbered by first appearance, digits included.
    const auto = parseCsv("a,y\n1,b\n2,a\n3,10\n4,b\n", { label: "y", classes: "auto" });
    expect(auto.classes).toEqual(["b", "a", "10"]);
    expect(auto.y?.toArray()).toEqual([0, 1, 2, 0]);
    expect(() => parseCsv("a,y\n1,b\n2, \n", { file: "l.csv", label: "y", classes: "auto" })).toThrow('l.csv:3:3: field 2 (y); expected a class name, got ""');
  });

  it("rejects integer labels outside int32 instead of wrapping them", () => {
    expect(parseCsv("a,y\n1,2147483647\n2,-2147483648\n", { label: "y" }).y?.toArray()).toEqual([2147483647, -2147483648]);
    expect(() => parseCsv("a,y\n1,2147483648\n", { file: "w.csv", label: "y" })).toThrow(FormatError);
    expect(() => parseCsv("a,y\n1,2147483648\n", { file: "w.csv", label: "y" })).toThrow(
      'w.csv:2:3: field 2 (y); expected an integer label in [-2147483648, 2147483647], got "2147483648"',
    );
    expect(() => parseCsv("a,y\n1,-2147483649\n", { file: "w.csv", label: "y" })).toThrow(/w.csv:2:3: .* got "-2147483649"/);
    expect(() => parseCsv("a,y\n1,99999999999999999999\n", { file: "w.csv", label: "y" })).toThrow(/w.csv:2:3: .*in \[-2147483648, 2147483647\]/);
  });

  it("rejects numbers outside float32 range instead of loading Infinity", () => {
    for (const cell of ["1e400", "1e39", "-3.5e38"]) {
      expect(() => parseCsv(`a,b\n1,${cell}\n`, { file: "o.csv" })).toThrow(FormatError);
      expect(() => parseCsv(`a,b\n1,${cell}\n`, { file: "o.csv" })).toThrow(`o.csv:2:3: field 2 (b); expected a number within float32 range (±3.4028234663852886e+38), got "${cell}"`);
    }
    // The largest float32 and numbers that round to it still load; tiny ones round to 0 as floats do.
    expect(parseCsv("a\n3.4028235e38\n-3.4028234663852886e38\n1e-50\n").x.toArray()).toEqual([[3.4028234663852886e38], [-3.4028234663852886e38], [0]]);
  });

  it("rejects bad options with named errors", () => {
    expect(() => parseCsv("a\n1\n", null as never)).toThrow("parseCsv: expected an options object; got null");
    expect(() => parseCsv("a\n1\n", { delimiter: 5 as never })).toThrow(`parseCsv(<csv>): delimiter must be a non-empty string other than '"'; got 5`);
    expect(() => parseCsv("a\n1\n", { header: "yes" as never })).toThrow('parseCsv(<csv>): header must be true or false; got "yes"');
    expect(() => parseCsv("a\n1\n", { columns: 5 as never })).toThrow("parseCsv(<csv>): columns must be an array of names or indices; got 5");
    expect(() => parseCsv("a,b\n1,x\n", { label: "b", classes: 5 as never })).toThrow('parseCsv(<csv>): classes must be "auto" or an array of distinct names; got 5');
    expect(() => parseCsv("a,b\n1,x\n", { label: "b", classes: ["x", "x"] })).toThrow(ValueError);
    expect(() => parseCsv("a,b\n1,2\n", { classes: ["x"] })).toThrow("parseCsv(<csv>): classes needs a label column; expected label set, got none");
    expect(() => parseCsv("a,b\n1,2\n", { file: 5 as never })).toThrow(ValueError);
  });

  it("reports unknown columns, empty files and files with only a header", () => {
    expect(() => parseCsv(sample, { file: "s.csv", columns: ["petal"] })).toThrow(ValueError);
    expect(() => parseCsv(sample, { file: "s.csv", columns: ["petal"] })).toThrow('parseCsv(s.csv): no column "petal"; known: sepal_length, sepal_width, species');
    expect(() => parseCsv(sample, { columns: [3] })).toThrow(/column index 3 is out of range; expected an integer in \[0, 2\]/);
    expect(() => parseCsv("1,2\n", { header: false, columns: ["a"] })).toThrow(/has no header/);
    expect(() => parseCsv("\n\n", { file: "e.csv" })).toThrow("parseCsv: e.csv is empty; expected a header and at least one row");
    expect(() => parseCsv("a,b\n", { file: "h.csv" })).toThrow(/h.csv has no data rows/);
  });
});

describe("Iris", () => {
  it("has Fisher's 150 rows", () => {
    const [x, y] = loadIris();
    expect(x.shape).toEqual([150, 4]);
    expect(y.shape).toEqual([150]);
    const rows = x.toArray() as number[][];
    const f = (r: number[]): number[] => r.map(Math.fround);
    expect(rows[0]).toEqual(f([5.1, 3.5, 1.4, 0.2]));
    expect(rows[34]).toEqual(f([4.9, 3.1, 1.5, 0.2])); // UCI's copy has 0.1 here
    expect(rows[37]).toEqual(f([4.9, 3.6, 1.4, 0.1])); // UCI's copy has 3.1, 1.5
    expect(rows[50]).toEqual(f([7.0, 3.2, 4.7, 1.4]));
    expect(rows[149]).toEqual(f([5.9, 3.0, 5.1, 1.8]));
    const labels = Array.from(y.data());
    for (let k = 0; k < 3; k++) expect(labels.filter((l) => l === k).length).toBe(50);
    expect(labels[0]).toBe(0);
    expect(labels[149]).toBe(2);
    expect(irisClasses).toEqual(["setosa", "versicolor", "virginica"]);
    // The published per-feature means: 5.843, 3.057, 3.758, 1.199.
    const means = [0, 1, 2, 3].map((j) => rows.reduce((s, r) => s + r[j], 0) / 150);
    [5.8433, 3.0573, 3.758, 1.1993].forEach((m, j) => { expect(means[j]).toBeCloseTo(m, 3); });
  });
});
