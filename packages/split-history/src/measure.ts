/**
 * Repeated split-history measurement of a policy (docs/method.md#split-history): R repeats of N contexts drawn from a pool
 * of test windows, each reported as mean ± standard error over repeats, with the null baseline (the
 * policy's own rows shuffled across contexts: same action marginal, no use of the context) and
 * reference futures.
 */
import type { Environment, Estimate, Policy, Task, Windows } from '@optimpact/core';
import { deriveSeed, estimate, makeRng, sampleWindows } from '@optimpact/core';
import type { Undefined } from '@optimpact/impact-theory';
import { entropy, impMin, kl, opPred } from '@optimpact/impact-theory';
import * as E from 'fp-ts/lib/Either.js';
import type { EstimatorOptions } from './estimator.js';
import type { SplitHistory } from './estimator.js';
import { futureLaw, massOn, splitHistory, tableLaws } from './estimator.js';
import { splitHistoryMonteCarlo } from './monte-carlo.js';

/** Options of a repeated measurement. */
export interface MeasureOptions extends EstimatorOptions {
  /** Contexts per repeat (N). */
  readonly contexts: number;
  /** Independent repeats (R); the original used 10 × 200. */
  readonly repeats: number;
  /** Seed of the context draws and the null baseline's shuffles. */
  readonly seed: number;
  /** Reference policies for reference futures (fixed action, uniform, untrained or pretrained model…). */
  readonly references?: readonly Policy[];
  /** Also run the original's Monte-Carlo estimator (quadratic in N). */
  readonly monteCarlo?: boolean;
  /**
   * Self-evaluation (docs/method.md#self-evaluation): a model's predicted outcome laws at the same contexts, [n × actions ×
   * outcomes]; the same estimator then gives the self-estimated Op, Imp and success rates.
   */
  readonly selfLaws?: (windows: Windows) => Promise<Float64Array>;
}

/** An estimate that may be undefined at the edges (e.g. Imp_min when s' ∈ {0, 1}). */
export type MaybeEstimate = Estimate | Undefined;

/** Scores of one task: success rates in F and F', and the theory's predictions from them. */
export interface TaskScores {
  /** The task scored. */
  readonly task: Task;
  /** Chance rate f = |good| / |outcomes|. */
  readonly f: number;
  /** Success rate s = Q(G). */
  readonly s: Estimate;
  /** Success rate in the split history s' = mean_k Q'_k(G). */
  readonly sPrime: Estimate;
  /** Op_pred = KL_B(s ‖ f) from the pooled s (nats; standard error by jackknife over repeats). */
  readonly opPred: MaybeEstimate;
  /** Imp_min = KL_B(s ‖ s') from the pooled s and s' (nats; jackknife standard error). */
  readonly impMin: MaybeEstimate;
}

/** A reference future's measures. */
export interface ReferenceScores {
  /** The reference policy's name. */
  readonly name: string;
  /** `Op_ref = H(Q_ref) − H(Q)`, nats, mean ± s.e. over repeats. */
  readonly op: Estimate;
  /** `Imp_ref = KL(Q ‖ Q_ref)`, nats, mean ± s.e. over repeats. */
  readonly imp: Estimate;
}

/** What one repeat saw, so anyone can recompute it: the pool indices of its contexts and the policy's rows' argmax. */
export interface RepeatSample {
  /** Pool indices of the repeat's contexts. */
  readonly indices: Int32Array;
  /** Index into `env.actions` of each context's most probable action. */
  readonly actions: Int32Array;
}

/** A policy's repeated split-history measurement. */
export interface Measurement {
  /** The policy's name. */
  readonly policy: string;
  /** Contexts per repeat (N). */
  readonly contexts: number;
  /** Repeats (R). */
  readonly repeats: number;
  /** Seed of the context draws and shuffles. */
  readonly seed: number;
  /** Whether p_k was left out of its own split history. */
  readonly excludeSelf: boolean;
  /** Optimization, nats. */
  readonly op: Estimate;
  /** Impact, nats. */
  readonly imp: Estimate;
  /** Per task, keyed by its name. */
  readonly tasks: readonly TaskScores[];
  /** The same measures for the policy's rows shuffled across contexts. */
  readonly nullBaseline: { readonly op: Estimate; readonly imp: Estimate };
  /** One per reference policy, in the order given. */
  readonly references: readonly ReferenceScores[];
  /** The original's Monte-Carlo estimator's Op and Imp, when asked for. */
  readonly monteCarlo?: { readonly op: Estimate; readonly imp: Estimate };
  /** Self-estimated measures, when `selfLaws` was given. */
  readonly self?: { readonly op: Estimate; readonly imp: Estimate; readonly tasks: readonly TaskScores[] };
  /** What each repeat saw. */
  readonly samples: readonly RepeatSample[];
}

/** Jackknife over repeats of a statistic of the pooled per-repeat values. */
function jackknife(values: readonly (readonly number[])[], stat: (pooled: readonly number[]) => E.Either<Undefined, number>): MaybeEstimate {
  const R = values.length;
  const pool = (rows: readonly (readonly number[])[]): number[] => rows[0]!.map((_, c) => rows.reduce((a, r) => a + r[c]!, 0) / rows.length);
  const full = stat(pool(values));
  if (E.isLeft(full)) return full.left;
  if (R < 2) return { mean: full.right, se: Number.NaN, n: R };
  const loo: number[] = [];
  for (let i = 0; i < R; i++) {
    const e = stat(pool(values.filter((_, j) => j !== i)));
    if (E.isLeft(e)) return { mean: full.right, se: Number.NaN, n: R };
    loo.push(e.right);
  }
  const m = loo.reduce((a, x) => a + x, 0) / R;
  const se = Math.sqrt(((R - 1) / R) * loo.reduce((a, x) => a + (x - m) ** 2, 0));
  return { mean: full.right, se, n: R };
}

/** Rows of `pi` permuted across contexts by a seeded shuffle. */
function shuffleRows(pi: Float64Array, A: number, seed: number): Float64Array {
  const N = pi.length / A, rng = makeRng(seed), out = new Float64Array(pi.length);
  const perm = Int32Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const x = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = x;
  }
  perm.forEach((from, to) => out.set(pi.subarray(from * A, (from + 1) * A), to * A));
  return out;
}

function argmaxRows(pi: Float64Array, A: number): Int32Array {
  return Int32Array.from({ length: pi.length / A }, (_, k) => {
    let best = 0;
    for (let a = 1; a < A; a++) if (pi[k * A + a]! > pi[k * A + best]!) best = a;
    return best;
  });
}

/** Per-repeat Op, Imp and each task's (s, s') of one estimator, summarized over repeats. */
class Tally {
  readonly ops: number[] = [];
  readonly imps: number[] = [];
  readonly perTask: [number, number][][];
  constructor(private readonly env: Environment, private readonly tasks: readonly Task[]) {
    this.perTask = tasks.map(() => []);
  }
  add(m: SplitHistory): void {
    this.ops.push(m.op);
    this.imps.push(m.imp);
    this.tasks.forEach((task, i) => this.perTask[i]!.push([massOn(this.env, m.q, task.good), massOn(this.env, m.qPrime, task.good)]));
  }
  scores(): readonly TaskScores[] {
    return this.tasks.map((task, i) => {
      const rows = this.perTask[i]!;
      const f = task.good.length / this.env.outcomes.length;
      return {
        task,
        f,
        s: estimate(rows.map((x) => x[0])),
        sPrime: estimate(rows.map((x) => x[1])),
        opPred: jackknife(rows, ([s]) => E.right(opPred(s!, f))),
        impMin: jackknife(rows, ([s, sp]) => impMin(s!, sp!)),
      };
    });
  }
}

/**
 * Measures `policy` on `repeats` draws of `contexts` windows from `pool`; repeat r draws with
 * `deriveSeed(seed, 'repeat', r)`. Every task of `tasks` is scored from the same futures.
 */
export async function measurePolicy(env: Environment, policy: Policy, pool: Windows, tasks: readonly Task[], options: MeasureOptions): Promise<Measurement> {
  const { contexts: N, repeats: R, seed } = options;
  if (!(Number.isInteger(R) && R >= 1)) throw new RangeError(`repeats must be a positive integer, got ${R}`);
  const A = env.actions.length, V = env.outcomes.length;
  const real = new Tally(env, tasks), self = new Tally(env, tasks);
  const nullOps: number[] = [], nullImps: number[] = [], mcOps: number[] = [], mcImps: number[] = [];
  const refs = (options.references ?? []).map(() => ({ op: [] as number[], imp: [] as number[] }));
  const samples: RepeatSample[] = [];
  for (let r = 0; r < R; r++) {
    const { windows, indices } = sampleWindows(pool, N, makeRng(deriveSeed(seed, 'repeat', r)));
    const pi = await policy.actionProbs(windows);
    const m = splitHistory(env, windows, pi, options);
    real.add(m);
    const nul = splitHistory(env, windows, shuffleRows(pi, A, deriveSeed(seed, 'null', r)), options);
    nullOps.push(nul.op);
    nullImps.push(nul.imp);
    for (const [i, ref] of (options.references ?? []).entries()) {
      // Reference future (docs/method.md#reference-futures): Op_ref = H(Q_ref) − H(Q), Imp_ref = KL(Q ‖ Q_ref).
      const qRef = futureLaw(env, windows, await ref.actionProbs(windows));
      refs[i]!.op.push(entropy(qRef) - entropy(m.q));
      refs[i]!.imp.push(kl(m.q, qRef));
    }
    if (options.monteCarlo) {
      const mc = splitHistoryMonteCarlo(env, windows, pi, makeRng(deriveSeed(seed, 'monte-carlo', r)));
      mcOps.push(mc.op);
      mcImps.push(mc.imp);
    }
    if (options.selfLaws) self.add(splitHistory(env, windows, pi, options, tableLaws(await options.selfLaws(windows), A, V)));
    samples.push({ indices, actions: argmaxRows(pi, A) });
  }
  return {
    policy: policy.name,
    contexts: N,
    repeats: R,
    seed,
    excludeSelf: options.excludeSelf ?? false,
    op: estimate(real.ops),
    imp: estimate(real.imps),
    tasks: real.scores(),
    nullBaseline: { op: estimate(nullOps), imp: estimate(nullImps) },
    references: (options.references ?? []).map((ref, i) => ({ name: ref.name, op: estimate(refs[i]!.op), imp: estimate(refs[i]!.imp) })),
    ...(options.monteCarlo ? { monteCarlo: { op: estimate(mcOps), imp: estimate(mcImps) } } : {}),
    ...(options.selfLaws ? { self: { op: estimate(self.ops), imp: estimate(self.imps), tasks: self.scores() } } : {}),
    samples,
  };
}
