/**
 * `optimpact differential`: differential optimization and impact (docs/method.md#differential-measures) of a saved model between three
 * named activation sites P → A → F, averaged over test contexts (mean ± s.e., nats), rank-deficient
 * contexts counted. An unknown site is refused with the list of the model's sites (exit code 2).
 */
import { oneOf } from '@optimpact/core';
import { BACKENDS } from '@optimpact/study/flags';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { intString, nonEmpty } from '../args.js';
import { command } from '../program.js';
import { unitEnvFlags } from './study.js';

const site = nonEmpty('a site name');
const props = {
  model: nonEmpty('a model directory'),
  p: site,
  a: site,
  f: site,
  'p-pos': t.string, // read with the sites, by the study
  'a-pos': t.string,
  'f-pos': t.string,
  contexts: intString(1, 1_000_000),
  seed: intString(0, 0xffffffff),
  env: nonEmpty('an environment package or module path'),
  set: t.array(t.string),
  factors: t.literal(true),
  json: t.literal(true),
  backend: oneOf(BACKENDS),
};
const SITES = 'embed, blocks.L.attn.out, blocks.L.mlp.out, blocks.L.resid, lnf, logits (L = 0, 1, …)';
const position = (role: string, dflt: string) => ({
  value: '<all|last|t>',
  about: `position of ${role}: all (the whole window), last, or an index (default ${dflt})`,
});

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
    ...unitEnvFlags('--model'),
    factors: { about: 'also check the chain rule J = B + C·K (prints its relative residual)' },
    json: { about: 'print one JSON object instead of a table' },
    backend: { value: '<name>', about: `TF.js backend: ${BACKENDS.join(', ')} (default wasm, on which the gradients are checked)` },
  },
  run: async (o) => {
    const trio = {
      p: { site: o.p, position: o['p-pos'] ?? 'all' },
      a: { site: o.a, position: o['a-pos'] ?? 'all' },
      f: { site: o.f, position: o['f-pos'] ?? 'last' },
    };
    const [{ measureModelTrio }, { differentialJson, differentialTable }] = await Promise.all([import('@optimpact/study'), import('@optimpact/differential')]);
    const r = await measureModelTrio(o.model, trio, {
      contexts: o.contexts ?? 50,
      seed: o.seed ?? 1,
      factors: o.factors === true,
      ...(o.backend ? { backend: o.backend } : {}),
      ...(o.env ? { env: o.env } : {}),
      ...(o.set ? { set: o.set } : {}),
    });
    if (E.isLeft(r)) return r;
    process.stdout.write(
      o.json ? `${JSON.stringify(differentialJson(r.right.measurement, r.right.info))}\n` : `${differentialTable(r.right.measurement, r.right.info)}\n`,
    );
    return E.right(undefined);
  },
});
