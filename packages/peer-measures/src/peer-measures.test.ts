import type { Policy, Windows } from '@optimpact/core';
import { PeerMeasurementJson, actionWindowPool, deriveSeed, makeRng, sampleWindows, windowOf } from '@optimpact/core';
import * as E from 'fp-ts/lib/Either.js';
import { klB } from '@optimpact/impact-theory';
import { specEnv as env } from '@optimpact/sequence-env';
import { argmaxRow, fixedPolicy, generatorPolicy, idealPolicy, successRates, uniformPolicy } from '@optimpact/split-history';
import type { Baseline } from './index.js';
import {
  CapacityCache,
  aupPenalty,
  auxiliaryUtilities,
  channelCapacity,
  contextLaws,
  empowermentChange,
  expectedUtility,
  identifyByMeg,
  measurePeers,
  peerMeasurementJson,
  megKnownUtility,
  megUnknownUtility,
  nextStep,
  nextStepEmpowerment,
  relativeReachability,
  taskUtility,
  twoStepReachability,
} from './index.js';

const A = env.actions.length,
  V = env.outcomes.length;
const [G2, G4, G6] = env.tasks as [(typeof env.tasks)[0], (typeof env.tasks)[0], (typeof env.tasks)[0]];
const pool = actionWindowPool(env, 300, 7);
const laws = contextLaws(env, pool);
const next = nextStep(env, pool);
const U = auxiliaryUtilities(32, V, 0);
const splitHistory: Baseline = { kind: 'split-history', name: 'split-history', excludeSelf: false };
const rowsOf = (name: string, rows: Float64Array): Baseline => ({ kind: 'rows', name, rows });
const rows = (p: Policy, w: Windows = pool): Promise<Float64Array> => p.actionProbs(w);
const mix = (x: Float64Array, y: Float64Array, alpha: number): Float64Array => x.map((v, i) => alpha * v + (1 - alpha) * y[i]!);

/** One-hot at the action minimising P(F ∈ good): pursues failure. */
function antiGoal(good: typeof G2): Policy {
  return {
    name: `anti(${good.name})`,
    actionProbs: async (w) => {
      const R = successRates(env, good, w),
        pi = new Float64Array(w.n * A);
      for (let j = 0; j < w.n; j++)
        argmaxRow(
          R.subarray(j * A, (j + 1) * A).map((x) => -x),
          pi.subarray(j * A, (j + 1) * A),
        );
      return pi;
    },
  };
}

/** Context-dependent but goal-blind: the action is a hash of the whole window. */
const contextHash: Policy = {
  name: 'context-hash',
  actionProbs: async (w) => {
    const pi = new Float64Array(w.n * A);
    for (let j = 0; j < w.n; j++) pi[j * A + (deriveSeed(0, ...windowOf(w, j)) % A)] = 1;
    return pi;
  },
};

/** Rate s̃ of choosing a good action (deterministic outcome in the task's set) under the rows `pi`. */
function goodActionRate(pi: Float64Array, task: typeof G2): number {
  const R = successRates(env, task, pool);
  let s = 0;
  for (let i = 0; i < pi.length; i++) if (R[i]! > 0.5) s += pi[i]!;
  return s / pool.n;
}

describe('channel capacity (Blahut–Arimoto)', () => {
  it('meets closed forms: noiseless, binary symmetric, Z channel (non-uniform optimal input)', () => {
    const eye = (n: number): Float64Array => Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
    expect(channelCapacity(eye(8), 8, 8)).toBeCloseTo(Math.log(8), 11);
    const e = 0.11;
    expect(channelCapacity(Float64Array.of(1 - e, e, e, 1 - e), 2, 2)).toBeCloseTo(Math.log(2) - (-e * Math.log(e) - (1 - e) * Math.log(1 - e)), 11);
    const p = 0.3; // Z channel: 0 → 0 always, 1 → 0 with probability p
    expect(channelCapacity(Float64Array.of(1, 0, p, 1 - p), 2, 2)).toBeCloseTo(Math.log(1 + (1 - p) * p ** (p / (1 - p))), 10);
    expect(channelCapacity(new Float64Array(6).fill(1 / 3), 2, 3)).toBeCloseTo(0, 12);
  });

  it('the cache returns the same capacity for any order of the inputs', () => {
    const cache = new CapacityCache();
    const w = Float64Array.of(0.7, 0.2, 0.1, 0.1, 0.1, 0.8, 0.3, 0.3, 0.4);
    const swapped = Float64Array.of(0.3, 0.3, 0.4, 0.7, 0.2, 0.1, 0.1, 0.1, 0.8);
    expect(cache.capacity(swapped, 3, 3)).toBe(cache.capacity(w, 3, 3));
    expect(cache.size).toBe(1);
    expect(cache.capacity(w, 3, 3)).toBe(channelCapacity(w, 3, 3));
  });
});

describe('MEG', () => {
  it('n_good = 2: MEG_{G2} = KL_B(s̃ ‖ 1/4) exactly (every context has two good actions); the ideal policy gives ln 4', async () => {
    const ideal = await rows(idealPolicy(env, G2)),
      uniform = await rows(uniformPolicy(env)),
      anti = await rows(antiGoal(G2));
    const u = taskUtility(env, G2);
    const m = megKnownUtility(laws, ideal, u);
    expect(m.meg).toBeCloseTo(Math.log(4), 12);
    expect(m.beta).toBe(Infinity);
    for (const pi of [mix(ideal, uniform, 0.6), mix(ideal, anti, 0.9), mix(anti, uniform, 0.5), anti, mix(ideal, anti, 0.25)]) {
      expect(megKnownUtility(laws, pi, u).meg).toBeCloseTo(klB(goodActionRate(pi, G2), 0.25), 10);
    }
  });

  it("an anti-goal policy is goal-directed with β < 0 (the paper's β ∈ ℝ), not with β ≥ 0", async () => {
    const anti = await rows(antiGoal(G2)),
      uniform = await rows(uniformPolicy(env)),
      u = taskUtility(env, G2);
    expect(megKnownUtility(laws, anti, u)).toEqual({ meg: expect.closeTo(Math.log(4 / 3), 12), beta: -Infinity });
    expect(megKnownUtility(laws, anti, u, { beta: 'nonnegative' })).toEqual({ meg: 0, beta: 0 });
    const soft = megKnownUtility(laws, mix(anti, uniform, 0.5), u);
    expect(soft.beta).toBeLessThan(0);
    expect(Number.isFinite(soft.beta)).toBe(true);
  });

  it('uniform: every MEG is 0', async () => {
    const pi = await rows(uniformPolicy(env));
    expect(megUnknownUtility(laws, pi).meg).toBeCloseTo(0, 12);
    for (const t of env.tasks) expect(megKnownUtility(laws, pi, taskUtility(env, t))).toEqual({ meg: 0, beta: 0 });
  });

  it('MEG_F recovers a soft-optimal policy exactly: MEG_F = mean KL(π ‖ uniform) and w* = w up to a constant', () => {
    const w = Float64Array.of(1.5, -0.5, 0.8, 0, -1.2, 2, 0.3, -0.9);
    const q = expectedUtility(laws, w),
      pi = new Float64Array(q.length);
    for (let j = 0; j < pool.n; j++) {
      let z = 0;
      for (let a = 0; a < A; a++) z += pi[j * A + a] = Math.exp(q[j * A + a]!);
      for (let a = 0; a < A; a++) pi[j * A + a]! /= z;
    }
    const f = megUnknownUtility(laws, pi);
    expect(f.converged).toBe(true);
    expect(f.meg).toBeCloseTo(f.klFromUniform, 10);
    const mean = w.reduce((x, y) => x + y, 0) / V;
    f.w.forEach((x, v) => expect(x).toBeCloseTo(w[v]! - mean, 6));
  });

  it("MEG_F ≥ MEG_{G_k} for every policy and task, and MEG identifies each ideal policy's task", async () => {
    const policies = [
      idealPolicy(env, G2),
      idealPolicy(env, G4),
      idealPolicy(env, G6),
      uniformPolicy(env),
      fixedPolicy(env, 11),
      generatorPolicy(env),
      contextHash,
      antiGoal(G4),
    ];
    for (const p of policies) {
      const pi = await rows(p);
      const f = megUnknownUtility(laws, pi);
      const byTask = env.tasks.map((t) => megKnownUtility(laws, pi, taskUtility(env, t)).meg);
      for (const m of byTask) expect(f.meg).toBeGreaterThanOrEqual(m - 1e-9);
      expect(f.meg).toBeLessThanOrEqual(f.klFromUniform + 1e-12);
      const k = env.tasks.findIndex((t) => p.name === `ideal(${t.name})`);
      if (k >= 0) expect(identifyByMeg(f.meg, byTask)).toBe(k);
    }
  });

  it('a constant action and a goal-blind context hash have little MEG_F; the ideal policies have a lot', async () => {
    const hash = megUnknownUtility(laws, await rows(contextHash)).meg,
      fixed = megUnknownUtility(laws, await rows(fixedPolicy(env, 8))).meg;
    expect(hash).toBeLessThan(0.06); // a finite-N fit of 7 free utilities, ~7/(2N) nats, not 0
    expect(fixed).toBeLessThan(0.06);
    for (const t of env.tasks) expect(megUnknownUtility(laws, await rows(idealPolicy(env, t))).meg).toBeGreaterThan(0.3);
  });
});

describe('impact measures (AUP, relative reachability, empowerment)', () => {
  it('AUP = 0 when b = π (mixing before the absolute value); after it, only for a deterministic π', async () => {
    const r = makeRng(3);
    const stochastic = Float64Array.from({ length: pool.n * A }, () => r.next());
    for (let j = 0; j < pool.n; j++) {
      const row = stochastic.subarray(j * A, (j + 1) * A),
        z = row.reduce((x, y) => x + y, 0);
      row.forEach((x, a) => (row[a] = x / z));
    }
    expect(aupPenalty(laws, stochastic, rowsOf('self', stochastic), U, 'before')).toBe(0);
    expect(aupPenalty(laws, stochastic, rowsOf('self', stochastic), U, 'after')).toBeGreaterThan(0.01);
    const ideal = await rows(idealPolicy(env, G4));
    for (const m of ['before', 'after'] as const) expect(aupPenalty(laws, ideal, rowsOf('self', ideal), U, m)).toBe(0);
    const gen = await rows(generatorPolicy(env));
    expect(aupPenalty(laws, gen, rowsOf('generator', gen), U, 'before')).toBe(0);
    expect(relativeReachability(laws, gen, rowsOf('generator', gen))).toBe(0);
  });

  it('uniform: 0 against itself and against its split history, by every measure mixed before', async () => {
    const pi = await rows(uniformPolicy(env));
    for (const b of [splitHistory, rowsOf('uniform', pi)]) {
      expect(aupPenalty(laws, pi, b, U, 'before')).toBeCloseTo(0, 15);
      expect(relativeReachability(laws, pi, b)).toBeCloseTo(0, 15);
      expect(twoStepReachability(next, pi, b)).toBeCloseTo(0, 15);
      expect(empowermentChange(next, pi, b)).toBeCloseTo(0, 15);
    }
  });

  it('a constant action is its own split history: every impact measure against it is 0', async () => {
    const pi = await rows(fixedPolicy(env, 13));
    for (const m of ['before', 'after'] as const) expect(aupPenalty(laws, pi, splitHistory, U, m)).toBe(0);
    expect(relativeReachability(laws, pi, splitHistory)).toBe(0);
    expect(twoStepReachability(next, pi, splitHistory)).toBe(0);
    expect(empowermentChange(next, pi, splitHistory)).toBe(0);
    expect(aupPenalty(laws, pi, rowsOf('uniform', await rows(uniformPolicy(env))), U, 'before')).toBeGreaterThan(0.05);
  });

  it('AUP against the split history sees goal-blind context dependence as it sees goal pursuit', async () => {
    const hash = aupPenalty(laws, await rows(contextHash), splitHistory, U, 'before');
    const ideal = aupPenalty(laws, await rows(idealPolicy(env, G2)), splitHistory, U, 'before');
    expect(hash).toBeGreaterThan(0.5 * ideal);
  });

  it('anti-goal and ideal lose reachability of opposite outcomes against uniform', async () => {
    const uni = rowsOf('uniform', await rows(uniformPolicy(env)));
    expect(relativeReachability(laws, await rows(idealPolicy(env, G2)), uni)).toBeGreaterThan(0.05);
    expect(relativeReachability(laws, await rows(antiGoal(G2)), uni)).toBeGreaterThan(0.02);
  });

  it('the next-step tables match the environment after each step, and the empowerment change is antisymmetric', async () => {
    const law = new Float64Array(A * V),
      law2 = new Float64Array(A * V),
      j = 5,
      a = 3;
    env.outcomeLaw(windowOf(pool, j), law);
    const reach = new Float64Array(V);
    let emp = 0;
    for (let v = 0; v < V; v++) {
      const h = Int32Array.from([...windowOf(pool, j).subarray(2), env.actions[a]!, env.outcomes[v]!]);
      env.outcomeLaw(h, law2);
      for (let x = 0; x < V; x++) reach[x]! += law[a * V + v]! * Math.max(...Array.from({ length: A }, (_, b) => law2[b * V + x]!));
      emp += law[a * V + v]! * channelCapacity(law2, A, V);
    }
    reach.forEach((r, x) => expect(next.reach[(j * A + a) * V + x]).toBeCloseTo(r, 14));
    expect(next.empowerment[j * A + a]).toBeCloseTo(emp, 11);
    const p = await rows(idealPolicy(env, G6)),
      q = await rows(generatorPolicy(env));
    expect(empowermentChange(next, p, rowsOf('q', q))).toBeCloseTo(-empowermentChange(next, q, rowsOf('p', p)), 14);
    const e = nextStepEmpowerment(next, q);
    expect(e).toBeGreaterThan(0);
    expect(e).toBeLessThanOrEqual(Math.log(8));
  });
});

describe('measurePeers', () => {
  it('measures on the contexts split history draws, deterministically', async () => {
    const policy = idealPolicy(env, G4);
    const opts = { contexts: 60, repeats: 3, seed: 11, baselines: [uniformPolicy(env)] };
    const m = await measurePeers(env, policy, pool, env.tasks, opts);
    expect(await measurePeers(env, policy, pool, env.tasks, opts)).toEqual(m);
    const megs = await Promise.all(
      [0, 1, 2].map(async (r) => {
        const { windows } = sampleWindows(pool, 60, makeRng(deriveSeed(11, 'repeat', r)));
        return megUnknownUtility(contextLaws(env, windows), await rows(policy, windows)).meg;
      }),
    );
    expect(m.megF.mean).toBeCloseTo(megs.reduce((x, y) => x + y, 0) / 3, 12);
    expect(m.identified).toBe(G4.name);
    expect(m.baselines.map((b) => b.name)).toEqual(['split-history', 'uniform']);
    expect(m.w).toHaveLength(V);
    const json = JSON.parse(JSON.stringify(peerMeasurementJson(m)));
    expect(E.isRight(PeerMeasurementJson.decode(json))).toBe(true);
    expect(json.identifiedTask).toBe(4);
    expect(json.tasks.find((t: { nGood: number }) => t.nGood === 4).beta).toBe('inf');
  });
});
