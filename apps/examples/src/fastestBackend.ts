/**
 * Loads the optional fast backends so that core picks the fastest one that works here
 * (native > wasm > js), and reports which one it is.
 */
import { getBackend } from "@backprop/core";

export async function useFastestBackend(): Promise<string> {
  for (const name of ["@backprop/backend-native", "@backprop/backend-wasm"]) {
    try {
      await import(name);
    } catch (e) {
      console.warn(`${name} is not available here (${(e as Error).message.split("\n")[0]})`);
    }
  }
  const backend = getBackend();
  return `${backend.name} backend, ${backend.numThreads()} thread${backend.numThreads() === 1 ? "" : "s"}`;
}
