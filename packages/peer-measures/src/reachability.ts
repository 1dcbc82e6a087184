/**
 * Relative reachability (Krakovna et al., arXiv 1806.01186) and the change in next-step empowerment
 * (Klyubin, Polani & Nehaniv 2005) of a one-decision policy, exact from the environment's laws.
 */
import type { Environment, Windows } from '@optimpact/core';
import { windowOf } from '@optimpact/core';
import { CapacityCache } from './capacity.js';
import type { Baseline, ContextLaws } from './laws.js';
import { meanAgainst } from './laws.js';

/** (1/|X|)·Σ_x max(r_b(x) − r_π(x), 0) for per-action reachabilities `g` ([A × X] at `o`), rows b and π. */
function shortfall(g: Float64Array, o: number, X: number, A: number, pi: Float64Array, pj: number, b: Float64Array): number {
  let d = 0;
  for (let x = 0; x < X; x++) {
    let rb = 0,
      rp = 0;
    for (let a = 0; a < A; a++) {
      const r = g[o + a * X + x]!;
      rb += b[a]! * r;
      rp += pi[pj + a]! * r;
    }
    if (rb > rp) d += rb - rp;
  }
  return d / X;
}

/**
 * One-step relative reachability of the policy rows `pi` against `baseline`, averaged over contexts:
 *
 *     d_RR(p) = (1/|F|)·Σ_x max(P(F = x | p, b) − P(F = x | p, π), 0)
 *
 * with the reachability of outcome x taken as the probability that the step reaches it, and the
 * paper's truncation max(·, 0) (only losses of reachability count). Dimensionless, in [0, 1/|F|·…].
 */
export function relativeReachability(laws: ContextLaws, pi: Float64Array, baseline: Baseline): number {
  const { n, A, V, p } = laws;
  return meanAgainst(baseline, pi, n, A, (j, b) => shortfall(p, j * A * V, V, A, pi, j * A, b));
}

/**
 * What each first step leaves for the next decision, per context j and action a, averaged over the
 * outcome F (and any tokens before the next action position) under the exact law:
 * `reach[(j·A + a)·V + x]` = E[max_{a'} P(F' = x | h', a')], the best chance of reaching outcome x at
 * the next decision; `empowerment[j·A + a]` = E[C(h')], the capacity of the next decision's channel
 * a' → F', nats. h' is the history after the first step.
 */
export interface NextStep {
  /** Contexts. */
  readonly n: number;
  /** Actions per context. */
  readonly A: number;
  /** Outcomes. */
  readonly V: number;
  /** [n × A × V]: E[max_{a'} P(F' = x | h', a')] after action a at context j. */
  readonly reach: Float64Array;
  /** [n × A]: E[C(h')] after action a at context j, nats. */
  readonly empowerment: Float64Array;
}

/** Tokens drawn between the outcome and the next action position, at most (each multiplies the work by the vocabulary). */
const MAX_BETWEEN = 2;

/**
 * The {@link NextStep} tables of `windows` (each ending before an action position). The next action
 * position is found with `env.isActionPosition`; tokens before it are enumerated under
 * `env.nextTokenLaw` (at most {@link MAX_BETWEEN}).
 */
export function nextStep(env: Environment, windows: Windows, cache: CapacityCache = new CapacityCache()): NextStep {
  const A = env.actions.length,
    V = env.outcomes.length,
    L = windows.length,
    n = windows.n;
  const reach = new Float64Array(n * A * V),
    empowerment = new Float64Array(n * A);
  const law = new Float64Array(A * V),
    next = new Float64Array(A * V),
    tokenLaw = new Float64Array(env.vocabSize);
  // Adds weight × (reachabilities, capacity) of the decision at the end of `h` (the last L tokens before position t).
  const visit = (h: Int32Array, t: number, weight: number, o: number, depth: number): void => {
    if (env.isActionPosition(t)) {
      env.outcomeLaw(h.subarray(h.length - L), next);
      for (let x = 0; x < V; x++) {
        let best = 0;
        for (let a = 0; a < A; a++) best = Math.max(best, next[a * V + x]!);
        reach[o * V + x]! += weight * best;
      }
      empowerment[o]! += weight * cache.capacity(next, A, V);
      return;
    }
    if (depth >= MAX_BETWEEN) throw new RangeError(`nextStep: ${env.name} has more than ${MAX_BETWEEN} tokens between an outcome and the next action`);
    env.nextTokenLaw(h.subarray(h.length - L), t, tokenLaw);
    const longer = new Int32Array(h.length + 1);
    longer.set(h);
    for (let v = 0; v < env.vocabSize; v++) {
      if (tokenLaw[v]! === 0) continue;
      longer[h.length] = v;
      visit(longer.slice(), t + 1, weight * tokenLaw[v]!, o, depth + 1);
    }
  };
  const h = new Int32Array(L + 2);
  for (let j = 0; j < n; j++) {
    const t = windows.positions[j]!;
    h.set(windowOf(windows, j));
    env.outcomeLaw(windowOf(windows, j), law);
    for (let a = 0; a < A; a++) {
      h[L] = env.actions[a]!;
      for (let v = 0; v < V; v++) {
        const pf = law[a * V + v]!;
        if (pf === 0) continue;
        h[L + 1] = env.outcomes[v]!;
        visit(h, t + 2, pf, j * A + a, 0);
      }
    }
  }
  return { n, A, V, reach, empowerment };
}

/**
 * Two-step relative reachability against `baseline`: (1/|F|)·Σ_x max(R_b(x) − R_π(x), 0) with
 * R_π(x) = Σ_a π(a|p)·E[max_{a'} P(F' = x | h', a')] — which outcomes the next decision can still reach
 * after π's step, against after the baseline's (Krakovna et al.'s reachability of a state, undiscounted,
 * one decision ahead). Dimensionless.
 */
export function twoStepReachability(next: NextStep, pi: Float64Array, baseline: Baseline): number {
  const { n, A, V, reach } = next;
  return meanAgainst(baseline, pi, n, A, (j, b) => shortfall(reach, j * A * V, V, A, pi, j * A, b));
}

/**
 * Change in next-step empowerment, nats: Σ_a (π(a|p) − b(a|p))·E[C(h')], averaged over contexts —
 * positive when π's step leaves the next decision more control over its outcome than the baseline's.
 */
export function empowermentChange(next: NextStep, pi: Float64Array, baseline: Baseline): number {
  const { n, A, empowerment } = next;
  return meanAgainst(baseline, pi, n, A, (j, b) => {
    let d = 0;
    for (let a = 0; a < A; a++) d += (pi[j * A + a]! - b[a]!) * empowerment[j * A + a]!;
    return d;
  });
}

/** Next-step empowerment under π itself, nats: mean_j Σ_a π(a|p_j)·E[C(h')]. */
export function nextStepEmpowerment(next: NextStep, pi: Float64Array): number {
  const { n, A, empowerment } = next;
  let e = 0;
  for (let i = 0; i < n * A; i++) e += pi[i]! * empowerment[i]!;
  return e / n;
}
