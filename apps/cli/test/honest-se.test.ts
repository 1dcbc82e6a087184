/**
 * End-to-end (slow): the standard error `measure` reports covers the sampling of contexts. Over many
 * seeds, the spread of the measured means must match the reported s.e. (ratio in [0.8, 1.25]), for a
 * built-in policy and for a saved model; repeats drawn from one fixed test set, as before, must not.
 */
import type { Policy, Windows } from '@optimpact/core';
import { actionWindowPool, deriveSeed, modelPolicy } from '@optimpact/core';
import { specEnv as env } from '@optimpact/sequence-env';
import type { ContextSource } from '@optimpact/split-history';
import { generatorPolicy, measurePolicy } from '@optimpact/split-history';
import { createModel, loadModel, saveModel, setBackend } from '@optimpact/transformer';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const task = env.tasks[0]!; // n_good = 2

/** sd of the means over seeds ÷ root-mean-square of the reported s.e. (both estimate the same sd when the s.e. is honest). */
async function seRatio(policy: Policy, source: (seed: number) => ContextSource, seeds: number, contexts: number, repeats: number): Promise<number> {
  const means: number[] = [],
    variances: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const m = await measurePolicy(env, policy, source(seed), [task], { contexts, repeats, seed });
    means.push(m.op.mean);
    variances.push(m.op.se ** 2);
  }
  const mean = means.reduce((a, x) => a + x, 0) / seeds;
  const sd = Math.sqrt(means.reduce((a, x) => a + (x - mean) ** 2, 0) / (seeds - 1));
  return sd / Math.sqrt(variances.reduce((a, x) => a + x, 0) / seeds);
}

const fresh = (): ContextSource => ({ sequenceLength: 1000 });
// What `measure` did before: every repeat drawn from one pool of 10,000 windows cut from 21 sequences.
const fixedPool = (seed: number): Windows => actionWindowPool(env, 10_000, deriveSeed(seed, 'test'));

describe('the s.e. of measure covers the sampling of contexts', () => {
  it('for the generator (task n_good = 2, 5 × 2000 contexts, 200 seeds)', async () => {
    const ratio = await seRatio(generatorPolicy(env), fresh, 200, 2000, 5);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
  }, 300_000);

  it('and the old fixed pool of test windows did not (the test can fail)', async () => {
    expect(await seRatio(generatorPolicy(env), fixedPool, 200, 2000, 5)).toBeGreaterThan(1.25);
  }, 300_000);

  it('for a saved model acting greedily (5 × 500 contexts, 150 seeds)', async () => {
    await setBackend('wasm');
    const dir = mkdtempSync(join(tmpdir(), 'optimpact-se-'));
    try {
      const cfg = { vocabSize: 16, contextLength: 20, dModel: 16, nLayers: 1, nHeads: 2, mlpRatio: 2, dropout: 0 };
      await saveModel(createModel(cfg, 11), dir);
      const policy = modelPolicy(await loadModel(dir), env, 0, 'model');
      const ratio = await seRatio(policy, fresh, 150, 500, 5);
      expect(ratio).toBeGreaterThan(0.8);
      expect(ratio).toBeLessThan(1.25);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
