/** Paths a command will write, checked before any work so that a bad one is a usage error (exit code 2). */
import * as E from 'fp-ts/lib/Either.js';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';

const kind = (path: string): 'dir' | 'file' | 'none' => {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'none';
  }
};

/**
 * Checks, before any work, that `path` can be written as a directory (`as: 'dir'`) or a file: not an
 * existing entry of the other kind, not under a file, and its nearest existing folder writable.
 * Returns the absolute path.
 */
export function writablePath(flag: string, path: string, as: 'dir' | 'file'): E.Either<UsageError, string> {
  const abs = resolve(path);
  const here = kind(abs);
  if (here !== 'none' && here !== as) return E.left(usageError(`${flag}: "${path}" is a ${here === 'dir' ? 'directory' : 'file'}, expected a ${as === 'dir' ? 'directory' : 'file'}`));
  let existing = here === 'dir' ? abs : dirname(abs);
  while (kind(existing) === 'none') existing = dirname(existing);
  if (kind(existing) === 'file') return E.left(usageError(`${flag}: "${path}" lies under "${existing}", which is a file`));
  try {
    accessSync(existing, constants.W_OK);
  } catch (e) {
    return E.left(usageError(`${flag}: cannot write in "${existing}" for "${path}" (${(e as NodeJS.ErrnoException).code ?? 'not writable'})`));
  }
  return E.right(abs);
}
