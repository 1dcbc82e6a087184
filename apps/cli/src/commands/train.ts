/**
 * `optimpact pretrain` and `optimpact finetune`: one unit of the study, run alone. Settings come from a
 * preset (default quick) with `--set` overrides, like the study's; the unit directory `--out` gets the
 * record (`run.json`) and the model (`model/`, TF.js format).
 */
import { oneOf } from '@optimpact/core';
import type { StudyRule, Unit } from '@optimpact/study';
import { findModelDir, finetuneId, PRESETS, STUDY_RULES, pretrainId, progress, resolveConfig, runUnit } from '@optimpact/study';
import type { BackendName } from '@optimpact/transformer';
import { BACKENDS, readModelMetadata, SIZE_NAMES, SIZE_PRESETS, setBackend } from '@optimpact/transformer';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { resolve } from 'node:path';
import type { UsageError } from '../args.js';
import { decodeFlags, intString, parseFlags, usageError } from '../args.js';

const common = {
  preset: oneOf(PRESETS),
  set: t.array(t.string),
  backend: oneOf(BACKENDS),
  seed: intString(0, 0xffffffff),
  out: t.string,
};

const pretrainProps = { ...common, size: oneOf(SIZE_NAMES), steps: intString(0, 100_000_000) };
const finetuneProps = { ...common, model: t.string, task: intString(1, 1000), rule: oneOf(STUDY_RULES) };

export const pretrainUsage = `optimpact pretrain --size ${SIZE_NAMES.join('|')} --out DIR [--seed N] [--steps K] [--preset P] [--set path=value …] [--backend B]`;
export const finetuneUsage = `optimpact finetune --model DIR --task 2|4|6 --out DIR [--rule ${STUDY_RULES.join('|')}] [--seed N] [--preset P] [--set …] [--backend B]`;

async function runAlone(unit: Unit, dirs: Record<string, string>, o: { preset?: string; set?: readonly string[]; backend?: BackendName }, extraSets: string[]): Promise<E.Either<UsageError, void>> {
  const resolved = resolveConfig({ ...(o.preset ? { preset: o.preset } : {}), set: [...extraSets, ...(o.set ?? [])] });
  if (E.isLeft(resolved)) return resolved;
  if (unit.kind === 'finetune' && resolved.right.config.rl[unit.rule] === undefined) {
    return E.left(usageError(`--rule: the ${o.preset ?? 'quick'} preset has no settings for rule "${unit.rule}" (give them with --set rl.${unit.rule}='{…}')`));
  }
  const backend = await setBackend(o.backend);
  process.stderr.write(`backend: ${backend}\n`);
  const dir = (id: string): string => {
    const d = dirs[id];
    if (d === undefined) throw new Error(`unit ${unit.id} needs unit ${id}, which is not given`);
    return d;
  };
  const bar = progress(1);
  await runUnit({ dir, config: resolved.right.config, backend, onProgress: (p) => bar.update(p) }, unit);
  bar.finish(unit.id, 'done');
  bar.stop();
  process.stdout.write(`${dirs[unit.id]}\n`);
  return E.right(undefined);
}

/** Runs `pretrain`. */
export async function pretrainCommand(argv: readonly string[]): Promise<E.Either<UsageError, void>> {
  const flags = parseFlags(argv, [], ['set']);
  if (E.isLeft(flags)) return flags;
  const d = decodeFlags(flags.right, pretrainProps, t.intersection([t.type({ size: pretrainProps.size, out: t.string }), t.partial(pretrainProps)]));
  if (E.isLeft(d)) return d;
  const o = d.right, seed = o.seed ?? 1;
  const unit: Unit = { kind: 'pretrain', id: pretrainId(o.size, seed), size: o.size, seed, after: [] };
  return runAlone(unit, { [unit.id]: resolve(o.out) }, o, [`sizes=["${o.size}"]`, ...(o.steps !== undefined ? [`pretrain.steps.${o.size}=${o.steps}`] : [])]);
}

/** Runs `finetune`. */
export async function finetuneCommand(argv: readonly string[]): Promise<E.Either<UsageError, void>> {
  const flags = parseFlags(argv, [], ['set']);
  if (E.isLeft(flags)) return flags;
  const d = decodeFlags(flags.right, finetuneProps, t.intersection([t.type({ model: t.string, task: finetuneProps.task, out: t.string }), t.partial(finetuneProps)]));
  if (E.isLeft(d)) return d;
  const o = d.right, seed = o.seed ?? 1, rule: StudyRule = o.rule ?? 'exact';
  const modelDir = resolve(o.model);
  const modelJson = findModelDir(modelDir);
  if (modelJson === undefined) return E.left(usageError(`--model: no model.json in "${o.model}" or its model/ folder`));
  const meta = await readModelMetadata(modelJson);
  const size = SIZE_PRESETS.find((p) => JSON.stringify(p.config) === JSON.stringify(meta.config))?.name;
  if (size === undefined) return E.left(usageError(`--model: "${o.model}" is not one of the size presets (${SIZE_PRESETS.map((p) => p.name).join(', ')})`));
  const unit: Unit = { kind: 'finetune', id: finetuneId(size, seed, o.task, rule), size, seed, task: o.task, rule, after: [] };
  return runAlone(unit, { [unit.id]: resolve(o.out), [pretrainId(size, seed)]: modelDir }, o, [`tasks=[${o.task}]`]);
}
