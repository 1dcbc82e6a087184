import type { Predictor } from '@optimpact/core';
import { actionWindowPool } from '@optimpact/core';
import { specEnv as env } from '@optimpact/sequence-env';
import { generatorPolicy, idealPolicy, measurePolicy } from '@optimpact/split-history';
import { lawPredictor, outcomeFit, predictedOutcomeLaws } from './index.js';

const pool = actionWindowPool(env, 3000, 7);

describe('self-evaluation', () => {
  it('equals the measured Op, Imp and success rates exactly with a perfect predictor', async () => {
    for (const policy of [idealPolicy(env, env.tasks[0]!), generatorPolicy(env)]) {
      const m = await measurePolicy(env, policy, pool, env.tasks, {
        contexts: 150,
        repeats: 3,
        seed: 4,
        selfLaws: predictedOutcomeLaws(lawPredictor(env), env),
      });
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
    const m = await measurePolicy(env, idealPolicy(env, env.tasks[1]!), pool, env.tasks, {
      contexts: 100,
      repeats: 2,
      seed: 1,
      selfLaws: predictedOutcomeLaws(blind, env),
    });
    expect(Math.abs(m.self!.op.mean)).toBeLessThan(1e-12);
    expect(Math.abs(m.self!.imp.mean)).toBeLessThan(1e-12);
    expect(m.op.mean).toBeGreaterThan(0.5);
  });

  it('asks the predictor about the window shifted by one with the action appended', async () => {
    const seen: Int32Array[] = [];
    const spy: Predictor = {
      name: 'spy',
      nextTokenProbs: async (w) => {
        seen.push(w.tokens.slice(0, 2 * w.length));
        return new Float64Array(w.n * 16).fill(1 / 16);
      },
    };
    const one = { ...pool, n: 1, tokens: pool.tokens.subarray(0, 20), positions: pool.positions.subarray(0, 1) };
    await predictedOutcomeLaws(spy, env)(one);
    expect(Array.from(seen[0]!.subarray(0, 19))).toEqual(Array.from(one.tokens.subarray(1, 20)));
    expect(seen[0]![19]).toBe(8);
    expect(seen[0]![39]).toBe(9);
  });

  describe('outcome fit', () => {
    // The outcome law (docs/method.md#the-sequence-environment): every (context, action) has its outcome with probability 0.98 + 0.02/8, the 7 others 0.02/8 each.
    const hit = 0.98 + 0.02 / 8,
      miss = 0.02 / 8;
    const entropy = -(hit * Math.log(hit) + 7 * miss * Math.log(miss));
    const blindKL = Math.log(8) - entropy; // KL(exact ‖ uniform over the 8 outcomes)
    const contexts = { ...pool, n: 300 };
    const uniform = (w: { n: number }): Float64Array => new Float64Array(w.n * 16).fill(1 / 16);

    it('is 0 for a perfect predictor and ln 8 − H(law) for one that ignores the window', async () => {
      const perfect = await outcomeFit(lawPredictor(env), env, contexts);
      expect(perfect.generatorActions).toBeCloseTo(0, 12);
      expect(perfect.allActions).toBeCloseTo(0, 12);
      const blind = await outcomeFit({ name: 'blind', nextTokenProbs: async (w) => uniform(w) }, env, contexts);
      expect(blind.generatorActions).toBeCloseTo(blindKL, 10);
      expect(blind.allActions).toBeCloseTo(blindKL, 10);
    });

    it('tells a predictor right only after the generator’s own action from a perfect one', async () => {
      // Exact when the appended action is the one the generator most likely emits there, blind otherwise.
      const law = lawPredictor(env);
      const factualOnly: Predictor = {
        name: 'factual-only',
        nextTokenProbs: async (w) => {
          const exact = await law.nextTokenProbs(w),
            out = uniform(w),
            L = w.length,
            g = new Float64Array(16);
          for (let i = 0; i < w.n; i++) {
            const row = w.tokens.subarray(i * L, (i + 1) * L),
              before = new Int32Array(L);
            before.set(row.subarray(0, L - 1), 1); // the law of the action depends on its last 16 tokens only
            env.nextTokenLaw(before, w.positions[i]! - 1, g);
            const own = env.actions.reduce((b, a) => (g[a]! > g[b]! ? a : b));
            if (row[L - 1] === own) out.set(exact.subarray(i * 16, (i + 1) * 16), i * 16);
          }
          return out;
        },
      };
      const fit = await outcomeFit(factualOnly, env, contexts);
      expect(fit.generatorActions).toBeCloseTo(7 * miss * blindKL, 10); // the generator takes another action 7 · 0.0025 of the time
      expect(fit.allActions).toBeCloseTo((7 / 8) * blindKL, 10);
    });
  });
});
