/**
 * Loads the environment a run names. An environment package exports
 * `createEnvironment(options?: object): Environment`; the study's own (docs/method.md#the-sequence-environment) is `@optimpact/sequence-env`.
 * `name` is a package the CLI ships with, a package installed where optimpact runs (resolved from the
 * current directory), or a path to a module file (starting with `.` or `/`).
 */
import type { Environment } from '@optimpact/core';
import * as E from 'fp-ts/lib/Either.js';
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
