/**
 * Seeded random numbers: a small, fast generator (xoshiro128**) whose whole state can be
 * saved and restored, so that a resumed run draws the same numbers as an uninterrupted one.
 * @module
 */
import { ValueError } from "./errors.js";

/**
 * The saved state of a {@link Generator}: four 32-bit words plus a cached normal deviate.
 * @category Random
 */
export interface GeneratorState {
  s: [number, number, number, number];
  spare: number | null;
}

function splitmix32(seed: number): () => number {
  let z = seed >>> 0;
  return () => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z ^ (z >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

/**
 * A seeded pseudo-random generator. The same seed gives the same stream on every machine.
 * @example
 * ```ts
 * import { Generator } from "@backprop/core";
 * const g = new Generator(42);
 * const state = g.getState();
 * const a = g.nextFloat();
 * g.setState(state);
 * g.nextFloat() === a; // true
 * ```
 * @category Random
 */
export class Generator {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Restarts the stream from a seed (any finite number; fractions and signs are folded in). */
  seed(seed: number): this {
    if (!Number.isFinite(seed)) throw new ValueError(`Generator: seed must be a finite number; got ${seed}`);
    const hi = Math.floor(seed / 4294967296);
    const mix = splitmix32((seed >>> 0) ^ Math.imul(hi | 0, 0x85ebca6b));
    for (let i = 0; i < 4; i++) this.s[i] = mix();
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    this.spare = null;
    return this;
  }

  /** The next uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal deviate (Box-Muller; the second value of each pair is cached). */
  nextNormal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [low, high) without modulo bias. */
  nextInt(low: number, high: number): number {
    const span = high - low;
    if (!(span > 0) || !Number.isInteger(low) || !Number.isInteger(high)) {
      throw new ValueError(`randint: need integers low < high; got low ${low}, high ${high}`);
    }
    if (span <= 4294967296) {
      const limit = 4294967296 - (4294967296 % span);
      let r: number;
      do r = this.nextUint32();
      while (r >= limit);
      return low + (r % span);
    }
    return low + Math.floor(this.nextFloat() * span);
  }

  /** A copy of the full state, for checkpoints. */
  getState(): GeneratorState {
    return { s: [this.s[0], this.s[1], this.s[2], this.s[3]], spare: this.spare };
  }

  /** Restores a state from {@link Generator.getState}. */
  setState(state: GeneratorState): this {
    if (!Array.isArray(state?.s) || state.s.length !== 4 || state.s.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new ValueError("Generator.setState: expected { s: four unsigned 32-bit integers, spare: number | null }");
    }
    this.s.set(state.s);
    this.spare = state.spare ?? null;
    return this;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

let globalGenerator = new Generator(0);

/**
 * The global generator used when an op is not given one.
 * @example
 * ```ts
 * import { defaultGenerator } from "@backprop/core";
 * defaultGenerator().nextFloat();
 * ```
 * @category Random
 */
export function defaultGenerator(): Generator {
  return globalGenerator;
}

/**
 * Seeds the global generator (PyTorch's `manual_seed`).
 * @example
 * ```ts
 * import { manualSeed, rand } from "@backprop/core";
 * manualSeed(1); const a = rand([2]).toArray();
 * manualSeed(1); const b = rand([2]).toArray(); // same as a
 * ```
 * @category Random
 */
export function manualSeed(seed: number): Generator {
  globalGenerator = new Generator(seed);
  return globalGenerator;
}

/**
 * The global generator's state, for checkpoints.
 * @example
 * ```ts
 * import { getRngState, setRngState } from "@backprop/core";
 * const saved = getRngState();
 * setRngState(saved);
 * ```
 * @category Random
 */
export function getRngState(): GeneratorState {
  return globalGenerator.getState();
}

/**
 * Restores the global generator's state.
 * @example
 * ```ts
 * import { getRngState, setRngState } from "@backprop/core";
 * setRngState(getRngState());
 * ```
 * @category Random
 */
export function setRngState(state: GeneratorState): void {
  globalGenerator.setState(state);
}
