/**
 * `optimpact measure`: split-history Op and Imp of a built-in policy (SPEC §6), with the task's
 * success rates, the theory's predictions, the null baseline and reference futures.
 */
import type { Environment, Estimate, Policy, Task } from '@optimpact/core';
import { actionWindowPool, deriveSeed } from '@optimpact/core';
import type { MaybeEstimate, Measurement } from '@optimpact/split-history';
import { fixedPolicy, generatorPolicy, idealPolicy, measurePolicy, uniformPolicy } from '@optimpact/split-history';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { UsageError } from '../args.js';
import { decodeFlags, intString, parseFlags, usageError } from '../args.js';
import { DEFAULT_ENV, loadEnvironment } from '../environment.js';

const props = {
  policy: t.keyof({ ideal: null, uniform: null, generator: null, fixed: null }),
  task: intString(1, 1_000),
  contexts: intString(1, 100_000_000),
  repeats: intString(1, 100_000),
  seed: intString(0, 0xffffffff),
  action: intString(0, 1_000_000),
  reference: t.string,
  env: t.string,
  json: t.literal(true),
  'exclude-self': t.literal(true),
  'monte-carlo': t.literal(true),
};
const Flags = t.intersection([t.type({ policy: props.policy }), t.partial(props)]);

export const measureUsage = `optimpact measure --policy ideal|uniform|generator|fixed [--task 2|4|6] [--contexts N] [--repeats R]
                  [--seed S] [--action A] [--reference fixed|uniform[,…]] [--exclude-self] [--monte-carlo]
                  [--env PACKAGE] [--json]`;

function policyFor(env: Environment, name: string, task: Task, action: number): Policy {
  switch (name) {
    case 'ideal': return idealPolicy(env, task);
    case 'uniform': return uniformPolicy(env);
    case 'generator': return generatorPolicy(env);
    default: return fixedPolicy(env, action);
  }
}

const est = (e: MaybeEstimate): { mean: number | null; se: number | null; undefined?: string } =>
  'mean' in e ? { mean: e.mean, se: Number.isFinite(e.se) ? e.se : null } : { mean: null, se: null, undefined: e.reason };

// Rounding leaves exact zeros at ±1e-14; a "-0.0000" would read as a sign.
const num = (x: number): string => x.toFixed(4).replace(/^-(0\.0+)$/, '$1');
const fmt = (e: MaybeEstimate): string =>
  'mean' in e ? `${num(e.mean).padStart(9)} ± ${Number.isFinite(e.se) ? num(e.se) : 'n/a'}` : `undefined (${e.reason})`;

/** The measure command's JSON object (fields of SPEC §6 for the chosen task). */
export function measureJson(m: Measurement, taskN: number): object {
  const t0 = m.tasks[0]!;
  return {
    policy: m.policy,
    task: taskN,
    contexts: m.contexts,
    repeats: m.repeats,
    seed: m.seed,
    excludeSelf: m.excludeSelf,
    units: 'nats',
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
  };
}

function table(m: Measurement, envName: string): string {
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
  ];
  const head = `policy ${m.policy} on ${t0.task.name} · ${m.repeats} repeats × ${m.contexts} contexts · seed ${m.seed} · ${envName}${m.excludeSelf ? ' · p_k left out' : ''}`;
  return [head, `${''.padEnd(28)}     mean ± s.e.`, ...rows.map(([k, v]) => `${k.padEnd(28)}${fmt(v)}`)].join('\n');
}

/** Runs `measure`, printing a table (or one JSON object with --json). */
export async function measure(argv: readonly string[]): Promise<E.Either<UsageError, void>> {
  const flags = parseFlags(argv, ['json', 'exclude-self', 'monte-carlo']);
  if (E.isLeft(flags)) return flags;
  const decoded = decodeFlags(flags.right, props, Flags);
  if (E.isLeft(decoded)) return decoded;
  const o = decoded.right;
  const envE = await loadEnvironment(o.env ?? DEFAULT_ENV);
  if (E.isLeft(envE)) return envE;
  const env = envE.right;
  const nGood = o.task ?? env.tasks[Math.floor(env.tasks.length / 2)]!.nGood;
  const task = env.tasks.find((x) => x.nGood === nGood);
  if (!task) return E.left(usageError(`--task: expected one of ${env.tasks.map((x) => x.nGood).join('|')}, got "${nGood}"`));
  const action = o.action ?? env.actions[0]!;
  if (!env.actions.includes(action)) return E.left(usageError(`--action: expected one of ${env.actions.join('|')}, got "${action}"`));
  const refNames = o.reference === undefined ? [] : o.reference.split(',').filter((r) => r !== 'split');
  const bad = refNames.find((r) => r !== 'fixed' && r !== 'uniform');
  if (bad !== undefined) return E.left(usageError(`--reference: expected split|fixed|uniform (comma-separated), got "${bad}"`));

  const contexts = o.contexts ?? 200, repeats = o.repeats ?? 10, seed = o.seed ?? 1;
  // Test contexts come from their own stream; enough for every repeat to draw distinct windows.
  const pool = actionWindowPool(env, Math.max(contexts, Math.min(contexts * repeats, 100_000), 10_000), deriveSeed(seed, 'test'));
  const m = await measurePolicy(env, policyFor(env, o.policy, task, action), pool, [task], {
    contexts,
    repeats,
    seed,
    excludeSelf: o['exclude-self'] === true,
    monteCarlo: o['monte-carlo'] === true,
    references: refNames.map((r) => policyFor(env, r, task, action)),
  });
  process.stdout.write(o.json ? `${JSON.stringify(measureJson(m, nGood))}\n` : `${table(m, env.name)}\n`);
  return E.right(undefined);
}
