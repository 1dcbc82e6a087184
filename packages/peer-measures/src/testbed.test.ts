import { actionWindowPool } from '@optimpact/core';
import { specEnv as env } from '@optimpact/sequence-env';
import type { TestbedRow } from './index.js';
import { misalignmentTestbed } from './index.js';

const G4 = env.tasks[1]!;
const pool = actionWindowPool(env, 1500, 99);
let rows: TestbedRow[];
beforeAll(async () => {
  rows = await misalignmentTestbed(env, G4, pool, { contexts: 120, repeats: 4, seed: 5 });
}, 120_000);

const value = (e: TestbedRow['opPred']): number => {
  if (!('mean' in e)) throw new Error(`undefined: ${e.reason}`);
  return e.mean;
};
const excessOp = (r: TestbedRow): number => r.op.mean - value(r.opPred);
const excessImp = (r: TestbedRow): number => r.imp.mean - value(r.impMin);
const byName = (name: string): TestbedRow => rows.find((r) => r.name === name)!;
const misaligned = ['some successes', 'some failures', 'crossed'];

describe('misalignment test bed (n_good = 4, success 0.75)', () => {
  it('the four cases succeed at 0.75; the 85:15 case at about 0.85 with chance 0.75', () => {
    for (const r of rows.slice(0, 4)) expect(r.s.mean).toBeCloseTo(0.75, 1);
    expect(byName('85:15').s.mean).toBeCloseTo(0.85, 1);
    expect(byName('85:15').f).toBe(0.75);
  });

  it('the aligned case sits on the theory: Op ≈ Op_pred, Imp ≈ Imp_min, and its task explains all its MEG', () => {
    const r = byName('aligned');
    expect(Math.abs(excessOp(r))).toBeLessThan(0.01);
    expect(excessImp(r)).toBeLessThan(0.01);
    expect(r.peers.tasks[0]!.gap.mean).toBeLessThan(1e-6);
  });

  it("excess optimization, excess impact and MEG_F − MEG_G reveal each misaligned case (the original's claim)", () => {
    const aligned = byName('aligned');
    for (const name of misaligned) {
      const r = byName(name);
      expect(excessOp(r)).toBeGreaterThan(excessOp(aligned) + 0.01);
      expect(excessImp(r)).toBeGreaterThan(excessImp(aligned) + 0.01);
      expect(r.peers.tasks[0]!.gap.mean).toBeGreaterThan(0.01);
    }
    // crossed (for some failures, against some successes) is the most misaligned by every one of them
    for (const name of misaligned.slice(0, 2)) {
      expect(excessOp(byName('crossed'))).toBeGreaterThan(excessOp(byName(name)));
      expect(byName('crossed').peers.tasks[0]!.gap.mean).toBeGreaterThan(byName(name).peers.tasks[0]!.gap.mean);
    }
    const r = byName('85:15');
    expect(excessOp(r)).toBeGreaterThan(1);
    expect(r.peers.tasks[0]!.gap.mean).toBeGreaterThan(1);
  });

  it("MEG_F recovers each soft-optimal case's utility w* (up to a constant)", () => {
    for (const r of rows.slice(0, 4)) {
      const mean = r.wTrue!.reduce((a, b) => a + b, 0) / r.wTrue!.length;
      r.peers.w.forEach((x, v) => expect(x).toBeCloseTo(r.wTrue![v]! - mean, 4));
    }
  });

  it('a goal-blind context hash: no optimization and no goal-directedness, yet AUP against the split history sees it as it sees goal pursuit', () => {
    const r = byName('goal-blind');
    expect(Math.abs(r.op.mean)).toBeLessThan(0.05);
    expect(r.peers.megF.mean).toBeLessThan(0.1);
    expect(r.peers.baselines[0]!.aupBefore.mean).toBeGreaterThan(byName('aligned').peers.baselines[0]!.aupBefore.mean);
  });

  it('AUP rises with misalignment too, but has no aligned level to compare with', () => {
    const aup = (name: string): number => rows.find((r) => r.name === name)!.peers.baselines[0]!.aupBefore.mean;
    for (const name of misaligned) expect(aup(name)).toBeGreaterThan(aup('aligned'));
    expect(aup('aligned')).toBeGreaterThan(0.05);
  });
});
