/** Writing the report: load, build, write atomically (temporary file in the same directory, then rename). */
import type { RecordsError } from '@optimpact/records';
import { loadRecords, writeFileAtomic } from '@optimpact/records';
import * as E from 'fp-ts/lib/Either.js';
import { buildReport } from './report.js';

/** What {@link writeReport} wrote. */
export interface WrittenReport {
  /** Where the report was written. */
  readonly file: string;
  /** Its size in bytes. */
  readonly bytes: number;
  /** How many run records it was built from. */
  readonly records: number;
}

/**
 * Loads the records under `dirs` ({@link loadRecords}), builds the report ({@link buildReport}) and writes
 * it to `outFile` atomically.
 */
export function writeReport(dirs: readonly string[], outFile: string, only?: ReadonlySet<string>): E.Either<RecordsError, WrittenReport> {
  const data = loadRecords(dirs, only);
  if (E.isLeft(data)) return data;
  const html = buildReport(data.right);
  try {
    writeFileAtomic(outFile, html);
  } catch (e) {
    return E.left({ _tag: 'WriteError', file: outFile, message: e instanceof Error ? e.message : String(e) });
  }
  const d = data.right;
  return E.right({ file: outFile, bytes: Buffer.byteLength(html, 'utf8'), records: d.pretrain.length + d.finetune.length + d.baselines.length });
}
