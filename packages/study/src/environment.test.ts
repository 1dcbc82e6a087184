import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { decodeStrict } from './config.js';
import { loadEnvironment } from './environment.js';

const message = (r: E.Either<{ message: string }, unknown>): string => (E.isLeft(r) ? r.left.message : 'accepted');

describe("an environment's options, decoded by its package's Options codec", () => {
  it.each(['@optimpact/sequence-env', '@optimpact/additive-env'])('%s refuses an unknown key and a wrong value, naming the path', async (name) => {
    expect(message(await loadEnvironment(name, { nosie: 0.3 }))).toBe(`${name}: unknown key "environment.options.nosie"`);
    expect(message(await loadEnvironment(name, { noise: 'high' }))).toBe(`${name}: environment.options.noise: expected a number in [0, 1], got "high"`);
    expect(message(await loadEnvironment(name, { goodSets: [[0], 'x'] }))).toMatch(
      new RegExp(`^${name}: environment\\.options\\.goodSets\\.1: expected .*, got "x"$`),
    );
  });

  it('gives the decoded options to createEnvironment: noise 0.5 makes the rule hold with probability 1 − ε + ε/8', async () => {
    const env = await loadEnvironment('@optimpact/sequence-env', { noise: 0.5 });
    if (E.isLeft(env)) throw new Error(env.left.message);
    const law = new Float64Array(16);
    env.right.nextTokenLaw(new Int32Array(20), 20, law); // t ≥ 16: the rule's position
    expect(Math.max(...law)).toBeCloseTo(0.5 + 0.5 / 8, 12);
  });

  it('refuses the keys an exact codec would strip, under the prefix', () => {
    const Options = t.exact(t.type({ rate: t.number }));
    expect(message(decodeStrict(Options, { rate: 1, rat: 2 }, 'my-env', 'environment.options'))).toBe('my-env: unknown key "environment.options.rat"');
    expect(E.isRight(decodeStrict(Options, { rate: 1 }, 'my-env', 'environment.options'))).toBe(true);
  });
});
