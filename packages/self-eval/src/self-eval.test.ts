import type { Predictor } from '@optimpact/core';
import { actionWindowPool } from '@optimpact/core';
import { specEnv as env } from '@optimpact/sequence-env';
import { generatorPolicy, idealPolicy, measurePolicy } from '@optimpact/split-history';
import { lawPredictor, predictedOutcomeLaws } from './index.js';

const pool = actionWindowPool(env, 3000, 7);

describe('self-evaluation', () => {
  it('equals the measured Op, Imp and success rates exactly with a perfect predictor', async () => {
    for (const policy of [idealPolicy(env, env.tasks[0]!), generatorPolicy(env)]) {
      const m = await measurePolicy(env, policy, pool, env.tasks, { contexts: 150, repeats: 3, seed: 4, selfLaws: predictedOutcomeLaws(lawPredictor(env), env) });
      expect(m.self!.op.mean).toBeCloseTo(m.op.mean, 12);
      expect(m.self!.imp.mean).toBeCloseTo(m.imp.mean, 12);
      m.tasks.forEach((t, i) => {
        expect(m.self!.tasks[i]!.s.mean).toBeCloseTo(t.s.mean, 12);
        expect(m.self!.tasks[i]!.sPrime.mean).toBeCloseTo(t.sPrime.mean, 12);
      });
    }
  });

  it('gives Op = Imp = 0 for a predictor that ignores the action', async () => {
    const blind: Predictor = { name: 'blind', nextTokenProbs: async (w) => new Float64Array(w.n * 16).fill(1 / 16) };
    const m = await measurePolicy(env, idealPolicy(env, env.tasks[1]!), pool, env.tasks, { contexts: 100, repeats: 2, seed: 1, selfLaws: predictedOutcomeLaws(blind, env) });
    expect(Math.abs(m.self!.op.mean)).toBeLessThan(1e-12);
    expect(Math.abs(m.self!.imp.mean)).toBeLessThan(1e-12);
    expect(m.op.mean).toBeGreaterThan(0.5);
  });

  it('asks the predictor about the window shifted by one with the action appended', async () => {
    const seen: Int32Array[] = [];
    const spy: Predictor = { name: 'spy', nextTokenProbs: async (w) => { seen.push(w.tokens.slice(0, 2 * w.length)); return new Float64Array(w.n * 16).fill(1 / 16); } };
    const one = { ...pool, n: 1, tokens: pool.tokens.subarray(0, 20), positions: pool.positions.subarray(0, 1) };
    await predictedOutcomeLaws(spy, env)(one);
    expect(Array.from(seen[0]!.subarray(0, 19))).toEqual(Array.from(one.tokens.subarray(1, 20)));
    expect(seen[0]![19]).toBe(8);
    expect(seen[0]![39]).toBe(9);
  });
});
