/**
 * `optimpact pretrain` and `optimpact finetune`: one unit of the study, run alone. Settings come from a
 * preset (default quick) with `--set` overrides, like the study's; the unit directory `--out` gets the
 * record (`run.json`) and the model (`model/`, TF.js format).
 */
import { oneOf } from '@optimpact/core';
import type { UsageError } from '@optimpact/study/flags';
import { BACKENDS, PRESETS, SIZE_NAMES, SIZE_PRESETS, STUDY_RULES } from '@optimpact/study/flags';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Result } from '../args.js';
import { intString, nonEmpty } from '../args.js';
import { command } from '../program.js';
import { ENV_ABOUT, SET_ABOUT } from './study.js';

const common = {
  preset: oneOf(PRESETS),
  set: t.array(t.string),
  backend: oneOf(BACKENDS),
  seed: intString(0, 0xffffffff),
  out: nonEmpty('a directory'),
  env: nonEmpty('an environment package or module path'),
};
const commonFlags = {
  preset: { value: '<name>', about: `settings from experiments/: ${PRESETS.join(', ')} (default quick)` },
  set: { value: '<path=value>', about: SET_ABOUT, repeat: true },
  backend: { value: '<name>', about: `TF.js backend: ${BACKENDS.join(', ')} (default: node if installed, else wasm, else cpu)` },
  seed: { value: '<s>', about: "the unit's seed: data, initialisation, dropout, RL and measurement draws (default 1)" },
  out: { value: '<dir>', about: 'the unit directory to write: run.json and model/' },
  env: { value: '<package>', about: ENV_ABOUT },
} as const;

/** Prints the unit directory that `run` (the study's, loaded with TF.js only now) wrote. */
const thenPrint = async (run: Promise<E.Either<UsageError, string>>): Result => {
  const r = await run;
  if (E.isLeft(r)) return r;
  process.stdout.write(`${r.right}\n`);
  return E.right(undefined);
};

export const pretrain = command({
  name: 'pretrain',
  summary: 'pretrain one model (one unit of the study)',
  description: "Pretrain one model of a size preset on the environment's sequences: one unit of the study, run alone.",
  props: { ...common, size: oneOf(SIZE_NAMES), steps: intString(0, 100_000_000) },
  required: ['size', 'out'],
  flags: {
    size: { value: '<size>', about: `the size preset: ${SIZE_PRESETS.map((p) => `${p.name} (${p.params.toLocaleString('en')} parameters)`).join(', ')}` },
    steps: { value: '<k>', about: "optimizer steps (default: the preset's for this size)" },
    ...commonFlags,
  },
  run: async (o) => thenPrint((await import('@optimpact/study')).pretrainAlone(o)),
});

export const finetune = command({
  name: 'finetune',
  summary: 'fine-tune a model on one task by RL, then measure it',
  description:
    'Fine-tune a pretrained model on one task with one RL rule, then score it on every task and measure its Op and Imp: one unit of the study, run alone.',
  props: { ...common, model: nonEmpty('a model directory'), task: intString(1, 1000), rule: oneOf(STUDY_RULES) },
  required: ['model', 'task', 'out'],
  flags: {
    model: {
      value: '<dir>',
      about:
        "the pretrained model: a pretrain unit directory (its record's environment, good sets and data settings are used, under --env and --set), or its model/",
    },
    task: { value: '<n_good>', about: "the task to fine-tune on (one of the environment's tasks)" },
    rule: { value: '<rule>', about: `the RL rule: ${STUDY_RULES.join(', ')} (default exact)` },
    ...commonFlags,
  },
  run: async (o) => thenPrint((await import('@optimpact/study')).finetuneAlone(o)),
});
