/**
 * Reading a study's output: every `runs/**\/run.json` and `summary.json` under each directory, decoded with
 * `@optimpact/core`'s codecs. Several directories (shards of one study) merge into the same data as one
 * directory holding all their files: records are keyed by id and sorted, identical duplicates collapse.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { BaselineRecord, FailedRecord, FinetuneRecord, PretrainRecord, StudySummary } from '@optimpact/core';
import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { readChecked } from './files.js';
import { modelProblem, RUN_FILE, runsDir, summaryFile } from './layout.js';

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/** Everything a report is built from, independent of how the files were split into directories. */
export interface StudyData {
  /** Distinct study summaries (identical copies collapse), in a canonical order. */
  readonly summaries: readonly StudySummary[];
  /** Pretraining records; the records of each kind are sorted by id. */
  readonly pretrain: readonly PretrainRecord[];
  /** Fine-tuning records. */
  readonly finetune: readonly FinetuneRecord[];
  /** Baseline records (the generator…). */
  readonly baselines: readonly BaselineRecord[];
  /** Units that failed (kind "failed"): listed in the report, never drawn. */
  readonly failed: readonly FailedRecord[];
  /** Record files without their `.sha256` (a write that did not finish): unfinished, as for the study; not read. */
  readonly unfinished: readonly string[];
}

/** Why the records could not be loaded (or, `WriteError`, a file built from them written). */
export type RecordsError =
  | { readonly _tag: 'ReadError'; readonly file: string; readonly message: string }
  | { readonly _tag: 'JsonError'; readonly file: string; readonly message: string }
  | { readonly _tag: 'DecodeError'; readonly file: string; readonly errors: readonly string[] }
  | { readonly _tag: 'ChecksumError'; readonly file: string }
  | { readonly _tag: 'ModelError'; readonly file: string; readonly message: string }
  | { readonly _tag: 'DuplicateRecord'; readonly id: string; readonly files: readonly [string, string] }
  | { readonly _tag: 'NoRecords'; readonly dirs: readonly string[] }
  | { readonly _tag: 'WriteError'; readonly file: string; readonly message: string };

// -------------------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------------------

/** One line describing a {@link RecordsError}, naming the file (and the JSON path of a decoding error). */
export function formatRecordsError(e: RecordsError): string {
  switch (e._tag) {
    case 'ReadError':
      return `cannot read ${e.file}: ${e.message}`;
    case 'JsonError':
      return `${e.file} is not valid JSON: ${e.message}`;
    case 'DecodeError':
      return `${e.file} is not a valid record: ${e.errors.join('; ')}`;
    case 'ChecksumError':
      return `${e.file} does not match its checksum ${e.file}.sha256 (corrupted or edited)`;
    case 'ModelError':
      return `${e.file}: ${e.message}; run the study again to recompute it`;
    case 'DuplicateRecord':
      return `two different records have id ${JSON.stringify(e.id)}: ${e.files[0]} and ${e.files[1]}`;
    case 'NoRecords':
      return `no run.json or summary.json under ${e.dirs.join(', ') || '(no directories given)'}`;
    case 'WriteError':
      return `cannot write ${e.file}: ${e.message}`;
  }
}

/** io-ts errors as `path: expected Type, got value` lines (path like `measurement.tasks.0.s.mean`). */
export function decodeErrors(errors: t.Errors): string[] {
  const lines = errors.map((err) => {
    // Keys under an intersection or union name its members ("0", "1"), not a JSON path: skip them.
    const path = err.context
      .filter((c, i) => {
        const parent = (err.context[i - 1]?.type as { _tag?: string } | undefined)?._tag;
        return c.key !== '' && parent !== 'IntersectionType' && parent !== 'UnionType';
      })
      .map((c) => c.key)
      .join('.');
    const expected = err.context[err.context.length - 1]?.type.name ?? 'unknown';
    let got: string;
    try {
      got = err.value === undefined ? 'undefined' : JSON.stringify(err.value);
    } catch {
      got = String(err.value);
    }
    if (got.length > 80) got = `${got.slice(0, 77)}...`;
    return `${path || '(root)'}: expected ${expected}, got ${got}${err.message ? ` (${err.message})` : ''}`;
  });
  return [...new Set(lines)];
}

/** Every `run.json` below `dir` (recursively; ids with "/" nest), sorted. Missing `dir` gives none. */
function findRunFiles(dir: string): E.Either<RecordsError, string[]> {
  const out: string[] = [];
  const walk = (d: string): void => {
    const entries = readdirSync(d, { withFileTypes: true });
    for (const ent of entries) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.name === RUN_FILE) out.push(p);
    }
  };
  try {
    if (isDir(dir)) walk(dir);
  } catch (e) {
    return E.left({ _tag: 'ReadError', file: dir, message: errorMessage(e) });
  }
  return E.right(out.sort());
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads and parses one JSON file. When a `<file>.sha256` lies beside it (the study writes one), the file
 * must match it.
 */
function readJson(file: string): E.Either<RecordsError, unknown> {
  let text: string;
  try {
    const r = readChecked(file, false);
    if (r === 'mismatch') return E.left({ _tag: 'ChecksumError', file });
    if (r === 'missing') return E.left({ _tag: 'ReadError', file, message: 'no such file' });
    text = r.data.toString('utf8');
  } catch (e) {
    return E.left({ _tag: 'ReadError', file, message: errorMessage(e) });
  }
  try {
    return E.right(JSON.parse(text) as unknown);
  } catch (e) {
    return E.left({ _tag: 'JsonError', file, message: errorMessage(e) });
  }
}

/** Any run record the report reads. */
export type AnyRecord = PretrainRecord | FinetuneRecord | BaselineRecord | FailedRecord;

/** Decodes one run record with the codec its `kind` names. */
export function decodeRecord(file: string, json: unknown): E.Either<RecordsError, AnyRecord> {
  const kind = typeof json === 'object' && json !== null && 'kind' in json ? json.kind : undefined;
  const codec =
    kind === 'pretrain'
      ? PretrainRecord
      : kind === 'finetune'
        ? FinetuneRecord
        : kind === 'baseline'
          ? BaselineRecord
          : kind === 'failed'
            ? FailedRecord
            : null;
  if (codec === null) {
    return E.left({
      _tag: 'DecodeError',
      file,
      errors: [`kind: expected "pretrain" | "finetune" | "baseline" | "failed", got ${JSON.stringify(kind) ?? 'undefined'}`],
    });
  }
  const r = (codec as t.Decoder<unknown, AnyRecord>).decode(json);
  return E.isLeft(r) ? E.left({ _tag: 'DecodeError', file, errors: decodeErrors(r.left) }) : E.right(r.right);
}

/** Code-point order (locale-independent). */
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// -------------------------------------------------------------------------------------------------
// loading
// -------------------------------------------------------------------------------------------------

/**
 * Reads every `runs/**\/run.json` and `summary.json` under each of `dirs` and decodes them. The result does
 * not depend on how records are split across the directories, nor on their order: records are sorted by
 * id, a record present twice with identical content is kept once, identical summaries collapse.
 *
 * With `only`, just the units of those ids (`runs/<id>/run.json`): a study's own units, not what else was copied in.
 *
 * Errors (the first met, files in sorted order): a file that cannot be read, is not JSON, does not match its
 * `.sha256` checksum or does not decode (naming the file and the JSON path), two different records with one id, or no file at all.
 */
export function loadRecords(dirs: readonly string[], only?: ReadonlySet<string>): E.Either<RecordsError, StudyData> {
  const records = new Map<string, { file: string; record: AnyRecord; text: string }>();
  const summaries = new Map<string, StudySummary>();
  const unfinished: string[] = [];
  let files = 0;
  for (const dir of dirs) {
    const summary = summaryFile(dir);
    if (statSafe(summary)) {
      files++;
      const json = readJson(summary);
      if (E.isLeft(json)) return json;
      const decoded = StudySummary.decode(json.right);
      if (E.isLeft(decoded)) return E.left({ _tag: 'DecodeError', file: summary, errors: decodeErrors(decoded.left) });
      summaries.set(JSON.stringify(decoded.right), decoded.right);
    }
    const runFiles = findRunFiles(runsDir(dir));
    if (E.isLeft(runFiles)) return runFiles;
    for (const file of runFiles.right) {
      if (only !== undefined && !only.has(relative(runsDir(dir), dirname(file)))) continue;
      files++;
      // The study's rule (`unitState`): a record without its checksum is unfinished, its model must match it.
      if (!statSafe(`${file}.sha256`)) {
        unfinished.push(file);
        continue;
      }
      const json = readJson(file);
      if (E.isLeft(json)) return json;
      const rec = decodeRecord(file, json.right);
      if (E.isLeft(rec)) return rec;
      const r = rec.right;
      const modelWhy = 'modelSha256' in r && r.modelSha256 !== undefined ? modelProblem(join(dirname(file), r.modelDir), r.modelSha256) : undefined;
      if (modelWhy !== undefined) return E.left({ _tag: 'ModelError', file: dirname(file), message: modelWhy });
      const text = JSON.stringify(json.right);
      const seen = records.get(rec.right.id);
      if (seen !== undefined) {
        if (seen.text !== text) return E.left({ _tag: 'DuplicateRecord', id: rec.right.id, files: [seen.file, file] });
        continue;
      }
      records.set(rec.right.id, { file, record: rec.right, text });
    }
  }
  if (files === 0) return E.left({ _tag: 'NoRecords', dirs: [...dirs] });
  const sorted = [...records.values()].map((r) => r.record).sort((a, b) => byString(a.id, b.id));
  return E.right({
    summaries: [...summaries.entries()].sort((a, b) => byString(a[0], b[0])).map(([, s]) => s),
    pretrain: sorted.filter((r): r is PretrainRecord => r.kind === 'pretrain'),
    finetune: sorted.filter((r): r is FinetuneRecord => r.kind === 'finetune'),
    baselines: sorted.filter((r): r is BaselineRecord => r.kind === 'baseline'),
    failed: sorted.filter((r): r is FailedRecord => r.kind === 'failed'),
    unfinished,
  });
}

function statSafe(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
