/**
 * The checks every backend runs at its entry points: each tensor handed to a kernel is a view
 * inside its storage, and each allocation is of a size a tensor may have. The Tensor
 * constructor checks views too, but a view's fields are plain properties that a caller can
 * change afterwards, and a kernel given a view past its storage reads or writes other memory
 * (in the wasm backend, the module's own data).
 * @module
 */
import type { DType } from "../dtype.js";
import { assertDType } from "../dtype.js";
import { ValueError, describeValue, formatShape } from "../errors.js";
import { checkShape, checkView } from "../shape.js";
import type { Tensor } from "../tensor.js";
import type { Backend } from "./backend.js";

/**
 * Checks a tensor handed to a kernel: its view lies inside its storage ({@link checkView}), its
 * size agrees with its shape and its dtype with its storage's.
 * @throws {ValueError} `exp: operand 1: offset must be a non-negative safe integer; got NaN`.
 * @example
 * ```ts
 * import { checkTensorView, tensor } from "@backprop/core";
 * checkTensorView(tensor([1, 2, 3]), "exp: operand 1"); // passes
 * ```
 * @category Backends
 */
export function checkTensorView(t: Tensor, where: string): void {
  if (!isTensor(t)) throw new ValueError(`${where}: the operand is not a tensor; expected a tensor, got ${describeValue(t)}`);
  const storage = t.storage;
  const size = checkView(t.shape, t.strides, t.offset, storage.length, where);
  if (t.size !== size) throw new ValueError(`${where}: size must be the product of the shape ${formatShape(t.shape)}; expected ${size}, got ${t.size}`);
  if (t.dtype !== storage.dtype) throw new ValueError(`${where}: dtype must be its storage's; expected ${storage.dtype}, got ${t.dtype}`);
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === "object" && x !== null && (x as { __isTensor?: unknown }).__isTensor === true;
}

/** Backend members that are not kernels. */
const notKernels = new Set(["name", "alloc", "numThreads", "setNumThreads"]);

/**
 * A backend whose every kernel checks its tensor operands with {@link checkTensorView} (named
 * `<kernel>: operand <n>`, counted from 1) and whose `alloc` checks the length against
 * {@link MAX_TENSOR_SIZE} before the kernel or allocation runs. Backends return their kernel object through it.
 * @throws {ValueError} from the returned kernels, for a malformed view or size.
 * @example
 * ```ts
 * import { Tensor, ValueError, checkedBackend, createJsBackend } from "@backprop/core";
 * const js = checkedBackend(createJsBackend());
 * const t = new Tensor(js.alloc("float32", 4), [4]);
 * Object.defineProperty(t, "offset", { value: NaN });
 * try { js.exp(t); } catch (e) { console.log(e instanceof ValueError); } // true
 * ```
 * @category Backends
 */
export function checkedBackend<B extends Backend>(backend: B): B {
  const checked: Record<string, unknown> = { ...(backend as Backend) };
  for (const [key, value] of Object.entries(checked)) {
    if (notKernels.has(key) || typeof value !== "function") continue;
    const kernel = value as (...args: unknown[]) => unknown;
    const labels: string[] = [];
    checked[key] = (...args: unknown[]): unknown => {
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (isTensor(a)) checkTensorView(a, (labels[i] ??= `${key}: operand ${i + 1}`));
      }
      return kernel(...args);
    };
  }
  checked.alloc = (dtype: DType, length: number) => {
    assertDType(dtype, `${backend.name} backend: alloc`);
    checkShape([length], `${backend.name} backend: alloc`);
    return backend.alloc(dtype, length);
  };
  return checked as B;
}
