/** Writing the report: load, build, write atomically (temporary file in the same directory, then rename). */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { loadRecords } from './load.js';
import type { ReportError } from './load.js';
import { buildReport } from './report.js';

/** What {@link writeReport} wrote. */
export interface WrittenReport {
  readonly file: string;
  readonly bytes: number;
  readonly records: number;
}

/**
 * Writes `html` to `file` atomically: a temporary file beside it, then a rename, so a reader never sees a
 * half-written report. Creates the parent directory.
 */
export function writeFileAtomic(file: string, html: string): E.Either<ReportError, number> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, html, 'utf8');
    renameSync(tmp, file);
    return E.right(Buffer.byteLength(html, 'utf8'));
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the directory itself is unusable: nothing was left behind
    }
    return E.left({ _tag: 'WriteError', file, message: e instanceof Error ? e.message : String(e) });
  }
}

/**
 * Loads the records under `dirs` ({@link loadRecords}), builds the report ({@link buildReport}) and writes
 * it to `outFile` atomically.
 */
export function writeReport(dirs: readonly string[], outFile: string): E.Either<ReportError, WrittenReport> {
  const data = loadRecords(dirs);
  if (E.isLeft(data)) return data;
  const html = buildReport(data.right);
  const written = writeFileAtomic(outFile, html);
  if (E.isLeft(written)) return written;
  const d = data.right;
  return E.right({ file: outFile, bytes: written.right, records: d.pretrain.length + d.finetune.length + d.baselines.length });
}
