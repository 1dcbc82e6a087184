/**
 * Loads the environment a run names. An environment package exports
 * `createEnvironment(options?: object): Environment`; the study's own (docs/method.md#the-sequence-environment) is `@optimpact/sequence-env`.
 * `name` is a package the CLI ships with, a package installed where the command runs (a package of this
 * workspace once linked into its root), or a path to a module file (starting with `.` or `/`).
 */
import type { Environment, EnvironmentPackage, Task } from '@optimpact/core';
import { environmentViolation } from '@optimpact/core';
import { RUN_FILE, unitState } from '@optimpact/records';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { StudyConfig } from './config.js';
import { applyOverrides, decodeStrict, EnvironmentConfig, EnvironmentSettings, envConflict, envSource, GOOD_SET_VARIANTS, withEnvFlag } from './config.js';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const DEFAULT_ENV = '@optimpact/sequence-env';

/**
 * Resolvers of a package name, in order: the CLI's own dependencies, then the current directory with its
 * parents' `node_modules` (`pnpm optimpact` runs the CLI where the user typed the command; from a
 * package's own directory its name resolves to itself).
 */
const resolvers: readonly ((name: string) => string)[] = [
  (name) => import.meta.resolve(name),
  (name) => pathToFileURL(createRequire(join(process.cwd(), 'package.json')).resolve(name)).href,
];

/** The module URL of `name`, or why it cannot be found. */
function specifier(name: string): E.Either<string, string> {
  if (name.startsWith('.') || name.startsWith('/')) return E.right(pathToFileURL(resolve(name)).href);
  let why = '';
  for (const r of resolvers)
    try {
      return E.right(r(name));
    } catch (e) {
      why = (e as Error).message.split('\n')[0]!;
    }
  // pnpm links a workspace package only into the packages that depend on it, not into the workspace root
  return E.left(`${why}; if it is a package of this workspace, link it into the root first: pnpm add -w '${name}@workspace:*'`);
}

/**
 * The environment package `name` made with `options`, decoded strictly by the package's `Options` codec
 * when it exports one (core `EnvironmentPackage`); errors name `flag`, where the name was given.
 */
export async function loadEnvironment(name: string, options: object = {}, flag = '--env'): Promise<E.Either<UsageError, Environment>> {
  const url = specifier(name);
  if (E.isLeft(url)) return E.left(usageError(`${flag}: cannot load environment package "${name}" (${url.left})`));
  let mod: Partial<Record<keyof EnvironmentPackage, unknown>>;
  try {
    mod = (await import(url.right)) as typeof mod;
  } catch (e) {
    return E.left(usageError(`${flag}: cannot load environment package "${name}" (${(e as Error).message.split('\n')[0]})`));
  }
  if (typeof mod.createEnvironment !== 'function') return E.left(usageError(`${flag}: package "${name}" exports no createEnvironment function`));
  let decoded = options;
  if (mod.Options !== undefined) {
    if (typeof (mod.Options as t.Mixed | null)?.decode !== 'function')
      return E.left(usageError(`${flag}: package "${name}" exports an Options that is not an io-ts codec`));
    const o = decodeStrict(mod.Options as t.Mixed, options, name, 'environment.options');
    if (E.isLeft(o)) return o;
    decoded = o.right as object;
  }
  let env: Environment;
  try {
    env = (mod.createEnvironment as EnvironmentPackage['createEnvironment'])(decoded);
  } catch (e) {
    return E.left(usageError(`${flag}: ${name}: ${(e as Error).message}`));
  }
  // checked once here, so that a broken environment is one clear line rather than a failure deep in a measure
  const violation = environmentViolation(env);
  return violation === undefined ? E.right(env) : E.left(usageError(`${flag}: ${name} breaks the Environment contract: ${violation}`));
}

/** The environment a config's settings make: its package with its options, the config's good sets for its tasks. */
export async function configuredEnvironment(c: EnvironmentConfig, flag = 'environment.package'): Promise<E.Either<UsageError, Environment>> {
  const env = await loadEnvironment(c.environment.package, c.environment.options, flag);
  return E.isLeft(env) ? env : withGoodSets(env.right, c.goodSets);
}

/** What a unit's record says of what its model was made with: the environment (good sets keyed by n_good) and, of a pretraining, its data settings. */
const RecordedSettings = t.intersection([
  t.type({ environment: EnvironmentSettings }),
  t.partial({ goodSets: t.record(t.string, t.array(t.number)), data: t.UnknownRecord }),
]);
export type RecordedSettings = EnvironmentConfig & { readonly data?: Record<string, unknown> };

/**
 * The settings in the record of the unit directory `dir` (undefined when it holds no run.json), or a usage
 * error naming `flag` when the record cannot be trusted.
 */
export function recordedSettings(dir: string, flag: string): E.Either<UsageError, RecordedSettings | undefined> {
  const file = join(dir, RUN_FILE);
  if (!existsSync(file)) return E.right(undefined);
  const state = unitState(dir);
  if (!('record' in state))
    return E.left(usageError(`${flag}: "${file}" cannot be used (${state.why ?? 'no record'}); give its model/ directory and --env instead`));
  const r = RecordedSettings.decode(state.record.config);
  if (E.isLeft(r)) return E.left(usageError(`${flag}: "${file}" records no environment; give its model/ directory and --env instead`));
  const { environment, goodSets, data } = r.right;
  return E.right({ environment, ...(goodSets ? { goodSets: Object.values(goodSets) } : {}), ...(data ? { data } : {}) });
}

/**
 * The environment a saved model is measured on: the package, options and good sets in the record of the
 * unit directory `dir` (none for a built-in policy or a bare model/), else the default package; `--env` and
 * `--set` change them as they change a study's config. Options and good sets recorded for one package are
 * not given to another.
 */
export async function unitEnvironment(
  dir: string | undefined,
  flag: string,
  o: { env?: string; set?: readonly string[] },
): Promise<E.Either<UsageError, Environment>> {
  const recorded = dir === undefined ? E.right(undefined) : recordedSettings(dir, flag);
  if (E.isLeft(recorded)) return recorded;
  const record = recorded.right && { environment: recorded.right.environment, ...(recorded.right.goodSets ? { goodSets: recorded.right.goodSets } : {}) };
  const sets = withEnvFlag(o.env, o.set);
  const settle = (base: EnvironmentConfig) => E.chain((v: unknown) => decodeStrict(EnvironmentConfig, v, '--set'))(applyOverrides(base, sets));
  const only = (pkg: string): EnvironmentConfig => ({ environment: { package: pkg, options: {} } });
  let settings = settle(record ?? only(DEFAULT_ENV));
  if (E.isRight(settings) && record && settings.right.environment.package !== record.environment.package)
    settings = settle(only(settings.right.environment.package));
  if (E.isLeft(settings)) return settings;
  const conflict = envConflict(o.env, settings.right.environment.package);
  if (conflict) return E.left(conflict);
  return configuredEnvironment(settings.right, o.env === undefined && record ? `${flag} ${join(dir!, RUN_FILE)}: environment.package` : envSource(o.env));
}

/**
 * The environment with the study's good sets (`goodSets`: a named variant or explicit sets; absent, its
 * own tasks), or a usage error naming an outcome the environment does not have.
 */
export function withGoodSets(env: Environment, goodSets: StudyConfig['goodSets']): E.Either<UsageError, Environment> {
  if (goodSets === undefined) return E.right(env);
  const sets = typeof goodSets === 'string' ? GOOD_SET_VARIANTS[goodSets] : goodSets;
  if (sets.length === 0) return E.left(usageError(`goodSets: expected at least one good set (one per task), got []`));
  const bad = sets.flat().find((v) => !env.outcomes.includes(v));
  if (bad !== undefined) return E.left(usageError(`goodSets: ${bad} is not an outcome of ${env.name} (${env.outcomes.join(', ')})`));
  const tasks: Task[] = sets.map((good) => ({ name: `n_good=${good.length}`, nGood: good.length, good: [...good] }));
  return E.right({ ...env, tasks });
}
