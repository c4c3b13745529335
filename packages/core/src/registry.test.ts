import { describe, expect, it, vi } from "vitest";
import { RegistryError, getBackend, isRegistered, nameOf, register, registeredNames, resolve, setBackend, unregister } from "./index.js";
import type { Initializer } from "./index.js";

describe("registry", () => {
  const init = (() => null) as unknown as Initializer;
  it("registers, resolves, names and unregisters", () => {
    register("initializer", "test/a", init);
    expect(resolve("initializer", "test/a")).toBe(init);
    expect(isRegistered("initializer", "test/a")).toBe(true);
    expect(registeredNames("initializer")).toContain("test/a");
    expect(nameOf("initializer", init)).toBe("test/a");
    expect(unregister("initializer", "test/a")).toBe(true);
    expect(unregister("initializer", "test/a")).toBe(false);
    expect(isRegistered("initializer", "test/a")).toBe(false);
  });
  it("a taken name is a RegistryError", () => {
    expect(() => register("op", "mul", resolve("op", "mul"))).toThrow(RegistryError);
    expect(() => register("op", "mul", resolve("op", "mul"))).toThrow('register: op "mul" is already registered');
    expect(() => register("initializer", "", init)).toThrow(RegistryError);
  });
  it("an unknown name suggests the closest one", () => {
    expect(() => resolve("op", "mull")).toThrow(RegistryError);
    expect(() => resolve("op", "mull")).toThrow(/no op "mull"; did you mean "mul"\? known: .*add/);
    expect(() => resolve("op", "zzzzzzzzzzzz")).toThrow(/^resolve: no op "zzzzzzzzzzzz"; known: .*add/);
    expect(() => resolve("op", "zzzzzzzzzzzz")).not.toThrow(/did you mean/);
  });
});

describe("backend selection", () => {
  it("setBackend with an unknown name is a RegistryError with a suggestion", () => {
    expect(() => setBackend("jss")).toThrow(RegistryError);
    expect(() => setBackend("jss")).toThrow(/no backend "jss"; did you mean "js"\?/);
    expect(setBackend("js").name).toBe("js");
    expect(getBackend().name).toBe("js");
  });
  it("an unknown BACKPROP_BACKEND is a RegistryError naming the known ones", async () => {
    const saved = process.env.BACKPROP_BACKEND;
    process.env.BACKPROP_BACKEND = "native";
    try {
      vi.resetModules();
      const fresh = await import("./index.js");
      expect(() => fresh.getBackend()).toThrow(fresh.RegistryError);
      expect(() => fresh.getBackend()).toThrow(/BACKPROP_BACKEND: no backend "native"; known: js \(import "@backprop\/backend-native" to register it\)/);
      process.env.BACKPROP_BACKEND = "js";
      expect(fresh.getBackend().name).toBe("js");
    } finally {
      if (saved === undefined) delete process.env.BACKPROP_BACKEND;
      else process.env.BACKPROP_BACKEND = saved;
    }
  });
});

describe("bad arguments raise named errors (issue 16)", () => {
  it("a kind or name that is not a string: RegistryError (TypeError 'text.toLowerCase is not a function' before)", () => {
    expect(() => resolve({} as never, "x")).toThrow(RegistryError);
    expect(() => resolve({} as never, "x")).toThrow('registry: the kind is not a string; expected a kind such as "op" or "layer", got an empty object {}');
    expect(() => resolve("op", 3 as never)).toThrow('resolve: the op name is not a string; expected a name such as "abs", got 3');
    expect(() => registeredNames(undefined as never)).toThrow(RegistryError);
    expect(() => register("op", 7 as never, null as never)).toThrow("register: the op name is empty or not a string; expected a non-empty string, got 7");
  });
});
