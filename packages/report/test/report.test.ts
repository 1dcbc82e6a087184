import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { buildReport, formatReportError, loadRecords, writeReport } from '../src/index.js';
import type { StudyData } from '../src/index.js';
import { escapeHtml, FIGURES } from '@optimpact/viz';
import { HOSTILE, OUTPUT, STUDY, tempDir } from './helpers.js';

function load(dir: string): StudyData {
  const d = loadRecords([dir]);
  if (E.isLeft(d)) throw new Error(formatReportError(d.left));
  return d.right;
}

const study = load(STUDY);
const html = buildReport(study);

describe('buildReport', () => {
  test('every figure, in order, each with caption, plot and data table', () => {
    const ids = [...html.matchAll(/<figure class="study-figure" id="(fig-\d+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(Array.from({ length: 18 }, (_, i) => `fig-${String(i + 1).padStart(2, '0')}`));
    for (const body of html.split('<figure class="study-figure"').slice(1)) {
      expect(body).toContain('<figcaption>');
      expect(body).toContain('<svg');
      expect(body).toMatch(/<details class="data"><summary>Data \(\d+ rows\)/);
      expect(body).not.toContain('class="empty"');
    }
  });

  test('the contents list every figure drawn, by its registry title (figure 18 too)', () => {
    const nav = html.slice(html.indexOf('<nav id="contents">'), html.indexOf('</nav>'));
    const listed = [...nav.matchAll(/<li value="(\d+)"><a href="#fig-(\d+)">([^<]*)<\/a>/g)].map((m) => [Number(m[1]), Number(m[2]), m[3]]);
    expect(listed).toEqual(FIGURES.map((f) => [f.number, f.number, escapeHtml(f.title)]));
  });

  test('static and self-contained: no script, no external resource, a CSP forbidding scripts', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<[a-z][^<>]*\son[a-z]+\s*=/i); // no event handler attributes
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  test('deterministic: the same records give the same bytes', () => {
    expect(buildReport(load(STUDY))).toBe(html);
  });

  test('overview, identification cross-check, baselines, runs, configuration and provenance', () => {
    expect(html).toContain('<dt>preset</dt><dd>fixture</dd>');
    expect(html).toMatch(
      /<dt>error bars \(± 1 s\.e\.\)<\/dt><dd>one model&#39;s measures: s\.e\. over \d+ repeats drawn from one fixed test set: conditional on that test set/,
    );
    expect(html).toContain('xs (18234 parameters), s (59786 parameters)');
    expect(html).toMatch(/rule exact: summary\.json’s objective identification \(accuracy [0-9.]+\) agrees/);
    expect(html).toMatch(/rule positive: summary\.json’s objective identification/);
    expect(html).not.toContain('check warn');
    expect(html).toContain('<section id="baselines">');
    expect(html).toContain('generator&#39;s self-optimization</dt><dd>Op 0.031 ± 0.006 nats');
    expect(html).toContain('<section id="runs">');
    expect(html).toContain('<h3>finetune (rule exact) (12 runs; seeds 102, 104, 106, 202, 204, 206)</h3>');
    expect(html).toContain('3f2a9c1d0b7e6a5f4c3b2a19087f6e5d4c3b2a10 (25 runs)');
    expect(html).toContain('@tensorflow/tfjs-core');
  });

  test('the build of the wasm kernels each record ran on, beside the backend; fma with its cross-CPU caveat', () => {
    expect(html).toContain('<dt>wasm kernels</dt><dd>not recorded (25 runs)</dd>');
    expect(html).not.toContain('may differ across CPUs');
    const withKernels = <R extends { provenance: object }>(rs: readonly R[], k: 'simd' | 'fma'): R[] =>
      rs.map((r) => ({ ...r, provenance: { ...r.provenance, kernels: k } }));
    const mixed = buildReport({ ...study, pretrain: withKernels(study.pretrain, 'simd'), finetune: withKernels(study.finetune, 'fma') });
    expect(mixed).toMatch(/<dt>backend<\/dt><dd>wasm; kernels fma, not recorded, simd<\/dd>/);
    expect(mixed).toMatch(
      /<dt>wasm kernels<\/dt><dd>fma \(\d+ runs\); not recorded \(\d+ runs\); simd \(\d+ runs\)\. fma \(relaxed-SIMD multiply-add\) may round differently on another CPU, so its numbers may differ across CPUs/,
    );
  });

  test("a unit's time is its recorded total, not the total plus its parts", () => {
    const [ft, ...rest] = study.finetune;
    const timed = buildReport({ ...study, finetune: [{ ...ft!, timings: { total: 12.5, rl: 8, measure: 4.5 } }, ...rest] });
    const runs = timed.slice(timed.indexOf('<section id="runs">'));
    const row = runs.split('\n').find((l) => l.startsWith(`<tr><td>${ft!.id}</td>`))!;
    expect(row).toContain('<td class="num">12.5</td>');
    expect(row).not.toContain('<td class="num">25</td>');
  });

  test('a summary disagreeing with the records is flagged', () => {
    const s = study.summaries[0]!;
    const tampered = { ...s, objectiveIdentificationByRule: { exact: { ...s.objectiveIdentificationByRule.exact!, accuracy: 0.01 } } };
    expect(buildReport({ ...study, summaries: [tampered] })).toContain('class="check warn"');
  });

  test('hostile strings in records are shown as text, never as markup', () => {
    const evil = buildReport(load(HOSTILE));
    expect(evil).not.toMatch(/<script/i);
    expect(evil).not.toMatch(/<img/i);
    expect(evil).not.toMatch(/<[a-z][^<>]*\son[a-z]+\s*=/i);
    expect(evil).toContain('&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;');
    expect(evil).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    // the figures still render with every model
    expect((evil.match(/<figure class="study-figure"/g) ?? []).length).toBe(18);
  });
});

describe('writeReport', () => {
  test('writes the report atomically (no temporary file left), creating the directory', () => {
    const dir = join(tempDir(), 'nested', 'out');
    const file = join(dir, 'report.html');
    const r = writeReport([STUDY], file);
    expect(E.isRight(r)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(html);
    expect(readdirSync(dir)).toEqual(['report.html']);
    if (E.isRight(r)) expect(r.right.records).toBe(25);
  });

  test('errors are values: missing records, an unwritable path', () => {
    const none = writeReport([tempDir()], join(tempDir(), 'r.html'));
    expect(E.isLeft(none) && none.left._tag).toBe('NoRecords');
    const blocker = join(tempDir(), 'file');
    writeFileSync(blocker, 'x');
    const bad = writeReport([STUDY], join(blocker, 'r.html'));
    expect(E.isLeft(bad) && bad.left._tag).toBe('WriteError');
  });

  test('leaves the fixture reports in test/output for inspection', () => {
    mkdirSync(OUTPUT, { recursive: true });
    expect(E.isRight(writeReport([STUDY], join(OUTPUT, 'report.html')))).toBe(true);
    expect(E.isRight(writeReport([HOSTILE], join(OUTPUT, 'hostile.html')))).toBe(true);
    expect(existsSync(join(OUTPUT, 'report.html'))).toBe(true);
  });
});
