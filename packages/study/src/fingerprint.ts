/**
 * A behavioural fingerprint of an environment (docs/method.md#the-study): SHA-256 over its shape, a sequence it
 * generates under a fixed seed, and its laws (next token, outcome, and its own draws) at a few contexts of that
 * sequence. A record's config names the environment only by package and options; the fingerprint in its
 * provenance lets a resumed study notice an environment that behaves otherwise under the same names (a law
 * fixed in place). Milliseconds: a few hundred tokens and a few dozen laws.
 */
import type { Environment } from '@optimpact/core';
import { actionWindows, deriveSeed, generateSequences, makeRng, windowOf } from '@optimpact/core';
import { sha256 } from '@optimpact/records';

const SEED = 20_240_601;
/** Contexts at which each law is read. */
const CONTEXTS = 8;

/** The fingerprint of `env`: equal for environments that generate and predict alike, at 12 significant digits. */
export function environmentFingerprint(env: Environment): string {
  const L = env.contextLength;
  const seq = generateSequences(env, 1, Math.max(256, 16 * L), SEED)[0]!;
  // 12 significant digits: a changed law differs far more than the last bits of Math.exp on another machine
  const law = (write: (out: Float64Array) => void, size: number): number[] => {
    const out = new Float64Array(size);
    write(out);
    return Array.from(out, (x) => Number(x.toPrecision(12)));
  };
  const at = Array.from({ length: CONTEXTS }, (_, i) => L + Math.floor((i * (seq.length - L)) / CONTEXTS));
  const nextToken = at.map((t) => law((out) => env.nextTokenLaw(seq.subarray(t - L, t), t, out), env.vocabSize));
  const acts = actionWindows(env, [seq]);
  const outcome = Array.from({ length: Math.min(CONTEXTS, acts.n) }, (_, i) =>
    law((out) => env.outcomeLaw(windowOf(acts, i), out), env.actions.length * env.outcomes.length),
  );
  const rng = makeRng(deriveSeed(SEED, 'draws'));
  const draws = env.sampleNextToken ? at.map((t) => env.sampleNextToken!(seq.subarray(t - L, t), t, rng)) : null;
  const shape = { vocabSize: env.vocabSize, contextLength: L, actions: env.actions, outcomes: env.outcomes };
  return sha256(JSON.stringify({ shape, sequence: Array.from(seq), actionPositions: Array.from(acts.positions), nextToken, outcome, draws }));
}
