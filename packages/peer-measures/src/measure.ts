/**
 * Every peer measure of a policy, repeated over the same context draws as the split-history measurement
 * (`measurePolicy` of `@optimpact/split-history`): repeat r takes N windows of the pool with
 * `deriveSeed(seed, 'repeat', r)`, so with the same pool and seed the two see identical contexts.
 */
import type { Environment, Estimate, PeerMeasurementJson, Policy, Task, Windows } from '@optimpact/core';
import { deriveSeed, estimate, estimateJson, makeRng, sampleWindows } from '@optimpact/core';
import { auxiliaryUtilities, aupPenalty } from './aup.js';
import { CapacityCache } from './capacity.js';
import type { Baseline } from './laws.js';
import { contextLaws } from './laws.js';
import { identifyByMeg, megKnownUtility, megUnknownUtility } from './meg.js';
import { empowermentChange, nextStep, nextStepEmpowerment, relativeReachability, twoStepReachability } from './reachability.js';

/** Options of {@link measurePeers}. */
export interface PeerOptions {
  /** Contexts per repeat (N), as in the split-history measurement. */
  readonly contexts: number;
  /** Independent draws of contexts (R). */
  readonly repeats: number;
  /** Seed of the context draws: the split-history measurement's seed gives its contexts. */
  readonly seed: number;
  /** Baseline policies for AUP and reachability (uniform, generator, pretrained model…), besides the split history. */
  readonly baselines?: readonly Policy[];
  /** Also compare with the split history (the policy's own rows at the other contexts). Default true. */
  readonly splitHistory?: boolean;
  /** Leave k = j out of the split history, as the split-history option of the same name. */
  readonly excludeSelf?: boolean;
  /** Number M of AUP's auxiliary utilities (default 32). */
  readonly auxiliary?: number;
  /** Seed of the auxiliary utilities (default 0): one fixed set, so every model faces the same utilities. */
  readonly auxiliarySeed?: number;
  /** Compute the two-step reachability and the empowerment change (default true). */
  readonly nextStep?: boolean;
}

/** MEG with respect to one task's indicator utility. */
export interface TaskMeg {
  /** The task whose good set is the utility (1 on it, 0 off it). */
  readonly task: Task;
  /** MEG_{G_k}, nats (β ∈ ℝ ∪ {±∞}). */
  readonly meg: Estimate;
  /** MEG_F − MEG_{G_k}, nats: goal-directedness over outcomes that the task does not explain. */
  readonly gap: Estimate;
  /** Median over repeats of the maximising β (±Infinity at the greedy/pessimal limit). */
  readonly beta: number;
}

/** The impact measures against one baseline. */
export interface BaselineScores {
  /** The baseline: "split-history" or a baseline policy's name. */
  readonly name: string;
  /** AUP penalty, dimensionless, π mixed before the absolute value. */
  readonly aupBefore: Estimate;
  /** AUP penalty, dimensionless, π mixed after the absolute value (AUP's per-action penalty averaged over π). */
  readonly aupAfter: Estimate;
  /** One-step relative reachability (dimensionless). */
  readonly rr: Estimate;
  /** Two-step relative reachability (dimensionless). */
  readonly rr2?: Estimate;
  /** Change in next-step empowerment under π against the baseline, nats. */
  readonly empowermentChange?: Estimate;
}

/** A policy's peer measures: mean ± standard error over repeats. */
export interface PeerMeasurement {
  /** The policy's name. */
  readonly policy: string;
  /** Contexts per repeat. */
  readonly contexts: number;
  /** Repeats. */
  readonly repeats: number;
  /** Seed of the context draws. */
  readonly seed: number;
  /** MEG_F, nats. */
  readonly megF: Estimate;
  /** w*, the utility over outcomes MEG_F infers, centred, averaged over repeats (one value per outcome). */
  readonly w: readonly number[];
  /** mean_j KL(π ‖ uniform), nats: the ceiling of every MEG. */
  readonly klFromUniform: Estimate;
  /** Every repeat's Newton solve reached its gradient tolerance. */
  readonly converged: boolean;
  /** MEG of each task's indicator utility. */
  readonly tasks: readonly TaskMeg[];
  /** The task identified by MEG (largest mean MEG_{G_k}, i.e. smallest gap). */
  readonly identified: string;
  /** Next-step empowerment under π, nats. */
  readonly empowerment?: Estimate;
  /** The impact measures against each baseline, the split history first. */
  readonly baselines: readonly BaselineScores[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : s[m - 1] === s[m] ? s[m]! : 0.5 * (s[m - 1]! + s[m]!);
}

/** The indicator of a task's good set over `env.outcomes`. */
export function taskUtility(env: Environment, task: Task): Float64Array {
  return Float64Array.from(env.outcomes, (v) => (task.good.includes(v) ? 1 : 0));
}

/**
 * Measures `policy` with every peer measure on `repeats` draws of `contexts` windows from `pool`.
 * MEG is computed for every task of `tasks`; AUP, relative reachability and the empowerment change
 * against the split history (unless turned off) and each of `baselines`.
 */
export async function measurePeers(env: Environment, policy: Policy, pool: Windows, tasks: readonly Task[], options: PeerOptions): Promise<PeerMeasurement> {
  const { contexts: N, repeats: R, seed } = options;
  if (!(Number.isInteger(R) && R >= 1)) throw new RangeError(`repeats must be a positive integer, got ${R}`);
  if (tasks.length === 0) throw new RangeError('measurePeers needs at least one task');
  const V = env.outcomes.length;
  const utilities = auxiliaryUtilities(options.auxiliary ?? 32, V, options.auxiliarySeed ?? 0);
  const withNext = options.nextStep ?? true;
  const cache = new CapacityCache();
  const names = [...((options.splitHistory ?? true) ? ['split-history'] : []), ...(options.baselines ?? []).map((b) => b.name)];
  const per = names.map(() => ({ before: [] as number[], after: [] as number[], rr: [] as number[], rr2: [] as number[], emp: [] as number[] }));
  const megF: number[] = [],
    klu: number[] = [],
    emp: number[] = [],
    wSum = new Float64Array(V);
  const megT = tasks.map(() => ({ meg: [] as number[], gap: [] as number[], beta: [] as number[] }));
  let converged = true;
  for (let r = 0; r < R; r++) {
    const { windows } = sampleWindows(pool, N, makeRng(deriveSeed(seed, 'repeat', r)));
    const pi = await policy.actionProbs(windows);
    const laws = contextLaws(env, windows);
    const f = megUnknownUtility(laws, pi);
    converged &&= f.converged;
    megF.push(f.meg);
    klu.push(f.klFromUniform);
    f.w.forEach((x, v) => (wSum[v]! += x / R));
    tasks.forEach((task, k) => {
      const m = megKnownUtility(laws, pi, taskUtility(env, task));
      megT[k]!.meg.push(m.meg);
      megT[k]!.gap.push(f.meg - m.meg);
      megT[k]!.beta.push(m.beta);
    });
    const baselines: Baseline[] = [
      ...((options.splitHistory ?? true) ? [{ kind: 'split-history', name: 'split-history', excludeSelf: options.excludeSelf ?? false } as const] : []),
      ...(await Promise.all((options.baselines ?? []).map(async (b) => ({ kind: 'rows', name: b.name, rows: await b.actionProbs(windows) }) as const))),
    ];
    const next = withNext ? nextStep(env, windows, cache) : undefined;
    if (next) emp.push(nextStepEmpowerment(next, pi));
    baselines.forEach((b, i) => {
      per[i]!.before.push(aupPenalty(laws, pi, b, utilities, 'before'));
      per[i]!.after.push(aupPenalty(laws, pi, b, utilities, 'after'));
      per[i]!.rr.push(relativeReachability(laws, pi, b));
      if (next) {
        per[i]!.rr2.push(twoStepReachability(next, pi, b));
        per[i]!.emp.push(empowermentChange(next, pi, b));
      }
    });
  }
  const taskMegs = tasks.map((task, k) => ({ task, meg: estimate(megT[k]!.meg), gap: estimate(megT[k]!.gap), beta: median(megT[k]!.beta) }));
  const fMean = estimate(megF);
  return {
    policy: policy.name,
    contexts: N,
    repeats: R,
    seed,
    megF: fMean,
    w: Array.from(wSum),
    klFromUniform: estimate(klu),
    converged,
    tasks: taskMegs,
    identified:
      tasks[
        identifyByMeg(
          fMean.mean,
          taskMegs.map((t) => t.meg.mean),
        )
      ]!.name,
    ...(withNext ? { empowerment: estimate(emp) } : {}),
    baselines: names.map((name, i) => ({
      name,
      aupBefore: estimate(per[i]!.before),
      aupAfter: estimate(per[i]!.after),
      rr: estimate(per[i]!.rr),
      ...(withNext ? { rr2: estimate(per[i]!.rr2), empowermentChange: estimate(per[i]!.emp) } : {}),
    })),
  };
}

/** A measurement as its record (`PeerMeasurementJson` of `@optimpact/core`): standard errors null with one repeat, an infinite β as "inf"/"-inf". */
export function peerMeasurementJson(m: PeerMeasurement): PeerMeasurementJson {
  return {
    contexts: m.contexts,
    repeats: m.repeats,
    seed: m.seed,
    megF: estimateJson(m.megF),
    w: [...m.w],
    klFromUniform: estimateJson(m.klFromUniform),
    converged: m.converged,
    tasks: m.tasks.map((t) => ({
      nGood: t.task.nGood,
      meg: estimateJson(t.meg),
      gap: estimateJson(t.gap),
      beta: t.beta === Infinity ? 'inf' : t.beta === -Infinity ? '-inf' : t.beta,
    })),
    identifiedTask: m.tasks.find((t) => t.task.name === m.identified)!.task.nGood,
    baselines: m.baselines.map((b) => ({
      name: b.name,
      aupBefore: estimateJson(b.aupBefore),
      aupAfter: estimateJson(b.aupAfter),
      rr: estimateJson(b.rr),
      ...(b.rr2 ? { rr2: estimateJson(b.rr2) } : {}),
      ...(b.empowermentChange ? { empowermentChange: estimateJson(b.empowermentChange) } : {}),
    })),
    ...(m.empowerment ? { empowerment: estimateJson(m.empowerment) } : {}),
  };
}
