import { describe, expect, it } from "vitest";
import { BufferPool, DTypeError, RegistryError, StateError, ValueError, ones, resolve, squeeze, tensor, tidy, zeros } from "./index.js";

/** The error `run` throws (the test fails when it throws nothing). */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("user mistakes raise core's error classes", () => {
  it("StateError is an Error named StateError", () => {
    const e = new StateError("x: y");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("StateError");
  });

  it("using a disposed tensor is a StateError (a plain Error before)", () => {
    const t = tensor([1, 2]);
    t.dispose();
    const e = thrown(() => t.add(1));
    expect(e).toBeInstanceOf(StateError);
    expect(e.message).toBe("Tensor: this float32 tensor [2] was disposed (by dispose(), tidy or a scope) and cannot be used");
  });

  it("a second backward through a freed graph is a StateError (a plain Error before)", () => {
    const x = tensor([3], { requiresGrad: true });
    const y = x.square().sum();
    y.backward();
    const e = thrown(() => { y.backward(); });
    expect(e).toBeInstanceOf(StateError);
    expect(e.message).toMatch(/^backward: the graph through "sum" was freed by an earlier backward; pass \{ retainGraph: true \}/);
  });

  it("backward of a tensor that does not require gradients is a StateError (a DTypeError before)", () => {
    // Its dtype is fine (float32); what is wrong is its autograd state, which requiresGrad_ changes.
    const e = thrown(() => { tensor([1, 2]).mul(2).sum().backward(); });
    expect(e).toBeInstanceOf(StateError);
    expect(e).not.toBeInstanceOf(DTypeError);
    expect(e.message).toBe(
      "backward: the float32 tensor [] does not require gradients; expected requiresGrad: true on one of its inputs, got none (or it was computed under noGrad)",
    );
  });

  it("switching off gradients of a computed tensor and hooking one without gradients are StateErrors (plain Errors before)", () => {
    const y = tensor([1], { requiresGrad: true }).mul(2);
    expect(thrown(() => (y.requiresGrad = false))).toBeInstanceOf(StateError);
    const e = thrown(() => ones([2]).registerHook(() => undefined));
    expect(e).toBeInstanceOf(StateError);
    expect(e.message).toBe("registerHook: the float32 tensor [2] does not require gradients; expected requiresGrad: true");
  });

  it("squeeze(null) is a ValueError (a TypeError before)", () => {
    const e = thrown(() => squeeze(zeros([1, 2]), null as unknown as number));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe("squeeze: axis must be an axis, a list of axes or undefined (all axes of size 1); got null");
  });

  it("tidy around an async function is a ValueError (a TypeError before)", () => {
    const e = thrown(() => tidy(() => Promise.resolve(1)));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toMatch(/^tidy: the function returned a promise; expected a synchronous function/);
  });

  it("huge sizes are ValueErrors (RangeErrors before)", () => {
    expect(thrown(() => zeros([2 ** 33]))).toBeInstanceOf(ValueError);
    expect(thrown(() => ones([2 ** 32, 2]))).toBeInstanceOf(ValueError);
  });

  it("an allocation the engine refuses is a ValueError (a RangeError before)", () => {
    const pool = new BufferPool(undefined, () => {
      throw new RangeError("Array buffer allocation failed");
    });
    const e = thrown(() => pool.take("float64", 2 ** 30));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe('alloc: out of memory; expected room for 1073741824 float64 elements, got "Array buffer allocation failed"');
  });

  it("resolve caps its suggestion work: a 2 MB name fails fast, cut short in the message", () => {
    const name = "x".repeat(2 * 1024 * 1024);
    const start = performance.now();
    const e = thrown(() => resolve("op", name));
    // 2.5 s on a fast machine before (11 s on a loaded one): edit distances against every op.
    expect(performance.now() - start).toBeLessThan(200);
    expect(e).toBeInstanceOf(RegistryError);
    expect(e.message).toMatch(/^resolve: no op "x{100}\.\.\. \(2097152 characters\)"; known: .*add/);
    expect(e.message.length).toBeLessThan(10_000);
    // Ordinary typos still get a suggestion; names far longer than every op do not.
    expect(thrown(() => resolve("op", "mull")).message).toMatch(/did you mean "mul"\?/);
    expect(thrown(() => resolve("op", "matmulmatmulmatmulmatmulmatmul")).message).not.toMatch(/did you mean/);
  });
});
