import type { BackendName, SizeName } from '@optimpact/transformer';
import { SIZE_NAMES, SIZE_PRESETS, setBackend } from '@optimpact/transformer';
import * as E from 'fp-ts/lib/Either.js';
import { relative, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { StudyRule } from './config.js';
import { envConflict, envSource, resolveConfig, withEnvFlag } from './config.js';
import type { RecordedSettings } from './environment.js';
import { configuredEnvironment, recordedSettings } from './environment.js';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';
import { environmentMisfit, loadModelDir } from './models.js';
import { writablePath } from './paths.js';
import type { Unit } from './plan.js';
import { finetuneId, pretrainId } from './plan.js';
import { progress } from './progress.js';
import { runUnit } from './run-unit.js';

/** The flags `optimpact pretrain` and `optimpact finetune` share. */
export interface AloneOptions {
  readonly preset?: string;
  readonly set?: readonly string[];
  readonly backend?: BackendName;
  readonly seed?: number;
  readonly out: string;
  /** Short for `--set environment.package=…`. */
  readonly env?: string;
}

/** `optimpact pretrain`: one model of `size` pretrained into --out (seed 1 unless given). Returns the unit directory. */
export async function pretrainAlone(o: AloneOptions & { readonly size: SizeName; readonly steps?: number }): Promise<E.Either<UsageError, string>> {
  const seed = o.seed ?? 1;
  const out = writablePath('--out', o.out, 'dir');
  if (E.isLeft(out)) return out;
  const unit: Unit = { kind: 'pretrain', id: pretrainId(o.size, seed), size: o.size, seed, after: [] };
  return runAlone(unit, {}, o, out.right, [`sizes=["${o.size}"]`, ...(o.steps !== undefined ? [`pretrain.steps.${o.size}=${o.steps}`] : [])]);
}

/** `optimpact finetune`: the model in --model fine-tuned on `task` by `rule` (exact unless given), then measured, into --out. */
export async function finetuneAlone(
  o: AloneOptions & { readonly model: string; readonly task: number; readonly rule?: StudyRule },
): Promise<E.Either<UsageError, string>> {
  const seed = o.seed ?? 1,
    rule = o.rule ?? 'exact';
  const out = writablePath('--out', o.out, 'dir');
  if (E.isLeft(out)) return out;
  const modelDir = resolve(o.model);
  // Load it now: a broken model is a usage error, before any work.
  const model = await loadModelDir(modelDir, { flag: '--model', expected: 'a model directory', backend: o.backend });
  if (E.isLeft(model)) return model;
  // the size is the architecture's; vocabulary and context length are the environment's (checked against it below)
  const m = model.right.config;
  const size = SIZE_PRESETS.find((p) => isDeepStrictEqual({ ...p.config, vocabSize: m.vocabSize, contextLength: m.contextLength }, { ...m }))?.name;
  model.right.dispose();
  if (size === undefined) return E.left(usageError(`--model: "${o.model}" is not one of the size presets (${SIZE_NAMES.join(', ')})`));
  if (!relative(modelDir, out.right).startsWith('..'))
    return E.left(usageError(`--out: "${o.out}" is the model's directory or inside it; give a directory of its own`));
  // a pretrain unit's record holds what the model was made with: its environment, good sets and data
  const recorded = recordedSettings(modelDir, '--model');
  if (E.isLeft(recorded)) return recorded;
  const unit: Unit = { kind: 'finetune', id: finetuneId(size, seed, o.task, rule), size, seed, task: o.task, rule, after: [] };
  return runAlone(unit, { [pretrainId(size, seed)]: modelDir }, o, out.right, [`tasks=[${o.task}]`], {
    vocabSize: m.vocabSize,
    contextLength: m.contextLength,
    recorded: recorded.right,
  });
}

/**
 * `--set`s that give a config the recorded settings (`environment` and `goodSets` only while the package is
 * `pkg`: options and good sets recorded for one package are not given to another).
 */
function recordedSets(r: RecordedSettings, pkg: string | undefined): string[] {
  const sets = r.data ? [`data=${JSON.stringify(r.data)}`] : [];
  if (pkg !== undefined && pkg !== r.environment.package) return sets;
  return [...sets, `environment=${JSON.stringify(r.environment)}`, ...(r.goodSets ? [`goodSets=${JSON.stringify(r.goodSets)}`] : [])];
}

/**
 * One unit of the study run alone, --out checked (as `out`): resolves the settings, then runs `unit` with
 * its record and model in `dirs[unit.id]` (else `out`). Returns the unit directory.
 */
async function runAlone(
  unit: Unit,
  dirs: Record<string, string>,
  o: AloneOptions,
  out: string,
  extraSets: string[],
  model?: { readonly vocabSize: number; readonly contextLength: number; readonly recorded?: RecordedSettings },
): Promise<E.Either<UsageError, string>> {
  const record = model?.recorded;
  // a record's settings sit between the preset and the user's --env and --set, which may change them
  const resolveFor = (pkg: string | undefined) =>
    resolveConfig({
      ...(o.preset ? { preset: o.preset } : {}),
      set: [...extraSets, ...(record ? recordedSets(record, pkg) : []), ...withEnvFlag(o.env, o.set)],
    });
  let resolved = resolveFor(undefined);
  if (E.isRight(resolved)) {
    const pkg = resolved.right.config.environment.package;
    const conflict = envConflict(o.env, pkg);
    if (conflict) return E.left(conflict);
    if (record && pkg !== record.environment.package) resolved = resolveFor(pkg);
  }
  if (E.isLeft(resolved)) return resolved;
  if (unit.kind === 'finetune' && resolved.right.config.rl[unit.rule] === undefined) {
    return E.left(usageError(`--rule: the ${o.preset ?? 'quick'} preset has no settings for rule "${unit.rule}" (give them with --set rl.${unit.rule}='{…}')`));
  }
  const { config } = resolved.right;
  const env = await configuredEnvironment(config, envSource(o.env));
  if (E.isLeft(env)) return env;
  const tasks = env.right.tasks.map((x) => x.nGood);
  if (unit.kind === 'finetune' && !tasks.includes(unit.task)) return E.left(usageError(`--task: expected one of ${tasks.join('|')}, got "${unit.task}"`));
  const misfit = model && environmentMisfit(model, env.right);
  if (misfit) return E.left(usageError(`--model: ${misfit} (give the --preset or --env it was trained with)`));
  const backend = await setBackend(o.backend);
  process.stderr.write(`backend: ${backend}\n`);
  const dir = (id: string): string => dirs[id] ?? out;
  const bar = progress(1);
  await runUnit({ dir, config, source: resolved.right.source, backend, onProgress: (p) => bar.update(p), log: (line) => bar.log(line) }, unit);
  bar.finish(unit.id, 'done');
  bar.stop();
  return E.right(out);
}
