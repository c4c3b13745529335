import { describe, expect, it } from "vitest";
import {
  ShapeError, ValueError, checkAxis, checkAxisList, checkBoolean, checkFunction, checkNumber, checkOptions, checkTensor, checkTensorList,
  checkTensorOptions, describeValue, formatShape, tensor,
} from "./index.js";

describe("validate: the shared argument checks", () => {
  it("checkTensor and checkTensorList name the argument and describe what came", () => {
    expect(() => { checkTensor(tensor([1]), "myOp"); }).not.toThrow();
    expect(() => { checkTensor(null, "conv2d", "weight"); }).toThrow(ValueError);
    expect(() => { checkTensor(null, "conv2d", "weight"); }).toThrow("conv2d: weight is not a tensor; expected a tensor, got null");
    expect(() => { checkTensorList([tensor([1]), undefined], "concat"); }).toThrow("concat: tensor 1 is not a tensor; expected a tensor, got undefined");
    expect(() => { checkTensorList([], "concat"); }).toThrow("concat: no tensors given; expected a non-empty array of tensors, got []");
  });

  it("checkFunction, checkNumber, checkBoolean and checkOptions refuse stand-ins", () => {
    expect(() => { checkFunction(0.5, "tidy"); }).toThrow("tidy: fn is not a function; expected a function, got 0.5");
    expect(() => { checkNumber("abc", "leakyRelu", "slope"); }).toThrow('leakyRelu: slope is not a number; expected a number, got "abc"');
    expect(() => { checkNumber(NaN, "leakyRelu", "slope"); }).not.toThrow();
    expect(() => { checkBoolean(1, "sum", "keepDims"); }).toThrow("sum: keepDims is not a boolean; expected true or false, got 1");
    expect(() => { checkOptions(null, "dropout", "{ p: 0.5 }"); }).toThrow("dropout: options are not an object; expected e.g. { p: 0.5 }, got null");
    expect(() => { checkOptions([1], "dropout", "{ p: 0.5 }"); }).toThrow(ValueError);
    expect(() => { checkTensorOptions({ requiresGrad: "yes" }, "zeros"); }).toThrow('zeros: requiresGrad is not a boolean; expected true or false, got "yes"');
  });

  it("checkAxis and checkAxisList take the normalized form: ValueError for a wrong type, ShapeError for a wrong axis", () => {
    expect(() => { checkAxis(1, 2, "softmax"); }).not.toThrow();
    expect(() => { checkAxis("a", 2, "softmax"); }).toThrow(ValueError);
    expect(() => { checkAxis(-1, 2, "softmax"); }).toThrow(ShapeError);
    expect(() => { checkAxis(-1, 2, "softmax"); }).toThrow("softmax: axis -1 is out of range for a tensor of rank 2; expected an axis in [0, 2)");
    expect(() => { checkAxisList([0, 2], 3, "sum"); }).not.toThrow();
    expect(() => { checkAxisList(tensor([1]), 3, "sum"); }).toThrow("sum: axes are not a list; expected increasing axes in [0, 3), got a float32 tensor [1]");
    expect(() => { checkAxisList([1, 0], 3, "sum"); }).toThrow(ShapeError);
    expect(() => { checkAxisList([0, 0.5], 3, "sum"); }).toThrow(ValueError);
  });

  it("describeValue and formatShape never throw and stay short", () => {
    expect(describeValue(null)).toBe("null");
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue(-0)).toBe("-0");
    expect(describeValue("sum")).toBe('"sum"');
    expect(describeValue("x".repeat(2_000_000))).toBe(`"${"x".repeat(40)}"... (2000000 characters)`);
    expect(describeValue([2, null, "a"])).toBe('[2, null, "a"]');
    expect(describeValue([[1], [2]])).toBe("an array of 2 items");
    expect(describeValue({ axis: 1, keepDims: true })).toBe("an object { axis, keepDims }");
    expect(describeValue(() => 1)).toBe("a function");
    expect(describeValue(tensor([[1, 2]]))).toBe("a float32 tensor [1, 2]");
    expect(describeValue(Object.create(null))).toBe("an empty object {}");
    // A shape printed in a message may be whatever the caller passed.
    expect(formatShape(3 as never)).toBe("3");
    expect(formatShape([2, 3])).toBe("[2, 3]");
  });
});
