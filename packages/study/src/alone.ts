import type { BackendName } from '@optimpact/transformer';
import { setBackend } from '@optimpact/transformer';
import * as E from 'fp-ts/lib/Either.js';
import { resolveConfig } from './config.js';
import { loadEnvironment } from './environment.js';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';
import { writablePath } from './paths.js';
import type { Unit } from './plan.js';
import { progress } from './progress.js';
import { runUnit } from './run-unit.js';

/**
 * One unit of the study run alone (`optimpact pretrain`, `optimpact finetune`): resolves the settings and checks
 * --out, then runs `unit` with its record and model in `dirs[unit.id]` (else --out). Returns the unit directory.
 */
export async function runAlone(unit: Unit, dirs: Record<string, string>, o: { preset?: string; set?: readonly string[]; backend?: BackendName; out: string }, extraSets: string[]): Promise<E.Either<UsageError, string>> {
  const resolved = resolveConfig({ ...(o.preset ? { preset: o.preset } : {}), set: [...extraSets, ...(o.set ?? [])] });
  if (E.isLeft(resolved)) return resolved;
  if (unit.kind === 'finetune' && resolved.right.config.rl[unit.rule] === undefined) {
    return E.left(usageError(`--rule: the ${o.preset ?? 'quick'} preset has no settings for rule "${unit.rule}" (give them with --set rl.${unit.rule}='{…}')`));
  }
  const { config } = resolved.right;
  const env = await loadEnvironment(config.environment.package, config.environment.options);
  if (E.isLeft(env)) return env;
  const tasks = env.right.tasks.map((x) => x.nGood);
  if (unit.kind === 'finetune' && !tasks.includes(unit.task)) return E.left(usageError(`--task: expected one of ${tasks.join('|')}, got "${unit.task}"`));
  const out = writablePath('--out', o.out, 'dir');
  if (E.isLeft(out)) return out;
  const backend = await setBackend(o.backend);
  process.stderr.write(`backend: ${backend}\n`);
  const dir = (id: string): string => dirs[id] ?? out.right;
  const bar = progress(1);
  await runUnit({ dir, config, source: resolved.right.source, backend, onProgress: (p) => bar.update(p) }, unit);
  bar.finish(unit.id, 'done');
  bar.stop();
  return E.right(out.right);
}
