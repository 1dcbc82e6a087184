/**
 * The report names each task's good set from the records: the fixture study rewritten as if run with a
 * good-set variant (every task score carrying its `good`, checksums renewed) must show those sets in the
 * cross-objective and identification figures (SVG and CSV) and the overview; the nested sets likewise; and
 * records written before good sets were recorded still read as `n_good = k`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { buildReport, formatReportError, loadRecords } from '../src/index.js';
import { listFiles, STUDY, tempDir, writeRun } from './helpers.js';

const NESTED = { 2: [0, 1], 4: [0, 1, 2, 3], 6: [0, 1, 2, 3, 4, 5] };
const SIX_WITHOUT_3 = { 2: [0, 1], 4: [0, 1, 2, 3], 6: [0, 2, 4, 5, 6, 7] };

/** The fixture study with `sets` as every measured task's good set, in a fresh directory. */
function studyWith(sets: Record<number, number[]>): string {
  const dir = tempDir('optimpact-good-sets-');
  for (const p of listFiles(STUDY)) {
    if (p.endsWith('.sha256')) continue;
    const text = readFileSync(join(STUDY, p), 'utf8');
    if (!p.endsWith('run.json')) {
      writeRun(join(dir, p), text);
      continue;
    }
    const r = JSON.parse(text) as { measurement?: { tasks: { nGood: number; good?: number[] }[] } };
    for (const t of r.measurement?.tasks ?? []) t.good = sets[t.nGood]!;
    writeRun(join(dir, p), `${JSON.stringify(r, null, 1)}\n`);
  }
  return dir;
}

function report(dir: string): string {
  const d = loadRecords([dir]);
  if (E.isLeft(d)) throw new Error(formatReportError(d.left));
  return buildReport(d.right);
}

/** One figure's HTML, and its CSV decoded from the download link. */
function figure(html: string, n: number): { html: string; svg: string; csv: string } {
  const id = `fig-${String(n).padStart(2, '0')}`;
  const start = html.indexOf(`<figure class="study-figure" id="${id}"`);
  const next = html.indexOf('<figure class="study-figure"', start + 1); // Plot's own <figure>s nest inside
  const body = html.slice(start, next < 0 ? undefined : next);
  const svg = body.slice(body.indexOf('<svg'), body.lastIndexOf('</svg>'));
  const b64 = /href="data:text\/csv;charset=utf-8;base64,([^"]+)"/.exec(body)?.[1] ?? '';
  return { html: body, svg, csv: Buffer.from(b64, 'base64').toString('utf8') };
}

describe('the report names the good sets its records give', () => {
  test('a good-set variant: figures 6, 7, 11 and 17 name each task with its set, in the SVG and the CSV; the overview lists them', () => {
    const html = report(studyWith(SIX_WITHOUT_3));
    expect(html).toContain('<dt>good sets G (outcomes counted as success)</dt><dd>n_good = 2: {0,1}; n_good = 4: {0,1,2,3}; n_good = 6: {0,2,4,5,6,7}</dd>');
    const sentence = 'Good sets G (the outcomes counted as success): n_good = 2: {0,1}; n_good = 4: {0,1,2,3}; n_good = 6: {0,2,4,5,6,7}.';
    for (const n of [6, 7, 11, 17]) expect([n, figure(html, n).html.includes(sentence)]).toEqual([n, true]);
    // figure 6: the scored task (the middle one) on the x axis and in the CSV's column
    expect(figure(html, 6).svg).toContain('success rate on task n_good = 4: {0,1,2,3} (fraction)');
    expect(figure(html, 6).csv.split('\r\n')[0]).toContain('"s on n_good = 4: {0,1,2,3} (fraction)"');
    // figures 7 and 11: one panel per scored task, named with its set; the CSV gives each row's set
    for (const n of [7, 11]) {
      const f = figure(html, n);
      for (const k of [2, 4] as const) expect(f.svg).toContain(`scored on n_good = ${k}: {${SIX_WITHOUT_3[k].join(',')}}`);
      expect(f.svg).toContain('scored on n_good = 6: {0,2,4,5,6,7}');
      expect(f.csv.split('\r\n')[0]).toContain('good set of the scored task');
      expect(f.csv).toMatch(/,6,"\{0,2,4,5,6,7\}",/);
      expect(f.csv).not.toContain('{0,1,2,3,4,5}');
    }
    // figure 17: the identification table's Op_pred columns name the sets
    expect(figure(html, 17).csv.split('\r\n')[0]).toContain('"Op_pred n_good = 6: {0,2,4,5,6,7} (nats)"');
  });

  test('the nested sets read the same way', () => {
    const html = report(studyWith(NESTED));
    expect(html).toContain('<dd>n_good = 2: {0,1}; n_good = 4: {0,1,2,3}; n_good = 6: {0,1,2,3,4,5}</dd>');
    expect(figure(html, 7).svg).toContain('scored on n_good = 6: {0,1,2,3,4,5}');
    expect(figure(html, 17).csv.split('\r\n')[0]).toContain('"Op_pred n_good = 6: {0,1,2,3,4,5} (nats)"');
    expect(html).not.toContain('{0,2,4,5,6,7}');
  });

  test('records without good sets (written before they were recorded) name tasks by n_good alone', () => {
    const html = report(STUDY);
    expect(html).toContain('<dd>not recorded (records written before good sets were)</dd>');
    expect(figure(html, 7).svg).toContain('scored on n_good = 6<');
    expect(html).not.toContain('Good sets G');
  });
});
