/**
 * Repeated split-history measurement of a policy (docs/method.md#split-history): R repeats of N contexts, drawn from a
 * fixed test set or each from fresh sequences, each measure reported as mean ± standard error over
 * repeats, with the null baseline (the policy's own rows shuffled across contexts: same action
 * marginal, no use of the context) and reference futures.
 */
import type { Environment, Estimate, Policy, SeCovers, Task, Windows } from '@optimpact/core';
import { actionWindows, deriveSeed, estimate, makeRng, sampleWindows, sliceWindows } from '@optimpact/core';
import type { Undefined } from '@optimpact/impact-theory';
import { entropy, impMin, kl, opPred } from '@optimpact/impact-theory';
import * as E from 'fp-ts/lib/Either.js';
import type { EstimatorOptions, SplitHistory } from './estimator.js';
import { DistinctRows, SplitHistorySums, checkPolicyRows, lawTable, massOn } from './estimator.js';
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
  /** Excess optimization Op − Op_pred (nats; jackknife standard error of the difference, which Op's and Op_pred's alone do not give). */
  readonly excessOp: MaybeEstimate;
  /** Excess impact Imp − Imp_min (nats; jackknife standard error of the difference). */
  readonly excessImp: MaybeEstimate;
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
  /** What the standard errors cover. */
  readonly seCovers: SeCovers;
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
  /** Per repeat, for a fixed test set (empty for fresh contexts: the seed regenerates them). */
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
  const N = pi.length / A,
    rng = makeRng(seed),
    out = new Float64Array(pi.length);
  const perm = new Int32Array(N);
  for (let i = 0; i < N; i++) perm[i] = i;
  for (let i = N - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const x = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = x;
  }
  for (let to = 0; to < N; to++) for (let a = 0, from = perm[to]!; a < A; a++) out[to * A + a] = pi[from * A + a]!;
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
  constructor(
    private readonly env: Environment,
    private readonly tasks: readonly Task[],
  ) {
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
      // per repeat: s, s', Op, Imp
      const withMeasures = rows.map(([s, sp], r) => [s, sp, this.ops[r]!, this.imps[r]!]);
      return {
        task,
        f,
        s: estimate(rows.map((x) => x[0])),
        sPrime: estimate(rows.map((x) => x[1])),
        opPred: jackknife(rows, ([s]) => E.right(opPred(s!, f))),
        impMin: jackknife(rows, ([s, sp]) => impMin(s!, sp!)),
        excessOp: jackknife(withMeasures, ([s, , op]) => E.right(op! - opPred(s!, f))),
        excessImp: jackknife(withMeasures, ([s, sp, , imp]) => E.map((m: number) => imp! - m)(impMin(s!, sp!))),
      };
    });
  }
}

/**
 * Each repeat's contexts drawn afresh: the action windows of its own sequences of `sequenceLength`
 * tokens, sequence i of repeat r from the stream `deriveSeed(deriveSeed(seed, 'repeat', r), 'sequence', i)`.
 * Repeats are then independent draws of the whole measurement, so their spread covers the sampling
 * of contexts from the environment.
 */
export interface FreshContexts {
  readonly sequenceLength: number;
}

/** Where the repeats' contexts come from: a fixed test set (a pool of windows) or fresh sequences. */
export type ContextSource = Windows | FreshContexts;

/** Contexts per chunk: the memory of a measurement is bounded by this, not by N. */
export const CHUNK_CONTEXTS = 32_768;

/** The contexts of one repeat, chunk by chunk (a replayable, deterministic sequence). */
type Chunks = () => Iterable<{ windows: Windows; indices?: Int32Array }>;

/** Action windows per sequence, and sequences per chunk, of fresh contexts. */
function freshLayout(env: Environment, L: number): { perSequence: number; sequencesPerChunk: number } {
  const perSequence = actionWindows(env, [env.generate(L, makeRng(0))]).n;
  if (perSequence === 0) throw new RangeError(`sequences of ${L} tokens hold no action window of ${env.contextLength}`);
  return { perSequence, sequencesPerChunk: Math.max(1, Math.floor(CHUNK_CONTEXTS / perSequence)) };
}

/** The most contexts a repeat from `source` holds in one chunk: the Monte-Carlo estimator's limit. */
export function monteCarloLimit(env: Environment, source: ContextSource): number {
  if ('tokens' in source) return CHUNK_CONTEXTS;
  const { perSequence, sequencesPerChunk } = freshLayout(env, source.sequenceLength);
  return perSequence * sequencesPerChunk;
}

function repeatChunks(env: Environment, source: ContextSource, N: number, seed: number): Chunks {
  if ('tokens' in source) {
    const { windows, indices } = sampleWindows(source, N, makeRng(seed));
    return function* () {
      for (let from = 0; from < N; from += CHUNK_CONTEXTS) {
        const to = Math.min(N, from + CHUNK_CONTEXTS);
        yield { windows: sliceWindows(windows, from, to), indices: indices.subarray(from, to) };
      }
    };
  }
  const L = source.sequenceLength;
  const { sequencesPerChunk } = freshLayout(env, L);
  return function* () {
    for (let first = 0, done = 0; done < N; first += sequencesPerChunk) {
      const seqs = Array.from({ length: sequencesPerChunk }, (_, i) => env.generate(L, makeRng(deriveSeed(seed, 'sequence', first + i))));
      const all = actionWindows(env, seqs);
      const windows = sliceWindows(all, 0, Math.min(all.n, N - done));
      done += windows.n;
      yield { windows };
    }
  };
}

/** The first `n` contexts of a fresh repeat drawn with `seed` (as `measurePolicy` draws them). */
export function freshContexts(env: Environment, source: FreshContexts, n: number, seed: number): Windows {
  const parts = [...repeatChunks(env, source, n, seed)()].map((c) => c.windows);
  if (parts.length === 1) return parts[0]!;
  const L = env.contextLength,
    tokens = new Int32Array(n * L),
    positions = new Int32Array(n);
  let at = 0;
  for (const w of parts) {
    tokens.set(w.tokens, at * L);
    positions.set(w.positions, at);
    at += w.n;
  }
  return { tokens, positions, n, length: L };
}

function addFuture(q: Float64Array, pi: Float64Array, laws: Float64Array, count: number, A: number, V: number): void {
  for (let j = 0; j < count; j++) {
    for (let a = 0; a < A; a++) {
      const w = pi[j * A + a]!;
      if (w !== 0) for (let v = 0; v < V; v++) q[v]! += w * laws[(j * A + a) * V + v]!;
    }
  }
}

/**
 * Measures `policy` on `repeats` draws of `contexts` contexts from `source`; repeat r draws with
 * `deriveSeed(seed, 'repeat', r)`. Every task of `tasks` is scored from the same futures. Contexts
 * are processed in chunks of `CHUNK_CONTEXTS`, so memory does not grow with N (the null baseline
 * shuffles rows within each chunk).
 */
export async function measurePolicy(
  env: Environment,
  policy: Policy,
  source: ContextSource,
  tasks: readonly Task[],
  options: MeasureOptions,
): Promise<Measurement> {
  const { contexts: N, repeats: R, seed } = options;
  if (!(Number.isInteger(R) && R >= 1)) throw new RangeError(`repeats must be a positive integer, got ${R}`);
  if (options.monteCarlo && N > monteCarloLimit(env, source))
    throw new RangeError(`the Monte-Carlo estimator is quadratic in N: at most ${monteCarloLimit(env, source)} contexts, got ${N}`);
  const A = env.actions.length,
    V = env.outcomes.length;
  const fresh = !('tokens' in source);
  const real = new Tally(env, tasks),
    self = new Tally(env, tasks);
  const nullOps: number[] = [],
    nullImps: number[] = [],
    mcOps: number[] = [],
    mcImps: number[] = [];
  const refPolicies = options.references ?? [];
  const refs = refPolicies.map(() => ({ op: [] as number[], imp: [] as number[] }));
  const samples: RepeatSample[] = [];
  for (let r = 0; r < R; r++) {
    const chunks = repeatChunks(env, source, N, deriveSeed(seed, 'repeat', r));
    const sums = new SplitHistorySums(env, options),
      nul = new SplitHistorySums(env, options);
    const selfSums = options.selfLaws ? new SplitHistorySums(env, options) : undefined;
    const qRefs = refPolicies.map(() => new Float64Array(V));
    const distinct = new DistinctRows(A);
    const indices: Int32Array[] = [],
      actions: Int32Array[] = [];
    // One chunk's policy rows (checked where they enter: the null and self sums reuse them), shuffled rows and
    // self-estimated laws: computed again on a replay. `first` counts the contexts before the chunk.
    const evaluate = async (windows: Windows, c: number, first: number) => {
      const pi = await policy.actionProbs(windows);
      checkPolicyRows(pi, env.actions, policy.name, first);
      const nullPi = shuffleRows(pi, A, c === 0 ? deriveSeed(seed, 'null', r) : deriveSeed(seed, 'null', r, c));
      const selfTable = options.selfLaws ? await options.selfLaws(windows) : undefined;
      return { pi, nullPi, laws: lawTable(env, windows), selfLaws: selfTable };
    };
    let c = 0,
      only: (Awaited<ReturnType<typeof evaluate>> & { windows: Windows }) | undefined;
    for (const chunk of chunks()) {
      const { windows } = chunk,
        n = windows.n;
      const e = await evaluate(windows, c, sums.contexts);
      sums.add(e.pi, e.laws, n);
      nul.add(e.nullPi, e.laws, n);
      if (selfSums) selfSums.add(e.pi, e.selfLaws!, n);
      for (const [i, ref] of refPolicies.entries()) {
        const rows = await ref.actionProbs(windows);
        checkPolicyRows(rows, env.actions, `${ref.name} (a reference)`, sums.contexts - n);
        addFuture(qRefs[i]!, rows, e.laws, n, A, V);
      }
      distinct.add(e.pi);
      if (!fresh) {
        indices.push(chunk.indices!);
        actions.push(argmaxRows(e.pi, A));
      }
      only = c === 0 ? { ...e, windows } : undefined;
      c++;
    }
    for (const s of [sums, nul, selfSums]) s?.endPass1();
    if (only) {
      // Everything still in memory: pass 2 over every context, in order.
      sums.addSplit(only.pi, only.laws, N);
      nul.addSplit(only.nullPi, only.laws, N);
      selfSums?.addSplit(only.pi, only.selfLaws!, N);
    } else if (distinct.complete && !options.excludeSelf) {
      // Q'_k depends on p_k only through its row; the shuffled rows are the same rows.
      distinct.forEach((row, count) => [sums, nul, selfSums].forEach((s) => s?.addSplitRow(row, count)));
    } else {
      c = 0;
      let first = 0;
      for (const { windows } of chunks()) {
        const e = await evaluate(windows, c++, first);
        first += windows.n;
        sums.addSplit(e.pi, e.laws, windows.n);
        nul.addSplit(e.nullPi, e.laws, windows.n);
        selfSums?.addSplit(e.pi, e.selfLaws!, windows.n);
      }
    }
    const m = sums.result();
    real.add(m);
    const nm = nul.result();
    nullOps.push(nm.op);
    nullImps.push(nm.imp);
    qRefs.forEach((qRef, i) => {
      // Reference future (docs/method.md#reference-futures): Op_ref = H(Q_ref) − H(Q), Imp_ref = KL(Q ‖ Q_ref).
      for (let v = 0; v < V; v++) qRef[v]! /= N;
      refs[i]!.op.push(entropy(qRef) - entropy(m.q));
      refs[i]!.imp.push(kl(m.q, qRef));
    });
    if (options.monteCarlo) {
      const mc = splitHistoryMonteCarlo(env, only!.windows, only!.pi, makeRng(deriveSeed(seed, 'monte-carlo', r)));
      mcOps.push(mc.op);
      mcImps.push(mc.imp);
    }
    if (selfSums) self.add(selfSums.result());
    if (!fresh) samples.push({ indices: concat(indices), actions: concat(actions) });
  }
  return {
    policy: policy.name,
    contexts: N,
    repeats: R,
    seed,
    excludeSelf: options.excludeSelf ?? false,
    seCovers: fresh ? 'context sampling' : 'repeats within the fixed test set',
    op: estimate(real.ops),
    imp: estimate(real.imps),
    tasks: real.scores(),
    nullBaseline: { op: estimate(nullOps), imp: estimate(nullImps) },
    references: refPolicies.map((ref, i) => ({ name: ref.name, op: estimate(refs[i]!.op), imp: estimate(refs[i]!.imp) })),
    ...(options.monteCarlo ? { monteCarlo: { op: estimate(mcOps), imp: estimate(mcImps) } } : {}),
    ...(options.selfLaws ? { self: { op: estimate(self.ops), imp: estimate(self.imps), tasks: self.scores() } } : {}),
    samples,
  };
}

function concat(parts: readonly Int32Array[]): Int32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Int32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
