/**
 * Artifacts are written atomically (temp file + rename) with a SHA-256 beside them, so a study killed
 * at any point leaves either a whole, verifiable file or none; `readVerified` treats anything else as
 * missing, and the stage that wrote it runs again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Writes `data` to `file` atomically, then its checksum to `file.sha256` (also atomically). */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const put = (path: string, content: string | Uint8Array): void => {
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  };
  rmSync(`${file}.sha256`, { force: true }); // a stale checksum must never vouch for the new file
  put(file, data);
  put(`${file}.sha256`, `${sha256(data)}\n`);
}

/** The file's content if it exists and matches its checksum; otherwise undefined. */
export function readVerified(file: string): Buffer | undefined {
  if (!existsSync(file) || !existsSync(`${file}.sha256`)) return undefined;
  const data = readFileSync(file);
  return readFileSync(`${file}.sha256`, 'utf8').trim() === sha256(data) ? data : undefined;
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
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(tmp, { recursive: true });
  await fill(tmp);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}
