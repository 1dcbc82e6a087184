/**
 * The layout of a study's output directory, and its run records:
 *
 *     <out>/config.json (+ .sha256)    the resolved config; one config per directory
 *     <out>/study.json (+ .sha256)     preset and elapsed seconds over resumes
 *     <out>/summary.json (+ .sha256)   the study at a glance, from the records
 *     <out>/report.html                the report, from the records
 *     <out>/runs/<id>/run.json (+ .sha256), <out>/runs/<id>/model/   one unit of work
 */
import type { RunRecord } from '@optimpact/core';
import { RunRecord as RunRecordCodec } from '@optimpact/core';
import * as E from 'fp-ts/lib/Either.js';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isTemporary, readVerified, writeVerified } from './files.js';

/** `<out>/config.json`: the resolved config. */
export const configFile = (out: string): string => join(out, 'config.json');
/** `<out>/study.json`: preset and elapsed seconds over resumes. */
export const studyFile = (out: string): string => join(out, 'study.json');
/** `<out>/summary.json`: the study at a glance. */
export const summaryFile = (out: string): string => join(out, 'summary.json');
/** `<out>/report.html`: the report. */
export const reportFile = (out: string): string => join(out, 'report.html');
/** `<out>/runs`: one directory per unit. */
export const runsDir = (out: string): string => join(out, 'runs');

/** The directory of unit `id` in a study's output directory: its `run.json` and `model/`. */
export const unitDir = (out: string, id: string): string => join(runsDir(out), id);
/** The record file of a unit directory. */
export const RUN_FILE = 'run.json';

/** JSON as the study writes it (one-space indent, final newline), so files diff and hash stably. */
export const jsonText = (value: unknown): string => `${JSON.stringify(value, null, 1)}\n`;

/** Writes a unit's run record (`dir/run.json`) atomically, with its checksum. */
export function writeRecord(dir: string, record: RunRecord): void {
  writeVerified(join(dir, RUN_FILE), jsonText(record));
}

/** The finished record in a unit directory, if it is whole (checksum), decodes, and succeeded. */
export function finishedRecord(dir: string): RunRecord | undefined {
  const data = readVerified(join(dir, RUN_FILE));
  if (data === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  const r = RunRecordCodec.decode(json);
  return E.isRight(r) && r.right.status === 'success' ? r.right : undefined;
}

/** Every finished record under the output directories' `runs/`. */
export function finishedRecords(dirs: readonly string[]): RunRecord[] {
  return dirs.flatMap((dir) => {
    const runs = runsDir(dir);
    return existsSync(runs) ? readdirSync(runs).flatMap((id) => finishedRecord(unitDir(dir, id)) ?? []) : [];
  });
}

/** Removes the leftovers of interrupted writes under `<out>/runs/` (never trusted). */
export function removeTemporaries(out: string): void {
  const runs = runsDir(out);
  if (!existsSync(runs)) return;
  for (const id of readdirSync(runs)) for (const f of readdirSync(join(runs, id))) if (isTemporary(f)) rmSync(join(runs, id, f), { recursive: true, force: true });
}
