/** Paths a command will write, checked before any work so that a bad one is a usage error (exit code 2). */
import * as E from 'fp-ts/lib/Either.js';
import { accessSync, constants, mkdtempSync, rmdirSync, statSync, utimesSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';

const kind = (path: string): 'dir' | 'file' | 'other' | 'none' => {
  const s = statSync(path, { throwIfNoEntry: false });
  return s === undefined ? 'none' : s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
};

/**
 * Makes and removes an empty directory in `dir`, then gives `dir` back its modification time: the one
 * check that also catches file systems that take no new entries whatever their modes say (/proc, /sys).
 */
function probe(dir: string): void {
  const { atimeMs, mtimeMs } = statSync(dir);
  rmdirSync(mkdtempSync(join(dir, '.optimpact-probe-')));
  try {
    utimesSync(dir, atimeMs / 1000, mtimeMs / 1000); // seconds: a Date would round to whole milliseconds
  } catch {
    // a directory we may write in but do not own: its time stays touched, nothing else changed
  }
}

/**
 * Checks, before any work, that `path` can be written as a directory (`as: 'dir'`) or a file: not an
 * existing entry of the other kind (nor a device, pipe or socket), not under a file, and its nearest
 * existing folder writable in fact (see `probe`).
 * Returns the absolute path.
 */
export function writablePath(flag: string, path: string, as: 'dir' | 'file'): E.Either<UsageError, string> {
  try {
    return checkWritable(flag, path, as);
  } catch (e) {
    // a path that cannot even be looked at (permission on a folder above it, a symlink loop, a name too long)
    return E.left(usageError(`${flag}: cannot use "${path}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
  }
}

function checkWritable(flag: string, path: string, as: 'dir' | 'file'): E.Either<UsageError, string> {
  const abs = resolve(path);
  const here = kind(abs);
  if (here === 'other') return E.left(usageError(`${flag}: "${path}" is neither a regular file nor a directory`));
  if (here !== 'none' && here !== as)
    return E.left(usageError(`${flag}: "${path}" is a ${here === 'dir' ? 'directory' : 'file'}, expected a ${as === 'dir' ? 'directory' : 'file'}`));
  let existing = here === 'dir' ? abs : dirname(abs);
  while (kind(existing) === 'none') existing = dirname(existing);
  if (kind(existing) !== 'dir') return E.left(usageError(`${flag}: "${path}" lies under "${existing}", which is a file`));
  try {
    accessSync(existing, constants.W_OK);
    probe(existing);
  } catch (e) {
    return E.left(usageError(`${flag}: cannot write in "${existing}" for "${path}" (${(e as NodeJS.ErrnoException).code ?? 'not writable'})`));
  }
  return E.right(abs);
}
