/**
 * `optimpact study`: the whole study of SPEC §9 — for a grid of sizes × seeds, pretrain → fine-tune on
 * each task (each RL rule) → score on every task → measure → summary and report. Resumable: finished
 * units (whole, checksummed records) are skipped, anything partial is redone.
 */
import type { RunRecord } from '@optimpact/core';
import { estimate, FORMAT_VERSION } from '@optimpact/core';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { UsageError } from '../args.js';
import { decodeFlags, intString, parseFlags, usageError } from '../args.js';
import { loadEnvironment } from '../environment.js';
import { writeStudyReport } from './report.js';
import type { PerSize, StudyConfig } from '../study/config.js';
import { applyOverrides, decodeConfig, forSize, PER_SIZE_RL, presetPath, PRESETS, readJsonFile } from '../study/config.js';
import { readVerified, writeAtomic } from '../study/files.js';
import type { Unit } from '../study/plan.js';
import { planStudy, shardOf } from '../study/plan.js';
import type { Progress } from '../study/progress.js';
import { progress } from '../study/progress.js';
import { finishedRecord, unitDir, writeRecord } from '../study/records.js';
import { provenance } from '../study/provenance.js';
import { summarize } from '../study/summary.js';

const props = {
  preset: t.keyof(Object.fromEntries(PRESETS.map((p) => [p, null])) as Record<(typeof PRESETS)[number], null>),
  config: t.string,
  out: t.string,
  backend: t.keyof({ wasm: null, cpu: null, node: null }),
  jobs: intString(1, 64),
  shard: t.string,
  set: t.array(t.string),
};
const Flags = t.partial(props);

export const studyUsage = `optimpact study [--preset ${PRESETS.join('|')}] [--config FILE] [--set path=value …] [--out DIR]
                  [--backend wasm|cpu|node] [--jobs K] [--shard i/n]`;

/** The resolved config of a study invocation (preset or file, then overrides), decoded. */
export function resolveConfig(flags: { preset?: string; config?: string; set?: readonly string[] }): E.Either<UsageError, { config: StudyConfig; preset: string }> {
  const preset = flags.preset ?? 'quick';
  const source = flags.config ?? presetPath(preset);
  const raw = readJsonFile(source, flags.config ? '--config' : '--preset');
  if (E.isLeft(raw)) return raw;
  const merged = applyOverrides(raw.right, flags.set ?? []);
  if (E.isLeft(merged)) return merged;
  const config = decodeConfig(merged.right, flags.config ?? `preset ${preset}`);
  if (E.isLeft(config)) return config;
  const c = config.right;
  const perSize: Record<string, PerSize<number>> = { 'pretrain.steps': c.pretrain.steps };
  for (const [rule, v] of Object.entries(c.rl)) for (const k of PER_SIZE_RL) perSize[`rl.${rule}.${k}`] = v[k];
  for (const [path, v] of Object.entries(perSize)) {
    const size = c.sizes.find((s) => forSize(v, s) === undefined);
    if (size !== undefined) return E.left(usageError(`${path}: no value given for size "${size}"`));
  }
  if (Object.keys(c.rl).length === 0) return E.left(usageError('rl: at least one rule (exact, reinforce, positive) is needed'));
  const need = Math.max(c.measure.contexts, c.measure.largeContexts);
  if (c.data.testContexts < need) return E.left(usageError(`data.testContexts: ${c.data.testContexts} is fewer than the ${need} contexts a measurement draws`));
  return E.right({ config: c, preset: flags.config ? 'custom' : preset });
}

function parseShard(s: string | undefined): E.Either<UsageError, { index: number; count: number } | undefined> {
  if (s === undefined) return E.right(undefined);
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = Number(m?.[1]), count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) return E.left(usageError(`--shard: expected i/n with 1 ≤ i ≤ n, got "${s}"`));
  return E.right({ index, count });
}

/** Runs one unit in a fresh worker thread (its wasm heap is freed when it ends); resolves with an error message or undefined. */
function runInWorker(out: string, config: StudyConfig, backend: string | undefined, unit: Unit, bar: Progress): Promise<{ message: string; stack: string } | undefined> {
  return new Promise((done) => {
    const w = new Worker(new URL('../study/worker.js', import.meta.url), { workerData: { out, config, backend: backend ?? null, unit } });
    let reported = false;
    w.on('message', (m: { type: 'progress'; id: string; stage: string; done: number; total: number } | { type: 'done' } | { type: 'error'; message: string; stack: string }) => {
      if (m.type === 'progress') bar.update(m);
      else {
        reported = true;
        done(m.type === 'done' ? undefined : { message: m.message, stack: m.stack });
      }
    });
    w.on('error', (e) => { reported = true; done({ message: e.message, stack: e.stack ?? '' }); });
    w.on('exit', (code) => { if (!reported) done({ message: `worker exited with code ${code}`, stack: '' }); });
  });
}

/** Runs `units` at most `jobs` at a time, each after its dependencies; returns the ids that failed. */
async function schedule(units: readonly Unit[], finished: Set<string>, jobs: number, run: (u: Unit) => Promise<boolean>): Promise<Set<string>> {
  const failed = new Set<string>();
  const pending = units.filter((u) => !finished.has(u.id));
  let running = 0;
  await new Promise<void>((resolveAll) => {
    const pump = (): void => {
      for (let i = pending.length - 1; i >= 0; i--) if (pending[i]!.after.some((d) => failed.has(d))) failed.add(pending.splice(i, 1)[0]!.id);
      while (running < jobs) {
        // Pretraining first: each one unlocks a chain of fine-tunings, so no core idles at the end.
        const ready = (u: Unit): boolean => u.after.every((d) => finished.has(d));
        const first = pending.findIndex((u) => u.kind === 'pretrain' && ready(u));
        const i = first >= 0 ? first : pending.findIndex(ready);
        if (i < 0) break;
        const u = pending.splice(i, 1)[0]!;
        running++;
        void run(u).then((ok) => {
          running--;
          (ok ? finished : failed).add(u.id);
          pump();
        });
      }
      if (running === 0) resolveAll();
    };
    pump();
  });
  return failed;
}

/** Every finished record under the output directories' `runs/`. */
export function readRecords(dirs: readonly string[]): RunRecord[] {
  return dirs.flatMap((dir) => {
    const runs = join(dir, 'runs');
    return existsSync(runs) ? readdirSync(runs).flatMap((id) => finishedRecord(unitDir(dir, id)) ?? []) : [];
  });
}

const fmt = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined ? '—' : x.toFixed(digits));

/** The final table: success rates on every task and Op vs Op_pred (own task) per model. */
function summaryTable(records: readonly RunRecord[]): string {
  const rows = records.flatMap((r) => (r.kind === 'finetune' ? [r] : [])).sort((a, b) => a.id.localeCompare(b.id));
  const tasks = [...new Set(rows.flatMap((r) => r.measurement.tasks.map((t) => t.nGood)))].sort((a, b) => a - b);
  const head = `${'model'.padEnd(22)}${'params'.padStart(8)}  ${tasks.map((k) => `s(n${k})`.padEnd(6)).join(' ')}  Op ± s.e.        Op_pred(own)  Imp    self Op`;
  const lines = rows.map((r) => {
    const m = r.measurement, own = m.tasks.find((x) => x.nGood === r.task);
    const s = tasks.map((k) => fmt(m.tasks.find((x) => x.nGood === k)?.s.mean).padEnd(6)).join(' ');
    return `${r.id.padEnd(22)}${String(r.params).padStart(8)}  ${s}  ${fmt(m.op.mean).padStart(6)} ± ${fmt(m.op.se)}   ${fmt(own?.opPred.mean).padStart(6)}        ${fmt(m.imp.mean)}  ${fmt(m.self?.op.mean)}`;
  });
  return [head, ...lines].join('\n');
}

/**
 * Over seeds, per size, rule and training task: own-task success, Op and Op_pred (own task), each
 * mean ± s.e. across the seeds (printed when a study has more than one seed).
 */
function seedTable(records: readonly RunRecord[]): string | undefined {
  const rows = records.flatMap((r) => (r.kind === 'finetune' ? [r] : []));
  if (new Set(rows.map((r) => r.seed)).size < 2) return undefined;
  const groups = new Map<string, typeof rows>();
  for (const r of [...rows].sort((a, b) => a.params - b.params || a.rule.localeCompare(b.rule) || a.task - b.task)) {
    const key = `${r.size} ${r.rule} n${r.task}`;
    groups.set(key, groups.get(key) ?? []).get(key)!.push(r);
  }
  const pm = (xs: readonly (number | null)[]): string => {
    const v = xs.filter((x): x is number => x !== null);
    if (v.length === 0) return '—';
    const e = estimate(v);
    return `${fmt(e.mean)} ± ${fmt(e.se)}`;
  };
  const head = `${'size rule task'.padEnd(22)}seeds  ${'s(own) ± s.e.'.padEnd(15)}  ${'Op ± s.e.'.padEnd(15)}  Op_pred(own) ± s.e.`;
  const lines = [...groups].map(([key, rs]) => {
    const own = rs.map((r) => r.measurement.tasks.find((t) => t.nGood === r.task)!);
    return `${key.padEnd(22)}${String(rs.length).padStart(5)}  ${pm(own.map((t) => t.s.mean)).padEnd(15)}  ${pm(rs.map((r) => r.measurement.op.mean)).padEnd(15)}  ${pm(own.map((t) => t.opPred.mean))}`;
  });
  return ['mean over seeds:', head, ...lines].join('\n');
}

/** Runs `study`. */
export async function study(argv: readonly string[]): Promise<E.Either<UsageError, void>> {
  const flags = parseFlags(argv, [], ['set']);
  if (E.isLeft(flags)) return flags;
  const decoded = decodeFlags(flags.right, props, Flags);
  if (E.isLeft(decoded)) return decoded;
  const o = decoded.right;
  const resolved = resolveConfig(o);
  if (E.isLeft(resolved)) return resolved;
  const { config, preset } = resolved.right;
  const shard = parseShard(o.shard);
  if (E.isLeft(shard)) return shard;
  const env = await loadEnvironment(config.environment.package, config.environment.options);
  if (E.isLeft(env)) return E.left(usageError(`environment.package: ${env.left.message.replace(/^--env: /, '')}`));
  const missing = config.tasks.find((k) => !env.right.tasks.some((task) => task.nGood === k));
  if (missing !== undefined) return E.left(usageError(`tasks: ${missing} is not a task of ${env.right.name} (${env.right.tasks.map((x) => x.nGood).join(', ')})`));
  const out = resolve(o.out ?? join('runs', preset));

  // The output directory belongs to one config: resuming with another would mix incomparable runs.
  const configFile = join(out, 'config.json');
  const text = `${JSON.stringify(config, null, 1)}\n`;
  const previous = readVerified(configFile);
  if (previous !== undefined && previous.toString('utf8') !== text) {
    return E.left(usageError(`--out: ${out} holds a study with another config (see its config.json); use another --out`));
  }
  if (previous === undefined) writeAtomic(configFile, text);
  // Leftovers of an interrupted write are never trusted.
  const runs = join(out, 'runs');
  if (existsSync(runs)) for (const id of readdirSync(runs)) for (const f of readdirSync(join(runs, id))) if (f.includes('.tmp-')) rmSync(join(runs, id, f), { recursive: true, force: true });

  const t0 = performance.now();
  const all = planStudy(config);
  const units = shard.right ? shardOf(all, shard.right.index, shard.right.count) : all;
  const finished = new Set(units.filter((u) => finishedRecord(unitDir(out, u.id)) !== undefined).map((u) => u.id));
  const jobs = o.jobs ?? Math.min(2, cpus().length);
  const bar = progress(units.length);
  bar.log(`study ${config.name} (${preset}) → ${out}: ${units.length} units${shard.right ? ` (shard ${o.shard})` : ''}, ${finished.size} already done, ${jobs} at a time`);
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

  const studyFile = join(out, 'study.json');
  const before = (() => { const b = readVerified(studyFile); return b ? (JSON.parse(b.toString('utf8')) as { elapsedSeconds: number }).elapsedSeconds : 0; })();
  const elapsedSeconds = before + (performance.now() - t0) / 1000;
  writeAtomic(studyFile, `${JSON.stringify({ preset, elapsedSeconds }, null, 1)}\n`);

  const records = readRecords([out]);
  process.stdout.write(`\n${summaryTable(records)}\n`);
  const bySeed = seedTable(records);
  if (bySeed !== undefined) process.stdout.write(`\n${bySeed}\n`);
  if (failed.size > 0) {
    process.stderr.write(`${failed.size} unit(s) failed or were skipped: ${[...failed].join(', ')} (their records hold the errors; run again to retry)\n`);
    process.exitCode = 1;
    return E.right(undefined);
  }
  if (all.every((u) => finished.has(u.id))) {
    const backend = records.find((r) => r.kind === 'pretrain')?.provenance.backend ?? 'none';
    const summary = summarize(records, { preset, environment: config.environment.package, backend, elapsedSeconds, rules: Object.keys(config.rl) });
    writeAtomic(join(out, 'summary.json'), `${JSON.stringify(summary, null, 1)}\n`);
    process.stdout.write(`\nsummary: ${join(out, 'summary.json')}\n`);
    const written = await writeStudyReport([out], join(out, 'report.html'));
    if (E.isLeft(written)) return written;
    process.stdout.write(`report:  ${written.right}\n`);
  } else {
    process.stdout.write(`\nshard ${o.shard} finished; merge the shards with: optimpact report --runs DIR…\n`);
  }
  return E.right(undefined);
}
