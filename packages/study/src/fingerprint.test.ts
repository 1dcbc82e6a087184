import type { Environment } from '@optimpact/core';
import { createEnvironment as additive } from '@optimpact/additive-env';
import { createEnvironment as sequence } from '@optimpact/sequence-env';
import { environmentFingerprint } from './fingerprint.js';

describe('environmentFingerprint', () => {
  it('is the same for two instances of one environment, and a SHA-256', () => {
    expect(environmentFingerprint(additive({ noise: 0.1 }))).toBe(environmentFingerprint(additive({ noise: 0.1 })));
    expect(environmentFingerprint(sequence())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tells environments apart: other options, another package', () => {
    const prints = [additive({ noise: 0.1 }), additive({ noise: 0.2 }), sequence(), sequence({ noise: 0.05 })].map(environmentFingerprint);
    expect(new Set(prints).size).toBe(4);
  });

  it('changes with each law alone, the generated tokens unchanged', () => {
    const env = additive();
    const base = environmentFingerprint(env);
    // the outcome law of the last action at one outcome moved by 1e-6 (and its neighbour back): a fixed bug's size, or less
    const outcome: Environment = {
      ...env,
      outcomeLaw(w, out) {
        env.outcomeLaw(w, out);
        out[out.length - 1]! += 1e-6;
        out[out.length - 2]! -= 1e-6;
      },
    };
    const next: Environment = {
      ...env,
      nextTokenLaw(w, t, out) {
        env.nextTokenLaw(w, t, out);
        if (t % 2 === 0) [out[0], out[1]] = [out[1]!, out[0]!];
      },
    };
    const draws: Environment = { ...env, sampleNextToken: (w, t, rng) => (env.sampleNextToken!(w, t, rng) + 1) % env.vocabSize };
    for (const changed of [outcome, next, draws]) expect(environmentFingerprint(changed)).not.toBe(base);
  });

  it('ignores differences in the last bits of a law (another machine’s Math.exp)', () => {
    const env = sequence();
    const jitter: Environment = {
      ...env,
      nextTokenLaw(w, t, out) {
        env.nextTokenLaw(w, t, out);
        for (let v = 0; v < out.length; v++) out[v] = out[v]! * (1 + 2 ** -50);
      },
    };
    expect(environmentFingerprint(jitter)).toBe(environmentFingerprint(env));
  });
});
