/**
 * Seeded randomness. Every random draw in optimpact comes from an `Rng` made from a recorded seed, so
 * the same seed on the same backend gives the same numbers.
 */

/** A stream of uniform draws. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** The seed this stream was made from. */
  readonly seed: number;
  /** The generator's 128-bit state now (four 32-bit words): `restoreRng` continues the stream from it. */
  state(): RngState;
}

/** The state of an `Rng`, for checkpoints: the seed it was made from and four 32-bit words. */
export interface RngState {
  readonly seed: number;
  readonly words: readonly [number, number, number, number];
}

/**
 * A sfc32 generator (Chris Doty-Humphrey's small fast chaotic PRNG, 128-bit state, passes PractRand)
 * seeded from a 32-bit integer through splitmix32.
 */
export function makeRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
  }
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const rng = sfc32(seed, [splitmix(), splitmix(), splitmix(), splitmix()]);
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}

/** The stream an `Rng` would go on with from `state` (see `Rng.state`). */
export function restoreRng(state: RngState): Rng {
  const w = state.words;
  if (w.length !== 4 || w.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffffffff)) {
    throw new RangeError(`an Rng state is four integers in [0, 2^32), got [${w.join(', ')}]`);
  }
  return sfc32(state.seed, [...w]);
}

function sfc32(seed: number, [a0, b0, c0, d0]: number[]): Rng {
  let a = a0!,
    b = b0!,
    c = c0!,
    d = d0!;
  const next32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  return {
    seed,
    next: () => next32() / 4294967296,
    int: (n: number) => Math.floor((next32() / 4294967296) * n),
    state: () => ({ seed, words: [a >>> 0, b >>> 0, c >>> 0, d >>> 0] }),
  };
}

/**
 * A child seed named by `labels`, so independent streams (data, init, dropout, repeat k…) never
 * share draws and each can be recomputed from the parent seed alone. FNV-1a over the labels, mixed.
 */
export function deriveSeed(seed: number, ...labels: readonly (string | number)[]): number {
  let h = 0x811c9dc5 ^ seed;
  for (const label of labels) {
    const text = `/${String(label)}`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
