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
   * Removes a leak of about (s − f)/N of the real future into the split history (in success rate). Off by default, as in the original.
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

/**
 * Throws one clear error, naming `policy`, the context and what is wrong, when a row of `pi` ([rows × actions])
 * is not a distribution over `actions`: an entry NaN, infinite or negative, or a sum off 1 by more than 1e-6
 * (rows are float64, a softmax or one-hot: off by about 1e-15). `first` is row 0's index among the contexts.
 * O(actions) a row, against the estimator's O(actions × outcomes).
 */
export function checkPolicyRows(pi: Float64Array, actions: readonly number[], policy: string, first = 0): void {
  const A = actions.length;
  for (let j = 0; j * A < pi.length; j++) {
    let sum = 0,
      bad = -1;
    for (let a = 0; a < A; a++) {
      const p = pi[j * A + a]!;
      if (bad < 0 && !(p >= 0 && p < Infinity)) bad = a;
      sum += p;
    }
    if (bad < 0 && Math.abs(sum - 1) <= 1e-6) continue;
    const what = bad >= 0 ? `π(${actions[bad]}) = ${pi[j * A + bad]}` : `it sums to ${sum}`;
    throw new Error(`policy ${policy}: its row at context ${first + j} is not a distribution over the ${A} actions: ${what}`);
  }
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

/** The environment's exact outcome laws at `windows` as a table [n × actions × outcomes], computed once for several uses. */
export function lawTable(env: Environment, windows: Windows): Float64Array {
  const AV = env.actions.length * env.outcomes.length,
    table = new Float64Array(windows.n * AV);
  // Scratch window and law rather than a view per context: this runs for every context measured.
  const L = windows.length,
    window = new Int32Array(L),
    law = new Float64Array(AV);
  for (let j = 0; j < windows.n; j++) {
    for (let i = 0; i < L; i++) window[i] = windows.tokens[j * L + i]!;
    env.outcomeLaw(window, law);
    table.set(law, j * AV);
  }
  return table;
}

/** Outcome laws read from a table [n × actions × outcomes] (e.g. a model's predictions). */
export function tableLaws(table: Float64Array, actions: number, outcomes: number): OutcomeLaws {
  return (j, out) => out.set(table.subarray(j * actions * outcomes, (j + 1) * actions * outcomes));
}

/**
 * The estimator's sums over contexts given in chunks, so its memory does not grow with N. Pass 1
 * (`add`) sums Q and R over every context; after `endPass1`, pass 2 sums H(Q'_k) and KL(Q ‖ Q'_k)
 * over the same contexts (`addSplit`), or over their distinct policy rows with their counts
 * (`addSplitRow`: Q'_k depends on p_k only through π(·|p_k), unless p_k is left out).
 */
export class SplitHistorySums {
  private readonly A: number;
  private readonly V: number;
  private n = 0;
  private readonly q: Float64Array;
  private readonly r: Float64Array;
  /** Σ_j P(F | p_j, a) before it becomes a mean: leaving p_k out subtracts from it, exactly 0 where p_k alone reaches an outcome. */
  private readonly rSum: Float64Array;
  private readonly law: Float64Array;
  /** Set by `endPass1`, with H(Q). */
  private pass1Over = false;
  private hq = 0;
  private k = 0;
  private hSum = 0;
  private klSum = 0;
  private readonly qk: Float64Array;
  private readonly qPrime: Float64Array;

  constructor(
    env: Environment,
    private readonly options: EstimatorOptions = {},
  ) {
    this.A = env.actions.length;
    this.V = env.outcomes.length;
    this.q = new Float64Array(this.V);
    this.r = new Float64Array(this.A * this.V);
    this.rSum = new Float64Array(this.A * this.V);
    this.law = new Float64Array(this.A * this.V);
    this.qk = new Float64Array(this.V);
    this.qPrime = new Float64Array(this.V);
  }

  /**
   * Pass 1: the policy rows `pi` ([count × actions]) of `count` contexts whose outcome laws are
   * `laws`, or read from a table [count × actions × outcomes] (no copy per context).
   */
  add(pi: Float64Array, laws: OutcomeLaws | Float64Array, count: number): void {
    const { A, V, q, r } = this;
    if (this.pass1Over) throw new Error('split history: pass 1 is over');
    if (pi.length !== count * A) throw new RangeError(`policy rows have ${pi.length} entries, expected ${count} × ${A}`);
    const table = laws instanceof Float64Array;
    const law = table ? laws : this.law;
    for (let j = 0; j < count; j++) {
      let at = 0;
      if (table) at = j * A * V;
      else laws(j, law);
      for (let i = 0; i < A * V; i++) r[i]! += law[at + i]!;
      for (let a = 0; a < A; a++) {
        const w = pi[j * A + a]!;
        if (w !== 0) for (let v = 0; v < V; v++) q[v]! += w * law[at + a * V + v]!;
      }
    }
    this.n += count;
  }

  /** Ends pass 1: Q and R become means. */
  endPass1(): void {
    const { A, V, q, r, n } = this;
    if (n < (this.options.excludeSelf ? 2 : 1)) throw new RangeError(`split history needs at least ${this.options.excludeSelf ? 2 : 1} contexts, got ${n}`);
    this.rSum.set(r);
    for (let i = 0; i < A * V; i++) r[i]! /= n;
    for (let v = 0; v < V; v++) q[v]! /= n;
    this.hq = entropy(q);
    this.pass1Over = true;
  }

  /** Contexts summed in pass 1 so far. */
  get contexts(): number {
    return this.n;
  }

  /** The real future's law Q (after pass 1). */
  get future(): Float64Array {
    return this.q;
  }

  /** Pass 2: the same contexts as pass 1, in any chunking. */
  addSplit(pi: Float64Array, laws: OutcomeLaws | Float64Array, count: number): void {
    const { A, V, r, rSum, law, qk, n } = this;
    const excludeSelf = this.options.excludeSelf === true;
    if (pi.length !== count * A) throw new RangeError(`policy rows have ${pi.length} entries, expected ${count} × ${A}`);
    for (let k = 0; k < count; k++) {
      qk.fill(0);
      if (excludeSelf) {
        if (laws instanceof Float64Array) law.set(laws.subarray(k * A * V, (k + 1) * A * V));
        else laws(k, law);
      }
      for (let a = 0; a < A; a++) {
        const w = pi[k * A + a]!;
        if (w === 0) continue;
        for (let v = 0; v < V; v++) {
          qk[v]! += excludeSelf ? (w * (rSum[a * V + v]! - law[a * V + v]!)) / (n - 1) : w * r[a * V + v]!;
        }
      }
      this.addQk(1);
    }
  }

  /** Pass 2: one policy row standing for `weight` contexts of pass 1 (not when p_k is left out). */
  addSplitRow(row: ArrayLike<number>, weight: number): void {
    const { A, V, r, qk } = this;
    if (this.options.excludeSelf) throw new Error('split history: leaving p_k out needs every context in pass 2');
    qk.fill(0);
    for (let a = 0; a < A; a++) {
      const w = row[a]!;
      if (w !== 0) for (let v = 0; v < V; v++) qk[v]! += w * r[a * V + v]!;
    }
    this.addQk(weight);
  }

  private addQk(weight: number): void {
    if (!this.pass1Over) throw new Error('split history: pass 2 before the end of pass 1');
    this.hSum += weight === 1 ? entropy(this.qk) : weight * entropy(this.qk);
    this.klSum += weight === 1 ? kl(this.q, this.qk) : weight * kl(this.q, this.qk);
    for (let v = 0; v < this.V; v++) this.qPrime[v]! += weight * this.qk[v]!;
    this.k += weight;
  }

  /** Op, Imp and the laws, once pass 2 has covered every context. */
  result(): SplitHistory {
    const { n, V, qPrime } = this;
    if (this.k !== n) throw new Error(`split history: pass 2 covered ${this.k} of ${n} contexts`);
    for (let v = 0; v < V; v++) qPrime[v]! /= n;
    return { n, op: this.hSum / n - this.hq, imp: this.klSum / n, q: this.q, qPrime };
  }
}

/**
 * Exact split-history Op and Imp of the policy rows `pi` ([n × actions], rows summing to 1) at
 * `windows`, in time and memory linear in n. `laws` defaults to the environment's exact outcome law.
 */
export function splitHistory(
  env: Environment,
  windows: Windows,
  pi: Float64Array,
  options: EstimatorOptions = {},
  laws: OutcomeLaws = exactLaws(env, windows),
): SplitHistory {
  checkPolicyRows(pi, env.actions, 'rows');
  const sums = new SplitHistorySums(env, options);
  sums.add(pi, laws, windows.n);
  sums.endPass1();
  sums.addSplit(pi, laws, windows.n);
  return sums.result();
}

/**
 * The distinct rows of a policy's π over the contexts seen so far, with how many contexts gave each,
 * up to `limit` rows: a built-in policy's rows take a few values, so pass 2 of the estimator can run
 * over them instead of over every context again.
 */
export class DistinctRows {
  private readonly rows: Float64Array[] = [];
  private readonly counts: number[] = [];
  private readonly byHash = new Map<number, number[]>();
  private full = false;

  constructor(
    private readonly A: number,
    private readonly limit = 4096,
  ) {}

  /** False once more than `limit` distinct rows were seen. */
  get complete(): boolean {
    return !this.full;
  }

  add(pi: Float64Array): void {
    const { A } = this;
    if (this.full) return;
    const bits = new Uint32Array(pi.buffer, pi.byteOffset, pi.length * 2);
    for (let k = 0; k < pi.length / A; k++) {
      let h = 0x811c9dc5;
      for (let i = 2 * k * A; i < 2 * (k + 1) * A; i++) h = Math.imul(h ^ bits[i]!, 0x01000193);
      const candidates = this.byHash.get(h);
      const found = candidates === undefined ? -1 : this.find(candidates, pi, k * A);
      if (found >= 0) {
        this.counts[found]! += 1;
        continue;
      }
      if (this.rows.length === this.limit) {
        this.full = true;
        return;
      }
      this.rows.push(pi.slice(k * A, (k + 1) * A));
      this.counts.push(1);
      if (candidates) candidates.push(this.rows.length - 1);
      else this.byHash.set(h, [this.rows.length - 1]);
    }
  }

  private find(candidates: readonly number[], pi: Float64Array, at: number): number {
    for (const c of candidates) {
      const row = this.rows[c]!;
      let same = true;
      for (let a = 0; a < this.A && same; a++) same = row[a] === pi[at + a];
      if (same) return c;
    }
    return -1;
  }

  forEach(f: (row: Float64Array, count: number) => void): void {
    this.rows.forEach((row, i) => f(row, this.counts[i]!));
  }
}

/** Q(v) = (1/N) Σ_j Σ_a π(a|p_j) P(F=v | p_j, a): the law of the future under the policy rows `pi`. */
export function futureLaw(env: Environment, windows: Windows, pi: Float64Array, laws: OutcomeLaws = exactLaws(env, windows)): Float64Array {
  const A = env.actions.length,
    V = env.outcomes.length,
    N = windows.n;
  if (pi.length !== N * A) throw new RangeError(`policy rows have ${pi.length} entries, expected ${N} × ${A}`);
  checkPolicyRows(pi, env.actions, 'rows');
  const law = new Float64Array(A * V),
    q = new Float64Array(V);
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
