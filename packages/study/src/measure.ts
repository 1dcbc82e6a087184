/**
 * `optimpact measure`'s work: the policies it names, split-history Op and Imp with the task's success rates, the
 * theory's predictions, the null baseline and reference futures, the peer measures, and its table and JSON.
 */
import type { Environment, Estimate, Policy, Task } from '@optimpact/core';
import { actionWindowPool, deriveSeed, estimateJson, modelPolicy, seCoversText } from '@optimpact/core';
import type { PeerMeasurement } from '@optimpact/peer-measures';
import { measurePeers } from '@optimpact/peer-measures';
import type { FreshContexts, MaybeEstimate, Measurement } from '@optimpact/split-history';
import { CHUNK_CONTEXTS, fixedPolicy, freshContexts, generatorPolicy, idealPolicy, measurePolicy, uniformPolicy } from '@optimpact/split-history';
import type { OutcomeFit } from '@optimpact/self-eval';
import { outcomeFit, predictedOutcomeLaws } from '@optimpact/self-eval';
import type { BackendName, Transformer } from '@optimpact/transformer';
import { asPredictor } from '@optimpact/transformer';
import * as E from 'fp-ts/lib/Either.js';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';
import { BUILT_IN } from './flags.js';
import { environmentMisfit, loadModelDir } from './models.js';

export const REFERENCES = ['split', 'fixed', 'uniform'];

/** The measures `--measures` may name: split history (op, imp) and the peer measures (meg, aup, rr: relative reachability and empowerment). */
export const MEASURES = ['op', 'imp', 'meg', 'aup', 'rr'] as const;
export type MeasureName = (typeof MEASURES)[number];

export async function policyFor(
  env: Environment,
  name: string,
  task: Task,
  action: number,
  flag: string,
  backend: BackendName | undefined,
): Promise<E.Either<UsageError, { policy: Policy; model?: Transformer }>> {
  switch (name) {
    case 'ideal':
      return E.right({ policy: idealPolicy(env, task) });
    case 'uniform':
      return E.right({ policy: uniformPolicy(env) });
    case 'generator':
      return E.right({ policy: generatorPolicy(env) });
    case 'fixed':
      return E.right({ policy: fixedPolicy(env, action) });
    default: {
      const m = await loadModelDir(name, { flag, expected: `${BUILT_IN.join('|')} or a model directory`, backend });
      if (E.isLeft(m)) return m;
      // A model of another environment would read tokens the environment never emits, or windows of another length.
      const misfit = environmentMisfit(m.right, env);
      if (misfit === undefined) return E.right({ policy: modelPolicy(m.right, env, 0, name), model: m.right });
      m.right.dispose();
      return E.left(
        usageError(
          `${flag}: the model in "${name}" ${misfit} (measure it on the environment it was trained on: its unit directory's record names it, or give --env)`,
        ),
      );
    }
  }
}

const est = estimateJson;

// Rounding leaves exact zeros at ±1e-14; a "-0.0000" would read as a sign.
const num = (x: number): string => x.toFixed(4).replace(/^-(0\.0+)$/, '$1');
const fmt = (e: MaybeEstimate): string =>
  'mean' in e ? `${num(e.mean).padStart(9)} ± ${Number.isFinite(e.se) ? num(e.se) : 'n/a'}` : `undefined (${e.reason})`;

/** The measure command's JSON object (the fields of docs/method.md#split-history for the chosen task). */
export function measureJson(m: Measurement, taskN: number, fit?: OutcomeFit): object {
  const t0 = m.tasks[0]!;
  return {
    policy: m.policy,
    task: taskN,
    contexts: m.contexts,
    repeats: m.repeats,
    seed: m.seed,
    excludeSelf: m.excludeSelf,
    units: 'nats',
    seCovers: m.seCovers,
    Op: est(m.op),
    Imp: est(m.imp),
    s: est(t0.s),
    sPrime: est(t0.sPrime),
    OpPred: est(t0.opPred),
    ImpMin: est(t0.impMin),
    chance: t0.f,
    nullBaseline: { Op: est(m.nullBaseline.op), Imp: est(m.nullBaseline.imp) },
    references: Object.fromEntries(m.references.map((r) => [r.name, { Op: est(r.op), Imp: est(r.imp) }])),
    ...(m.monteCarlo ? { monteCarlo: { Op: est(m.monteCarlo.op), Imp: est(m.monteCarlo.imp) } } : {}),
    ...(m.self ? { self: { Op: est(m.self.op), Imp: est(m.self.imp), s: est(m.self.tasks[0]!.s), sPrime: est(m.self.tasks[0]!.sPrime) } } : {}),
    ...(fit ? { outcomeFit: fit } : {}),
  };
}

/** The peer measures that `--measures` asked for, as JSON fields (MEG in nats; AUP and reachability dimensionless; empowerment change in nats). */
export function peersJson(p: PeerMeasurement, which: ReadonlySet<MeasureName>): object {
  const byBaseline = (pick: (b: PeerMeasurement['baselines'][number]) => Estimate | undefined): object =>
    Object.fromEntries(p.baselines.flatMap((b) => (pick(b) ? [[b.name, estimateJson(pick(b)!)]] : [])));
  return {
    peersSeCovers: 'repeats within the fixed test set',
    ...(which.has('meg')
      ? {
          MEG_F: estimateJson(p.megF),
          MEG: Object.fromEntries(
            p.tasks.map((t) => [String(t.task.nGood), { ...estimateJson(t.meg), beta: Number.isFinite(t.beta) ? t.beta : t.beta > 0 ? 'inf' : '-inf' }]),
          ),
          identifiedTaskByMeg: p.tasks.find((t) => t.task.name === p.identified)!.task.nGood,
          w: p.w,
        }
      : {}),
    ...(which.has('aup')
      ? { AUP: Object.fromEntries(p.baselines.map((b) => [b.name, { before: estimateJson(b.aupBefore), after: estimateJson(b.aupAfter) }])) }
      : {}),
    ...(which.has('rr') ? { RR: byBaseline((b) => b.rr), RR2: byBaseline((b) => b.rr2), empowermentChange: byBaseline((b) => b.empowermentChange) } : {}),
  };
}

export function peersTable(p: PeerMeasurement, which: ReadonlySet<MeasureName>): string {
  const rows: [string, Estimate | MaybeEstimate][] = [
    ...(which.has('meg')
      ? [
          ['MEG_F (nats)', p.megF] as [string, Estimate],
          ...p.tasks.map((t): [string, Estimate] => [
            `MEG ${t.task.name} (β ${Number.isFinite(t.beta) ? t.beta.toPrecision(3) : t.beta > 0 ? '+∞' : '−∞'})`,
            t.meg,
          ]),
        ]
      : []),
    ...(which.has('aup')
      ? p.baselines.flatMap((b): [string, Estimate][] => [
          [`AUP vs ${b.name}, before`, b.aupBefore],
          [`AUP vs ${b.name}, after`, b.aupAfter],
        ])
      : []),
    ...(which.has('rr')
      ? p.baselines.flatMap((b): [string, Estimate][] => [
          [`RR vs ${b.name}`, b.rr],
          ...(b.rr2 ? [[`two-step RR vs ${b.name}`, b.rr2] as [string, Estimate]] : []),
          ...(b.empowermentChange ? [[`Δ empowerment vs ${b.name}`, b.empowermentChange] as [string, Estimate]] : []),
        ])
      : []),
  ];
  const w = which.has('meg') ? [`identified by MEG: ${p.identified}; w* (utility over outcomes) ${p.w.map(num).join(' ')}`] : [];
  const width = Math.max(28, ...rows.map(([k]) => k.length + 2));
  return [
    `peer measures · ${p.repeats} repeats × ${p.contexts} contexts (MEG, empowerment in nats; AUP, RR dimensionless)`,
    ...rows.map(([k, v]) => `${k.padEnd(width)}${fmt(v)}`),
    ...w,
    // the peer measures draw their repeats from one pool of test windows (see measureAll)
    seCoversText('repeats within the fixed test set', p.repeats),
  ].join('\n');
}

export function measureTable(m: Measurement, envName: string, fit?: OutcomeFit): string {
  const t0 = m.tasks[0]!;
  const rows: [string, Estimate | MaybeEstimate][] = [
    ['Op (nats)', m.op],
    ['Imp (nats)', m.imp],
    [`s   (chance f = ${t0.f.toFixed(3)})`, t0.s],
    ["s'  (success in F')", t0.sPrime],
    ['Op_pred = KL_B(s‖f)', t0.opPred],
    ["Imp_min = KL_B(s‖s')", t0.impMin],
    ['null baseline Op', m.nullBaseline.op],
    ['null baseline Imp', m.nullBaseline.imp],
    ...m.references.flatMap((r): [string, Estimate][] => [
      [`vs ${r.name}: Op_ref`, r.op],
      [`vs ${r.name}: Imp_ref`, r.imp],
    ]),
    ...(m.monteCarlo
      ? ([
          ['Monte-Carlo Op', m.monteCarlo.op],
          ['Monte-Carlo Imp', m.monteCarlo.imp],
        ] as [string, Estimate][])
      : []),
    ...(m.self
      ? ([
          ['self-estimated Op', m.self.op],
          ['self-estimated Imp', m.self.imp],
          ['self-estimated s', m.self.tasks[0]!.s],
        ] as [string, Estimate][])
      : []),
  ];
  const head = `policy ${m.policy} on ${t0.task.name} · ${m.repeats} repeats × ${m.contexts} contexts · seed ${m.seed} · ${envName}${m.excludeSelf ? ' · p_k left out' : ''}`;
  const fits = fit
    ? [
        `outcome-law KL (${Math.min(m.contexts, CHUNK_CONTEXTS)} contexts of repeat 1), generator's actions ${num(fit.generatorActions)}, all actions ${num(fit.allActions)} nats`,
      ]
    : [];
  return [head, `${''.padEnd(28)}     mean ± s.e.`, ...rows.map(([k, v]) => `${k.padEnd(28)}${fmt(v)}`), ...fits, seCoversText(m.seCovers, m.repeats)].join(
    '\n',
  );
}

/** `--measures` read: a comma-separated list of distinct measure names. */
export function parseMeasures(list: string): E.Either<UsageError, Set<MeasureName>> {
  const named = list.split(',');
  const badMeasure = named.find((x, i) => !(MEASURES as readonly string[]).includes(x) || named.indexOf(x) !== i);
  if (badMeasure !== undefined) return E.left(usageError(`--measures: expected a comma-separated list of distinct ${MEASURES.join('|')}, got "${badMeasure}"`));
  return E.right(new Set(named as MeasureName[]));
}

/** The measured policy (`--policy`, with its model when it is one) and the reference futures `--reference` lists (the split is always measured). */
export async function measuredPolicies(
  env: Environment,
  name: string,
  referenceList: string | undefined,
  task: Task,
  action: number,
  backend: BackendName | undefined,
): Promise<E.Either<UsageError, { policy: Policy; model?: Transformer; references: Policy[] }>> {
  const refs = referenceList === undefined ? [] : referenceList.split(',');
  const bad = refs.find((r, i) => (!REFERENCES.includes(r) && !/^model:./.test(r)) || refs.indexOf(r) !== i);
  if (bad !== undefined) return E.left(usageError(`--reference: expected distinct ${REFERENCES.join('|')}|model:DIR (comma-separated), got "${bad}"`));
  const refNames = refs.filter((r) => r !== 'split');
  const policy = await policyFor(env, name, task, action, '--policy', backend);
  if (E.isLeft(policy)) return policy;
  const references: Policy[] = [];
  for (const r of refNames) {
    const ref = await policyFor(env, r.startsWith('model:') ? r.slice('model:'.length) : r, task, action, '--reference', backend);
    if (E.isLeft(ref)) return ref;
    references.push(ref.right.policy);
  }
  return E.right({ ...policy.right, references });
}

/** What `measureAll` measures, and how. */
/** Where `measureAll` draws contexts: each repeat from its own sequences, so the s.e. over repeats covers context sampling. */
export const MEASURE_SOURCE: FreshContexts = { sequenceLength: 1000 };

export interface MeasureAllOptions {
  readonly contexts: number;
  readonly repeats: number;
  readonly seed: number;
  readonly excludeSelf: boolean;
  readonly monteCarlo: boolean;
  /** The model's self-evaluation and outcome fit (when `model` is given). */
  readonly selfEval: boolean;
  readonly which: ReadonlySet<MeasureName>;
}

/** The split history of `policy` on `task` (with the model's self-evaluation and outcome fit when asked) and, when asked, the peer measures. */
export async function measureAll(
  env: Environment,
  policy: Policy,
  model: Transformer | undefined,
  task: Task,
  references: readonly Policy[],
  o: MeasureAllOptions,
): Promise<{ m: Measurement; fit?: OutcomeFit; peers?: PeerMeasurement }> {
  const { contexts, repeats, seed, which } = o;
  const evaluator = o.selfEval ? model : undefined;
  const source = MEASURE_SOURCE;
  const m = await measurePolicy(env, policy, source, [task], {
    contexts,
    repeats,
    seed,
    excludeSelf: o.excludeSelf,
    monteCarlo: o.monteCarlo,
    references: [...references],
    ...(evaluator ? { selfLaws: predictedOutcomeLaws(asPredictor(evaluator), env) } : {}),
  });
  // Why self-evaluation may miss: the model's outcome law after the generator's actions and after every action.
  const fit = evaluator
    ? await outcomeFit(asPredictor(evaluator), env, freshContexts(env, source, Math.min(contexts, CHUNK_CONTEXTS), deriveSeed(seed, 'repeat', 0)))
    : undefined;
  // The peer measures draw their repeats from one pool of test windows (their s.e. is conditional on it): MEG for
  // every task (identification needs them all), the rest against the split history, the uniform policy, the
  // generator and any --reference.
  const peers =
    which.has('meg') || which.has('aup') || which.has('rr')
      ? await measurePeers(
          env,
          policy,
          actionWindowPool(env, Math.max(contexts, Math.min(contexts * repeats, 100_000), 10_000), deriveSeed(seed, 'test')),
          env.tasks,
          {
            contexts,
            repeats,
            seed,
            excludeSelf: o.excludeSelf,
            baselines: [uniformPolicy(env), generatorPolicy(env), ...references.filter((r) => r.name !== 'uniform')],
            nextStep: which.has('rr'),
          },
        )
      : undefined;
  return { m, ...(fit ? { fit } : {}), ...(peers ? { peers } : {}) };
}

/** `optimpact measure`'s output: one JSON object, or the split-history table and the peer measures' table. */
export function measureOutput(
  r: { m: Measurement; fit?: OutcomeFit; peers?: PeerMeasurement },
  envName: string,
  nGood: number,
  which: ReadonlySet<MeasureName>,
  json: boolean,
): string {
  const { m, fit, peers } = r;
  const splitHistory = which.has('op') || which.has('imp');
  if (json)
    return JSON.stringify({
      ...(splitHistory ? measureJson(m, nGood, fit) : { policy: m.policy, task: nGood, contexts: m.contexts, repeats: m.repeats, seed: m.seed }),
      ...(peers ? peersJson(peers, which) : {}),
    });
  return [...(splitHistory ? [measureTable(m, envName, fit)] : []), ...(peers ? [peersTable(peers, which)] : [])].join('\n\n');
}
