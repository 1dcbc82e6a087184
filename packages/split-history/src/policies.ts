/**
 * Built-in policies, defined from an environment's exact laws alone. Each gives π(a|p) rows over
 * `env.actions` (docs/method.md#conventions: greedy ties go to the lowest action).
 */
import type { Environment, Policy, Task, Windows } from '@optimpact/core';
import { windowOf } from '@optimpact/core';
import { futureLaw, massOn } from './estimator.js';

function rows(env: Environment, windows: Windows, fill: (window: Int32Array, t: number, row: Float64Array) => void): Float64Array {
  const A = env.actions.length;
  const pi = new Float64Array(windows.n * A);
  for (let i = 0; i < windows.n; i++) fill(windowOf(windows, i), windows.positions[i]!, pi.subarray(i * A, (i + 1) * A));
  return pi;
}

/**
 * One-hot row at the first maximum of `score` (ties to the lowest action). Scores within 1e-12 count as
 * tied: sums of the same probabilities in another order differ in the last bits, and letting that
 * rounding pick the action would make the choice depend on the order of the good set.
 */
export function argmaxRow(score: ArrayLike<number>, row: Float64Array): void {
  let best = 0;
  for (let a = 1; a < row.length; a++) if (score[a]! > score[best]! + 1e-12) best = a;
  row.fill(0);
  row[best] = 1;
}

/** R[i·A + a] = P(F ∈ good | p_i, a): every action's success probability in every window, from the exact law. */
export function successRates(env: Environment, task: Task, windows: Windows): Float64Array {
  const A = env.actions.length,
    V = env.outcomes.length;
  const good = task.good.map((v) => env.outcomes.indexOf(v));
  const bad = good.findIndex((i) => i < 0);
  if (bad >= 0) throw new RangeError(`good outcome ${task.good[bad]} is not an outcome of ${env.name}`);
  const law = new Float64Array(A * V),
    R = new Float64Array(windows.n * A);
  // A scratch window rather than a view per context: this runs for every context measured.
  const L = windows.length,
    window = new Int32Array(L);
  for (let i = 0; i < windows.n; i++) {
    for (let k = 0; k < L; k++) window[k] = windows.tokens[i * L + k]!;
    env.outcomeLaw(window, law);
    for (let a = 0; a < A; a++) {
      let m = 0;
      for (const v of good) m += law[a * V + v]!;
      R[i * A + a] = m;
    }
  }
  return R;
}

/** The ideal greedy policy for `task`: the action maximizing P(F ∈ good | p, a). */
export function idealPolicy(env: Environment, task: Task): Policy {
  const A = env.actions.length;
  return {
    name: `ideal(${task.name})`,
    actionProbs: async (windows) => {
      const R = successRates(env, task, windows),
        pi = new Float64Array(windows.n * A);
      for (let i = 0; i < windows.n; i++) {
        // argmaxRow, inline: this runs for every context measured
        let best = 0;
        for (let a = 1; a < A; a++) if (R[i * A + a]! > R[i * A + best]! + 1e-12) best = a;
        pi[i * A + best] = 1;
      }
      return pi;
    },
  };
}

/** The uniformly random policy: π(a|p) = 1/|actions|. Its Op and Imp are 0 exactly. */
export function uniformPolicy(env: Environment): Policy {
  const A = env.actions.length;
  return { name: 'uniform', actionProbs: async (windows) => new Float64Array(windows.n * A).fill(1 / A) };
}

/** The policy that always emits `action`. */
export function fixedPolicy(env: Environment, action: number): Policy {
  const i = env.actions.indexOf(action);
  if (i < 0) throw new RangeError(`fixed action ${action} is not an action of ${env.name} (${env.actions.join(', ')})`);
  const A = env.actions.length;
  return {
    name: `fixed(${action})`,
    actionProbs: async (windows) => {
      const pi = new Float64Array(windows.n * A);
      for (let k = 0; k < windows.n; k++) pi[k * A + i] = 1;
      return pi;
    },
  };
}

/**
 * The generator as a policy: it emits its own next-token law at the action position, renormalized
 * over the actions. Its split-history Op is the self-optimization floor (≈ 0.03 nats; docs/method.md#the-study).
 */
export function generatorPolicy(env: Environment): Policy {
  const next = new Float64Array(env.vocabSize);
  return {
    name: 'generator',
    actionProbs: async (windows) =>
      rows(env, windows, (w, t, row) => {
        env.nextTokenLaw(w, t, next);
        let z = 0;
        env.actions.forEach((a, i) => {
          row[i] = next[a]!;
          z += next[a]!;
        });
        if (!(z > 0)) throw new Error(`the generator puts no mass on the actions at position ${t}`);
        for (let i = 0; i < row.length; i++) row[i]! /= z;
      }),
  };
}

/**
 * Success rate of the best constant action at the contexts `pool`, on the task whose good outcomes are
 * `good`: the right null for a success rate (docs/method.md#tasks), beside the chance rate f.
 */
export function bestConstant(env: Environment, pool: Windows, good: readonly number[]): number {
  const A = env.actions.length;
  let best = 0;
  for (let a = 0; a < A; a++) {
    const pi = new Float64Array(pool.n * A);
    for (let k = 0; k < pool.n; k++) pi[k * A + a] = 1;
    best = Math.max(best, massOn(env, futureLaw(env, pool, pi), good));
  }
  return best;
}
