/**
 * The misalignment test bed: synthetic policies for the original study's four outcomes of training at
 * equal success, plus its 85:15 example, each measured by Op against Op_pred, Imp against Imp_min, MEG
 * and AUP — which measure sees which kind of misalignment.
 *
 * Each of the four is soft-optimal for a utility over outcomes, π(a|p) ∝ exp(β·Σ_v P(v|p, a)·w_v),
 * with a fixed shape w and β set so that the success rate on the task is `success` exactly (over the
 * pool, from the outcome law). For the task's good set G = {g1, g2, g3, g4}, failures {b1, …, b4}
 * (outcomes in their listed order):
 *   1. aligned            w = 1 on G, 0 off it: for successes and against failures, without bias;
 *   2. some successes     w = (1, 1, 0, 0 | −1, −1, −1, −1): against failures, for only g1, g2;
 *   3. some failures      w = (1, 1, 1, 1 | 0, 0, −1, −1): for successes, against only b3, b4;
 *   4. crossed            w = (2, 2, −1, −1 | 1, 1, −1, −1): for g1, g2 and b1, b2, against the rest.
 * The 85:15 example: outcome 2 with probability 0.85 and 3 with 0.15 (through the actions that reach
 * them) on a six-outcome task where 2 succeeds and 3 fails, at contexts where both can be reached.
 * And, apart from the comparison at equal success, a goal-blind policy whose action is a hash of the
 * whole context: as context-dependent as a goal-directed one, pursuing nothing.
 */
import type { Environment, Estimate, Policy, Task, Windows } from '@optimpact/core';
import { deriveSeed, selectWindows, windowOf } from '@optimpact/core';
import type { MaybeEstimate } from '@optimpact/split-history';
import { measurePolicy, uniformPolicy } from '@optimpact/split-history';
import { contextLaws, expectedUtility } from './laws.js';
import type { PeerMeasurement } from './measure.js';
import { measurePeers } from './measure.js';

/** One synthetic policy of the test bed. */
export interface TestbedCase {
  /** Short name, e.g. "crossed". */
  readonly name: string;
  /** What it optimises for and against. */
  readonly description: string;
  /** The task it is scored on. */
  readonly task: Task;
  /** The synthetic policy. */
  readonly policy: Policy;
  /** Contexts it is measured at. */
  readonly pool: Windows;
  /** Its utility over outcomes, when it is soft-optimal for one (β·shape). */
  readonly w?: readonly number[];
}

/** A case's measurements. */
export interface TestbedRow {
  /** The case's name. */
  readonly name: string;
  /** What it optimises for and against. */
  readonly description: string;
  /** The task's name. */
  readonly task: string;
  /** Chance rate f of the task. */
  readonly f: number;
  /** Success rate s on the task. */
  readonly s: Estimate;
  /** Success rate s' in the split history. */
  readonly sPrime: Estimate;
  /** Split-history Op, nats. */
  readonly op: Estimate;
  /** Op_pred = KL_B(s ‖ f), nats. */
  readonly opPred: MaybeEstimate;
  /** Split-history Imp, nats. */
  readonly imp: Estimate;
  /** Imp_min = KL_B(s ‖ s'), nats. */
  readonly impMin: MaybeEstimate;
  /** Op − Op_pred, nats (jackknife s.e. of the difference). */
  readonly excessOp: MaybeEstimate;
  /** Imp − Imp_min, nats (jackknife s.e. of the difference). */
  readonly excessImp: MaybeEstimate;
  /** The utility the case was built from, if any (w = β·shape). */
  readonly wTrue?: readonly number[];
  /** MEG, AUP and reachability on the same contexts. */
  readonly peers: PeerMeasurement;
}

/** Options of {@link misalignmentTestbed}. */
export interface TestbedOptions {
  /** Success rate of the four cases (default 0.75). */
  readonly success?: number;
  /** Contexts per repeat (fewer when the 85:15 case's pool is smaller). */
  readonly contexts: number;
  /** Repeats. */
  readonly repeats: number;
  /** Seed of the context draws. */
  readonly seed: number;
}

const SHAPES: readonly { name: string; description: string; shape: readonly number[] }[] = [
  { name: 'aligned', description: 'for successes and against failures, without bias', shape: [1, 1, 1, 1, 0, 0, 0, 0] },
  { name: 'some successes', description: 'against failures, for only some successes', shape: [1, 1, 0, 0, -1, -1, -1, -1] },
  { name: 'some failures', description: 'for successes, against only some failures', shape: [1, 1, 1, 1, 0, 0, -1, -1] },
  { name: 'crossed', description: 'for some failures and against some successes', shape: [2, 2, -1, -1, 1, 1, -1, -1] },
];

/** Soft-optimal rows π ∝ exp(Q_w) at every window of `pool`. */
function softRows(env: Environment, windows: Windows, w: readonly number[]): Float64Array {
  const q = expectedUtility(contextLaws(env, windows), w),
    A = env.actions.length,
    pi = new Float64Array(q.length);
  for (let j = 0; j < windows.n; j++) {
    let max = -Infinity,
      z = 0;
    for (let a = 0; a < A; a++) max = Math.max(max, q[j * A + a]!);
    for (let a = 0; a < A; a++) z += pi[j * A + a] = Math.exp(q[j * A + a]! - max);
    for (let a = 0; a < A; a++) pi[j * A + a]! /= z;
  }
  return pi;
}

/** The soft-optimal policy for the utility `w` over `env.outcomes`. */
export function softOptimalPolicy(env: Environment, name: string, w: readonly number[]): Policy {
  return { name, actionProbs: async (windows) => softRows(env, windows, w) };
}

/** Exact success rate of the rows `pi` on `task` over `windows`. */
function successOf(env: Environment, windows: Windows, pi: Float64Array, task: Task): number {
  const u = env.outcomes.map((v) => (task.good.includes(v) ? 1 : 0));
  const q = expectedUtility(contextLaws(env, windows), u);
  let s = 0;
  for (let i = 0; i < q.length; i++) s += pi[i]! * q[i]!;
  return s / windows.n;
}

/** The β > 0 at which the soft-optimal policy for β·shape succeeds at `target` on `task` (bisection). */
function calibrate(env: Environment, pool: Windows, task: Task, shape: readonly number[], target: number): number {
  const at = (beta: number): number =>
    successOf(
      env,
      pool,
      softRows(
        env,
        pool,
        shape.map((x) => beta * x),
      ),
      task,
    );
  let lo = 0,
    hi = 1;
  while (at(hi) < target) {
    lo = hi;
    hi *= 2;
    if (hi > 1e4) throw new RangeError(`shape [${shape.join(', ')}] cannot reach success ${target} on ${task.name}`);
  }
  for (let it = 0; it < 80; it++) {
    const mid = 0.5 * (lo + hi);
    if (at(mid) < target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * The test bed's cases on `env`, whose outcomes must be 8 (the shapes are over 8 outcomes), scored on
 * `task` (4 good outcomes) at `pool`; the 85:15 case on the task {0, 1, 2, 4, 5, 6} at the windows of
 * `pool` where some action reaches 2 and another 3 under the rule.
 */
export function misalignmentCases(env: Environment, task: Task, pool: Windows, success = 0.75): TestbedCase[] {
  const V = env.outcomes.length,
    A = env.actions.length;
  if (V !== 8 || task.good.length !== 4) throw new RangeError(`the test bed needs 8 outcomes and a task with 4 good ones, got ${V} and ${task.good.length}`);
  const order = [...task.good, ...env.outcomes.filter((v) => !task.good.includes(v))].map((v) => env.outcomes.indexOf(v));
  const cases: TestbedCase[] = SHAPES.map(({ name, description, shape }) => {
    const byOutcome = new Array<number>(V).fill(0);
    order.forEach((o, i) => (byOutcome[o] = shape[i]!));
    const beta = calibrate(env, pool, task, byOutcome, success);
    const w = byOutcome.map((x) => beta * x);
    return { name, description, task, policy: softOptimalPolicy(env, name, w), pool, w };
  });
  // 85:15: the most likely outcome of each action decides which action reaches 2 and which 3.
  const two = env.outcomes.indexOf(2),
    three = env.outcomes.indexOf(3);
  const law = new Float64Array(A * V),
    keep: number[] = [],
    reach: [number, number][] = [];
  for (let j = 0; j < pool.n; j++) {
    env.outcomeLaw(windowOf(pool, j), law);
    const to = (o: number): number => {
      let best = -1;
      for (let a = 0; a < A; a++) if (law[a * V + o]! > 0.5 && best < 0) best = a;
      return best;
    };
    const a2 = to(two),
      a3 = to(three);
    if (a2 >= 0 && a3 >= 0) {
      keep.push(j);
      reach.push([a2, a3]);
    }
  }
  const sub = selectWindows(pool, Int32Array.from(keep));
  const byWindow = new Map<string, [number, number]>(keep.map((_, i) => [windowOf(sub, i).join(','), reach[i]!]));
  const example: Policy = {
    name: '85:15',
    actionProbs: async (windows) => {
      const pi = new Float64Array(windows.n * A);
      for (let j = 0; j < windows.n; j++) {
        const r = byWindow.get(windowOf(windows, j).join(','));
        if (!r) throw new RangeError('the 85:15 policy acts only at the windows it was built for');
        pi[j * A + r[0]] = 0.85;
        pi[j * A + r[1]] = 0.15;
      }
      return pi;
    },
  };
  const sixTask: Task = { name: '2 succeeds, 3 fails (G = {0, 1, 2, 4, 5, 6})', nGood: 6, good: [0, 1, 2, 4, 5, 6] };
  cases.push({ name: '85:15', description: "the original's example: outcome 2 at 0.85, 3 at 0.15", task: sixTask, policy: example, pool: sub });
  const hash: Policy = {
    name: 'goal-blind',
    actionProbs: async (windows) => {
      const pi = new Float64Array(windows.n * A);
      for (let j = 0; j < windows.n; j++) pi[j * A + (deriveSeed(0, ...windowOf(windows, j)) % A)] = 1;
      return pi;
    },
  };
  cases.push({ name: 'goal-blind', description: 'the action a hash of the whole context: context-dependent, pursuing nothing', task, policy: hash, pool });
  return cases;
}

/**
 * Measures every case: split-history Op and Imp with Op_pred and Imp_min on the case's task, and the
 * peer measures (MEG for the case's task, AUP and reachability against the split history and the
 * uniform policy) on the same contexts.
 */
export async function misalignmentTestbed(env: Environment, task: Task, pool: Windows, options: TestbedOptions): Promise<TestbedRow[]> {
  const rows: TestbedRow[] = [];
  for (const c of misalignmentCases(env, task, pool, options.success)) {
    const opts = { contexts: Math.min(options.contexts, c.pool.n), repeats: options.repeats, seed: options.seed };
    const m = await measurePolicy(env, c.policy, c.pool, [c.task], opts);
    const peers = await measurePeers(env, c.policy, c.pool, [c.task], { ...opts, baselines: [uniformPolicy(env)], nextStep: false });
    const t = m.tasks[0]!;
    rows.push({
      name: c.name,
      description: c.description,
      task: c.task.name,
      f: t.f,
      s: t.s,
      sPrime: t.sPrime,
      op: m.op,
      opPred: t.opPred,
      imp: m.imp,
      impMin: t.impMin,
      excessOp: t.excessOp,
      excessImp: t.excessImp,
      ...(c.w ? { wTrue: c.w } : {}),
      peers,
    });
  }
  return rows;
}
