import { actionWindowPool, estimate, generateSequences, windowAt, windowOf, type Windows } from '@optimpact/core';
import { specEnv } from '@optimpact/sequence-env';
import { independentContexts } from './contexts.js';

const env = specEnv;

describe('independentContexts', () => {
  it('takes window i from sequence i, at one of its action positions; deterministic under the seed', () => {
    const w = independentContexts(env, 12, 5, 300);
    expect(w.n).toBe(12);
    const seqs = generateSequences(env, 12, 300, 5);
    for (let i = 0; i < w.n; i++) {
      const t = w.positions[i]!;
      expect(env.isActionPosition(t)).toBe(true);
      expect(Array.from(windowOf(w, i))).toEqual(Array.from(windowAt(seqs[i]!, t, env.contextLength)));
    }
    expect(independentContexts(env, 12, 5, 300)).toEqual(w);
    expect(independentContexts(env, 12, 6, 300).tokens).not.toEqual(w.tokens);
    expect(new Set(w.positions).size).toBeGreaterThan(6); // positions spread over the sequence, not all the first
    expect(independentContexts(env, 0, 5).n).toBe(0);
    expect(() => independentContexts(env, 2, 5, env.contextLength)).toThrow(/hold no action window/);
  });

  // A statistic of the window (its mean token) stands in for a per-context measure: the s.e. of a mean over
  // n contexts should match the spread of that mean across seeds. It does for independent contexts; for the
  // first n windows of one sequence (overlapping, 2 tokens apart) the s.e. is far too small.
  it('give a mean whose s.e. matches its spread over 400 seeds (ratio in [0.8, 1.25]); overlapping windows do not', () => {
    const n = 20,
      seeds = 400;
    const stat = (w: Windows, i: number): number => windowOf(w, i).reduce((a, b) => a + b, 0) / w.length;
    const ratio = (draw: (seed: number) => Windows): number => {
      const means: number[] = [],
        ses: number[] = [];
      for (let s = 0; s < seeds; s++) {
        const w = draw(1000 + s);
        const e = estimate(Array.from({ length: n }, (_, i) => stat(w, i)));
        means.push(e.mean);
        ses.push(e.se);
      }
      const m = means.reduce((a, b) => a + b, 0) / seeds;
      const sd = Math.sqrt(means.reduce((a, x) => a + (x - m) ** 2, 0) / (seeds - 1));
      return sd / (ses.reduce((a, b) => a + b, 0) / seeds);
    };
    const independent = ratio((seed) => independentContexts(env, n, seed, 200));
    expect(independent).toBeGreaterThan(0.8);
    expect(independent).toBeLessThan(1.25);
    expect(ratio((seed) => actionWindowPool(env, n, seed))).toBeGreaterThan(2);
  });
});
