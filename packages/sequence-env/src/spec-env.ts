/**
 * The sequence environment (docs/method.md#the-sequence-environment). Tokens s_t ∈ {0..15}; for t ≥ 16
 *
 *     base_t = ((∏_{i=1..16} (s_{t−i} + 1)) mod 17) mod 8    with probability 1 − ε (ε = 0.02)
 *     base_t ~ Uniform{0..7}                                 with probability ε
 *     s_t    = base_t + 8·(t mod 2)
 *
 * so even positions take values 0..7 and odd positions 8..15; the first 16 tokens are uniform within
 * their parity's range. The policy acts at odd positions; the outcome F is the next (even) token.
 */
import type { Environment, Rng, Task } from '@optimpact/core';
import { writeNoisyRuleLaw } from '@optimpact/core';
import * as t from 'io-ts';

/**
 * Options of the sequence environment (docs/method.md#the-sequence-environment), as the codec the study
 * decodes `environment.options` with (unknown keys refused).
 */
export const SpecEnvOptions = t.partial({
  /** Probability ε that a token is uniform instead of the rule's (the study's: 0.02). */
  noise: t.refinement(t.number, (x) => x >= 0 && x <= 1, 'a number in [0, 1]'),
  /** Good outcome sets of the tasks (docs/method.md#tasks: nested {0,1}, {0..3}, {0..5}). */
  goodSets: t.readonlyArray(t.readonlyArray(t.number)),
});
export type SpecEnvOptions = t.TypeOf<typeof SpecEnvOptions>;

const HALF = 8; // values per parity
const LAG = 16; // tokens in the product
const MOD = 17; // prime: every factor is 1..16, so the product is never 0 mod 17

/** The deterministic part of s_t: ((∏_{i=1..16}(h[end−i] + 1)) mod 17) mod 8, from the last 16 tokens of `h` up to `end`. */
export function ruleBase(h: ArrayLike<number>, end: number = h.length): number {
  return productMod(h, end - LAG, end) % HALF;
}

/**
 * ∏_{i ∈ [from, to)} (h[i] + 1) mod 17, reducing every 7 factors only: 17 · 16⁷ < 2⁵³, so the product
 * stays exact, and this runs for every token generated and every context measured.
 */
function productMod(h: ArrayLike<number>, from: number, to: number): number {
  let p = 1;
  for (let i = from, k = 0; i < to; i++) {
    p *= h[i]! + 1;
    if (++k === 7) {
      p %= MOD;
      k = 0;
    }
  }
  return p % MOD;
}

/** The sequence environment (docs/method.md#the-sequence-environment) with the given noise and tasks. */
export function createSpecEnv(options: SpecEnvOptions = {}): Environment {
  const noise = options.noise ?? 0.02;
  if (!(noise >= 0 && noise <= 1)) throw new RangeError(`noise must be in [0, 1], got ${noise}`);
  const goodSets = options.goodSets ?? [
    [0, 1],
    [0, 1, 2, 3],
    [0, 1, 2, 3, 4, 5],
  ];
  const tasks: Task[] = goodSets.map((good) => {
    if (good.length === 0 || good.some((v) => !Number.isInteger(v) || v < 0 || v >= HALF) || new Set(good).size !== good.length) {
      throw new RangeError(`a good set must hold distinct outcomes in 0..7, got [${good.join(', ')}]`);
    }
    return { name: `n_good=${good.length}`, nGood: good.length, good: [...good] };
  });
  const actions = Array.from({ length: HALF }, (_, i) => i + HALF);
  const outcomes = Array.from({ length: HALF }, (_, i) => i);
  const contextLength = 20;
  // P(base = v) = (1 − ε)·[v = det] + ε/n, written into out[at..at+n).
  const writeLaw = (det: number, out: Float64Array, at: number): void => writeNoisyRuleLaw(det, noise, HALF, out, at);

  // The generative step: s_t from the tokens of `h` before `end`, the noise drawn first.
  const drawToken = (h: ArrayLike<number>, end: number, t: number, rng: Rng): number =>
    (t < LAG || rng.next() < noise ? rng.int(HALF) : ruleBase(h, end)) + HALF * (t % 2);

  return {
    name: 'sequence-env/spec',
    vocabSize: 2 * HALF,
    contextLength,
    actions,
    outcomes,
    tasks,
    isActionPosition: (t) => t % 2 === 1,
    nextTokenLaw(window, t, out) {
      out.fill(0);
      const offset = HALF * (t % 2);
      if (t < LAG) {
        for (let v = 0; v < HALF; v++) out[offset + v] = 1 / HALF;
        return;
      }
      if (window.length < LAG) throw new RangeError(`the law at t=${t} needs the ${LAG} previous tokens, got ${window.length}`);
      writeLaw(ruleBase(window), out, offset);
    },
    outcomeLaw(window, out) {
      // F = s_{t+1} reads the 15 last tokens of the window and the action a = s_t.
      const p = productMod(window, window.length - (LAG - 1), window.length);
      // writeLaw for each action, unrolled: this runs for every context measured
      out.fill(noise / HALF, 0, HALF * HALF);
      for (let i = 0; i < HALF; i++) {
        const at = i * HALF + (((p * (actions[i]! + 1)) % MOD) % HALF);
        out[at] = out[at]! + (1 - noise);
      }
    },
    generate(length: number, rng: Rng) {
      const s = new Int32Array(length);
      for (let t = 0; t < length; t++) s[t] = drawToken(s, t, t, rng);
      return s;
    },
    sampleNextToken(window, t, rng) {
      if (t >= LAG && window.length < LAG) throw new RangeError(`the token at t=${t} needs the ${LAG} previous tokens, got ${window.length}`);
      return drawToken(window, window.length, t, rng);
    },
  };
}

/** The environment (docs/method.md#the-sequence-environment) with its default tasks. */
export const specEnv: Environment = createSpecEnv();
