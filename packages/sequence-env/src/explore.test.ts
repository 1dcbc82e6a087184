/**
 * Exploratory data (core `generateExploratory`) on the sequence environment (docs/method.md#the-sequence-environment): behaviour draws at the action
 * positions, the environment's law everywhere else, the original data at ε = 0.
 */
import type { Environment } from '@optimpact/core';
import { generateExploratory, generateSequences, makeRng } from '@optimpact/core';
import { createSpecEnv, ruleBase, specEnv } from './index.js';

// Upper 0.1 % point of χ² with 7 degrees of freedom: a fixed seed makes each check pass or fail for good.
const CHI2_7_999 = 24.32;

function chiSquare(counts: readonly number[], probs: readonly number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((s, c, i) => s + (c - n * probs[i]!) ** 2 / (n * probs[i]!), 0);
}

/** Counts of each action over the action positions of `seqs`. */
function actionCounts(env: Environment, seqs: readonly Int32Array[]): number[] {
  const counts = env.actions.map(() => 0);
  for (const s of seqs)
    s.forEach((v, t) => {
      if (env.isActionPosition(t)) counts[env.actions.indexOf(v)]! += 1;
    });
  return counts;
}

describe('generateExploratory', () => {
  it("is the environment's own sampler, draw for draw, at ε = 0", () => {
    for (const seed of [1, 2, 3]) expect(generateExploratory(specEnv, 500, makeRng(seed), { epsilon: 0 })).toEqual(specEnv.generate(500, makeRng(seed)));
    expect(generateSequences(specEnv, 3, 300, 7, { epsilon: 0 })).toEqual(generateSequences(specEnv, 3, 300, 7));
  });

  it('is deterministic under a seed', () => {
    const a = generateSequences(specEnv, 3, 300, 7, { epsilon: 0.3 });
    expect(generateSequences(specEnv, 3, 300, 7, { epsilon: 0.3 })).toEqual(a);
    expect(generateSequences(specEnv, 3, 300, 8, { epsilon: 0.3 })[0]).not.toEqual(a[0]);
    expect(a[0]).not.toEqual(generateSequences(specEnv, 1, 300, 7)[0]);
  });

  it('draws the actions from the behaviour policy at ε = 1 (χ² below its 0.1 % point)', () => {
    const seqs = generateSequences(specEnv, 40, 1000, 3, { epsilon: 1 });
    expect(
      chiSquare(
        actionCounts(specEnv, seqs),
        specEnv.actions.map(() => 1 / 8),
      ),
    ).toBeLessThan(CHI2_7_999);
    // Uniform given the context too: the action minus the rule's value is uniform (the rule's data put ~98 % at 0).
    const shift = (ss: readonly Int32Array[]) => {
      const c = new Array<number>(8).fill(0);
      for (const s of ss) for (let t = 17; t < s.length; t += 2) c[(s[t]! - 8 - ruleBase(s, t) + 8) % 8]! += 1;
      return c;
    };
    expect(chiSquare(shift(seqs), new Array(8).fill(1 / 8))).toBeLessThan(CHI2_7_999);
    expect(chiSquare(shift(generateSequences(specEnv, 40, 1000, 3)), new Array(8).fill(1 / 8))).toBeGreaterThan(1000);
    const behaviour = [0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05];
    const skewed = actionCounts(specEnv, generateSequences(specEnv, 40, 1000, 4, { epsilon: 1, behaviour }));
    expect(chiSquare(skewed, behaviour)).toBeLessThan(CHI2_7_999);
  });

  it("continues under the law from the tokens present: without noise, every other token is the rule's exactly", () => {
    const exact = createSpecEnv({ noise: 0 });
    const law = new Float64Array(16),
      outcome = new Float64Array(64);
    let explored = 0;
    for (const s of generateSequences(exact, 10, 600, 5, { epsilon: 0.5 })) {
      for (let t = 16; t < s.length; t++) {
        const isRule = s[t]! % 8 === ruleBase(s, t);
        if (exact.isActionPosition(t)) {
          if (!isRule) explored++;
          if (t >= 20 && t + 1 < s.length) {
            // the outcome after whatever action is present: the exact outcome law of that action puts mass 1 on it
            exact.outcomeLaw(s.subarray(t - 20, t), outcome);
            expect(outcome[(s[t]! - 8) * 8 + s[t + 1]!]).toBe(1);
          }
        } else {
          exact.nextTokenLaw(s.subarray(t - 20 < 0 ? 0 : t - 20, t), t, law);
          expect(law[s[t]!]).toBe(1);
          expect(isRule).toBe(true);
        }
      }
    }
    // ε = 0.5 replaces half the actions, 7/8 of those by another action than the rule's
    const n = (10 * (600 - 16)) / 2,
      p = (0.5 * 7) / 8;
    expect(Math.abs(explored / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
  });

  it("keeps the environment's noise at the positions it does not explore", () => {
    // Outcome positions follow the rule with probability 0.98 + 0.02/8 whatever action precedes them.
    let hits = 0,
      total = 0;
    for (const s of generateSequences(specEnv, 20, 2000, 6, { epsilon: 1 })) {
      for (let t = 16; t < s.length; t++)
        if (!specEnv.isActionPosition(t)) {
          total++;
          if (s[t]! % 8 === ruleBase(s, t)) hits++;
        }
    }
    const p = 0.98 + 0.02 / 8;
    expect(Math.abs(hits / total - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / total));
  });

  it('rejects an ε outside [0, 1] and a behaviour that is not a distribution over the actions', () => {
    expect(() => generateExploratory(specEnv, 10, makeRng(1), { epsilon: 1.5 })).toThrow(/epsilon/);
    expect(() => generateExploratory(specEnv, 10, makeRng(1), { epsilon: 0.5, behaviour: [1] })).toThrow(/one probability per action/);
    expect(() => generateExploratory(specEnv, 10, makeRng(1), { epsilon: 0.5, behaviour: [0.5, 0.6, 0, 0, 0, 0, 0, 0] })).toThrow(/summing to 1/);
  });
});
