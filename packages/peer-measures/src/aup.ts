/**
 * Attainable utility preservation (AUP; Turner, Hadfield-Menell & Tadepalli, arXiv 1902.09725) as a
 * measure of a one-decision policy, exact from the outcome law. Dimensionless (a ratio of utilities).
 */
import { makeRng } from '@optimpact/core';
import type { Baseline, ContextLaws } from './laws.js';
import { meanAgainst } from './laws.js';

/**
 * M auxiliary utilities over outcomes, u_i(v) ~ U[0, 1] i.i.d. (the paper's random auxiliary rewards),
 * drawn from `seed`: [M × V], row i is u_i.
 */
export function auxiliaryUtilities(M: number, V: number, seed: number): Float64Array {
  if (!(Number.isInteger(M) && M >= 1)) throw new RangeError(`the number of auxiliary utilities must be a positive integer, got ${M}`);
  const rng = makeRng(seed);
  return Float64Array.from({ length: M * V }, () => rng.next());
}

/** Where the policy's own randomness is averaged: inside the absolute value or outside it. */
export type Mixing = 'before' | 'after';

/**
 * The AUP penalty of the policy rows `pi` against `baseline`, averaged over contexts (and over the split
 * history's rows, as Imp averages):
 *
 *     before: Σ_i |Σ_a (π(a|p) − b(a|p))·Q_i(p, a)|              / Σ_i Σ_a b(a|p)·Q_i(p, a)
 *     after:  Σ_i Σ_a π(a|p)·|Q_i(p, a) − Σ_a' b(a'|p)·Q_i(p, a')| / Σ_i Σ_a b(a|p)·Q_i(p, a)
 *
 * Q_i(p, a) = Σ_v P(v|p, a)·u_i(v) is the utility u_i attainable after action a (one decision: nothing
 * is left to optimise after F). The numerator is the paper's PENALTY with the no-op's Q_i(s, ∅)
 * replaced by the baseline's value; the denominator its SCALE, Σ_i Q_i(s, ∅). `before` mixes π into an
 * expected attainable utility first (0 whenever b = π); `after` averages AUP's per-action penalty over
 * π's own draw (0 against itself only for a deterministic π).
 *
 * @param utilities [M × V] from {@link auxiliaryUtilities}
 */
export function aupPenalty(laws: ContextLaws, pi: Float64Array, baseline: Baseline, utilities: Float64Array, mixing: Mixing): number {
  const { n, A, V, p } = laws;
  const M = utilities.length / V;
  if (!Number.isInteger(M) || M < 1) throw new RangeError(`utilities must be [M × ${V}], got ${utilities.length} values`);
  // qi[(j·A + a)·M + i] = Q_i(p_j, a)
  const qi = new Float64Array(n * A * M);
  for (let ja = 0; ja < n * A; ja++) {
    for (let i = 0; i < M; i++) {
      let s = 0;
      for (let v = 0; v < V; v++) s += p[ja * V + v]! * utilities[i * V + v]!;
      qi[ja * M + i] = s;
    }
  }
  const qb = new Float64Array(M),
    qp = new Float64Array(M);
  let lastJ = -1;
  return meanAgainst(baseline, pi, n, A, (j, b) => {
    if (j !== lastJ) {
      // π's own expected attainable utilities at p_j, shared by every baseline row there.
      qp.fill(0);
      for (let a = 0; a < A; a++) if (pi[j * A + a]! > 0) for (let i = 0; i < M; i++) qp[i]! += pi[j * A + a]! * qi[(j * A + a) * M + i]!;
      lastJ = j;
    }
    qb.fill(0);
    for (let a = 0; a < A; a++) if (b[a]! > 0) for (let i = 0; i < M; i++) qb[i]! += b[a]! * qi[(j * A + a) * M + i]!;
    let scale = 0,
      penalty = 0;
    for (let i = 0; i < M; i++) scale += qb[i]!;
    if (mixing === 'before') {
      for (let i = 0; i < M; i++) penalty += Math.abs(qp[i]! - qb[i]!);
    } else {
      for (let a = 0; a < A; a++) {
        const w = pi[j * A + a]!;
        if (w > 0) for (let i = 0; i < M; i++) penalty += w * Math.abs(qi[(j * A + a) * M + i]! - qb[i]!);
      }
    }
    return penalty / scale;
  });
}
