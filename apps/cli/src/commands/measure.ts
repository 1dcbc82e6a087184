/**
 * `optimpact measure`: split-history Op and Imp of a built-in policy (docs/method.md#split-history), with the task's
 * success rates, the theory's predictions, the null baseline and reference futures.
 */
import { oneOf } from '@optimpact/core';
import { monteCarloLimit } from '@optimpact/split-history';
import { BACKENDS, BUILT_IN } from '@optimpact/study/flags';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { intString, nonEmpty, usageError } from '../args.js';
import { command } from '../program.js';
import { unitEnvFlags } from './study.js';

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
  set: t.array(t.string),
};

export const measure = command({
  name: 'measure',
  summary: 'Op and Imp (nats) of one policy, by the split history',
  description:
    "Split-history Op and Imp (nats, mean ± s.e. over repeats) of a built-in policy or a saved model, with the task's success rates s and s', the theory's predictions Op_pred and Imp_min, the null baseline and reference futures; with --measures, the peer measures (MEG, AUP, relative reachability) on the same contexts.",
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
    measures: {
      value: '<list>',
      about:
        'what to measure, comma-separated: op, imp (split history), meg, aup, rr (peer measures; rr: relative reachability and empowerment) (default op,imp)',
    },
    ...unitEnvFlags('--policy'),
    json: { about: 'print one JSON object instead of a table' },
    'exclude-self': { about: 'leave each context out of its own split history (removes a leak of about (s − f)/N of the real future into it)' },
    'monte-carlo': { about: "also run the original's Monte-Carlo estimator (quadratic in the contexts)" },
    'self-eval': { about: "also estimate them from the model's own predictions (needs a model as --policy)" },
    backend: { value: '<name>', about: `TF.js backend for a model: ${BACKENDS.join(', ')} (default: node if installed, else wasm, else cpu)` },
  },
  run: async (o) => {
    const { unitEnvironment, MEASURE_SOURCE, measureAll, measuredPolicies, measureOutput, parseMeasures } = await import('@optimpact/study');
    if (o['self-eval'] && BUILT_IN.includes(o.policy))
      return E.left(usageError(`--self-eval: needs a model as --policy (a built-in policy has no predictions of its own), got "${o.policy}"`));
    const which = parseMeasures(o.measures ?? 'op,imp');
    if (E.isLeft(which)) return which;
    const envE = await unitEnvironment(BUILT_IN.includes(o.policy) ? undefined : o.policy, '--policy', o);
    if (E.isLeft(envE)) return envE;
    const env = envE.right;
    const nGood = o.task ?? env.tasks[Math.floor(env.tasks.length / 2)]!.nGood;
    const task = env.tasks.find((x) => x.nGood === nGood);
    if (!task) return E.left(usageError(`--task: expected one of ${env.tasks.map((x) => x.nGood).join('|')}, got "${nGood}"`));
    const action = o.action ?? env.actions[0]!;
    if (!env.actions.includes(action)) return E.left(usageError(`--action: expected one of ${env.actions.join('|')}, got "${action}"`));
    const policy = await measuredPolicies(env, o.policy, o.reference, task, action, o.backend);
    if (E.isLeft(policy)) return policy;
    const contexts = o.contexts ?? 200,
      repeats = o.repeats ?? 10,
      seed = o.seed ?? 1;
    if (o['exclude-self'] && contexts < 2)
      return E.left(usageError(`--contexts: leaving each context out of its own split history (--exclude-self) needs at least 2, got "${contexts}"`));
    const mcLimit = monteCarloLimit(env, MEASURE_SOURCE);
    if (o['monte-carlo'] && contexts > mcLimit)
      return E.left(usageError(`--contexts: the Monte-Carlo estimator is quadratic in N, so --monte-carlo takes at most ${mcLimit}, got "${contexts}"`));
    const r = await measureAll(env, policy.right.policy, policy.right.model, task, policy.right.references, {
      contexts,
      repeats,
      seed,
      excludeSelf: o['exclude-self'] === true,
      monteCarlo: o['monte-carlo'] === true,
      selfEval: o['self-eval'] === true,
      which: which.right,
    });
    process.stdout.write(`${measureOutput(r, env.name, nGood, which.right, o.json === true)}\n`);
    return E.right(undefined);
  },
});
