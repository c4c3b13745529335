/**
 * The argument checks shared by core's public entry points (the ops, the registry's ops, the
 * autograd and scope functions). Each throws one of core's error classes with the message
 * `<where>: <what>; expected <x>, got <y>`. They cost a typeof or an instanceof, or a loop
 * over a short list of axes: never a pass over a tensor's elements.
 * @module
 */
import { Tensor } from "./tensor.js";
import { ShapeError, ValueError, describeValue } from "./errors.js";
import type { TensorOptions } from "./creation.js";

/**
 * Checks that a value is a {@link Tensor}.
 * @throws {ValueError} `conv2d: weight is not a tensor; expected a tensor, got undefined`.
 * @example
 * ```ts
 * import { ValueError, checkTensor, tensor } from "@backprop/core";
 * checkTensor(tensor([1]), "myOp"); // passes
 * try { checkTensor(null, "myOp", "weight"); } catch (e) { console.log(e instanceof ValueError); } // true
 * ```
 * @category Errors
 */
export function checkTensor(value: unknown, where: string, what = "input"): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw new ValueError(`${where}: ${what} is not a tensor; expected a tensor, got ${describeValue(value)}`);
}

/**
 * Checks that a value is a non-empty array of tensors.
 * @throws {ValueError} `concat: tensor 1 is not a tensor; expected a tensor, got undefined`.
 * @example
 * ```ts
 * import { checkTensorList, tensor } from "@backprop/core";
 * checkTensorList([tensor([1]), tensor([2])], "myOp"); // passes
 * ```
 * @category Errors
 */
export function checkTensorList(value: unknown, where: string): asserts value is Tensor[] {
  if (!Array.isArray(value) || value.length === 0) throw new ValueError(`${where}: no tensors given; expected a non-empty array of tensors, got ${describeValue(value)}`);
  for (let i = 0; i < value.length; i++) checkTensor(value[i], where, `tensor ${i}`);
}

/**
 * Checks that a value is a function (the callback of tidy, noGrad, gradCheck, ...).
 * @throws {ValueError} `tidy: fn is not a function; expected a function, got 0.5`.
 * @example
 * ```ts
 * import { checkFunction } from "@backprop/core";
 * checkFunction(() => 1, "myHelper"); // passes
 * ```
 * @category Errors
 */
export function checkFunction(value: unknown, where: string, what = "fn"): asserts value is (...args: never[]) => unknown {
  if (typeof value !== "function") throw new ValueError(`${where}: ${what} is not a function; expected a function, got ${describeValue(value)}`);
}

/**
 * Checks that a value is a number (any number: NaN and infinities pass; check ranges after).
 * @throws {ValueError} `leakyRelu: slope is not a number; expected a number, got "abc"`.
 * @example
 * ```ts
 * import { checkNumber } from "@backprop/core";
 * checkNumber(0.1, "leakyRelu", "slope"); // passes
 * ```
 * @category Errors
 */
export function checkNumber(value: unknown, where: string, what: string): asserts value is number {
  if (typeof value !== "number") throw new ValueError(`${where}: ${what} is not a number; expected a number, got ${describeValue(value)}`);
}

/**
 * Checks that a value is true or false (not a truthy or falsy stand-in).
 * @throws {ValueError} `sum: keepDims is not a boolean; expected true or false, got "yes"`.
 * @example
 * ```ts
 * import { checkBoolean } from "@backprop/core";
 * checkBoolean(true, "sum", "keepDims"); // passes
 * ```
 * @category Errors
 */
export function checkBoolean(value: unknown, where: string, what: string): asserts value is boolean {
  if (typeof value !== "boolean") throw new ValueError(`${where}: ${what} is not a boolean; expected true or false, got ${describeValue(value)}`);
}

/**
 * Checks one axis already normalized: an integer in [0, rank), the form ops record for their
 * backward (the public functions also take negative axes and normalize them first).
 * @throws {ValueError} for a value that is not an integer; {ShapeError} for one out of range.
 * @example
 * ```ts
 * import { checkAxis } from "@backprop/core";
 * checkAxis(1, 2, "softmax"); // passes
 * ```
 * @category Errors
 */
export function checkAxis(axis: unknown, rank: number, where: string): asserts axis is number {
  if (typeof axis === "number" && Number.isInteger(axis) && axis >= 0 && axis < rank) return;
  if (typeof axis !== "number" || !Number.isInteger(axis)) throw new ValueError(`${where}: axis is not an integer; expected an axis in [0, ${rank}), got ${describeValue(axis)}`);
  throw new ShapeError(`${where}: axis ${axis} is out of range for a tensor of rank ${rank}; expected an axis in [0, ${rank})`);
}

/**
 * Checks a list of axes already normalized: increasing integers in [0, rank), the form the
 * reductions record for their backward.
 * @throws {ValueError} for a value that is not a list of integers; {ShapeError} for axes out
 * of range, repeated or out of order.
 * @example
 * ```ts
 * import { checkAxisList } from "@backprop/core";
 * checkAxisList([0, 2], 3, "sum"); // passes
 * ```
 * @category Errors
 */
export function checkAxisList(axes: unknown, rank: number, where: string): asserts axes is number[] {
  if (!Array.isArray(axes)) throw new ValueError(`${where}: axes are not a list; expected increasing axes in [0, ${rank}), got ${describeValue(axes)}`);
  let previous = -1;
  for (const a of axes as unknown[]) {
    if (typeof a !== "number" || !Number.isInteger(a)) throw new ValueError(`${where}: axes hold a non-integer; expected increasing axes in [0, ${rank}), got ${describeValue(axes)}`);
    if (a <= previous || a >= rank) throw new ShapeError(`${where}: axes are out of range or order for a tensor of rank ${rank}; expected increasing axes in [0, ${rank}), got ${describeValue(axes)}`);
    previous = a;
  }
}

/**
 * Checks that an options argument is an object (not null, a number or a string).
 * @throws {ValueError} `dropout: options are not an object; expected e.g. { p: 0.5 }, got null`.
 * @example
 * ```ts
 * import { checkOptions } from "@backprop/core";
 * checkOptions({ p: 0.5 }, "dropout", "{ p: 0.5 }"); // passes
 * ```
 * @category Errors
 */
export function checkOptions(options: unknown, where: string, example: string): asserts options is object {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new ValueError(`${where}: options are not an object; expected e.g. ${example}, got ${describeValue(options)}`);
  }
}

/**
 * Checks the options of a function that makes a tensor: an object whose `requiresGrad`, when
 * given, is a boolean (the dtype is checked where it is used).
 * @throws {ValueError} `zeros: requiresGrad is not a boolean; expected true or false, got "yes"`.
 * @example
 * ```ts
 * import { checkTensorOptions } from "@backprop/core";
 * checkTensorOptions({ requiresGrad: true }, "zeros"); // passes
 * ```
 * @category Errors
 */
export function checkTensorOptions(options: unknown, where: string): asserts options is TensorOptions {
  checkOptions(options, where, '{ dtype: "float32", requiresGrad: true }');
  const requiresGrad = (options as TensorOptions).requiresGrad;
  if (requiresGrad !== undefined) checkBoolean(requiresGrad, where, "requiresGrad");
}
