/**
 * Artifacts are written atomically (temp file + rename), so a process killed at any point leaves either
 * a whole file or none. Study files also carry a SHA-256 beside them (`<file>.sha256`): `readVerified`
 * treats a file that does not match it as missing, and the stage that wrote it runs again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** A fresh temporary name beside `path` (same directory, so the rename is atomic). */
const tmpName = (path: string): string => `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/**
 * A file or directory that could not be written (full disk, read-only file system, permissions…): its
 * message is one line naming the path and the cause, for the user; nothing half-written is left trusted.
 */
export class WriteError extends Error {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    cause: string,
  ) {
    super(`cannot write ${path}: ${cause}`);
    this.name = 'WriteError';
  }
}

/** Runs a write, turning a file-system error into a `WriteError` naming `path`. */
export function writing<T>(path: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    if (e instanceof WriteError) throw e;
    const err = e as NodeJS.ErrnoException;
    // Node's message is "CODE: description, syscall 'path'": the description alone reads best.
    const cause = err.code !== undefined ? `${err.message.replace(/^[A-Z]+: /, '').replace(/, \w+( '.*')?$/, '')} (${err.code})` : err.message;
    throw new WriteError(path, err.code, cause);
  }
}

/**
 * Creates `dir` and its parents. Node's recursive mkdir reports ENOENT where the real cause is a
 * read-only or full file system: the last step is retried alone to get it.
 */
export function makeDir(dir: string): void {
  writing(dir, () => {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync(dirname(dir))) throw e;
      mkdirSync(dir);
    }
  });
}

/** Writes `data` to `file` atomically (a temporary file beside it, then a rename); creates the parent directory. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  makeDir(dirname(file));
  writing(file, () => {
    const tmp = tmpName(file);
    try {
      writeFileSync(tmp, data);
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  });
}

/** Writes `data` to `file` atomically, then its checksum to `file.sha256` (also atomically). */
export function writeVerified(file: string, data: string | Uint8Array): void {
  writing(file, () => rmSync(`${file}.sha256`, { force: true })); // a stale checksum must never vouch for the new file
  writeFileAtomic(file, data);
  writeFileAtomic(`${file}.sha256`, `${sha256(data)}\n`);
}

/**
 * Reads `file` against its `file.sha256`: `missing` when either is absent (`requireChecksum`) or the file
 * is; `mismatch` when the content does not match. Without `requireChecksum`, a file with no checksum
 * beside it (written by hand) is read as it is.
 */
export function readChecked(file: string, requireChecksum: boolean): { readonly data: Buffer } | 'missing' | 'mismatch' {
  const hasSum = existsSync(`${file}.sha256`);
  if (!existsSync(file) || (requireChecksum && !hasSum)) return 'missing';
  const data = readFileSync(file);
  if (hasSum && readFileSync(`${file}.sha256`, 'utf8').trim() !== sha256(data)) return 'mismatch';
  return { data };
}

/** The file's content if it exists and matches its checksum; otherwise undefined. */
export function readVerified(file: string): Buffer | undefined {
  const r = readChecked(file, true);
  return typeof r === 'string' ? undefined : r.data;
}

/** SHA-256 over every file of a directory (sorted by name), to verify a saved model. */
export function hashDir(dir: string): string {
  const h = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isFile()) h.update(name).update(readFileSync(p));
  }
  return h.digest('hex');
}

/** Writes a directory through `fill(tmpDir)` then renames it into place, replacing any old one. */
export async function writeDirAtomic(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tmpName(dir);
  writing(dir, () => mkdirSync(tmp, { recursive: true }));
  try {
    await fill(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  writing(dir, () => {
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  });
}

/** True when a name is a leftover of an interrupted atomic write (never trusted). */
export const isTemporary = (name: string): boolean => name.includes('.tmp-');
