/** The backends that load on this machine (js always; wasm and native when their packages load). */
import { getBackend } from "@backprop/core";

async function loads(name: string): Promise<boolean> {
  try {
    if (name === "native") await import("@backprop/backend-native");
    if (name === "wasm") await import("@backprop/backend-wasm");
    getBackend(name);
    return true;
  } catch {
    return false;
  }
}

export const backends: string[] = [];
for (const name of ["js", "wasm", "native"]) if (await loads(name)) backends.push(name);
