/**
 * Loads the environment a run names. An environment package exports
 * `createEnvironment(options?: object): Environment`; the SPEC §1 one is `@optimpact/sequence-env`.
 */
import type { Environment } from '@optimpact/core';
import * as E from 'fp-ts/lib/Either.js';
import type { UsageError } from './args.js';
import { usageError } from './args.js';

export const DEFAULT_ENV = '@optimpact/sequence-env';

export async function loadEnvironment(name: string, options: object = {}): Promise<E.Either<UsageError, Environment>> {
  let mod: { createEnvironment?: unknown };
  try {
    mod = (await import(name)) as { createEnvironment?: unknown };
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
