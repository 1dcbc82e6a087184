/** Test helpers: fixture paths and copying fixture studies into temporary directories. */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const STUDY = join(HERE, 'fixtures', 'study');
export const HOSTILE = join(HERE, 'fixtures', 'hostile');
export const OUTPUT = join(HERE, 'output');

/** A fresh temporary directory. */
export function tempDir(prefix = 'optimpact-report-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every file below `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Copies the files of `src` for which `pick(relativePath, index)` holds into `dest`. */
export function copySome(src: string, dest: string, pick: (path: string, i: number) => boolean): void {
  listFiles(src).forEach((p, i) => {
    if (!pick(p, i)) return;
    mkdirSync(dirname(join(dest, p)), { recursive: true });
    cpSync(join(src, p), join(dest, p));
  });
}

/** Writes a run record as the study does: the file, then its `.sha256` (without it, the record is unfinished). */
export function writeRun(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  writeFileSync(`${file}.sha256`, `${createHash('sha256').update(text).digest('hex')}\n`);
}
