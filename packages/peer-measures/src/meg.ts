/**
 * Maximum-entropy goal-directedness (MEG; MacDermott, Fox, Belardinelli & Everitt, NeurIPS 2024) of a
 * one-decision policy, exact from the outcome law, in nats.
 *
 * With one decision per context, the maximum-entropy policies for a utility u are the soft-optimal
 * (Boltzmann) policies π_β(a|p) ∝ exp(β·Q_u(p, a)), Q_u(p, a) = Σ_v P(v|p, a)·u(v), and MEG is how much
 * better the best of them predicts the policy than the uniform one does:
 *
 *     MEG_u(π) = max_β mean_j Σ_a π(a|p_j)·[ln π_β(a|p_j) + ln |A|]
 *
 * The contexts p_j are the measured ones, each weighing 1/N (the paper's expectation over the policy's
 * own trajectories; here the context law is the data's, not the policy's).
 */
import * as E from 'fp-ts/lib/Either.js';
import { matrix, solveSpd } from '@optimpact/impact-theory';
import type { ContextLaws } from './laws.js';
import { expectedUtility } from './laws.js';

/** MEG for one known utility, with the β that attains it. */
export interface MegKnown {
  /** MEG_u(π), nats, ≥ 0 (β = 0 gives 0). */
  readonly meg: number;
  /** The maximising β; ±Infinity when the supremum is the greedy (or pessimal) limit. */
  readonly beta: number;
}

/** Options of {@link megKnownUtility}. */
export interface MegKnownOptions {
  /**
   * The range of β. `'any'` (default): β ∈ ℝ ∪ {±∞}, as in the paper, whose maximum-entropy set holds a
   * policy for every attainable expected utility — below the uniform policy's too (β < 0) — so a policy
   * that pessimises u is goal-directed with respect to u. `'nonnegative'`: β ≥ 0 only.
   */
  readonly beta?: 'any' | 'nonnegative';
}

/** Scores within this (relative) distance of the best count as tied in the β → ±∞ limit. */
const TIE = 1e-12;

/** mean_j Σ_a π_ja (β s_ja − lse_j(β s)) + ln A, and its first two derivatives in β. */
function profile(s: Float64Array, pi: Float64Array, n: number, A: number, beta: number): { l: number; d1: number; d2: number } {
  let l = 0,
    d1 = 0,
    d2 = 0;
  for (let j = 0; j < n; j++) {
    const o = j * A;
    let max = -Infinity;
    for (let a = 0; a < A; a++) max = Math.max(max, beta * s[o + a]!);
    let z = 0,
      m1 = 0,
      m2 = 0,
      ePi = 0,
      lPi = 0;
    for (let a = 0; a < A; a++) {
      const e = Math.exp(beta * s[o + a]! - max);
      z += e;
      m1 += e * s[o + a]!;
      m2 += e * s[o + a]! ** 2;
      ePi += pi[o + a]! * s[o + a]!;
    }
    const lse = max + Math.log(z);
    for (let a = 0; a < A; a++) if (pi[o + a]! > 0) lPi += pi[o + a]! * (beta * s[o + a]! - lse);
    m1 /= z;
    m2 /= z;
    l += lPi;
    d1 += ePi - m1;
    d2 -= Math.max(m2 - m1 * m1, 0);
  }
  return { l: l / n + Math.log(A), d1: d1 / n, d2: d2 / n };
}

/** The β → sign·∞ limit: π_β uniform over each context's best (sign +1) or worst (−1) actions. */
function limit(s: Float64Array, pi: Float64Array, n: number, A: number, sign: 1 | -1): number {
  let l = 0;
  for (let j = 0; j < n; j++) {
    const o = j * A;
    let best = sign * s[o]!;
    for (let a = 1; a < A; a++) best = Math.max(best, sign * s[o + a]!);
    let count = 0,
      outside = 0;
    for (let a = 0; a < A; a++) {
      if (sign * s[o + a]! >= best - TIE * Math.max(1, Math.abs(best))) count++;
      else outside += pi[o + a]!;
    }
    if (outside > 0) return -Infinity;
    l -= Math.log(count);
  }
  return l / n + Math.log(A);
}

/**
 * MEG of the policy rows `pi` ([n × A]) for the scores s_ja = Q(p_j, a): max over β of the mean
 * log-likelihood gain of π_β ∝ exp(β·s) over uniform. The log-likelihood is concave in β, with derivative
 * mean_j (E_π s − E_{π_β} s), so the maximiser is the root of that moment condition (safeguarded Newton
 * on a doubling bracket), or ±∞ when the limit policy explains π with finite likelihood.
 */
export function megOfScores(s: Float64Array, pi: Float64Array, n: number, A: number, options: MegKnownOptions = {}): MegKnown {
  if (s.length !== n * A || pi.length !== n * A) throw new RangeError(`scores and rows must be ${n} × ${A}`);
  const at0 = profile(s, pi, n, A, 0);
  const sign: 1 | -1 = at0.d1 > 0 ? 1 : -1;
  if (Math.abs(at0.d1) <= 1e-15 || (sign < 0 && options.beta === 'nonnegative')) return { meg: 0, beta: 0 };
  const atInfinity = limit(s, pi, n, A, sign);
  if (atInfinity > -Infinity) return { meg: Math.max(atInfinity, 0), beta: sign * Infinity };
  // Bracket the root of g(x) = sign·L'(sign·x), decreasing in x ≥ 0, then Newton with bisection fallback.
  let lo = 0,
    hi = 1;
  while (sign * profile(s, pi, n, A, sign * hi).d1 > 0) {
    lo = hi;
    hi *= 2;
    if (hi > 1e12) throw new Error(`megOfScores: no finite β found below ${hi}, though the β → ±∞ limit has zero likelihood`);
  }
  let x = 0.5 * (lo + hi);
  for (let it = 0; it < 200; it++) {
    const p = profile(s, pi, n, A, sign * x);
    const g = sign * p.d1;
    if (Math.abs(g) <= 1e-14) break;
    if (g > 0) lo = x;
    else hi = x;
    const newton = p.d2 < 0 ? x - g / p.d2 : Number.NaN;
    x = newton > lo && newton < hi ? newton : 0.5 * (lo + hi);
    if (hi - lo <= 1e-15 * hi) break;
  }
  return { meg: Math.max(profile(s, pi, n, A, sign * x).l, 0), beta: sign * x };
}

/**
 * MEG_u(π) for a known utility over outcomes `u` (e.g. a task's indicator of its good set), nats.
 *
 * @example
 * // the ideal greedy n_good = 2 policy: both good actions tie, so π_∞ halves between them: ln 4
 * megKnownUtility(laws, idealRows, [1, 1, 0, 0, 0, 0, 0, 0]) // { meg: 1.3863, beta: Infinity }
 */
export function megKnownUtility(laws: ContextLaws, pi: Float64Array, u: ArrayLike<number>, options: MegKnownOptions = {}): MegKnown {
  return megOfScores(expectedUtility(laws, u), pi, laws.n, laws.A, options);
}

/** MEG for the unknown utility over outcomes, with the utility w* it infers. */
export interface MegUnknown {
  /** MEG_F(π), nats: sup over w ∈ ℝ^|F| (the supremum may lie at infinity; see `converged`). */
  readonly meg: number;
  /** The maximiser w*, centred (Σ_v w_v = 0: adding a constant to w changes nothing); large when the supremum is at infinity. */
  readonly w: Float64Array;
  /** mean_j KL(π(·|p_j) ‖ uniform), nats: the most any MEG can be (reached iff π is itself soft-optimal for some w). */
  readonly klFromUniform: number;
  /** Largest |∂L/∂w_v| at the end: the moment mismatch max_v |Q_π(v) − Q_{π_w}(v)|. */
  readonly gradient: number;
  /** Newton iterations taken. */
  readonly iterations: number;
  /** The gradient fell below the tolerance. */
  readonly converged: boolean;
}

/** Options of {@link megUnknownUtility}. */
export interface MegUnknownOptions {
  /** Stop when max_v |∂L/∂w_v| is below this (default 1e-10). */
  readonly tolerance?: number;
  /** Newton iterations at most (default 300). */
  readonly maxIterations?: number;
}

/**
 * MEG_F(π) = sup over w ∈ ℝ^|F| of mean_j Σ_a π(a|p_j)·ln softmax_a(Σ_v P(v|p_j, a)·w_v) + ln |A|, nats:
 * goal-directedness with respect to the class of all utilities over the outcome F, a one-step maximum
 * causal entropy inverse RL. The objective is concave in w (a log-likelihood of an exponential family):
 * its gradient is the moment mismatch Q_π − Q_{π_w} (the laws of F under π and under π_w), its Hessian
 * minus the mean covariance of P(·|p_j, a) under π_w. Maximised by damped Newton with Armijo
 * backtracking; the damping also fixes the one flat direction (w + c·1).
 *
 * Own ~60 lines rather than a library: the problem is |F|-dimensional (8 here) with its Hessian in
 * closed form, Newton converges quadratically where it has a maximiser and follows the exponential tail
 * where the supremum is at infinity (a deterministic policy); npm's optimisers (fmin: Nelder–Mead and
 * conjugate gradient, no second order; numeric: BFGS, unmaintained since 2012) would do worse.
 * The linear solve is impact-theory's Cholesky.
 *
 * Since every w = β·u is a candidate, MEG_F(π) ≥ MEG_u(π) for every utility u (β of either sign).
 */
export function megUnknownUtility(laws: ContextLaws, pi: Float64Array, options: MegUnknownOptions = {}): MegUnknown {
  const { n, A, V, p } = laws;
  if (pi.length !== n * A) throw new RangeError(`policy rows have ${pi.length} entries, expected ${n} × ${A}`);
  const tol = options.tolerance ?? 1e-10,
    maxIt = options.maxIterations ?? 300;
  const q = new Float64Array(A),
    sig = new Float64Array(A),
    m = new Float64Array(V);
  const evaluate = (w: Float64Array, withHessian: boolean): { l: number; g: Float64Array; h: Float64Array } => {
    let l = 0;
    const g = new Float64Array(V),
      h = new Float64Array(withHessian ? V * V : 0);
    for (let j = 0; j < n; j++) {
      const o = j * A;
      let max = -Infinity;
      for (let a = 0; a < A; a++) {
        let s = 0;
        for (let v = 0; v < V; v++) s += p[(o + a) * V + v]! * w[v]!;
        q[a] = s;
        max = Math.max(max, s);
      }
      let z = 0;
      for (let a = 0; a < A; a++) z += sig[a] = Math.exp(q[a]! - max);
      const lse = max + Math.log(z);
      m.fill(0);
      for (let a = 0; a < A; a++) {
        sig[a]! /= z;
        const d = pi[o + a]! - sig[a]!;
        if (pi[o + a]! > 0) l += pi[o + a]! * (q[a]! - lse);
        for (let v = 0; v < V; v++) {
          const pv = p[(o + a) * V + v]!;
          g[v]! += d * pv;
          m[v]! += sig[a]! * pv;
        }
      }
      if (withHessian) {
        for (let a = 0; a < A; a++) {
          const s = sig[a]!;
          if (s === 0) continue;
          for (let v = 0; v < V; v++) {
            const pv = s * p[(o + a) * V + v]!;
            if (pv === 0) continue;
            for (let u = 0; u < V; u++) h[v * V + u]! += pv * p[(o + a) * V + u]!;
          }
        }
        for (let v = 0; v < V; v++) for (let u = 0; u < V; u++) h[v * V + u]! -= m[v]! * m[u]!;
      }
    }
    for (let v = 0; v < V; v++) g[v]! /= n;
    for (let i = 0; i < h.length; i++) h[i]! /= n;
    return { l: l / n + Math.log(A), g, h };
  };
  const norm = (g: Float64Array): number => g.reduce((x, y) => Math.max(x, Math.abs(y)), 0);

  let w = new Float64Array(V);
  let cur = evaluate(w, true);
  let it = 0;
  for (; it < maxIt && norm(cur.g) > tol; it++) {
    // Newton direction of the concave objective: (−∇² + λI) d = ∇, λ tiny against the curvature.
    let trace = 0;
    for (let v = 0; v < V; v++) trace += cur.h[v * V + v]!;
    const lambda = 1e-10 * (trace / V) + 1e-300;
    const a = matrix(V, V, cur.h);
    for (let v = 0; v < V; v++) a.data[v * V + v]! += lambda;
    const solved = solveSpd(a, matrix(V, 1, cur.g), 0);
    const d = E.isRight(solved) ? solved.right.data : Float64Array.from(cur.g); // gradient step if singular
    let slope = 0;
    for (let v = 0; v < V; v++) slope += d[v]! * cur.g[v]!;
    let t = 1,
      next = cur,
      trial = w;
    for (let k = 0; k < 60; k++, t /= 2) {
      trial = w.map((x, v) => x + t * d[v]!);
      next = evaluate(trial, false);
      if (next.l >= cur.l + 1e-4 * t * slope) break;
    }
    if (!(next.l > cur.l)) break; // no ascent left at double precision
    w = trial;
    cur = evaluate(w, true);
  }
  const mean = w.reduce((x, y) => x + y, 0) / V;
  let klu = 0;
  for (let i = 0; i < n * A; i++) if (pi[i]! > 0) klu += pi[i]! * Math.log(pi[i]! * A);
  return {
    meg: Math.max(cur.l, 0),
    w: w.map((x) => x - mean),
    klFromUniform: klu / n,
    gradient: norm(cur.g),
    iterations: it,
    converged: norm(cur.g) <= tol,
  };
}

/**
 * Objective identification by MEG: the candidate utility k minimising MEG_F − MEG_{u_k}, i.e. the one
 * explaining the most of the policy's goal-directedness over outcomes (first on ties). Returns its index.
 */
export function identifyByMeg(megF: number, megByCandidate: readonly number[]): number {
  if (megByCandidate.length === 0) throw new RangeError('identifyByMeg: no candidate');
  let best = 0;
  for (let k = 1; k < megByCandidate.length; k++) if (megF - megByCandidate[k]! < megF - megByCandidate[best]!) best = k;
  return best;
}
