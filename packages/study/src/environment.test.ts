import { createEnvironment as createAdditiveEnv } from '@optimpact/additive-env';
import type { Environment } from '@optimpact/core';
import { environmentViolation } from '@optimpact/core';
import { createSpecEnv } from '@optimpact/sequence-env';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeStrict, GOOD_SET_VARIANTS } from './config.js';
import { loadEnvironment, withGoodSets } from './environment.js';

const message = (r: E.Either<{ message: string }, unknown>): string => (E.isLeft(r) ? r.left.message : 'accepted');
const accepted = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

describe("an environment's options, decoded by its package's Options codec", () => {
  it.each(['@optimpact/sequence-env', '@optimpact/additive-env'])('%s refuses an unknown key and a wrong value, naming the path', async (name) => {
    expect(message(await loadEnvironment(name, { nosie: 0.3 }))).toBe(`${name}: unknown key "environment.options.nosie"`);
    expect(message(await loadEnvironment(name, { noise: 'high' }))).toBe(`${name}: environment.options.noise: expected a number in [0, 1], got "high"`);
    expect(message(await loadEnvironment(name, { goodSets: [[0], 'x'] }))).toMatch(
      new RegExp(`^${name}: environment\\.options\\.goodSets\\.1: expected .*, got "x"$`),
    );
  });

  it('gives the decoded options to createEnvironment: noise 0.5 makes the rule hold with probability 1 − ε + ε/8', async () => {
    const env = accepted(await loadEnvironment('@optimpact/sequence-env', { noise: 0.5 }));
    const law = new Float64Array(16);
    env.nextTokenLaw(new Int32Array(20), 20, law); // t ≥ 16: the rule's position
    expect(Math.max(...law)).toBeCloseTo(0.5 + 0.5 / 8, 12);
  });

  it('refuses the keys an exact codec would strip, under the prefix', () => {
    const Options = t.exact(t.type({ rate: t.number }));
    expect(message(decodeStrict(Options, { rate: 1, rat: 2 }, 'my-env', 'environment.options'))).toBe('my-env: unknown key "environment.options.rat"');
    expect(E.isRight(decodeStrict(Options, { rate: 1 }, 'my-env', 'environment.options'))).toBe(true);
  });
});

describe('the Environment contract, checked when an environment is loaded', () => {
  const spec = createSpecEnv();
  const builtIn: [string, Environment][] = [
    ['sequence-env', spec],
    ['sequence-env, noise 0', createSpecEnv({ noise: 0 })],
    ['sequence-env, noise 1', createSpecEnv({ noise: 1 })],
    ['additive-env', createAdditiveEnv()],
    ['additive-env, noise 0', createAdditiveEnv({ noise: 0 })],
    ...(Object.keys(GOOD_SET_VARIANTS) as (keyof typeof GOOD_SET_VARIANTS)[]).map((name): [string, Environment] => [
      `sequence-env, ${name} good sets`,
      accepted(withGoodSets(spec, name)),
    ]),
  ];
  it.each(builtIn)('%s meets it', (_, env) => {
    expect(environmentViolation(env)).toBeUndefined();
  });

  // The sequence environment broken one way at a time: its first action is 8, its first action position past a window 21.
  const broken: [string, Partial<Environment>, string][] = [
    ['no tasks', { tasks: [] }, 'tasks is empty (the measures score a task)'],
    [
      'a good outcome that is no outcome',
      { tasks: [{ name: 'n_good=1', nGood: 1, good: [9] }] },
      'task n_good=1: good outcome 9 is not one of the outcomes (0, 1, 2, 3, 4, 5, 6, 7)',
    ],
    [
      'nGood not the size of the good set',
      { tasks: [{ name: 'n_good=3', nGood: 3, good: [0, 1] }] },
      'task n_good=3: nGood 3 is not the size of its good set [0, 1]',
    ],
    ['an action outside the vocabulary', { actions: [...spec.actions, 16] }, 'actions: 16 is not a token of the vocabulary 0..15'],
    ['no outcomes', { outcomes: [] }, 'outcomes is empty'],
    ['a generated token outside the vocabulary', { generate: (n) => new Int32Array(n).fill(99) }, 'generate wrote 99, not a token of the vocabulary 0..15'],
    ['an outcome law of 0.5 everywhere', { outcomeLaw: (_, out) => out.fill(0.5) }, 'outcomeLaw after action 8 at position 21 sums to 4, not 1 (within 1e-6)'],
    [
      'an outcome law outside [0, 1] that sums to 1',
      { outcomeLaw: (_, out) => out.fill(0).fill(1.5, 0, 1).fill(-0.5, 1, 2) },
      'outcomeLaw after action 8 at position 21 holds 1.5 at index 0',
    ],
    ['a next-token law that writes nothing', { nextTokenLaw: () => undefined }, 'nextTokenLaw at position 20 holds NaN at index 0 (not written)'],
    [
      'an outcome law that throws',
      {
        outcomeLaw: () => {
          throw new Error('no law here');
        },
      },
      'outcomeLaw threw: no law here',
    ],
    ['no action position', { isActionPosition: () => false }, 'no action position among positions 20..83 (isActionPosition)'],
  ];
  it.each(broken)('finds %s', (_, change, why) => {
    expect(environmentViolation({ ...spec, ...change })).toBe(why);
  });

  it('is a usage error naming the package and the first violation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optimpact-broken-env-'));
    try {
      const file = join(dir, 'env.mjs');
      writeFileSync(
        file,
        `import { createSpecEnv } from '@optimpact/sequence-env';\nexport const createEnvironment = () => ({ ...createSpecEnv(), tasks: [] });\n`,
      );
      expect(message(await loadEnvironment(file))).toBe(`--env: ${file} breaks the Environment contract: tasks is empty (the measures score a task)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
