import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { buildReport, formatReportError, loadRecords } from '../src/index.js';
import type { ReportError, StudyData } from '../src/index.js';
import { STUDY, copySome, listFiles, tempDir, writeRun } from './helpers.js';

function right<A>(e: E.Either<ReportError, A>): A {
  if (E.isLeft(e)) throw new Error(formatReportError(e.left));
  return e.right;
}

function left<A>(e: E.Either<ReportError, A>): ReportError {
  if (E.isRight(e)) throw new Error('expected an error');
  return e.left;
}

/** A copy of the fixture study whose run `path` is edited by `edit`. */
function withEditedRun(path: string, edit: (json: Record<string, unknown>) => void): string {
  const dir = tempDir();
  copySome(STUDY, dir, () => true);
  const json = JSON.parse(readFileSync(join(dir, path), 'utf8')) as Record<string, unknown>;
  edit(json);
  writeRun(join(dir, path), JSON.stringify(json));
  return dir;
}

const RUN = 'runs/xs-s1-n4-exact/run.json';

describe('loadRecords', () => {
  test('reads every run record and the summary of the fixture study', () => {
    const d = right(loadRecords([STUDY]));
    expect(d.pretrain).toHaveLength(4);
    expect(d.finetune).toHaveLength(18);
    expect(d.baselines.map((b) => b.name)).toEqual(['fixed(8)', 'generator', 'uniform']);
    expect(d.failed).toHaveLength(0);
    expect(d.summaries).toHaveLength(1);
    const ids = d.finetune.map((r) => r.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(d.finetune.map((r) => r.rule))).toEqual(new Set(['exact', 'positive']));
  });

  test('shards merge into the same data, and the same report, as one directory — in any order', () => {
    const a = tempDir();
    const b = tempDir();
    // odd unit directories to one shard (each run.json with its .sha256), even to the other; the summary
    // goes to both (as each shard would carry it)
    const dirs = [...new Set(listFiles(STUDY).map((p) => dirname(p)))];
    copySome(STUDY, a, (p) => p === 'summary.json' || dirs.indexOf(dirname(p)) % 2 === 1);
    copySome(STUDY, b, (p) => p === 'summary.json' || dirs.indexOf(dirname(p)) % 2 === 0);
    const whole = right(loadRecords([STUDY]));
    const ab = right(loadRecords([a, b]));
    const ba = right(loadRecords([b, a]));
    expect(ab).toEqual(whole);
    expect(ba).toEqual(whole);
    expect(buildReport(ab)).toBe(buildReport(whole));
  });

  test('a record present in two shards with identical content is kept once', () => {
    const a = tempDir();
    copySome(STUDY, a, () => true);
    const d: StudyData = right(loadRecords([STUDY, a]));
    expect(d.finetune).toHaveLength(18);
    expect(d.summaries).toHaveLength(1);
  });

  test('two different records with one id: DuplicateRecord naming both files', () => {
    const edited = withEditedRun(RUN, (j) => {
      j.seed = 999;
    });
    const e = left(loadRecords([STUDY, edited]));
    expect(e._tag).toBe('DuplicateRecord');
    expect(formatReportError(e)).toContain('xs-s1-n4-exact');
    expect(formatReportError(e)).toContain(join(edited, RUN));
  });

  test('an invalid field: DecodeError naming the file and the JSON path', () => {
    const dir = withEditedRun(RUN, (j) => {
      const m = j.measurement as { tasks: { s: { mean: unknown } }[] };
      m.tasks[1]!.s.mean = 'high';
    });
    const e = left(loadRecords([dir]));
    expect(e._tag).toBe('DecodeError');
    const msg = formatReportError(e);
    expect(msg).toContain(join(dir, RUN));
    expect(msg).toContain('measurement.tasks.1.s.mean');
    expect(msg).toContain('"high"');
  });

  test('an unknown kind, broken JSON, a bad checksum, an invalid summary, nothing at all', () => {
    const unknownKind = withEditedRun(RUN, (j) => {
      j.kind = 'mystery';
    });
    expect(formatReportError(left(loadRecords([unknownKind])))).toMatch(/kind: expected .* got "mystery"/);

    const broken = tempDir();
    mkdirSync(join(broken, 'runs', 'x'), { recursive: true });
    writeRun(join(broken, 'runs', 'x', 'run.json'), '{"kind": ');
    const json = left(loadRecords([broken]));
    expect(json._tag).toBe('JsonError');
    expect(formatReportError(json)).toContain(join(broken, 'runs', 'x', 'run.json'));

    const sums = tempDir();
    copySome(STUDY, sums, () => true);
    const file = join(sums, RUN);
    writeFileSync(`${file}.sha256`, `${createHash('sha256').update(readFileSync(file)).digest('hex')}\n`);
    expect(E.isRight(loadRecords([sums]))).toBe(true);
    writeFileSync(`${file}.sha256`, `${'0'.repeat(64)}\n`);
    expect(left(loadRecords([sums]))._tag).toBe('ChecksumError');

    const badSummary = tempDir();
    copySome(STUDY, badSummary, () => true);
    writeFileSync(join(badSummary, 'summary.json'), JSON.stringify({ formatVersion: 1 }));
    const s = left(loadRecords([badSummary]));
    expect(s._tag).toBe('DecodeError');
    expect(formatReportError(s)).toContain('summary.json');
    expect(formatReportError(s)).toContain('preset: expected string');

    expect(left(loadRecords([tempDir()]))._tag).toBe('NoRecords');
    expect(left(loadRecords([]))._tag).toBe('NoRecords');
  });

  test('failed units are loaded and listed, never drawn', () => {
    const dir = tempDir();
    copySome(STUDY, dir, () => true);
    const base = JSON.parse(readFileSync(join(STUDY, RUN), 'utf8')) as { provenance: unknown; timings: unknown };
    mkdirSync(join(dir, 'runs', 'l-s1-pretrain'), { recursive: true });
    writeRun(
      join(dir, 'runs', 'l-s1-pretrain', 'run.json'),
      JSON.stringify({
        formatVersion: 1,
        id: 'l-s1-pretrain',
        status: 'error',
        seed: 1,
        config: {},
        provenance: base.provenance,
        timings: {},
        kind: 'failed',
        unit: { kind: 'pretrain', size: 'l' },
        error: { message: 'out of memory <b>', stack: 'Error: out of memory\n    at x' },
      }),
    );
    const d = right(loadRecords([dir]));
    expect(d.failed.map((r) => r.id)).toEqual(['l-s1-pretrain']);
    const html = buildReport(d);
    expect(html).toContain('out of memory &lt;b&gt;');
    expect(html).toContain('1 failed units');
  });

  test('a run.json without its .sha256 is unfinished, as for the study: named, not read', () => {
    const dir = tempDir();
    copySome(STUDY, dir, () => true);
    rmSync(join(dir, `${RUN}.sha256`));
    writeFileSync(join(dir, RUN), '{"half": ');
    const d = right(loadRecords([dir]));
    expect(d.unfinished).toEqual([join(dir, RUN)]);
    expect(d.finetune.map((r) => r.id)).not.toContain('xs-s1-n4-exact');
    expect(buildReport(d)).toContain('1 unfinished (no .sha256 beside run.json), not shown');
  });
});
