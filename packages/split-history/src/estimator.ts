/**
 * The split-history estimator (docs/method.md#split-history), exact in the environment noise and linear in N.
 *
 *     Q(v)    = (1/N) Σ_j Σ_a π(a|p_j) P(F=v | p_j, a)          real future F
 *     Q'_k(v) = Σ_a π(a|p_k) R_a(v),  R_a(v) = (1/N) Σ_j P(F=v | p_j, a)      split history F'
 *     Op  = mean_k H(Q'_k) − H(Q)        Imp = mean_k KL(Q ‖ Q'_k)        (nats)
 *
 * `Q'_k` depends on p_k only through π(·|p_k), so one pass builds Q and R, a second averages over k.
 */
import type { Environment, Windows } from '@optimpact/core';
import { windowOf } from '@optimpact/core';
import { entropy, kl } from '@optimpact/impact-theory';

/** Options of the exact estimator. */
export interface EstimatorOptions {
  /**
   * Leave p_k out of its own split history: Q'_k = Σ_a π(a|p_k) (N·R_a − P(·|p_k, a)) / (N − 1).
   * Removes a leak of about (s − f)/N nats. Off by default, as in the original.
   */
  readonly excludeSelf?: boolean;
}

/** One split-history measurement over N contexts. */
export interface SplitHistory {
  /** Contexts N. */
  readonly n: number;
  /** Optimization mean_k H(Q'_k) − H(Q), nats; keeps its sign. */
  readonly op: number;
  /** Impact mean_k KL(Q ‖ Q'_k), nats, ≥ 0. */
  readonly imp: number;
  /** Distribution of the real future F over `env.outcomes`. */
  readonly q: Float64Array;
  /** mean_k Q'_k: the success rate in F' of any good set is its mass here. */
  readonly qPrime: Float64Array;
}

/** Mass of `dist` (over `env.outcomes`) on the outcome tokens `good`. */
export function massOn(env: Environment, dist: ArrayLike<number>, good: readonly number[]): number {
  let m = 0;
  for (const v of good) {
    const i = env.outcomes.indexOf(v);
    if (i < 0) throw new RangeError(`good outcome ${v} is not an outcome of ${env.name}`);
    m += dist[i]!;
  }
  return m;
}

/**
 * The outcome law of context j for every action: writes P(F = outcomes[v] | p_j, actions[a]) into
 * `out[a·V + v]`. The environment's exact law, or a model's prediction of it (self-evaluation, docs/method.md#self-evaluation).
 */
export type OutcomeLaws = (j: number, out: Float64Array) => void;

/** The environment's exact outcome laws at `windows`. */
export function exactLaws(env: Environment, windows: Windows): OutcomeLaws {
  return (j, out) => env.outcomeLaw(windowOf(windows, j), out);
}

/** Outcome laws read from a table [n × actions × outcomes] (e.g. a model's predictions). */
export function tableLaws(table: Float64Array, actions: number, outcomes: number): OutcomeLaws {
  return (j, out) => out.set(table.subarray(j * actions * outcomes, (j + 1) * actions * outcomes));
}

/**
 * Exact split-history Op and Imp of the policy rows `pi` ([n × actions], rows summing to 1) at
 * `windows`, in time and memory linear in n. `laws` defaults to the environment's exact outcome law.
 */
export function splitHistory(env: Environment, windows: Windows, pi: Float64Array, options: EstimatorOptions = {}, laws: OutcomeLaws = exactLaws(env, windows)): SplitHistory {
  const A = env.actions.length, V = env.outcomes.length, N = windows.n;
  if (pi.length !== N * A) throw new RangeError(`policy rows have ${pi.length} entries, expected ${N} × ${A}`);
  if (N < (options.excludeSelf ? 2 : 1)) throw new RangeError(`split history needs at least ${options.excludeSelf ? 2 : 1} contexts, got ${N}`);
  const law = new Float64Array(A * V);
  const q = new Float64Array(V), r = new Float64Array(A * V);
  for (let j = 0; j < N; j++) {
    laws(j, law);
    for (let a = 0; a < A; a++) {
      const w = pi[j * A + a]!;
      for (let v = 0; v < V; v++) {
        const p = law[a * V + v]!;
        r[a * V + v]! += p;
        q[v]! += w * p;
      }
    }
  }
  for (let i = 0; i < A * V; i++) r[i]! /= N;
  for (let v = 0; v < V; v++) q[v]! /= N;

  const hq = entropy(q);
  const qk = new Float64Array(V), qPrime = new Float64Array(V);
  let hSum = 0, klSum = 0;
  for (let k = 0; k < N; k++) {
    qk.fill(0);
    if (options.excludeSelf) laws(k, law);
    for (let a = 0; a < A; a++) {
      const w = pi[k * A + a]!;
      if (w === 0) continue;
      for (let v = 0; v < V; v++) {
        qk[v]! += options.excludeSelf ? (w * (N * r[a * V + v]! - law[a * V + v]!)) / (N - 1) : w * r[a * V + v]!;
      }
    }
    hSum += entropy(qk);
    klSum += kl(q, qk);
    for (let v = 0; v < V; v++) qPrime[v]! += qk[v]!;
  }
  for (let v = 0; v < V; v++) qPrime[v]! /= N;
  return { n: N, op: hSum / N - hq, imp: klSum / N, q, qPrime };
}

/** Q(v) = (1/N) Σ_j Σ_a π(a|p_j) P(F=v | p_j, a): the law of the future under the policy rows `pi`. */
export function futureLaw(env: Environment, windows: Windows, pi: Float64Array, laws: OutcomeLaws = exactLaws(env, windows)): Float64Array {
  const A = env.actions.length, V = env.outcomes.length, N = windows.n;
  if (pi.length !== N * A) throw new RangeError(`policy rows have ${pi.length} entries, expected ${N} × ${A}`);
  const law = new Float64Array(A * V), q = new Float64Array(V);
  for (let j = 0; j < N; j++) {
    laws(j, law);
    for (let a = 0; a < A; a++) {
      const w = pi[j * A + a]!;
      if (w !== 0) for (let v = 0; v < V; v++) q[v]! += w * law[a * V + v]!;
    }
  }
  for (let v = 0; v < V; v++) q[v]! /= N;
  return q;
}
