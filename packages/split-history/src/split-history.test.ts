import type { Policy } from '@optimpact/core';
import { actionWindowPool, actionWindows, deriveSeed, makeRng, selectWindows, windowOf } from '@optimpact/core';
import { entropy, impMin, kl } from '@optimpact/impact-theory';
import { specEnv as env } from '@optimpact/sequence-env';
import * as E from 'fp-ts/lib/Either.js';
import {
  CHUNK_CONTEXTS,
  fixedPolicy,
  freshContexts,
  generatorPolicy,
  idealPolicy,
  measurePolicy,
  monteCarloLimit,
  splitHistory,
  SplitHistorySums,
  splitHistoryMonteCarlo,
  uniformPolicy,
} from './index.js';

const pool = actionWindowPool(env, 5000, 42);
const [G2, G4, G6] = env.tasks as [(typeof env.tasks)[0], (typeof env.tasks)[0], (typeof env.tasks)[0]];
const A = env.actions.length,
  V = env.outcomes.length;

/** The literal quadratic definition (docs/method.md#split-history), for comparison. */
function literal(pi: Float64Array, n: number, excludeSelf: boolean): { op: number; imp: number } {
  const laws = Array.from({ length: n }, (_, j) => {
    const law = new Float64Array(A * V);
    env.outcomeLaw(windowOf(pool, j), law);
    return law;
  });
  const q = new Float64Array(V);
  for (let j = 0; j < n; j++) for (let a = 0; a < A; a++) for (let v = 0; v < V; v++) q[v]! += (pi[j * A + a]! * laws[j]![a * V + v]!) / n;
  let h = 0,
    d = 0;
  for (let k = 0; k < n; k++) {
    const qk = new Float64Array(V);
    const others = excludeSelf ? n - 1 : n;
    for (let j = 0; j < n; j++) {
      if (excludeSelf && j === k) continue;
      for (let a = 0; a < A; a++) for (let v = 0; v < V; v++) qk[v]! += (pi[k * A + a]! * laws[j]![a * V + v]!) / others;
    }
    h += entropy(qk) / n;
    d += kl(q, qk) / n;
  }
  return { op: h - entropy(q), imp: d };
}

function randomRows(n: number, seed: number): Float64Array {
  const r = makeRng(seed),
    pi = new Float64Array(n * A);
  for (let k = 0; k < n; k++) {
    let z = 0;
    for (let a = 0; a < A; a++) z += pi[k * A + a] = r.next() ** 3;
    for (let a = 0; a < A; a++) pi[k * A + a]! /= z;
  }
  return pi;
}

describe('the exact split-history estimator', () => {
  it('equals the literal quadratic definition, with and without leaving p_k out', () => {
    const n = 60,
      w = { ...pool, n, tokens: pool.tokens.subarray(0, n * 20), positions: pool.positions.subarray(0, n) };
    for (const excludeSelf of [false, true]) {
      const pi = randomRows(n, 3);
      const exact = splitHistory(env, w, pi, { excludeSelf });
      const slow = literal(pi, n, excludeSelf);
      expect(exact.op).toBeCloseTo(slow.op, 12);
      expect(exact.imp).toBeCloseTo(slow.imp, 12);
    }
  });

  it('leaves p_k out exactly: an outcome only p_k reaches has mass 0, not a rounding below it, in its split history', () => {
    // 49 contexts, action 0 everywhere; only context 0 reaches outcome 0 (49 · (1/49) is not 1 in floating point)
    const n = 49,
      pi = new Float64Array(n * A),
      laws = new Float64Array(n * A * V);
    for (let j = 0; j < n; j++) {
      pi[j * A] = 1;
      laws[j * A * V + (j === 0 ? 0 : 1)] = 1;
    }
    const sums = new SplitHistorySums(env, { excludeSelf: true });
    sums.add(pi, laws, n);
    sums.endPass1();
    sums.addSplit(pi, laws, n);
    const m = sums.result();
    expect(Number.isFinite(m.op)).toBe(true);
    expect(m.imp).toBe(Number.POSITIVE_INFINITY); // Q puts 1/49 on outcome 0, context 0's split history none
  });

  it("gives Op = Imp = 0 exactly for the uniform policy, and s = s' ≈ f", async () => {
    const m = await measurePolicy(env, uniformPolicy(env), pool, env.tasks, { contexts: 200, repeats: 10, seed: 1 });
    expect(Math.abs(m.op.mean)).toBeLessThan(1e-12);
    expect(Math.abs(m.imp.mean)).toBeLessThan(1e-12);
    for (const t of m.tasks) {
      // a uniform action is not a uniform outcome (the 8 actions' residues are not spread evenly mod 8)
      expect(t.sPrime.mean).toBeCloseTo(t.s.mean, 12);
      expect(Math.abs(t.s.mean - t.f)).toBeLessThan(0.02);
    }
  });

  it('reproduces the ideal greedy policy (docs/method.md#tasks): s = 0.98 + 0.02f exactly, Op within 0.03 of Op_pred', async () => {
    for (const [task, expected] of [
      [G2, 1.29],
      [G4, 0.64],
      [G6, 0.26],
    ] as const) {
      const m = await measurePolicy(env, idealPolicy(env, task), pool, [task], { contexts: 200, repeats: 10, seed: 1 });
      const t = m.tasks[0]!;
      expect(t.s.mean).toBeCloseTo(0.98 + 0.02 * t.f, 12);
      expect(t.opPred).toHaveProperty('mean');
      if ('mean' in t.opPred) expect(t.opPred.mean).toBeCloseTo(expected, 2);
      expect(Math.abs(m.op.mean - expected)).toBeLessThan(0.03 + 2 * m.op.se);
      expect(m.op.se).toBeGreaterThan(0);
      // s is the same in every repeat, so Op_pred has no spread and Op − Op_pred has Op's
      if ('mean' in t.opPred && 'mean' in t.excessOp) {
        expect(t.excessOp.mean).toBeCloseTo(m.op.mean - t.opPred.mean, 12);
        expect(t.excessOp.se).toBeCloseTo(m.op.se, 12);
      }
    }
  });

  it('gives the excesses Op − Op_pred and Imp − Imp_min with the s.e. of the difference', async () => {
    const m = await measurePolicy(env, generatorPolicy(env), pool, [G4], { contexts: 200, repeats: 10, seed: 3 });
    const t = m.tasks[0]!;
    if (!('mean' in t.opPred && 'mean' in t.impMin && 'mean' in t.excessOp && 'mean' in t.excessImp)) throw new Error('undefined at this policy');
    expect(t.excessOp.mean).toBeCloseTo(m.op.mean - t.opPred.mean, 12);
    expect(t.excessImp.mean).toBeCloseTo(m.imp.mean - t.impMin.mean, 12);
    // the s.e. of a difference lies between the difference and the sum of its parts' s.e.
    for (const [d, a, b] of [
      [t.excessOp.se, m.op.se, t.opPred.se],
      [t.excessImp.se, m.imp.se, t.impMin.se],
    ] as const) {
      expect(d).toBeGreaterThanOrEqual(Math.abs(a - b) - 1e-15);
      expect(d).toBeLessThanOrEqual(a + b + 1e-15);
    }
  });

  it('measures the generator self-optimizing by about 0.03 nats, not 0', async () => {
    const m = await measurePolicy(env, generatorPolicy(env), pool, [G4], { contexts: 1000, repeats: 4, seed: 2 });
    expect(m.op.mean).toBeGreaterThan(0.01);
    expect(m.op.mean).toBeLessThan(0.06);
  });

  it('keeps Imp ≥ Imp_min on random mixtures of policies', async () => {
    const ideal = idealPolicy(env, G2),
      fixed = fixedPolicy(env, 11);
    for (let seed = 0; seed < 8; seed++) {
      const r = makeRng(seed),
        wIdeal = r.next(),
        wFixed = r.next() * (1 - wIdeal);
      const mix: Policy = {
        name: 'mix',
        actionProbs: async (w) => {
          const [a, b] = [await ideal.actionProbs(w), await fixed.actionProbs(w)];
          return a.map((x, i) => wIdeal * x + wFixed * b[i]! + (1 - wIdeal - wFixed) / A);
        },
      };
      const m = await measurePolicy(env, mix, pool, env.tasks, { contexts: 100, repeats: 3, seed });
      for (const t of m.tasks) {
        expect('mean' in t.impMin).toBe(true);
        if ('mean' in t.impMin) expect(m.imp.mean).toBeGreaterThanOrEqual(t.impMin.mean - 1e-12);
        // and per repeat, from the raw definition
        const bound = impMin(t.s.mean, t.sPrime.mean);
        expect(E.isRight(bound) && m.imp.mean >= bound.right - 1e-12).toBe(true);
      }
    }
  });

  it('draws a null baseline near 0.03 nats of impact at N = 200, and none for the uniform policy', async () => {
    const m = await measurePolicy(env, idealPolicy(env, G4), pool, [G4], { contexts: 200, repeats: 10, seed: 5 });
    expect(m.nullBaseline.imp.mean).toBeGreaterThan(0.005);
    expect(m.nullBaseline.imp.mean).toBeLessThan(0.08);
    expect(Math.abs(m.nullBaseline.op.mean)).toBeLessThan(0.05);
    expect(m.imp.mean).toBeGreaterThan(10 * m.nullBaseline.imp.mean);
  });

  it('compares with reference futures: a policy against itself is 0, the ideal one against uniform is large', async () => {
    const m = await measurePolicy(env, idealPolicy(env, G2), pool, [G2], {
      contexts: 200,
      repeats: 3,
      seed: 6,
      references: [uniformPolicy(env), idealPolicy(env, G2)],
    });
    const [uni, self] = m.references;
    expect(self!.op.mean).toBe(0);
    expect(self!.imp.mean).toBe(0);
    // a uniform action leaves F near uniform (H ≈ ln 8) while the ideal one concentrates it on {0, 1}
    expect(uni!.op.mean).toBeGreaterThan(1);
    expect(uni!.op.mean).toBeLessThan(Math.log(8) - Math.log(2));
    expect(uni!.imp.mean).toBeGreaterThan(1);
  });

  it('is deterministic under a seed and records the contexts and actions it used', async () => {
    const run = () => measurePolicy(env, idealPolicy(env, G6), pool, [G6], { contexts: 50, repeats: 2, seed: 9 });
    const [a, b] = [await run(), await run()];
    expect(a.op).toEqual(b.op);
    expect(a.samples[0]!.indices).toEqual(b.samples[0]!.indices);
    expect(a.samples[1]!.indices).not.toEqual(a.samples[0]!.indices);
    expect(a.samples[0]!.actions.length).toBe(50);
  });
});

describe('measuring in chunks (memory bounded in N)', () => {
  const N = CHUNK_CONTEXTS + 5000;
  const big = actionWindowPool(env, N + 1000, 77);
  // A policy whose rows take a new value in every context: pass 2 must replay the chunks.
  const smooth: Policy = {
    name: 'smooth',
    actionProbs: async (w) => {
      const pi = new Float64Array(w.n * A);
      for (let k = 0; k < w.n; k++) {
        const x = windowOf(w, k).reduce((h, t) => (h * 31 + t) % 1009, 7);
        for (let a = 0; a < A; a++) pi[k * A + a] = (1 + ((x * (a + 3)) % 13)) / 1;
        const z = pi.subarray(k * A, (k + 1) * A).reduce((u, y) => u + y, 0);
        for (let a = 0; a < A; a++) pi[k * A + a]! /= z;
      }
      return pi;
    },
  };

  it.each([
    ['a built-in policy (pass 2 over its distinct rows)', idealPolicy(env, G4), false],
    ['a policy with a new row in every context (pass 2 replays the chunks)', smooth, false],
    ['leaving p_k out (pass 2 replays the chunks)', idealPolicy(env, G4), true],
  ])('gives the one-pass estimate for %s', async (_, policy, excludeSelf) => {
    const m = await measurePolicy(env, policy, big, [G4], { contexts: N, repeats: 1, seed: 3, excludeSelf });
    const windows = selectWindows(big, m.samples[0]!.indices);
    const once = splitHistory(env, windows, await policy.actionProbs(windows), { excludeSelf });
    expect(m.op.mean).toBeCloseTo(once.op, 11);
    expect(m.imp.mean).toBeCloseTo(once.imp, 11);
    expect(m.tasks[0]!.sPrime.mean).toBeCloseTo(once.qPrime[0]! + once.qPrime[1]! + once.qPrime[2]! + once.qPrime[3]!, 11);
  });

  it('draws fresh contexts per repeat from their own sequences, the same under the same seed', async () => {
    const source = { sequenceLength: 1000 };
    const a = freshContexts(env, source, N, deriveSeed(4, 'repeat', 0));
    expect(a.n).toBe(N);
    expect(freshContexts(env, source, 100, deriveSeed(4, 'repeat', 0)).tokens).toEqual(a.tokens.subarray(0, 100 * 20));
    expect(freshContexts(env, source, 100, deriveSeed(4, 'repeat', 1)).tokens).not.toEqual(a.tokens.subarray(0, 100 * 20));
    const m = await measurePolicy(env, idealPolicy(env, G2), source, [G2], { contexts: N, repeats: 1, seed: 4 });
    expect(m.seCovers).toBe('context sampling');
    expect(m.op.mean).toBeCloseTo(splitHistory(env, a, await idealPolicy(env, G2).actionProbs(a)).op, 11);
    expect((await measurePolicy(env, idealPolicy(env, G2), big, [G2], { contexts: 10, repeats: 1, seed: 4 })).seCovers).toBe(
      'repeats within the fixed test set',
    );
  });
});

describe('the Monte-Carlo estimator', () => {
  it('approaches the exact Op at large N, and is biased at small N', async () => {
    const pi = await idealPolicy(env, G4).actionProbs(pool);
    const take = (n: number) => ({ ...pool, n, tokens: pool.tokens.subarray(0, n * 20), positions: pool.positions.subarray(0, n) });
    const exact = splitHistory(env, take(800), pi.subarray(0, 800 * A));
    const mc = splitHistoryMonteCarlo(env, take(800), pi.subarray(0, 800 * A), makeRng(1));
    expect(Math.abs(mc.op - exact.op)).toBeLessThan(0.03);
    expect(Math.abs(mc.imp - exact.imp)).toBeLessThan(0.1);
  });

  it('needs every context of a repeat in one chunk: fresh sequences fill a chunk with whole sequences only', async () => {
    const fresh = { sequenceLength: 1000 };
    const perSequence = actionWindows(env, [env.generate(1000, makeRng(0))]).n;
    expect(CHUNK_CONTEXTS % perSequence).not.toBe(0); // so the limit is below CHUNK_CONTEXTS
    expect(monteCarloLimit(env, pool)).toBe(CHUNK_CONTEXTS);
    expect(monteCarloLimit(env, fresh)).toBe(perSequence * Math.floor(CHUNK_CONTEXTS / perSequence));
    const over = { contexts: monteCarloLimit(env, fresh) + 1, repeats: 1, seed: 1, monteCarlo: true };
    await expect(measurePolicy(env, uniformPolicy(env), fresh, [G2], over)).rejects.toThrow(`at most ${monteCarloLimit(env, fresh)} contexts`);
  });
});

describe('a policy whose rows are no distribution over the actions', () => {
  /** The uniform policy with the row of context `at` (counted over the calls, as the contexts) replaced by `row`. */
  function broken(row: number[], at: number): Policy {
    let seen = 0;
    return {
      name: 'broken',
      actionProbs: async (w) => {
        const pi = new Float64Array(w.n * A).fill(1 / A);
        if (at >= seen && at < seen + w.n) pi.set(row, (at - seen) * A);
        seen += w.n;
        return pi;
      },
    };
  }
  const options = { contexts: 200, repeats: 1, seed: 1 };
  const uniformRow = (): number[] => Array.from({ length: A }, () => 1 / A);
  const nan = Object.assign(uniformRow(), { 2: Number.NaN });
  const twice = uniformRow().map((p) => 2 * p);
  const negative = Object.assign(uniformRow(), { 0: -0.5, 1: 0.5 + 2 / A });
  const infinite = Object.assign(uniformRow(), { 3: Number.POSITIVE_INFINITY });
  const action = (i: number) => env.actions[i];

  it.each([
    ['NaN', nan, `π(${action(2)}) = NaN`],
    ['summing to 2', twice, 'it sums to 2'],
    ['a negative entry', negative, `π(${action(0)}) = -0.5`],
    ['an infinite entry', infinite, `π(${action(3)}) = Infinity`],
  ])('%s: one error naming the policy, the context and the value', async (_, row, what) => {
    const error = `policy broken: its row at context 17 is not a distribution over the ${A} actions: ${what}`;
    await expect(measurePolicy(env, broken(row, 17), pool, [G2], options)).rejects.toThrow(error);
    // the estimator alone says the same, with its default name for rows
    const pi = await broken(row, 17).actionProbs(
      selectWindows(
        pool,
        Int32Array.from({ length: 20 }, (_, i) => i),
      ),
    );
    expect(() =>
      splitHistory(
        env,
        selectWindows(
          pool,
          Int32Array.from({ length: 20 }, (_, i) => i),
        ),
        pi,
      ),
    ).toThrow(error.replace('broken', 'rows'));
  });

  it('accepts rows off 1 by rounding, refuses one off by more than 1e-6', async () => {
    const near = uniformRow().map((p, i) => (i === 0 ? p + 5e-7 : p));
    await expect(measurePolicy(env, broken(near, 3), pool, [G2], options)).resolves.toMatchObject({ contexts: 200 });
    const far = uniformRow().map((p, i) => (i === 0 ? p + 2e-6 : p));
    await expect(measurePolicy(env, broken(far, 3), pool, [G2], options)).rejects.toThrow(/context 3 .*: it sums to 1\.000002/);
  });

  it('counts contexts across chunks, and names a broken reference as one', async () => {
    const N = CHUNK_CONTEXTS + 10;
    const big = actionWindowPool(env, N, 77);
    await expect(measurePolicy(env, broken(twice, CHUNK_CONTEXTS + 4), big, [G2], { contexts: N, repeats: 1, seed: 1 })).rejects.toThrow(
      `policy broken: its row at context ${CHUNK_CONTEXTS + 4} is not`,
    );
    await expect(measurePolicy(env, uniformPolicy(env), pool, [G2], { ...options, references: [broken(nan, 5)] })).rejects.toThrow(
      'policy broken (a reference): its row at context 5 is not',
    );
  });
});
