import { makeRng, type Environment, type Windows } from '@optimpact/core';
import { specEnv } from '@optimpact/sequence-env';
import { setBackend } from './backend.js';
import { createModel } from './model.js';
import { actionRows as actionProbsFromLogits } from '@optimpact/core';
import { asPolicy, asPredictor, sampleActions } from './policy.js';

const env: Environment = specEnv;
const cfg = { vocabSize: 16, contextLength: 20, dModel: 8, nLayers: 1, nHeads: 2, mlpRatio: 4, dropout: 0.1 };

beforeAll(async () => {
  await setBackend('cpu');
});

function windows(n: number): Windows {
  const rng = makeRng(8),
    tokens = new Int32Array(n * 20);
  for (let i = 0; i < tokens.length; i++) tokens[i] = rng.int(16);
  return { tokens, positions: new Int32Array(n).fill(21), n, length: 20 };
}

describe('actionProbsFromLogits', () => {
  it('masks to the action set, greedy ties go to the lowest action', () => {
    const z = new Float32Array(16).fill(0);
    z[3] = 9; // not an action: must be ignored
    z[10] = 2;
    z[12] = 2;
    const greedy = actionProbsFromLogits(z, 16, [8, 9, 10, 11, 12, 13, 14, 15], 0);
    expect(Array.from(greedy)).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
    const t1 = actionProbsFromLogits(z, 16, [8, 9, 10, 11, 12, 13, 14, 15], 1);
    expect(t1.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(t1[2]).toBeCloseTo(Math.exp(2) / (6 + 2 * Math.exp(2)), 12);
  });
});

describe('asPolicy / asPredictor / sampleActions', () => {
  it('give distributions over actions and the vocabulary, and never emit a non-action token', async () => {
    const m = createModel(cfg, 2);
    const w = windows(64);
    const greedy = await asPolicy(m, env, { temperature: 0 }).actionProbs(w);
    const A = env.actions.length;
    expect(greedy.length).toBe(64 * A);
    for (let i = 0; i < 64; i++) expect(greedy.subarray(i * A, (i + 1) * A).reduce((a, b) => a + b, 0)).toBe(1);
    const probs = await asPolicy(m, env, { temperature: 1 }).actionProbs(w);
    for (let i = 0; i < 64; i++) expect(probs.subarray(i * A, (i + 1) * A).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    const next = await asPredictor(m).nextTokenProbs(w);
    expect(next.length).toBe(64 * 16);
    for (let i = 0; i < 64; i++) expect(next.subarray(i * 16, (i + 1) * 16).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    for (const temperature of [0, 1, 5]) {
      const acts = await sampleActions(m, env, w, { temperature, rng: makeRng(temperature) });
      for (const a of acts) expect(env.actions).toContain(a);
    }
    m.dispose();
  });
});
