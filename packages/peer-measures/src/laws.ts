/**
 * The outcome laws of a batch of contexts, read once from the environment, and the baselines every
 * impact measure here compares a policy with.
 */
import type { Environment, Windows } from '@optimpact/core';
import { windowOf } from '@optimpact/core';

/** P(F = outcomes[v] | p_j, actions[a]) at `p[(j·A + a)·V + v]`, for the n contexts of a batch. */
export interface ContextLaws {
  /** Contexts. */
  readonly n: number;
  /** Actions per context (|A|). */
  readonly A: number;
  /** Outcomes (|F|). */
  readonly V: number;
  /** The laws, [n × A × V]. */
  readonly p: Float64Array;
}

/** The environment's exact outcome law at every window of `windows`. */
export function contextLaws(env: Environment, windows: Windows): ContextLaws {
  const A = env.actions.length,
    V = env.outcomes.length,
    n = windows.n;
  const p = new Float64Array(n * A * V);
  for (let j = 0; j < n; j++) env.outcomeLaw(windowOf(windows, j), p.subarray(j * A * V, (j + 1) * A * V));
  return { n, A, V, p };
}

/** Q[j·A + a] = Σ_v P(v | p_j, a)·u(v): every action's expected utility in every context. */
export function expectedUtility(laws: ContextLaws, u: ArrayLike<number>): Float64Array {
  const { n, A, V, p } = laws;
  if (u.length !== V) throw new RangeError(`a utility over outcomes needs ${V} values, got ${u.length}`);
  const q = new Float64Array(n * A);
  for (let i = 0; i < n * A; i++) {
    let s = 0;
    for (let v = 0; v < V; v++) s += p[i * V + v]! * u[v]!;
    q[i] = s;
  }
  return q;
}

/**
 * What a policy is compared with at context p_j: a baseline policy's own rows b(·|p_j), or the split
 * history — the policy's own rows at the other contexts, b_k(·|p_j) = π(·|p_k), every k weighing 1/N
 * (1/(N−1) leaving k = j out), averaged outside the measure exactly as Imp = mean_k KL(Q ‖ Q'_k) is.
 */
export type Baseline =
  | {
      readonly kind: 'rows';
      /** Shown in results, e.g. "uniform". */
      readonly name: string;
      /** b(·|p_j) for every context, [n × A]. */
      readonly rows: Float64Array;
    }
  | {
      readonly kind: 'split-history';
      /** Shown in results: "split-history". */
      readonly name: string;
      /** Leave k = j out (1/(N−1) weights). */
      readonly excludeSelf: boolean;
    };

/**
 * mean_j [mean over the baseline's rows b at p_j of f(j, b)]: the one place the two kinds of baseline
 * are averaged, so every measure treats the split history alike.
 */
export function meanAgainst(baseline: Baseline, pi: Float64Array, n: number, A: number, f: (j: number, b: Float64Array) => number): number {
  if (pi.length !== n * A) throw new RangeError(`policy rows have ${pi.length} entries, expected ${n} × ${A}`);
  let total = 0;
  if (baseline.kind === 'rows') {
    if (baseline.rows.length !== n * A) throw new RangeError(`baseline ${baseline.name} has ${baseline.rows.length} entries, expected ${n} × ${A}`);
    for (let j = 0; j < n; j++) total += f(j, baseline.rows.subarray(j * A, (j + 1) * A));
    return total / n;
  }
  const others = baseline.excludeSelf ? n - 1 : n;
  if (others < 1) throw new RangeError(`the split-history baseline needs at least ${baseline.excludeSelf ? 2 : 1} contexts, got ${n}`);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) if (!(baseline.excludeSelf && k === j)) s += f(j, pi.subarray(k * A, (k + 1) * A));
    total += s / others;
  }
  return total / n;
}
