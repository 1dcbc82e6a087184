/**
 * End to end: a tiny study run with a good-set variant (`--preset tiny --set goodSets=six-without-3`, tasks
 * 2 and 6, real training at tiny budgets) records the sets it resolved to — in config.json, every run.json
 * (the unit's config and each measured task) and summary.json, all verified by their checksums — and its
 * report names them.
 */
import type { StudySummary } from '@optimpact/core';
import { configFile, loadRecords, readVerified, reportFile, summaryFile } from '@optimpact/records';
import * as E from 'fp-ts/lib/Either.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The built package: its scheduler starts each unit in a worker thread from dist/worker.js.
const study = (await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('./index.js');

/** The variant's sets as the study's documentation defines them, keyed by n_good. */
const SIX_WITHOUT_3 = { '2': [0, 1], '4': [0, 1, 2, 3], '6': [0, 2, 4, 5, 6, 7] };

const out = join(mkdtempSync(join(tmpdir(), 'optimpact-good-sets-')), 'out');
process.env.CI = 'true'; // progress as plain lines

const json = (file: string): unknown => {
  const data = readVerified(file);
  if (data === undefined) throw new Error(`${file} is missing or does not match its .sha256`);
  return JSON.parse(data.toString('utf8'));
};

describe('a tiny study with goodSets=six-without-3', () => {
  beforeAll(async () => {
    const resolved = study.resolveConfig({ preset: 'tiny', set: ['goodSets=six-without-3', 'tasks=[2,6]'] });
    if (E.isLeft(resolved)) throw new Error(resolved.left.message);
    const { config, preset, source } = resolved.right;
    const r = await study.runStudy({ config, preset, source, out, jobs: 1 });
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(r.right.failed).toEqual([]);
    expect(r.right.report).toBeDefined();
  }, 600_000);

  test('config.json holds the variant it was given and the sets it resolved to', () => {
    const c = json(configFile(out)) as { source: { overrides: string[] }; config: { goodSets: unknown }; goodSets: unknown };
    expect(c.source.overrides).toContain('goodSets=six-without-3');
    expect(c.config.goodSets).toBe('six-without-3');
    expect(c.goodSets).toEqual(SIX_WITHOUT_3);
  });

  test('every run.json holds the resolved sets, in its config and in each measured task', () => {
    const loaded = loadRecords([out]);
    if (E.isLeft(loaded)) throw new Error(JSON.stringify(loaded.left));
    const { pretrain, finetune, baselines, failed, unfinished } = loaded.right;
    expect([failed.length, unfinished.length]).toEqual([0, 0]);
    expect([pretrain.length, finetune.length]).toEqual([1, 4]); // one seed; tasks 2 and 6 × rules exact and positive
    expect(baselines.map((b) => b.name)).toContain('generator');
    for (const r of [...pretrain, ...finetune, ...baselines]) expect([r.id, r.config['goodSets']]).toEqual([r.id, SIX_WITHOUT_3]);
    for (const r of [...finetune, ...baselines]) {
      const measured = Object.fromEntries(r.measurement.tasks.map((t) => [String(t.nGood), t.good]));
      expect([r.id, measured]).toEqual([r.id, SIX_WITHOUT_3]); // every task scored, not only the trained ones
    }
  });

  test('summary.json holds the resolved sets', () => {
    const s = json(summaryFile(out)) as StudySummary;
    expect(s.goodSets).toEqual(SIX_WITHOUT_3);
    expect(s.models.map((m) => m.task).sort()).toEqual([2, 2, 6, 6]);
  });

  test('the report names each task with its set, and never the nested n_good = 6 set', () => {
    const html = readFileSync(reportFile(out), 'utf8');
    expect(html).toContain('<dd>n_good = 2: {0,1}; n_good = 4: {0,1,2,3}; n_good = 6: {0,2,4,5,6,7}</dd>');
    expect(html).toContain('scored on n_good = 6: {0,2,4,5,6,7}');
    expect(html).toContain('Good sets G (the outcomes counted as success): n_good = 2: {0,1}; n_good = 4: {0,1,2,3}; n_good = 6: {0,2,4,5,6,7}.');
    expect(html).not.toContain('{0,1,2,3,4,5}');
  });
});
