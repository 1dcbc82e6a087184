/**
 * The study's grid as units of work with their dependencies (docs/method.md#the-study): for each size × seed, one
 * pretraining, then one fine-tuning (+ measurement) per task and RL rule; and the baselines. Ids name
 * the directory of each unit's record (`runs/<id>/run.json`).
 */
import type { RLConfig } from '@optimpact/rl-trainer';
import type { SizeName } from '@optimpact/transformer';
import type { StudyConfig, StudyRule } from './config.js';
import { forSize, rlForSize, STUDY_RULES } from './config.js';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';
import * as E from 'fp-ts/lib/Either.js';

export type Unit =
  | { readonly kind: 'pretrain'; readonly id: string; readonly size: SizeName; readonly seed: number; readonly after: readonly string[] }
  | {
      readonly kind: 'finetune';
      readonly id: string;
      readonly size: SizeName;
      readonly seed: number;
      readonly task: number;
      readonly rule: StudyRule;
      readonly after: readonly string[];
    }
  | { readonly kind: 'baseline'; readonly id: string; readonly name: 'generator'; readonly after: readonly string[] };

export const pretrainId = (size: string, seed: number): string => `${size}-s${seed}-pretrain`;
export const finetuneId = (size: string, seed: number, task: number, rule: string): string => `${size}-s${seed}-n${task}-${rule}`;

/** Every unit of the study, dependencies first. */
export function planStudy(config: StudyConfig): Unit[] {
  const rules = STUDY_RULES.filter((r) => config.rl[r] !== undefined);
  const units: Unit[] = [{ kind: 'baseline', id: 'generator', name: 'generator', after: [] }];
  for (const size of config.sizes) {
    for (const seed of config.seeds) {
      const pre = pretrainId(size, seed);
      units.push({ kind: 'pretrain', id: pre, size, seed, after: [] });
      for (const task of config.tasks)
        for (const rule of rules) units.push({ kind: 'finetune', id: finetuneId(size, seed, task, rule), size, seed, task, rule, after: [pre] });
    }
  }
  return units;
}

/** A fine-tuning's RL settings, read at its size. */
export function unitRL(config: StudyConfig, unit: Extract<Unit, { kind: 'finetune' }>): RLConfig {
  return { rule: unit.rule, ...rlForSize(config.rl[unit.rule]!, unit.size) };
}

/**
 * The part of the config a unit's result depends on, per-size settings resolved and the good sets as
 * resolved (a fine-tuning also depends on its pretrained model, checked by checksum): what its record
 * holds as `config`, and what a resumed study checks a finished record against.
 */
export function unitConfig(config: StudyConfig, unit: Unit, goodSets: Readonly<Record<number, readonly number[]>>): Record<string, unknown> {
  const common = { environment: config.environment, goodSets };
  switch (unit.kind) {
    case 'pretrain':
      return { size: unit.size, ...config.pretrain, steps: forSize(config.pretrain.steps, unit.size) ?? 0, data: config.data, ...common };
    case 'finetune':
      return { size: unit.size, task: unit.task, rl: unitRL(config, unit), measure: config.measure, data: config.data, ...common };
    case 'baseline':
      return { measure: config.measure, data: config.data, ...common };
  }
}

/** `--shard i/n` read: 1 ≤ i ≤ n, and n at most the config's size × seed chains. */
export function parseShard(text: string, config: Pick<StudyConfig, 'sizes' | 'seeds'>): E.Either<UsageError, { index: number; count: number }> {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(text);
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
  if (!shard || shard.index < 1 || shard.index > shard.count) return E.left(usageError(`--shard: expected i/n with 1 ≤ i ≤ n, got "${text}"`));
  const chains = config.sizes.length * config.seeds.length;
  if (shard.count > chains) return E.left(usageError(`--shard: "${text}" splits ${chains} size × seed chain(s) into ${shard.count} shards; use n ≤ ${chains}`));
  return E.right(shard);
}

/**
 * Shard `index` of `count` (1-based): whole size × seed chains go to one shard (round robin over
 * chains), so no shard waits for another's pretraining; the baselines go to shard 1.
 */
export function shardOf(units: readonly Unit[], index: number, count: number): Unit[] {
  const chains = [...new Set(units.flatMap((u) => (u.kind === 'baseline' ? [] : [`${u.size}-s${u.seed}`])))];
  return units.filter((u) => (u.kind === 'baseline' ? index === 1 : chains.indexOf(`${u.size}-s${u.seed}`) % count === index - 1));
}
