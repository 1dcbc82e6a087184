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
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { hashDir, isTemporary, readChecked, writeVerified } from './files.js';
import { decodeRecord, formatRecordsError } from './load.js';

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
  const file = join(dir, RUN_FILE),
    text = jsonText(record);
  // A record that would not decode (a NaN metric is null in JSON) is never written: the unit fails here, naming the field.
  const decoded = decodeRecord(file, JSON.parse(text));
  if (E.isLeft(decoded)) {
    const why = decoded.left._tag === 'DecodeError' ? decoded.left.errors.slice(0, 3).join('; ') : formatRecordsError(decoded.left);
    const hint = why.includes('got null') ? ' (a NaN or infinite number is null in JSON)' : '';
    throw new Error(`${record.id}: its record is not valid, so it was not written: ${why}${hint}`);
  }
  writeVerified(file, text);
}

/**
 * Whether a unit's artifacts can be trusted: its record when they can, else why not (`why` undefined:
 * nothing of the unit is there). The one validity rule of the study (what it skips on resume) and the
 * report (what it shows): a record counts only when it is whole (its `.sha256` present and matching),
 * decodes, succeeded, and its model directory matches the checksum in it.
 */
export type UnitState = { readonly record: RunRecord } | { readonly why: string | undefined };

export function unitState(dir: string): UnitState {
  if (existsSync(dir) && !statSync(dir).isDirectory()) return { why: `${dir} is not a directory` };
  const file = join(dir, RUN_FILE);
  const checked = readChecked(file, true);
  if (checked === 'missing') {
    if (!existsSync(file)) {
      const left = existsSync(dir) ? readdirSync(dir).filter((f) => !isTemporary(f)) : [];
      return { why: left.length > 0 ? `interrupted: ${left.join(', ')} but no run.json` : undefined };
    }
    return { why: 'run.json has no .sha256 (its write did not finish)' };
  }
  if (checked === 'mismatch') return { why: 'run.json does not match its .sha256 (corrupted or edited)' };
  let json: unknown;
  try {
    json = JSON.parse(checked.data.toString('utf8'));
  } catch {
    return { why: 'run.json is not valid JSON' };
  }
  const r = RunRecordCodec.decode(json);
  if (E.isLeft(r)) return { why: 'run.json is not a valid record' };
  const record = r.right;
  if (record.status !== 'success') return { why: record.kind === 'failed' ? `failed before: ${record.error.message}` : `its record says ${record.status}` };
  const why = 'modelSha256' in record && record.modelSha256 !== undefined ? modelProblem(join(dir, record.modelDir), record.modelSha256) : undefined;
  return why === undefined ? { record } : { why };
}

/** Why a unit's model directory does not match the checksum its record holds, or undefined when it does. */
export function modelProblem(modelDir: string, sha: string): string | undefined {
  if (!existsSync(modelDir)) return `${basename(modelDir)}/ is missing`;
  return hashDir(modelDir) === sha ? undefined : `${basename(modelDir)}/ does not match the checksum in run.json (corrupted or edited)`;
}

/** The finished record in a unit directory, if it can be trusted (see `unitState`). */
export function finishedRecord(dir: string): RunRecord | undefined {
  const s = unitState(dir);
  return 'record' in s ? s.record : undefined;
}

/** Every finished record under the output directories' `runs/`. */
export function finishedRecords(dirs: readonly string[]): RunRecord[] {
  return dirs.flatMap((dir) => {
    const runs = runsDir(dir);
    return existsSync(runs) ? readdirSync(runs).flatMap((id) => finishedRecord(unitDir(dir, id)) ?? []) : [];
  });
}

/**
 * Removes the leftovers of interrupted writes in `<out>/` and under `<out>/runs/` (never trusted). Only
 * safe while holding the directory's lock: another live study's temporaries look the same.
 */
export function removeTemporaries(out: string): void {
  const remove = (dir: string): void => {
    for (const f of readdirSync(dir)) if (isTemporary(f)) rmSync(join(dir, f), { recursive: true, force: true });
  };
  if (existsSync(out)) remove(out);
  const runs = runsDir(out);
  if (!existsSync(runs)) return;
  for (const id of readdirSync(runs)) if (statSync(join(runs, id)).isDirectory()) remove(join(runs, id));
}
