/**
 * The whole study (docs/method.md#the-study) — for a grid of sizes × seeds, pretrain → fine-tune on each task (each RL
 * rule) → score on every task → measure → summary and report. Resumable: finished units (whole,
 * checksummed records) are skipped, anything partial is redone.
 */
import type { ConfigSource, RunRecord } from '@optimpact/core';
import { FORMAT_VERSION } from '@optimpact/core';
import {
  acquireLock,
  configFile,
  makeDir,
  describeHolder,
  finishedRecord,
  isTemporary,
  jsonText,
  lockFile,
  readVerified,
  removeTemporaries,
  reportFile,
  RUN_FILE,
  runsDir,
  studyFile,
  summaryFile,
  unitDir,
  unitState,
  writeRecord,
  writeVerified,
  WriteError,
  writing,
} from '@optimpact/records';
import type { BackendName } from '@optimpact/transformer';
import { kernelVariant, setBackend } from '@optimpact/transformer';
import * as E from 'fp-ts/lib/Either.js';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { firstDifference } from './difference.js';
import { CHECKPOINT_SECONDS } from './flags.js';
import { configuredEnvironment } from './environment.js';
import { environmentFingerprint } from './fingerprint.js';
import type { StudyConfig } from './config.js';
import { envSource } from './config.js';
import type { RunError, UsageError } from './errors.js';
import { runError, usageError } from './errors.js';
import type { Unit } from './plan.js';
import { planStudy, shardOf, unitConfig } from './plan.js';
import { checkMemory } from './resources.js';
import { progress } from './progress.js';
import { provenance } from './provenance.js';
import { runInWorker, schedule } from './scheduler.js';
import { summarize } from './summary.js';

/** What a study run is given: a resolved config (see `resolveConfig`) and where to write. */
export interface StudyOptions {
  readonly config: StudyConfig;
  /** The preset's name, or "custom" for a config file. */
  readonly preset: string;
  /** The preset and the `--set` overrides the config came from (recorded apart from it). */
  readonly source?: ConfigSource;
  /** The output directory (absolute). */
  readonly out: string;
  readonly backend?: BackendName;
  /** Units run at once (default: min(2, cores)). */
  readonly jobs?: number;
  /** Run only shard `index` of `count` (1-based). */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Seconds of pretraining or fine-tuning between checkpoints (default {@link CHECKPOINT_SECONDS}; 0: none). */
  readonly checkpointSeconds?: number;
  /** `--env`, when it named the package (its errors then name it). */
  readonly env?: string;
}

/** A unit that did not succeed, and why (one line). */
export interface FailedUnit {
  readonly id: string;
  readonly reason: string;
}

/** What a study run did. */
export interface StudyOutcome {
  /** The finished records of this study's units (a unit directory copied in from another study is not one). */
  readonly records: readonly RunRecord[];
  /** Units that failed, or were skipped because one they depend on failed. */
  readonly failed: readonly FailedUnit[];
  /** The summary and report, written when every unit of the study (all shards) is finished. */
  readonly summary?: string;
  readonly report?: string;
  /** A file of the run itself that could not be written (after the units ran): the run failed. */
  readonly writeError?: string;
}

/**
 * Writes the report of the records under `dirs` (with `only`, of those unit ids) to `out`; Plot and the DOM
 * are loaded only here. Records that cannot be read are the user's to mend (a usage error); a report that
 * cannot be written is a failed run.
 */
export async function writeStudyReport(dirs: readonly string[], out: string, only?: ReadonlySet<string>): Promise<E.Either<UsageError | RunError, string>> {
  const { writeReport, formatReportError } = await import('@optimpact/report');
  const r = writeReport(dirs, out, only);
  if (E.isLeft(r)) return E.left((r.left._tag === 'WriteError' ? runError : usageError)(formatReportError(r.left)));
  return E.right(`${r.right.file} (${r.right.records} records)`);
}

/** What a model's numbers depend on besides its config: the TF.js backend and, on wasm, the kernels' build. */
export interface Numerics {
  readonly backend: string;
  readonly kernels: 'simd' | 'fma' | null;
}

/**
 * The units of `units` whose artifacts cannot be trusted, each with why, and every unit that depends on
 * one of them (its inputs are recomputed, so it is too). Units with nothing on disk are not listed. A whole
 * record is trusted only if it is this unit's (its id) and was made with `expected(unit)` as its config,
 * for a model's unit with these `numerics`, and with an environment of this `fingerprint`: a unit
 * directory copied from another study is reused when it would come out the same here.
 */
export function untrusted(
  out: string,
  units: readonly Unit[],
  expected: (u: Unit) => unknown,
  numerics?: Numerics,
  fingerprint?: string,
): { finished: Set<string>; recompute: Map<string, string> } {
  const finished = new Set<string>(),
    recompute = new Map<string, string>(),
    redo = new Set<string>();
  const records = new Map<string, RunRecord>();
  for (const u of units) {
    const s = unitState(unitDir(out, u.id));
    if ('record' in s) records.set(u.id, s.record);
    const why =
      'record' in s
        ? s.record.id !== u.id
          ? `its record is of unit ${s.record.id}`
          : (configDifference(s.record.config, JSON.parse(JSON.stringify(expected(u))) as unknown) ??
            otherNumerics(s.record, numerics) ??
            otherEnvironment(s.record, fingerprint) ??
            otherInput(s.record, records))
        : s.why;
    if ('record' in s && why === undefined) finished.add(u.id);
    else {
      redo.add(u.id);
      if (why !== undefined) recompute.set(u.id, why);
    }
  }
  // Dependencies come first in the plan, so one pass carries an invalidation down every chain.
  for (const u of units) {
    const dep = u.after.find((d) => redo.has(d));
    if (dep === undefined || !finished.has(u.id)) continue;
    finished.delete(u.id);
    redo.add(u.id);
    recompute.set(u.id, `depends on ${dep}, which is recomputed`);
  }
  return { finished, recompute };
}

/** Why a model's record was made with other numerics than `numerics`, if it was (the baseline's numbers need no model). */
function otherNumerics(record: RunRecord, numerics: Numerics | undefined): string | undefined {
  if (numerics === undefined || record.kind === 'baseline') return undefined;
  const show = (n: { backend: string; kernels?: string | null | undefined }) => `${n.backend}${n.kernels ? ` with ${n.kernels} kernels` : ''}`;
  // records from before the kernels were recorded ran the simd build on wasm
  const there = { backend: record.provenance.backend, kernels: record.provenance.kernels ?? (record.provenance.backend === 'wasm' ? 'simd' : null) };
  return there.backend === numerics.backend && there.kernels === numerics.kernels
    ? undefined
    : `made with other numerics (${show(there)} in its record, ${show(numerics)} here)`;
}

/**
 * Why a record was made with an environment that behaves otherwise than this study's (the same package and
 * options, another law: a bug fixed in place), if it was. A record from before fingerprints were recorded is
 * trusted, as one from before kernel builds were recorded is read as the simd build: it cannot say otherwise.
 */
function otherEnvironment(record: RunRecord, fingerprint: string | undefined): string | undefined {
  const there = record.provenance.environmentFingerprint;
  if (fingerprint === undefined || there === undefined || there === fingerprint) return undefined;
  return `made with an environment that behaves otherwise (fingerprint ${there.slice(0, 12)}… in its record, ${fingerprint.slice(0, 12)}… here)`;
}

/** Why a fine-tuning's record does not follow from the pretrained model on disk (read before it: plan order), if it does not. */
function otherInput(record: RunRecord, records: ReadonlyMap<string, RunRecord>): string | undefined {
  if (record.kind !== 'finetune') return undefined;
  const pre = records.get(record.pretrainId);
  return pre === undefined || pre.kind !== 'pretrain' || record.pretrainModelSha256 === pre.modelSha256
    ? undefined // a pretraining that is missing or recomputed invalidates it below
    : `fine-tuned from another model than ${record.pretrainId}'s (checksum ${record.pretrainModelSha256 ?? 'absent'} in its record)`;
}

/** Where a record's config first differs from this study's, in one line; undefined when they agree. */
export function configDifference(recorded: unknown, expected: unknown): string | undefined {
  const d = firstDifference(recorded, expected);
  return d && `made with another config (${d.path || 'config'}: ${d.a} in its record, ${d.b} in this study)`;
}

/** Runs the study (or one shard of it) into `o.out`, holding the directory's lock throughout. */
export async function runStudy(o: StudyOptions): Promise<E.Either<UsageError | RunError, StudyOutcome>> {
  const { config, out } = o;
  const env = await configuredEnvironment(config, envSource(o.env));
  if (E.isLeft(env)) return env;
  const missing = config.tasks.find((k) => !env.right.tasks.some((task) => task.nGood === k));
  if (missing !== undefined)
    return E.left(usageError(`tasks: ${missing} is not a task of ${env.right.name} (${env.right.tasks.map((x) => x.nGood).join(', ')})`));
  const behaviour = config.data.explore?.behaviour;
  if (Array.isArray(behaviour) && (behaviour.length !== env.right.actions.length || Math.abs(behaviour.reduce((a, b) => a + b, 0) - 1) > 1e-9)) {
    return E.left(
      usageError(`data.explore.behaviour: expected ${env.right.actions.length} probabilities summing to 1 (one per action), got ${JSON.stringify(behaviour)}`),
    );
  }
  const jobs = o.jobs ?? Math.min(2, cpus().length);
  const memory = checkMemory(config, env.right, jobs);
  if (E.isLeft(memory)) return memory;
  // The backend and kernels the workers will run, chosen as they choose them, and how the environment behaves:
  // a resumed unit made with other numerics or another behaviour is recomputed.
  const numerics = await chooseNumerics(o.backend);
  if (E.isLeft(numerics)) return numerics;
  let fingerprint: string;
  try {
    fingerprint = environmentFingerprint(env.right);
  } catch (e) {
    return E.left(usageError(`${envSource(o.env)}: ${config.environment.package}: ${e instanceof Error ? e.message : String(e)}`));
  }

  // Another config's directory is refused before anything is written, even the lock (checked again under it).
  const mismatch = otherConfig(out, config);
  if (mismatch) return E.left(mismatch);
  // An --out that cannot be created or locked (a file, a read-only mount…) is refused before anything is written.
  let lock: ReturnType<typeof acquireLock>;
  try {
    makeDir(out);
    lock = writing(lockFile(out), () => acquireLock(out));
  } catch (e) {
    return E.left(usageError(`--out: ${(e as Error).message}`));
  }
  if (!lock.held) {
    const by = lock.holder ? describeHolder(lock.holder) : 'a process whose lock file cannot be read';
    return E.left(
      usageError(`--out: ${out} is in use by another study (${by}); wait for it, or use another --out (if that process is gone, delete ${lockFile(out)})`),
    );
  }
  // Interrupted (Ctrl-C, a scheduler's SIGTERM): give the lock back, then die of the same signal.
  const interrupted = (signal: NodeJS.Signals): void => {
    lock.release();
    process.stderr.write(`study interrupted (${signal}); run the same command again to resume\n`);
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    if (lock.replaced) process.stderr.write(`taking over ${lockFile(out)}: its holder (${describeHolder(lock.replaced)}) is gone\n`);
    const goodSets = Object.fromEntries(env.right.tasks.map((task) => [task.nGood, [...task.good]]));
    return await runLocked(o, jobs, goodSets, numerics.right, fingerprint);
  } catch (e) {
    if (e instanceof WriteError) return E.left(runError(e.message));
    throw e;
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    lock.release();
  }
}

async function chooseNumerics(backend: BackendName | undefined): Promise<E.Either<UsageError, Numerics>> {
  try {
    return E.right({ backend: await setBackend(backend), kernels: kernelVariant() });
  } catch (e) {
    return E.left(usageError(`${backend === undefined ? 'backend' : '--backend'}: ${(e as Error).message}`));
  }
}

/** A usage error when `out` holds a study of another config: resuming would mix incomparable runs. */
function otherConfig(out: string, config: StudyConfig): UsageError | undefined {
  const previous = readVerified(configFile(out));
  const recorded = previous === undefined ? undefined : (JSON.parse(previous.toString('utf8')) as { source?: unknown; config?: unknown });
  // config.json holds {source, config}; a directory written before it held its source holds the bare config
  const recordedConfig = recorded !== undefined && 'source' in recorded ? recorded.config : recorded;
  const d = previous === undefined ? undefined : firstDifference(recordedConfig, JSON.parse(JSON.stringify(config)) as unknown);
  return d && usageError(`--out: ${out} holds a study with another config (${d.path || 'config'}: ${d.a} in its config.json, ${d.b} here); use another --out`);
}

async function runLocked(
  o: StudyOptions,
  jobs: number,
  goodSets: Record<number, readonly number[]>,
  numerics: Numerics,
  fingerprint: string,
): Promise<E.Either<UsageError | RunError, StudyOutcome>> {
  const { config, preset, out } = o;
  // The output directory belongs to one config: resuming with another would mix incomparable runs.
  const mismatch = otherConfig(out, config);
  if (mismatch) return E.left(mismatch);
  // config.json: the config, and apart from it the preset and overrides it came from and the good sets it resolved to
  if (readVerified(configFile(out)) === undefined)
    writeVerified(configFile(out), jsonText({ source: o.source ?? { preset, overrides: [] }, config, goodSets }));
  removeTemporaries(out); // safe: we hold the lock

  const t0 = performance.now();
  const all = planStudy(config);
  const units = o.shard ? shardOf(all, o.shard.index, o.shard.count) : all;
  const { finished, recompute } = untrusted(out, units, (u) => unitConfig(config, u, goodSets), numerics, fingerprint);
  const bar = progress(units.length, finished.size);
  const shardName = o.shard ? `${o.shard.index}/${o.shard.count}` : undefined;
  bar.log(
    `study ${config.name} (${preset}) → ${out}: ${units.length} units${shardName ? ` (shard ${shardName})` : ''}, ${finished.size} already done, ${jobs} at a time`,
  );
  const planned = new Set(all.map((u) => u.id));
  const others = existsSync(runsDir(out)) ? readdirSync(runsDir(out)).filter((d) => !planned.has(d) && !isTemporary(d)) : [];
  if (others.length > 0) bar.log(`not units of this study, left out of its summary and report: ${others.map((d) => `runs/${d}`).join(', ')}`);
  for (const [id, why] of recompute) {
    // a training with a checkpoint goes on from it (run-unit says whether it can)
    bar.log(`${existsSync(join(unitDir(out, id), 'checkpoint')) ? 'going on with' : 'recomputing'} ${id}: ${why}`);
    // Neither this run nor a report may trust the old record meanwhile.
    const sum = join(unitDir(out, id), `${RUN_FILE}.sha256`);
    if (existsSync(sum)) writing(sum, () => rmSync(sum));
  }
  if (finished.size < units.length) {
    // A summary and report of the previous run would pass for this one's if it ends in failures.
    for (const f of [summaryFile(out), `${summaryFile(out)}.sha256`, reportFile(out)]) writing(f, () => rmSync(f, { force: true }));
  }
  const reasons = new Map<string, string>();
  const failedIds = await schedule(units, finished, jobs, async (u) => {
    const error = await runInWorker(out, config, o.source, o.backend, u, bar, o.checkpointSeconds ?? CHECKPOINT_SECONDS);
    if (!error) {
      bar.finish(u.id, 'done');
      return true;
    }
    let reason = error.message;
    try {
      writeRecord(unitDir(out, u.id), {
        formatVersion: FORMAT_VERSION,
        id: u.id,
        status: 'error',
        seed: 'seed' in u ? u.seed : 0,
        config: {},
        provenance: provenance(o.backend ?? 'default'),
        timings: {},
        kind: 'failed',
        unit: { ...u },
        error,
      });
    } catch (e) {
      // Not even the failure record could be written (full disk…): say so, and keep the other units going.
      reason += `; its failure record was not written either (${(e as Error).message})`;
    }
    reasons.set(u.id, reason);
    bar.finish(u.id, `FAILED: ${reason}`);
    return false;
  });
  bar.stop();
  const failed = units
    .filter((u) => failedIds.has(u.id))
    .map((u) => {
      const dep = u.after.find((d) => failedIds.has(d));
      return { id: u.id, reason: reasons.get(u.id) ?? `skipped: ${dep ?? 'a unit it depends on'} failed` };
    });

  const before = (() => {
    const b = readVerified(studyFile(out));
    return b ? (JSON.parse(b.toString('utf8')) as { elapsedSeconds: number }).elapsedSeconds : 0;
  })();
  const elapsedSeconds = before + (performance.now() - t0) / 1000;
  const records = all.flatMap((u) => {
    const r = finishedRecord(unitDir(out, u.id));
    return r !== undefined && r.id === u.id ? [r] : [];
  });
  try {
    writeVerified(studyFile(out), jsonText({ preset, elapsedSeconds }));
  } catch (e) {
    // Said after the units that failed, which likely share its cause (a full disk).
    if (e instanceof WriteError) return E.right({ records, failed, writeError: e.message });
    throw e;
  }
  if (failed.length > 0 || !all.every((u) => finished.has(u.id))) return E.right({ records, failed });
  const backend = records.find((r) => r.kind === 'pretrain')?.provenance.backend ?? 'none';
  const summary = summarize(records, { preset, environment: config.environment.package, backend, elapsedSeconds, rules: Object.keys(config.rl) });
  writeVerified(summaryFile(out), jsonText(summary));
  const report = await writeStudyReport([out], reportFile(out), planned);
  if (E.isLeft(report)) return E.left(runError(report.left.message));
  return E.right({ records, failed: [], summary: summaryFile(out), report: report.right });
}
