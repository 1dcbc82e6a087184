/**
 * A second environment, to show that the study runs unchanged on any `Environment`: 12 tokens, the
 * policy acting at odd positions with actions 6..11, outcomes 0..5 at even positions, and
 *
 *     base_t = (s_{t−1} + 2·s_{t−2} + 3·s_{t−5}) mod 6     with probability 1 − ε (ε = 0.1)
 *     base_t ~ Uniform{0..5}                               with probability ε
 *     s_t    = base_t + 6·(t mod 2)
 *
 * The first 5 tokens are uniform within their parity's range. Unlike the sequence environment (docs/method.md#the-sequence-environment) the law reads only three
 * recent tokens, so a model can learn the rule itself rather than a shortcut.
 */
import type { Environment, Rng, Task } from '@optimpact/core';
import { writeNoisyRuleLaw } from '@optimpact/core';
import * as t from 'io-ts';

/** Options of the additive environment: the codec the study decodes `environment.options` with (unknown keys refused). */
export const Options = t.partial({
  /** Probability ε that a token is uniform instead of the rule's. */
  noise: t.refinement(t.number, (x) => x >= 0 && x <= 1, 'a number in [0, 1]'),
  /** Good outcome sets of the tasks (default nested {0}, {0,1}, {0,1,2}). */
  goodSets: t.readonlyArray(t.readonlyArray(t.number)),
});
export type Options = t.TypeOf<typeof Options>;

const HALF = 6,
  LAGS = [1, 2, 5] as const,
  WEIGHTS = [1, 2, 3] as const;

/** The rule's value at position `end` of `h`, from h[end−1], h[end−2], h[end−5]. */
function base(h: ArrayLike<number>, end: number): number {
  let x = 0;
  for (let i = 0; i < LAGS.length; i++) x += WEIGHTS[i]! * h[end - LAGS[i]!]!;
  return x % HALF;
}

/** The additive environment. */
export function createEnvironment(options: Options = {}): Environment {
  const noise = options.noise ?? 0.1;
  if (!(noise >= 0 && noise <= 1)) throw new RangeError(`noise must be in [0, 1], got ${noise}`);
  const tasks: Task[] = (options.goodSets ?? [[0], [0, 1], [0, 1, 2]]).map((good) => {
    if (good.length === 0 || good.some((v) => !Number.isInteger(v) || v < 0 || v >= HALF))
      throw new RangeError(`a good set must hold outcomes in 0..5, got [${good.join(', ')}]`);
    return { name: `n_good=${good.length}`, nGood: good.length, good: [...good] };
  });
  const actions = Array.from({ length: HALF }, (_, i) => i + HALF);
  const outcomes = Array.from({ length: HALF }, (_, i) => i);
  // P(base = v) = (1 − ε)·[v = det] + ε/n, written into out[at..at+n).
  const writeLaw = (det: number, out: Float64Array, at: number): void => writeNoisyRuleLaw(det, noise, HALF, out, at);
  const start = Math.max(...LAGS);
  // The generative step: s_t from the tokens of `h` before `end` (generate and sampleNextToken share it).
  const drawToken = (h: ArrayLike<number>, end: number, t: number, rng: Rng): number =>
    (t < start || rng.next() < noise ? rng.int(HALF) : base(h, end)) + HALF * (t % 2);
  return {
    name: 'additive-env',
    vocabSize: 2 * HALF,
    contextLength: 20,
    actions,
    outcomes,
    tasks,
    isActionPosition: (t) => t % 2 === 1,
    nextTokenLaw(window, t, out) {
      out.fill(0);
      const offset = HALF * (t % 2);
      if (t < start) for (let v = 0; v < HALF; v++) out[offset + v] = 1 / HALF;
      else writeLaw(base(window, window.length), out, offset);
    },
    outcomeLaw(window, out) {
      const h = new Int32Array(window.length + 1);
      h.set(window);
      for (let i = 0; i < HALF; i++) {
        h[window.length] = actions[i]!;
        writeLaw(base(h, h.length), out, i * HALF);
      }
    },
    generate(length: number, rng: Rng) {
      const s = new Int32Array(length);
      for (let t = 0; t < length; t++) s[t] = drawToken(s, t, t, rng);
      return s;
    },
    sampleNextToken: (window, t, rng) => drawToken(window, window.length, t, rng),
  };
}
