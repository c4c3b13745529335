// The fuzz case worker (see src/support/sandbox.ts): receives one case at a time over IPC,
// runs it, and replies with what happened plus a canary check of every backend, which catches
// a case that corrupted a backend's memory for the rest of the process.
import { Tensor, arange, getBackend, setBackend, tensor } from "@backprop/core";
import "@backprop/backend-native";
import "@backprop/backend-wasm";
import "@backprop/layers";
import { runLoader } from "./loaders.js";
import type { LoaderRequest } from "./loaders.js";
import { runOpCase } from "./ops.js";
import type { OpCase } from "./ops.js";
import { runDiffCase } from "./differential.js";
import type { DiffCase } from "./differential.js";

type Request = LoaderRequest | OpCase | DiffCase;

/** The backends that load in this process. */
export const backends = ["js", "wasm", "native"].filter((name) => {
  try {
    getBackend(name);
    return true;
  } catch {
    return false;
  }
});

const canaryInput = [-8, -6, 0, 6];
const canaryExpected = canaryInput.map((v) => Math.fround(Math.exp(v)));

/** Small computations every backend must still get right after a case: [what, compute, expected]. */
const canaries: [string, () => number[], number[]][] = [
  [`exp([${canaryInput.join(", ")}])`, () => Array.from(tensor(canaryInput).exp().data()), canaryExpected],
  ["neg of element 2 of [1, 2, 3] (a rank-0 view at offset 2)", () => Array.from(new Tensor(tensor([1, 2, 3]).storage, [], [], 2).neg().data()), [-3]],
  ["neg of [1, 2, 3, 4, 5][::2]", () => Array.from(tensor([1, 2, 3, 4, 5]).slice([[0, null, 2]]).neg().data()), [-1, -3, -5]],
  ["sum(arange(10))", () => Array.from(arange(10).sum().data()), [45]],
  ["[[1, 2], [3, 4]] @ [[5], [6]]", () => Array.from(tensor([[1, 2], [3, 4]]).matmul(tensor([[5], [6]])).data()), [17, 39]],
];

/** null when every backend still computes the canaries right; else what went wrong. */
function canary(): string | null {
  const previous = getBackend().name;
  try {
    for (const name of backends) {
      setBackend(name);
      for (const [what, compute, expected] of canaries) {
        let got: number[] | string;
        try {
          got = compute();
        } catch (e) {
          got = String(e);
        }
        const ok = Array.isArray(got) && got.length === expected.length && got.every((v, i) => Math.abs(v - expected[i]) <= 1e-6 * Math.abs(expected[i]));
        if (!ok) return `after this case the ${name} backend computes ${what} = ${Array.isArray(got) ? `[${got.join(", ")}]` : got}; expected [${expected.join(", ")}]`;
      }
    }
    return null;
  } finally {
    setBackend(previous);
  }
}

async function handle(request: Request): Promise<unknown> {
  switch (request.kind) {
    case "op":
      return runOpCase(request);
    case "diff":
      return runDiffCase(request);
    default:
      return runLoader(request);
  }
}

process.on("message", (message: { id: number; request: Request }) => {
  void (async () => {
    let reply: Record<string, unknown>;
    try {
      reply = { result: await handle(message.request) };
    } catch (e) {
      // The handlers catch what the library throws; an error here is the harness's own.
      reply = { harnessError: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    reply.corrupt = canary();
    try {
      process.send!({ id: message.id, reply });
    } catch (e) {
      process.send!({ id: message.id, reply: { harnessError: `the reply cannot be sent: ${String(e)}`, corrupt: reply.corrupt } });
    }
  })();
});
process.send!({ ready: true });
