/**
 * docs/extending.md as written: every code block that names a file (`// path` on its first line) is that
 * file, byte for byte, and every `// excerpt of path` block is a verbatim piece of it; the files are the
 * examples below (or the worked example's own package), and these tests run them.
 */
import { actionWindowPool, makeRng, modelPolicy } from '@optimpact/core';
import { greedySuccess } from '@optimpact/rl-trainer';
import { specEnv } from '@optimpact/sequence-env';
import { idealPolicy, measurePolicy, splitHistory, uniformPolicy } from '@optimpact/split-history';
import { createModel, setBackend } from '@optimpact/transformer';
import type { ModelRow } from '@optimpact/viz';
import { formatNumber } from '@optimpact/viz';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './cli.js';
import { measureOnAdditiveEnv } from './examples/environment.js';
import { opAboveTheory } from './examples/figure.js';
import { splitHistoryTV } from './examples/measure.js';
import { epsilonIdeal, measureEpsilonIdeal } from './examples/policy.js';
import { bestActionCoefficients, bestActionRounds } from './examples/rl-rule.js';
import { measureSavedModel } from './examples/saved-model.js';

const root = repoRoot();
const blocks = (() => {
  const text = readFileSync(join(root, 'docs/extending.md'), 'utf8');
  return [...text.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
})();

describe('docs/extending.md', () => {
  const tagged = blocks.map((b) => ({ b, tag: /^\/\/ (excerpt of )?(\S+\.(?:ts|json|js))\n/.exec(b) })).filter((x) => x.tag !== null);

  it('shows the recipes as files of the repository', () => {
    expect(tagged.filter((x) => x.tag![1] === undefined).map((x) => x.tag![2])).toEqual(
      expect.arrayContaining([
        'tooling/docs-check/src/examples/environment.ts',
        'tooling/docs-check/src/examples/policy.ts',
        'tooling/docs-check/src/examples/saved-model.ts',
        'tooling/docs-check/src/examples/rl-rule.ts',
        'tooling/docs-check/src/examples/measure.ts',
        'tooling/docs-check/src/examples/figure.ts',
      ]),
    );
  });

  it('every file block is its file, every excerpt is in its file', () => {
    for (const { b, tag } of tagged) {
      const file = readFileSync(join(root, tag![2]!), 'utf8');
      if (tag![1] === undefined) expect({ path: tag![2], text: b }).toEqual({ path: tag![2], text: file });
      else expect({ path: tag![2], found: file.includes(b.slice(tag![0].length)) }).toEqual({ path: tag![2], found: true });
    }
  });
});

describe('the recipes run', () => {
  beforeAll(async () => {
    await setBackend();
  });

  it("an environment: the additive one measures like the study's (ideal success (1 − ε) + ε·f exactly, Imp ≥ Imp_min)", async () => {
    const m = await measureOnAdditiveEnv();
    const t = m.tasks.find((x) => x.task.nGood === 2)!;
    expect(t.s.mean).toBeCloseTo(0.9 + 0.1 * (2 / 6), 12);
    expect(m.op.mean).toBeGreaterThan(m.nullBaseline.op.mean + 2 * (m.op.se + m.nullBaseline.op.se));
    for (const x of m.tasks) if ('mean' in x.impMin) expect(m.imp.mean).toBeGreaterThanOrEqual(x.impMin.mean - 1e-12);
  });

  it('a plain-function policy: rows sum to 1; success is linear in the mixture; ε = 1 measures 0 exactly', async () => {
    const task = specEnv.tasks.find((t) => t.nGood === 4)!;
    const pool = actionWindowPool(specEnv, 100, 7);
    const pi = await epsilonIdeal(specEnv, task, 0.3).actionProbs(pool);
    for (let i = 0; i < pool.n; i++) expect(pi.subarray(i * 8, i * 8 + 8).reduce((a, x) => a + x, 0)).toBeCloseTo(1, 12);
    const [ideal, half, blind] = await Promise.all([measureEpsilonIdeal(0), measureEpsilonIdeal(0.5), measureEpsilonIdeal(1)]);
    const s = (m: typeof half) => m.tasks.find((x) => x.task.nGood === 4)!.s.mean;
    expect(s(half)).toBeCloseTo((s(ideal) + s(blind)) / 2, 12);
    expect(Math.abs(blind.op.mean)).toBeLessThan(1e-12);
    expect(Math.abs(blind.imp.mean)).toBeLessThan(1e-12);
    expect(half.op.mean).toBeGreaterThan(half.nullBaseline.op.mean + 2 * (half.op.se + half.nullBaseline.op.se));
  });

  it('a saved model: loaded from disk it measures exactly as the model it was saved from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'extending-model-'));
    const fromDisk = await measureSavedModel(dir);
    expect(existsSync(join(dir, 'model.json'))).toBe(true);
    const model = createModel('xs', 1);
    const inMemory = await measurePolicy(specEnv, modelPolicy(model, specEnv, 0), actionWindowPool(specEnv, 5000, 7), specEnv.tasks, {
      contexts: 200,
      repeats: 2,
      seed: 1,
    });
    model.dispose();
    expect(fromDisk.op).toEqual(inMemory.op);
    expect(fromDisk.imp).toEqual(inMemory.imp);
  });

  it('an RL rule: one-hot at the best action (ties low), and it teaches a model the best actions of its contexts', async () => {
    expect(Array.from(bestActionCoefficients(Float64Array.from([0.1, 0.9, 0.9, 0.2, 0.5, 0.5]), 3))).toEqual([0, 1, 0, 0, 1, 0]);
    const task = specEnv.tasks.find((t) => t.nGood === 2)!;
    const train = actionWindowPool(specEnv, 32, 3);
    const model = createModel('xs', 2);
    const before = await greedySuccess(model, specEnv, task, train);
    await bestActionRounds(model, specEnv, task, train, { rounds: 80, batchSize: 32, learningRate: 1e-2, seed: 1 });
    const after = await greedySuccess(model, specEnv, task, train);
    model.dispose();
    expect(before).toBeLessThan(0.6);
    expect(after).toBeGreaterThan(0.9);
  });

  it('a measure: 0 exactly for a context-blind policy, positive for the ideal one, at most √(Imp/2)', async () => {
    const pool = actionWindowPool(specEnv, 300, 9);
    const uniform = await uniformPolicy(specEnv).actionProbs(pool);
    expect(splitHistoryTV(specEnv, pool, uniform)).toBeLessThan(1e-12);
    for (const task of specEnv.tasks) {
      const pi = await idealPolicy(specEnv, task).actionProbs(pool);
      const tv = splitHistoryTV(specEnv, pool, pi),
        imp = splitHistory(specEnv, pool, pi).imp;
      expect(tv).toBeGreaterThan(0.05);
      expect(tv).toBeLessThanOrEqual(Math.sqrt(imp / 2) + 1e-12);
    }
    // a random stochastic policy too
    const r = makeRng(4),
      rows = Float64Array.from({ length: pool.n * 8 }, () => r.next());
    for (let i = 0; i < pool.n; i++) {
      const z = rows.subarray(i * 8, i * 8 + 8).reduce((a, x) => a + x, 0);
      for (let a = 0; a < 8; a++) rows[i * 8 + a]! /= z;
    }
    expect(splitHistoryTV(specEnv, pool, rows)).toBeLessThanOrEqual(Math.sqrt(splitHistory(specEnv, pool, rows).imp / 2) + 1e-12);
  });

  it('a figure: one static <figure> with an SVG point per model, its data table, and the data escaped', () => {
    const est = (mean: number) => ({ mean, se: 0.01 });
    const row = (id: string, params: number, op: number, opPred: number): ModelRow => ({
      id,
      size: 'xs',
      params,
      seed: 1,
      task: 2,
      rule: 'exact',
      op: est(op),
      imp: est(0.2),
      nullOp: est(0),
      nullImp: est(0.03),
      scores: [{ nGood: 2, chance: 0.25, bestConstant: 0.26, s: est(0.5), sPrime: est(0.25), opPred: est(opPred), impMin: est(0.1) }],
      references: [],
      self: null,
      outcomeFit: null,
      maintenanceLoss: 0.5,
      oddPositionLoss: 1,
    });
    const html = opAboveTheory([row('a<b>', 18320, 0.3, 0.25), row('c', 403472, 0.5, 0.5)]);
    expect(html).toMatch(/^<figure id="op-above-theory">/);
    expect(html.match(/<circle/g)).toHaveLength(2);
    expect(html).toContain('a&lt;b&gt;');
    expect(html).not.toContain('a<b>');
    expect(html).toContain(`<td class="num">${formatNumber(0.3 - 0.25)}</td>`);
    expect(html).not.toContain('<script');
  });
});
