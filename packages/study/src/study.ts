/**
 * The whole study (docs/method.md#the-study) — for a grid of sizes × seeds, pretrain → fine-tune on each task (each RL
 * rule) → score on every task → measure → summary and report. Resumable: finished units (whole,
 * checksummed records) are skipped, anything partial is redone.
 */
import type { RunRecord } from '@optimpact/core';
import { FORMAT_VERSION } from '@optimpact/core';
import {
  configFile, finishedRecord, finishedRecords, jsonText, readVerified, removeTemporaries, reportFile, studyFile, summaryFile, unitDir, writeRecord, writeVerified,
} from '@optimpact/records';
import type { BackendName } from '@optimpact/transformer';
import * as E from 'fp-ts/lib/Either.js';
import { cpus } from 'node:os';
import { loadEnvironment, withGoodSets } from './environment.js';
import type { StudyConfig } from './config.js';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';
import { planStudy, shardOf } from './plan.js';
import { progress } from './progress.js';
import { provenance } from './provenance.js';
import { runInWorker, schedule } from './scheduler.js';
import { summarize } from './summary.js';

/** What a study run is given: a resolved config (see `resolveConfig`) and where to write. */
export interface StudyOptions {
  readonly config: StudyConfig;
  /** The preset's name, or "custom" for a config file. */
  readonly preset: string;
  /** The output directory (absolute). */
  readonly out: string;
  readonly backend?: BackendName;
  /** Units run at once (default: min(2, cores)). */
  readonly jobs?: number;
  /** Run only shard `index` of `count` (1-based). */
  readonly shard?: { readonly index: number; readonly count: number };
}

/** What a study run did. */
export interface StudyOutcome {
  /** Every finished record in the output directory. */
  readonly records: readonly RunRecord[];
  /** Units that failed, or were skipped because one they depend on failed. */
  readonly failed: readonly string[];
  /** The summary and report, written when every unit of the study (all shards) is finished. */
  readonly summary?: string;
  readonly report?: string;
}

/** Writes the report of the records under `dirs` to `out`; Plot and the DOM are loaded only here. */
export async function writeStudyReport(dirs: readonly string[], out: string): Promise<E.Either<UsageError, string>> {
  const { writeReport, formatReportError } = await import('@optimpact/report');
  const r = writeReport(dirs, out);
  return E.isLeft(r) ? E.left(usageError(formatReportError(r.left))) : E.right(`${r.right.file} (${r.right.records} records)`);
}

/** Runs the study (or one shard of it) into `o.out`. */
export async function runStudy(o: StudyOptions): Promise<E.Either<UsageError, StudyOutcome>> {
  const { config, preset, out } = o;
  const loaded = await loadEnvironment(config.environment.package, config.environment.options);
  if (E.isLeft(loaded)) return E.left(usageError(`environment.package: ${loaded.left.message.replace(/^--env: /, '')}`));
  const env = withGoodSets(loaded.right, config.goodSets);
  if (E.isLeft(env)) return env;
  const missing = config.tasks.find((k) => !env.right.tasks.some((task) => task.nGood === k));
  if (missing !== undefined) return E.left(usageError(`tasks: ${missing} is not a task of ${env.right.name} (${env.right.tasks.map((x) => x.nGood).join(', ')})`));
  const behaviour = config.data.explore?.behaviour;
  if (Array.isArray(behaviour) && (behaviour.length !== env.right.actions.length || Math.abs(behaviour.reduce((a, b) => a + b, 0) - 1) > 1e-9)) {
    return E.left(usageError(`data.explore.behaviour: expected ${env.right.actions.length} probabilities summing to 1 (one per action), got ${JSON.stringify(behaviour)}`));
  }

  // The output directory belongs to one config: resuming with another would mix incomparable runs.
  const text = jsonText(config);
  const previous = readVerified(configFile(out));
  if (previous !== undefined && previous.toString('utf8') !== text) {
    return E.left(usageError(`--out: ${out} holds a study with another config (see its config.json); use another --out`));
  }
  if (previous === undefined) writeVerified(configFile(out), text);
  removeTemporaries(out);

  const t0 = performance.now();
  const all = planStudy(config);
  const units = o.shard ? shardOf(all, o.shard.index, o.shard.count) : all;
  const finished = new Set(units.filter((u) => finishedRecord(unitDir(out, u.id)) !== undefined).map((u) => u.id));
  const jobs = o.jobs ?? Math.min(2, cpus().length);
  const bar = progress(units.length);
  const shardName = o.shard ? `${o.shard.index}/${o.shard.count}` : undefined;
  bar.log(`study ${config.name} (${preset}) → ${out}: ${units.length} units${shardName ? ` (shard ${shardName})` : ''}, ${finished.size} already done, ${jobs} at a time`);
  const failed = await schedule(units, finished, jobs, async (u) => {
    const error = await runInWorker(out, config, o.backend, u, bar);
    if (error) {
      writeRecord(unitDir(out, u.id), {
        formatVersion: FORMAT_VERSION, id: u.id, status: 'error', seed: 'seed' in u ? u.seed : 0, config: {}, provenance: provenance(o.backend ?? 'default'),
        timings: {}, kind: 'failed', unit: { ...u }, error,
      });
      bar.finish(u.id, `FAILED: ${error.message}`);
      return false;
    }
    bar.finish(u.id, 'done');
    return true;
  });
  bar.stop();

  const before = (() => { const b = readVerified(studyFile(out)); return b ? (JSON.parse(b.toString('utf8')) as { elapsedSeconds: number }).elapsedSeconds : 0; })();
  const elapsedSeconds = before + (performance.now() - t0) / 1000;
  writeVerified(studyFile(out), jsonText({ preset, elapsedSeconds }));

  const records = finishedRecords([out]);
  if (failed.size > 0 || !all.every((u) => finished.has(u.id))) return E.right({ records, failed: [...failed] });
  const backend = records.find((r) => r.kind === 'pretrain')?.provenance.backend ?? 'none';
  const summary = summarize(records, { preset, environment: config.environment.package, backend, elapsedSeconds, rules: Object.keys(config.rl) });
  writeVerified(summaryFile(out), jsonText(summary));
  const report = await writeStudyReport([out], reportFile(out));
  if (E.isLeft(report)) return report;
  return E.right({ records, failed: [], summary: summaryFile(out), report: report.right });
}
