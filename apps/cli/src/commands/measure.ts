/**
 * `optimpact measure`: split-history Op and Imp of a built-in policy (docs/method.md#split-history), with the task's
 * success rates, the theory's predictions, the null baseline and reference futures.
 */
import type { Environment, Estimate, Policy, Task } from '@optimpact/core';
import { actionWindowPool, deriveSeed, estimateJson, modelPolicy, oneOf } from '@optimpact/core';
import type { PeerMeasurement } from '@optimpact/peer-measures';
import { measurePeers } from '@optimpact/peer-measures';
import type { MaybeEstimate, Measurement } from '@optimpact/split-history';
import { CHUNK_CONTEXTS, fixedPolicy, freshContexts, generatorPolicy, idealPolicy, measurePolicy, seCoversText, uniformPolicy } from '@optimpact/split-history';
import type { OutcomeFit } from '@optimpact/self-eval';
import { outcomeFit, predictedOutcomeLaws } from '@optimpact/self-eval';
import type { BackendName, Transformer } from '@optimpact/transformer';
import { asPredictor, BACKENDS } from '@optimpact/transformer';
import { DEFAULT_ENV, loadEnvironment, loadModelDir } from '@optimpact/study';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { UsageError } from '../args.js';
import { intString, nonEmpty, usageError } from '../args.js';
import { command } from '../program.js';

const BUILT_IN = ['ideal', 'uniform', 'generator', 'fixed'];
const REFERENCES = ['split', 'fixed', 'uniform'];

const props = {
  policy: nonEmpty('ideal|uniform|generator|fixed or a model directory'),
  task: intString(1, 1_000),
  contexts: intString(1, 100_000_000),
  repeats: intString(1, 100_000),
  seed: intString(0, 0xffffffff),
  action: intString(0, 1_000_000),
  reference: nonEmpty('split|fixed|uniform|model:DIR, comma-separated'),
  env: nonEmpty('an environment package or module path'),
  json: t.literal(true),
  'exclude-self': t.literal(true),
  'monte-carlo': t.literal(true),
  'self-eval': t.literal(true),
  backend: oneOf(BACKENDS),
  measures: nonEmpty('a comma-separated list of measures'),
};

/** The measures `--measures` may name: split history (op, imp) and the peer measures (meg, aup, rr: relative reachability and empowerment). */
const MEASURES = ['op', 'imp', 'meg', 'aup', 'rr'] as const;
type MeasureName = (typeof MEASURES)[number];

async function policyFor(env: Environment, name: string, task: Task, action: number, flag: string, backend: BackendName | undefined): Promise<E.Either<UsageError, { policy: Policy; model?: Transformer }>> {
  switch (name) {
    case 'ideal': return E.right({ policy: idealPolicy(env, task) });
    case 'uniform': return E.right({ policy: uniformPolicy(env) });
    case 'generator': return E.right({ policy: generatorPolicy(env) });
    case 'fixed': return E.right({ policy: fixedPolicy(env, action) });
    default: {
      const m = await loadModelDir(name, { flag, expected: `${BUILT_IN.join('|')} or a model directory`, backend });
      return E.isLeft(m) ? m : E.right({ policy: modelPolicy(m.right, env, 0, name), model: m.right });
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
    ...(which.has('meg') ? {
      MEG_F: estimateJson(p.megF),
      MEG: Object.fromEntries(p.tasks.map((t) => [String(t.task.nGood), { ...estimateJson(t.meg), beta: Number.isFinite(t.beta) ? t.beta : t.beta > 0 ? 'inf' : '-inf' }])),
      identifiedTaskByMeg: p.tasks.find((t) => t.task.name === p.identified)!.task.nGood,
      w: p.w,
    } : {}),
    ...(which.has('aup') ? { AUP: Object.fromEntries(p.baselines.map((b) => [b.name, { before: estimateJson(b.aupBefore), after: estimateJson(b.aupAfter) }])) } : {}),
    ...(which.has('rr') ? { RR: byBaseline((b) => b.rr), RR2: byBaseline((b) => b.rr2), empowermentChange: byBaseline((b) => b.empowermentChange) } : {}),
  };
}

function peersTable(p: PeerMeasurement, which: ReadonlySet<MeasureName>): string {
  const rows: [string, Estimate | MaybeEstimate][] = [
    ...(which.has('meg') ? [
      ['MEG_F (nats)', p.megF] as [string, Estimate],
      ...p.tasks.map((t): [string, Estimate] => [`MEG ${t.task.name} (β ${Number.isFinite(t.beta) ? t.beta.toPrecision(3) : t.beta > 0 ? '+∞' : '−∞'})`, t.meg]),
    ] : []),
    ...(which.has('aup') ? p.baselines.flatMap((b): [string, Estimate][] => [[`AUP vs ${b.name}, before`, b.aupBefore], [`AUP vs ${b.name}, after`, b.aupAfter]]) : []),
    ...(which.has('rr') ? p.baselines.flatMap((b): [string, Estimate][] => [
      [`RR vs ${b.name}`, b.rr],
      ...(b.rr2 ? [[`two-step RR vs ${b.name}`, b.rr2] as [string, Estimate]] : []),
      ...(b.empowermentChange ? [[`Δ empowerment vs ${b.name}`, b.empowermentChange] as [string, Estimate]] : []),
    ]) : []),
  ];
  const w = which.has('meg') ? [`identified by MEG: ${p.identified}; w* (utility over outcomes) ${p.w.map(num).join(' ')}`] : [];
  const width = Math.max(28, ...rows.map(([k]) => k.length + 2));
  return [`peer measures · ${p.repeats} repeats × ${p.contexts} contexts (MEG, empowerment in nats; AUP, RR dimensionless)`, ...rows.map(([k, v]) => `${k.padEnd(width)}${fmt(v)}`), ...w].join('\n');
}

function table(m: Measurement, envName: string, fit?: OutcomeFit): string {
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
    ...m.references.flatMap((r): [string, Estimate][] => [[`vs ${r.name}: Op_ref`, r.op], [`vs ${r.name}: Imp_ref`, r.imp]]),
    ...(m.monteCarlo ? ([['Monte-Carlo Op', m.monteCarlo.op], ['Monte-Carlo Imp', m.monteCarlo.imp]] as [string, Estimate][]) : []),
    ...(m.self ? ([['self-estimated Op', m.self.op], ['self-estimated Imp', m.self.imp], ['self-estimated s', m.self.tasks[0]!.s]] as [string, Estimate][]) : []),
  ];
  const head = `policy ${m.policy} on ${t0.task.name} · ${m.repeats} repeats × ${m.contexts} contexts · seed ${m.seed} · ${envName}${m.excludeSelf ? ' · p_k left out' : ''}`;
  const fits = fit ? [`outcome-law KL (${Math.min(m.contexts, CHUNK_CONTEXTS)} contexts of repeat 1), generator's actions ${num(fit.generatorActions)}, all actions ${num(fit.allActions)} nats`] : [];
  return [head, `${''.padEnd(28)}     mean ± s.e.`, ...rows.map(([k, v]) => `${k.padEnd(28)}${fmt(v)}`), ...fits, seCoversText(m.seCovers, m.repeats)].join('\n');
}

export const measure = command({
  name: 'measure',
  summary: 'Op and Imp (nats) of one policy, by the split history',
  description: "Split-history Op and Imp (nats, mean ± s.e. over repeats) of a built-in policy or a saved model, with the task's success rates s and s', the theory's predictions Op_pred and Imp_min, the null baseline and reference futures; with --measures, the peer measures (MEG, AUP, relative reachability) on the same contexts.",
  props,
  required: ['policy'],
  flags: {
    policy: { value: '<name|dir>', about: `${BUILT_IN.join(', ')}, or a model directory (or a unit directory holding model/)` },
    task: { value: '<n_good>', about: "the task whose success is measured (default: the environment's middle task)" },
    contexts: { value: '<n>', about: 'test contexts per repeat (default 200)' },
    repeats: { value: '<n>', about: 'independent repeats; the s.e. is over them (default 10)' },
    seed: { value: '<s>', about: 'seed of the test contexts and of every draw (default 1)' },
    action: { value: '<a>', about: "the fixed policy's action (default: the environment's first)" },
    reference: { value: '<list>', about: 'reference futures besides the split: fixed, uniform, model:DIR (comma-separated)' },
    measures: { value: '<list>', about: 'what to measure, comma-separated: op, imp (split history), meg, aup, rr (peer measures; rr: relative reachability and empowerment) (default op,imp)' },
    env: { value: '<package>', about: 'environment package, or a path to its module (default @optimpact/sequence-env)' },
    json: { about: 'print one JSON object instead of a table' },
    'exclude-self': { about: 'leave each context out of its own split history (removes a leak of about (s − f)/N nats)' },
    'monte-carlo': { about: "also run the original's Monte-Carlo estimator (quadratic in the contexts)" },
    'self-eval': { about: "also estimate them from the model's own predictions (needs a model as --policy)" },
    backend: { value: '<name>', about: `TF.js backend for a model: ${BACKENDS.join(', ')} (default: node if installed, else wasm, else cpu)` },
  },
  run: async (o) => {
    if (o['self-eval'] && BUILT_IN.includes(o.policy)) return E.left(usageError(`--self-eval: needs a model as --policy (a built-in policy has no predictions of its own), got "${o.policy}"`));
    const named = (o.measures ?? 'op,imp').split(',');
    const badMeasure = named.find((x, i) => !(MEASURES as readonly string[]).includes(x) || named.indexOf(x) !== i);
    if (badMeasure !== undefined) return E.left(usageError(`--measures: expected a comma-separated list of distinct ${MEASURES.join('|')}, got "${badMeasure}"`));
    const which = new Set(named as MeasureName[]);
    const splitHistory = which.has('op') || which.has('imp');
    const anyPeer = which.has('meg') || which.has('aup') || which.has('rr');
    const envE = await loadEnvironment(o.env ?? DEFAULT_ENV);
    if (E.isLeft(envE)) return envE;
    const env = envE.right;
    const nGood = o.task ?? env.tasks[Math.floor(env.tasks.length / 2)]!.nGood;
    const task = env.tasks.find((x) => x.nGood === nGood);
    if (!task) return E.left(usageError(`--task: expected one of ${env.tasks.map((x) => x.nGood).join('|')}, got "${nGood}"`));
    const action = o.action ?? env.actions[0]!;
    if (!env.actions.includes(action)) return E.left(usageError(`--action: expected one of ${env.actions.join('|')}, got "${action}"`));
    const refs = o.reference === undefined ? [] : o.reference.split(',');
    const bad = refs.find((r, i) => (!REFERENCES.includes(r) && !/^model:./.test(r)) || refs.indexOf(r) !== i);
    if (bad !== undefined) return E.left(usageError(`--reference: expected distinct ${REFERENCES.join('|')}|model:DIR (comma-separated), got "${bad}"`));
    const refNames = refs.filter((r) => r !== 'split');
    const policy = await policyFor(env, o.policy, task, action, '--policy', o.backend);
    if (E.isLeft(policy)) return policy;
    const references: Policy[] = [];
    for (const r of refNames) {
      const ref = await policyFor(env, r.startsWith('model:') ? r.slice('model:'.length) : r, task, action, '--reference', o.backend);
      if (E.isLeft(ref)) return ref;
      references.push(ref.right.policy);
    }
    const model = policy.right.model;

    const contexts = o.contexts ?? 200, repeats = o.repeats ?? 10, seed = o.seed ?? 1;
    if (o['monte-carlo'] && contexts > CHUNK_CONTEXTS) return E.left(usageError(`--contexts: the Monte-Carlo estimator is quadratic in N, so --monte-carlo takes at most ${CHUNK_CONTEXTS}, got "${contexts}"`));
    // Each repeat draws its contexts from its own sequences, so the s.e. over repeats covers context sampling.
    const source = { sequenceLength: 1000 };
    const m = await measurePolicy(env, policy.right.policy, source, [task], {
      contexts,
      repeats,
      seed,
      excludeSelf: o['exclude-self'] === true,
      monteCarlo: o['monte-carlo'] === true,
      references,
      ...(model ? { selfLaws: predictedOutcomeLaws(asPredictor(model), env) } : {}),
    });
    // Why self-evaluation may miss: the model's outcome law after the generator's actions and after every action.
    const fit = model ? await outcomeFit(asPredictor(model), env, freshContexts(env, source, Math.min(contexts, CHUNK_CONTEXTS), deriveSeed(seed, 'repeat', 0))) : undefined;
    // The peer measures draw their repeats from one pool of test windows (their s.e. is conditional on it): MEG for
    // every task (identification needs them all), the rest against the split history, the uniform policy, the
    // generator and any --reference.
    const peers = anyPeer
      ? await measurePeers(env, policy.right.policy, actionWindowPool(env, Math.max(contexts, Math.min(contexts * repeats, 100_000), 10_000), deriveSeed(seed, 'test')), env.tasks, {
        contexts,
        repeats,
        seed,
        excludeSelf: o['exclude-self'] === true,
        baselines: [uniformPolicy(env), generatorPolicy(env), ...references.filter((r) => r.name !== 'uniform')],
        nextStep: which.has('rr'),
      })
      : undefined;
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ ...(splitHistory ? measureJson(m, nGood, fit) : { policy: m.policy, task: nGood, contexts, repeats, seed }), ...(peers ? peersJson(peers, which) : {}) })}\n`);
    } else {
      process.stdout.write(`${[...(splitHistory ? [table(m, env.name, fit)] : []), ...(peers ? [peersTable(peers, which)] : [])].join('\n\n')}\n`);
    }
    return E.right(undefined);
  },
});
