/**
 * Loads the environment a run names. An environment package exports
 * `createEnvironment(options?: object): Environment`; the study's own (docs/method.md#the-sequence-environment) is `@optimpact/sequence-env`.
 * `name` is a package the CLI ships with, a package installed where optimpact runs (resolved from the
 * current directory), or a path to a module file (starting with `.` or `/`).
 */
import type { Environment, Task } from '@optimpact/core';
import * as E from 'fp-ts/lib/Either.js';
import type { StudyConfig } from './config.js';
import { GOOD_SET_VARIANTS } from './config.js';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const DEFAULT_ENV = '@optimpact/sequence-env';

function specifier(name: string): string {
  if (name.startsWith('.') || name.startsWith('/')) return pathToFileURL(resolve(name)).href;
  try {
    return import.meta.resolve(name);
  } catch {
    // not one of the CLI's own dependencies: try the current directory's node_modules
    return pathToFileURL(createRequire(join(process.cwd(), 'package.json')).resolve(name)).href;
  }
}

export async function loadEnvironment(name: string, options: object = {}): Promise<E.Either<UsageError, Environment>> {
  let mod: { createEnvironment?: unknown };
  try {
    mod = (await import(specifier(name))) as { createEnvironment?: unknown };
  } catch (e) {
    return E.left(usageError(`--env: cannot load environment package "${name}" (${(e as Error).message.split('\n')[0]})`));
  }
  if (typeof mod.createEnvironment !== 'function') return E.left(usageError(`--env: package "${name}" exports no createEnvironment function`));
  try {
    return E.right((mod.createEnvironment as (o: object) => Environment)(options));
  } catch (e) {
    return E.left(usageError(`--env: ${name}: ${(e as Error).message}`));
  }
}

/**
 * The environment with the study's good sets (`goodSets`: a named variant or explicit sets; absent, its
 * own tasks), or a usage error naming an outcome the environment does not have.
 */
export function withGoodSets(env: Environment, goodSets: StudyConfig['goodSets']): E.Either<UsageError, Environment> {
  if (goodSets === undefined) return E.right(env);
  const sets = typeof goodSets === 'string' ? GOOD_SET_VARIANTS[goodSets] : goodSets;
  const bad = sets.flat().find((v) => !env.outcomes.includes(v));
  if (bad !== undefined) return E.left(usageError(`goodSets: ${bad} is not an outcome of ${env.name} (${env.outcomes.join(', ')})`));
  const tasks: Task[] = sets.map((good) => ({ name: `n_good=${good.length}`, nGood: good.length, good: [...good] }));
  return E.right({ ...env, tasks });
}
