/**
 * The `Environment` contract (types.ts) checked on an environment itself, as a loader is handed it: its
 * tokens and tasks against its vocabulary, and, on a few contexts of a short generated sequence, that every
 * law it writes is a probability distribution. What the measures, rules and study take for granted.
 */
import { makeRng } from './rng.js';
import type { Environment } from './types.js';

/** How far from 1 a written law may sum. */
export const LAW_TOLERANCE = 1e-6;

/** Tokens generated beyond one window: enough for several action positions in any alternating environment. */
const EXTRA_TOKENS = 64;

/** Why `law[from..from+n)` is not a probability distribution, or undefined when it is one. */
function notADistribution(law: Float64Array, from: number, n: number): string | undefined {
  let sum = 0;
  for (let v = 0; v < n; v++) {
    const p = law[from + v]!;
    if (!(p >= 0 && p <= 1)) return `holds ${p} at index ${v}${Number.isNaN(p) ? ' (not written)' : ''}`;
    sum += p;
  }
  return Math.abs(sum - 1) <= LAW_TOLERANCE ? undefined : `sums to ${sum}, not 1 (within ${LAW_TOLERANCE.toExponential()})`;
}

/** The first token of `tokens` outside 0..vocabSize − 1, or undefined. */
const outside = (tokens: ArrayLike<number>, vocabSize: number): number | undefined =>
  Array.from(tokens).find((v) => !Number.isInteger(v) || v < 0 || v >= vocabSize);

/** The first tokens and tasks check that `env` fails, or undefined. */
function tokenViolation(env: Environment): string | undefined {
  const V = env.vocabSize;
  if (!Number.isInteger(V) || V < 2) return `vocabSize must be an integer ≥ 2, got ${V}`;
  if (!Number.isInteger(env.contextLength) || env.contextLength < 1) return `contextLength must be a positive integer, got ${env.contextLength}`;
  for (const [what, tokens] of [
    ['actions', env.actions],
    ['outcomes', env.outcomes],
  ] as const) {
    if (tokens.length === 0) return `${what} is empty`;
    const bad = outside(tokens, V);
    if (bad !== undefined) return `${what}: ${bad} is not a token of the vocabulary 0..${V - 1}`;
    if (new Set(tokens).size !== tokens.length) return `${what} repeats a token`;
  }
  if (env.tasks.length === 0) return 'tasks is empty (the measures score a task)';
  for (const task of env.tasks) {
    const bad = task.good.find((v) => !env.outcomes.includes(v));
    if (bad !== undefined) return `task ${task.name}: good outcome ${bad} is not one of the outcomes (${env.outcomes.join(', ')})`;
    if (task.good.length === 0 || task.nGood !== task.good.length)
      return `task ${task.name}: nGood ${task.nGood} is not the size of its good set [${task.good.join(', ')}]`;
  }
  return undefined;
}

/**
 * The first way `env` breaks the `Environment` contract, or undefined when no check finds one: vocabulary
 * and context length, actions and outcomes (non-empty, distinct tokens of the vocabulary), tasks (at least
 * one, each good set a non-empty subset of the outcomes of size nGood), a generated sequence within the
 * vocabulary, and at its first `contexts` positions (and action positions) past one window, the next-token
 * and outcome laws as probability distributions within {@link LAW_TOLERANCE}.
 */
export function environmentViolation(env: Environment, contexts = 4): string | undefined {
  const tokens = tokenViolation(env);
  if (tokens !== undefined) return tokens;
  const L = env.contextLength,
    A = env.actions.length,
    O = env.outcomes.length;
  let step = 'generate';
  try {
    const s = env.generate(L + EXTRA_TOKENS, makeRng(1));
    if (s.length !== L + EXTRA_TOKENS) return `generate(${L + EXTRA_TOKENS}) returned ${s.length} tokens`;
    const bad = outside(s, env.vocabSize);
    if (bad !== undefined) return `generate wrote ${bad}, not a token of the vocabulary 0..${env.vocabSize - 1}`;
    const positions = Array.from({ length: EXTRA_TOKENS }, (_, i) => L + i);
    const actionPositions = positions.filter((t) => env.isActionPosition(t)).slice(0, contexts);
    if (actionPositions.length === 0) return `no action position among positions ${L}..${L + EXTRA_TOKENS - 1} (isActionPosition)`;
    const law = new Float64Array(Math.max(env.vocabSize, A * O));
    for (const t of positions.slice(0, contexts)) {
      step = 'nextTokenLaw';
      law.fill(NaN);
      env.nextTokenLaw(s.subarray(t - L, t), t, law);
      const why = notADistribution(law, 0, env.vocabSize);
      if (why !== undefined) return `nextTokenLaw at position ${t} ${why}`;
    }
    for (const t of actionPositions) {
      step = 'outcomeLaw';
      law.fill(NaN);
      env.outcomeLaw(s.subarray(t - L, t), law);
      for (let i = 0; i < A; i++) {
        const why = notADistribution(law, i * O, O);
        if (why !== undefined) return `outcomeLaw after action ${env.actions[i]} at position ${t} ${why}`;
      }
    }
  } catch (e) {
    return `${step} threw: ${(e as Error).message}`;
  }
  return undefined;
}
