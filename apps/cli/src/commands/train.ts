/**
 * `optimpact pretrain` and `optimpact finetune`: one unit of the study, run alone. Settings come from a
 * preset (default quick) with `--set` overrides, like the study's; the unit directory `--out` gets the
 * record (`run.json`) and the model (`model/`, TF.js format).
 */
import { oneOf } from '@optimpact/core';
import type { Unit } from '@optimpact/study';
import { finetuneId, loadModelDir, PRESETS, pretrainId, runAlone, STUDY_RULES } from '@optimpact/study';
import { BACKENDS, SIZE_NAMES, SIZE_PRESETS } from '@optimpact/transformer';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { relative, resolve } from 'node:path';
import type { Result } from '../args.js';
import { intString, nonEmpty, usageError } from '../args.js';
import { command } from '../program.js';
import { SET_ABOUT } from './study.js';

const common = {
  preset: oneOf(PRESETS),
  set: t.array(t.string),
  backend: oneOf(BACKENDS),
  seed: intString(0, 0xffffffff),
  out: nonEmpty('a directory'),
};
const commonFlags = {
  preset: { value: '<name>', about: `settings from experiments/: ${PRESETS.join(', ')} (default quick)` },
  set: { value: '<path=value>', about: SET_ABOUT, repeat: true },
  backend: { value: '<name>', about: `TF.js backend: ${BACKENDS.join(', ')} (default: node if installed, else wasm, else cpu)` },
  seed: { value: '<s>', about: "the unit's seed: data, initialisation, dropout, RL and measurement draws (default 1)" },
  out: { value: '<dir>', about: 'the unit directory to write: run.json and model/' },
} as const;

const runAloneThenPrint = async (...a: Parameters<typeof runAlone>): Result => {
  const r = await runAlone(...a);
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
  run: (o) => {
    const seed = o.seed ?? 1;
    const unit: Unit = { kind: 'pretrain', id: pretrainId(o.size, seed), size: o.size, seed, after: [] };
    return runAloneThenPrint(unit, {}, o, [`sizes=["${o.size}"]`, ...(o.steps !== undefined ? [`pretrain.steps.${o.size}=${o.steps}`] : [])]);
  },
});

export const finetune = command({
  name: 'finetune',
  summary: 'fine-tune a model on one task by RL, then measure it',
  description: 'Fine-tune a pretrained model on one task with one RL rule, then score it on every task and measure its Op and Imp: one unit of the study, run alone.',
  props: { ...common, model: nonEmpty('a model directory'), task: intString(1, 1000), rule: oneOf(STUDY_RULES) },
  required: ['model', 'task', 'out'],
  flags: {
    model: { value: '<dir>', about: 'the pretrained model: a pretrain unit directory, or its model/' },
    task: { value: '<n_good>', about: "the task to fine-tune on (one of the environment's tasks)" },
    rule: { value: '<rule>', about: `the RL rule: ${STUDY_RULES.join(', ')} (default exact)` },
    ...commonFlags,
  },
  run: async (o) => {
    const seed = o.seed ?? 1, rule = o.rule ?? 'exact';
    const modelDir = resolve(o.model);
    // Load it now: a broken model is a usage error, before any work.
    const model = await loadModelDir(modelDir, { flag: '--model', expected: 'a model directory', backend: o.backend });
    if (E.isLeft(model)) return model;
    const size = SIZE_PRESETS.find((p) => JSON.stringify(p.config) === JSON.stringify(model.right.config))?.name;
    model.right.dispose();
    if (size === undefined) return E.left(usageError(`--model: "${o.model}" is not one of the size presets (${SIZE_NAMES.join(', ')})`));
    if (!relative(modelDir, resolve(o.out)).startsWith('..')) return E.left(usageError(`--out: "${o.out}" is the model's directory or inside it; give a directory of its own`));
    const unit: Unit = { kind: 'finetune', id: finetuneId(size, seed, o.task, rule), size, seed, task: o.task, rule, after: [] };
    return runAloneThenPrint(unit, { [pretrainId(size, seed)]: modelDir }, o, [`tasks=[${o.task}]`]);
  },
});
