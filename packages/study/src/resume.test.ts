/**
 * What a resumed study checks a finished record against: each unit's own slice of the config. A setting
 * invalidates exactly the units that depend on it directly (dependents follow their dependency in `untrusted`).
 */
import * as E from 'fp-ts/lib/Either.js';
import { GOOD_SET_VARIANTS, resolveConfig } from './config.js';
import type { Unit } from './plan.js';
import { planStudy, unitConfig } from './plan.js';
import { configDifference } from './study.js';

const byNGood = (sets: readonly (readonly number[])[]) => Object.fromEntries(sets.map((g) => [g.length, g]));
const NESTED = byNGood(GOOD_SET_VARIANTS.nested);

function config(...set: string[]) {
  const r = resolveConfig({ preset: 'tiny', set });
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right.config;
}

/** For each unit of the tiny preset, where its record (made under `set`) differs from the tiny preset's own slice. */
function differences(set: string[], goodSets: Record<number, readonly number[]> = NESTED): Record<string, string | undefined> {
  const here = config(),
    there = config(...set);
  const units: Unit[] = planStudy(here);
  return Object.fromEntries(
    units.map((u) => [
      u.id,
      configDifference(JSON.parse(JSON.stringify(unitConfig(there, u, goodSets))), JSON.parse(JSON.stringify(unitConfig(here, u, NESTED)))),
    ]),
  );
}

describe('a unit made under another config', () => {
  it('is trusted when nothing it depends on changed', () => {
    expect(Object.values(differences([])).every((d) => d === undefined)).toBe(true);
    // the repeats of a measurement concern the fine-tunings and the baseline, not the pretrainings
    const d = differences(['measure.repeats=7']);
    expect(d['xs-s1-pretrain']).toBeUndefined();
    expect(d['generator']).toMatch(/^made with another config \(measure\.repeats: 7 in its record, \d+ in this study\)$/);
    expect(d['xs-s1-n2-exact']).toMatch(/measure\.repeats: 7 in its record/);
  });

  it('names the first field that differs: pretraining steps change the pretrainings alone', () => {
    const d = differences(['pretrain.steps=3']);
    expect(d['xs-s1-pretrain']).toMatch(/^made with another config \(steps: 3 in its record, \d+ in this study\)$/);
    expect(
      Object.entries(d)
        .filter(([, v]) => v !== undefined)
        .map(([k]) => k),
    ).toEqual(['xs-s1-pretrain']);
    const decayed = differences(['pretrain.finalLearningRate=0.0001']);
    expect(decayed['xs-s1-pretrain']).toMatch(/^made with another config \(finalLearningRate: 0\.0001 in its record, absent in this study\)$/);
    expect(Object.values(decayed).filter((v) => v !== undefined)).toHaveLength(1);
  });

  it("a rule's settings change its fine-tunings alone", () => {
    const d = differences(['rl.positive.rounds=2']);
    const changed = Object.entries(d).filter(([, v]) => v !== undefined);
    expect(changed.length).toBeGreaterThan(0);
    for (const [id, why] of changed) {
      expect(id).toMatch(/-positive$/);
      expect(why).toMatch(/rl\.rounds: 2 in its record/);
    }
  });

  it('other data, other good sets or another environment change every unit', () => {
    // the test pool alone: the same pretrained weights, but other measurements and RL contexts
    const t = differences(['data.testContexts=1000']);
    expect(
      Object.values(t).every((v) => v !== undefined && /^made with another config \(data\.testContexts: 1000 in its record, \d+ in this study\)$/.test(v)),
    ).toBe(true);
    const d = differences([], byNGood(GOOD_SET_VARIANTS['six-without-3']));
    expect(Object.values(d).every((v) => v !== undefined && /^made with another config \(goodSets\.6: /.test(v))).toBe(true);
    const e = differences(['environment.options={"noise":0.5}']);
    expect(Object.values(e).every((v) => v !== undefined && /environment\.options\.noise: 0\.5 in its record, absent in this study/.test(v))).toBe(true);
  });

  it('says a field a record lacks is absent', () => {
    expect(configDifference({ a: 1 }, { a: 1, environment: { package: 'p' } })).toBe(
      'made with another config (environment: absent in its record, {"package":"p"} in this study)',
    );
  });
});
