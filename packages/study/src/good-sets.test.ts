import * as E from 'fp-ts/lib/Either.js';
import { kl, klB } from '@optimpact/impact-theory';
import { specEnv } from '@optimpact/sequence-env';
import { GOOD_SET_VARIANTS, resolveConfig } from './config.js';
import { withGoodSets } from './environment.js';

const resolve = (set: string[]) => resolveConfig({ preset: 'tiny', set });
const message = (set: string[]) => {
  const r = resolve(set);
  return E.isLeft(r) ? r.left.message : 'valid';
};
const tasksOf = (goodSets: Parameters<typeof withGoodSets>[1]) => {
  const r = withGoodSets(specEnv, goodSets);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right.tasks.map((t) => [t.nGood, t.good]);
};

describe('good-set variants', () => {
  it('absent, the environment keeps its own (nested) tasks; "nested" names the same sets', () => {
    expect(tasksOf(undefined)).toEqual(specEnv.tasks.map((t) => [t.nGood, t.good]));
    expect(tasksOf('nested')).toEqual(tasksOf(undefined));
  });

  it("six-without-3: the original's 85:15 example (2 succeeds, 3 fails, f = 6/8) gives Op_pred ≈ 0.03 and Op ≈ 1.66 nats", () => {
    const six: readonly number[] = GOOD_SET_VARIANTS['six-without-3'].find((g) => g.length === 6)!;
    expect([six.includes(2), six.includes(3)]).toEqual([true, false]);
    // and the original's other clues: n_good = 6 nearly disjoint from n_good = 2, which lies inside n_good = 4
    const [two, four]: readonly (readonly number[])[] = GOOD_SET_VARIANTS['six-without-3'];
    expect(six.filter((v) => two.includes(v))).toHaveLength(1);
    expect(two.every((v) => four.includes(v))).toBe(true);
    const f = six.length / specEnv.outcomes.length;
    expect(klB(0.85, f)).toBeCloseTo(0.0298, 4); // the original's "Op_pred of 0.03"
    // its actual Op: the outcome law {2: 0.85, 3: 0.15} against the uniform split-history law
    const p = specEnv.outcomes.map((v) => (v === 2 ? 0.85 : v === 3 ? 0.15 : 0));
    expect(
      kl(
        p,
        p.map(() => 1 / 8),
      ),
    ).toBeCloseTo(1.657, 3);
  });

  it('disjoint: n_good = 6 shares no outcome with n_good = 2', () => {
    const sets = new Map(tasksOf('disjoint') as [number, number[]][]);
    expect(sets.get(6)!.filter((v) => sets.get(2)!.includes(v))).toEqual([]);
  });

  it('decodes a named variant or explicit sets, and refuses malformed ones with one line', () => {
    expect(message(['goodSets="disjoint"'])).toBe('valid');
    expect(message(['goodSets=[[0,1],[2,3,4,5,6,7]]', 'tasks=[2,6]'])).toBe('valid');
    expect(message(['goodSets="crossed"'])).toMatch(/^preset tiny: goodSets: expected a good-set variant .*, got "crossed"$/);
    expect(message(['goodSets=[[0,0]]'])).toMatch(/^preset tiny: goodSets\.0: expected a non-empty set of distinct outcomes, got \[0,0\]$/);
    expect(message(['goodSets=[[0,1],[2,3]]'])).toBe('goodSets: two good sets of size 2 (tasks are keyed by n_good = |G|)');
    const r = withGoodSets(specEnv, [[0, 9]]);
    expect(E.isLeft(r) && r.left.message).toBe('goodSets: 9 is not an outcome of sequence-env/spec (0, 1, 2, 3, 4, 5, 6, 7)');
  });
});
