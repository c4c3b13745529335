/** The two models the save tests write over each other, and how to tell them apart on load. */
import { getRngState, noGrad } from "@backprop/core";
import type { Tensor } from "@backprop/core";
import { Linear, Sequential } from "@backprop/layers";

/** A: Linear 64 -> 32 filled with 1; B: Linear 64 -> 96 filled with 2 (wider, as in the issue). */
export function twoModels(name: "A" | "B"): Sequential {
  const m = new Sequential([new Linear({ inFeatures: 64, outFeatures: name === "A" ? 32 : 96 })]);
  noGrad(() => {
    for (const p of m.parameters()) p.storage.data.fill(name === "A" ? 1 : 2);
  });
  return m;
}

/** A checkpoint holding model `name`. */
export function checkpointOf(name: "A" | "B") {
  const epoch = name === "A" ? 1 : 2;
  return {
    state: { format: "backprop-checkpoint" as const, version: 1 as const, epoch, step: epoch, rng: { global: getRngState(), shuffle: null }, optimizer: null, callbacks: [], extra: { model: name } },
    model: twoModels(name).stateDict(),
    optimizer: { note: name },
  };
}

/** "A" or "B" when the tensors are exactly one of the two models, else what is wrong with them. */
export function whichModel(tensors: Record<string, Tensor>): string {
  const w = tensors["0.weight"] as Tensor | undefined;
  const b = tensors["0.bias"] as Tensor | undefined;
  if (w === undefined || b === undefined || Object.keys(tensors).length !== 2) return `keys ${Object.keys(tensors).join(", ")}`;
  for (const name of ["A", "B"] as const) {
    const rows = name === "A" ? 32 : 96;
    const value = name === "A" ? 1 : 2;
    if (w.shape.join() === `${rows},64` && b.shape.join() === `${rows}` && [...w.data(), ...b.data()].every((v) => v === value)) return name;
  }
  return `weight [${w.shape.join(", ")}] and bias [${b.shape.join(", ")}] with values that are neither model's`;
}
