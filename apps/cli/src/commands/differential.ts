/**
 * `optimpact differential`: differential optimization and impact (docs/method.md#differential-measures) of a saved model between three
 * named activation sites P → A → F, averaged over test contexts (mean ± s.e., nats), rank-deficient
 * contexts counted. An unknown site is refused with the list of the model's sites (exit code 2).
 */
import { deriveSeed, oneOf } from '@optimpact/core';
import type { Position, TrioMeasurement } from '@optimpact/differential';
import { describeError, differential as measureTrio, independentContexts, parsePosition } from '@optimpact/differential';
import { BACKENDS, currentBackend } from '@optimpact/transformer';
import { DEFAULT_ENV, loadEnvironment, loadModelDir } from '@optimpact/study';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { intString, nonEmpty, usageError } from '../args.js';
import { command } from '../program.js';

/** A position flag: all, last or a position index. */
const positionString = new t.Type<Position, string, unknown>(
  'all|last|a position index',
  (u): u is Position => u === 'all' || u === 'last' || (typeof u === 'number' && Number.isInteger(u) && u >= 0),
  (u, c) => {
    const p = typeof u === 'string' ? parsePosition(u.trim()) : undefined;
    return p === undefined ? t.failure(u, c) : t.success(p);
  },
  String,
);

const site = nonEmpty('a site name');
const props = {
  model: nonEmpty('a model directory'),
  p: site,
  a: site,
  f: site,
  'p-pos': positionString,
  'a-pos': positionString,
  'f-pos': positionString,
  contexts: intString(1, 1_000_000),
  seed: intString(0, 0xffffffff),
  env: nonEmpty('an environment package or module path'),
  factors: t.literal(true),
  json: t.literal(true),
  backend: oneOf(BACKENDS),
};
const num = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(4).replace(/^-(0\.0+)$/, '$1'));
const pos = (p: Position): string => String(p);

/** The command's JSON object. */
export function differentialJson(m: TrioMeasurement, info: { model: string; env: string; seed: number; backend: string }): object {
  const ref = (role: 'p' | 'a' | 'f') => ({ site: m.trio[role].site, position: m.trio[role].position, dim: m.dims[role] });
  return {
    model: info.model,
    env: info.env,
    backend: info.backend,
    seed: info.seed,
    contexts: m.contexts,
    units: 'nats',
    p: ref('p'),
    a: ref('a'),
    f: ref('f'),
    op: m.op,
    imp: m.imp,
    rankDeficient: m.rankDeficient,
    seCovers: m.seCovers,
    ...(m.undefinedReason !== undefined ? { undefinedReason: m.undefinedReason } : {}),
    ...(m.chainResidual !== undefined ? { chainResidual: { mean: m.chainResidual.mean, n: m.chainResidual.n } } : {}),
    msPerContext: m.msPerContext,
  };
}

function table(m: TrioMeasurement, info: { model: string; env: string; seed: number; backend: string }): string {
  const ref = (role: 'p' | 'a' | 'f') => `${m.trio[role].site}[${pos(m.trio[role].position)}] (dim ${m.dims[role]})`;
  const row = (label: string, e: { mean: number | null; se: number | null; n: number }) =>
    `${label.padEnd(20)}${num(e.mean).padStart(9)} ± ${num(e.se)}   n = ${e.n}`;
  return [
    `P = ${ref('p')} → A = ${ref('a')} → F = ${ref('f')}`,
    `${m.contexts} contexts · seed ${info.seed} · ${info.env} · model ${info.model} · ${info.backend}`,
    `${''.padEnd(20)}     mean ± s.e.`,
    row('Op_diff (nats)', m.op),
    row('Imp_diff (nats)', m.imp),
    `${'rank deficient'.padEnd(20)}${String(m.rankDeficient).padStart(9)} of ${m.contexts} contexts${m.undefinedReason !== undefined ? ` (first: ${m.undefinedReason})` : ''}`,
    ...(m.chainResidual !== undefined ? [`${'‖J−B−CK‖/‖J‖'.padEnd(20)}${m.chainResidual.mean.toExponential(1).padStart(9)}`] : []),
    `${'time per context'.padEnd(20)}${m.msPerContext.toFixed(0).padStart(9)} ms`,
    `s.e. covers ${m.seCovers}`,
  ].join('\n');
}

const SITES = 'embed, blocks.L.attn.out, blocks.L.mlp.out, blocks.L.resid, lnf, logits (L = 0, 1, …)';
const position = (role: string, dflt: string) => ({ value: '<all|last|t>', about: `position of ${role}: all (the whole window), last, or an index (default ${dflt})` });

export const differential = command({
  name: 'differential',
  summary: 'differential Op and Imp (nats) of a model, P → A → F',
  description: `Differential optimization and impact of a saved model between three named activation sites P → A → F, averaged over test contexts each drawn from its own sequence (mean ± s.e., nats), rank-deficient contexts counted. Sites: ${SITES}.`,
  props,
  required: ['model', 'p', 'a', 'f'],
  flags: {
    model: { value: '<dir>', about: 'the model directory (or a unit directory holding model/)' },
    p: { value: '<site>', about: 'the site P (the past the action depends on)' },
    a: { value: '<site>', about: 'the site A (the action)' },
    f: { value: '<site>', about: 'the site F (the future)' },
    'p-pos': position('P', 'all'),
    'a-pos': position('A', 'all'),
    'f-pos': position('F', 'last'),
    contexts: { value: '<n>', about: 'test contexts averaged over (default 50)' },
    seed: { value: '<s>', about: 'seed of the test contexts (default 1)' },
    env: { value: '<package>', about: 'environment package, or a path to its module (default @optimpact/sequence-env)' },
    factors: { about: 'also check the chain rule J = B + C·K (prints its relative residual)' },
    json: { about: 'print one JSON object instead of a table' },
    backend: { value: '<name>', about: `TF.js backend: ${BACKENDS.join(', ')} (default wasm, on which the gradients are checked)` },
  },
  run: async (o) => {
    const envName = o.env ?? DEFAULT_ENV;
    const envE = await loadEnvironment(envName);
    if (E.isLeft(envE)) return envE;
    const env = envE.right;
    // wasm unless asked: the differential measures' gradients are checked on it
    const model = await loadModelDir(o.model, { flag: '--model', expected: 'a model directory', backend: o.backend ?? 'wasm' });
    if (E.isLeft(model)) return model;
    const m = model.right;
    try {
      if (m.contextLength !== env.contextLength || m.vocabSize !== env.vocabSize) {
        return E.left(usageError(`--env: "${envName}" (${env.name}: context ${env.contextLength}, vocabulary ${env.vocabSize}) does not fit the model (context ${m.contextLength}, vocabulary ${m.vocabSize})`));
      }
      const contexts = o.contexts ?? 50, seed = o.seed ?? 1;
      // test contexts from their own stream, apart from the training data's, each from its own sequence
      const windows = independentContexts(env, contexts, deriveSeed(seed, 'test'));
      const trio = {
        p: { site: o.p, position: o['p-pos'] ?? 'all' },
        a: { site: o.a, position: o['a-pos'] ?? 'all' },
        f: { site: o.f, position: o['f-pos'] ?? 'last' },
      };
      const r = measureTrio(m, windows, trio, { factors: o.factors === true });
      if (E.isLeft(r)) return E.left(usageError(describeError(r.left)));
      const info = { model: o.model, env: env.name, seed, backend: currentBackend() };
      process.stdout.write(o.json ? `${JSON.stringify(differentialJson(r.right, info))}\n` : `${table(r.right, info)}\n`);
      return E.right(undefined);
    } finally {
      m.dispose();
    }
  },
});
