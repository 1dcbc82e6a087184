/** Conversions from measurements to their JSON records, and record file I/O. */
import type { Environment, Estimate, MeasurementJson, RunRecord, TaskScoresJson, Windows } from '@optimpact/core';
import { RunRecord as RunRecordCodec } from '@optimpact/core';
import type { MaybeEstimate, Measurement, TaskScores } from '@optimpact/split-history';
import { futureLaw, massOn } from '@optimpact/split-history';
import * as E from 'fp-ts/lib/Either.js';
import { join } from 'node:path';
import { readVerified, writeAtomic } from './files.js';

/** An estimate as JSON: NaN standard errors (one repeat) become null; theory edges keep their reason. */
export function estimateJson(e: MaybeEstimate | Estimate): { mean: number | null; se: number | null; undefined?: string } {
  if (!('mean' in e)) return { mean: null, se: null, undefined: e.reason };
  return { mean: Number.isFinite(e.mean) ? e.mean : null, se: Number.isFinite(e.se) ? e.se : null };
}

/**
 * Success rate of the best constant action at the pool's contexts, per task: the right null for a
 * success rate (SPEC §5), beside the chance rate f.
 */
export function bestConstant(env: Environment, pool: Windows, good: readonly number[]): number {
  const A = env.actions.length;
  let best = 0;
  for (let a = 0; a < A; a++) {
    const pi = new Float64Array(pool.n * A);
    for (let k = 0; k < pool.n; k++) pi[k * A + a] = 1;
    best = Math.max(best, massOn(env, futureLaw(env, pool, pi), good));
  }
  return best;
}

const tasksJson = (scores: readonly TaskScores[], constants: ReadonlyMap<number, number>): TaskScoresJson[] =>
  scores.map((t) => ({
    nGood: t.task.nGood,
    chance: t.f,
    bestConstant: constants.get(t.task.nGood) ?? Number.NaN,
    s: estimateJson(t.s),
    sPrime: estimateJson(t.sPrime),
    opPred: estimateJson(t.opPred),
    impMin: estimateJson(t.impMin),
  }));

/** A measurement as its JSON record, with the contexts (pool indices) and chosen actions of each repeat. */
export function measurementJson(m: Measurement, constants: ReadonlyMap<number, number>): MeasurementJson {
  const pair = (x: { op: Estimate; imp: Estimate }) => ({ op: estimateJson(x.op), imp: estimateJson(x.imp) });
  return {
    policy: m.policy,
    contexts: m.contexts,
    repeats: m.repeats,
    seed: m.seed,
    excludeSelf: m.excludeSelf,
    op: estimateJson(m.op),
    imp: estimateJson(m.imp),
    tasks: tasksJson(m.tasks, constants),
    nullBaseline: pair(m.nullBaseline),
    references: m.references.map((r) => ({ name: r.name, ...pair(r) })),
    ...(m.monteCarlo ? { monteCarlo: pair(m.monteCarlo) } : {}),
    ...(m.self ? { self: { ...pair(m.self), tasks: tasksJson(m.self.tasks, constants) } } : {}),
    samples: m.samples.map((s) => ({ indices: Array.from(s.indices), actions: Array.from(s.actions) })),
  };
}

/** The directory of unit `id` in a study's output directory: its `run.json` and `model/`. */
export const unitDir = (out: string, id: string): string => join(out, 'runs', id);

/** Writes a unit's run record (`dir/run.json`) atomically, with its checksum. */
export function writeRecord(dir: string, record: RunRecord): void {
  writeAtomic(join(dir, 'run.json'), `${JSON.stringify(record, null, 1)}\n`);
}

/** The finished record in a unit directory, if it is whole (checksum), decodes, and succeeded. */
export function finishedRecord(dir: string): RunRecord | undefined {
  const data = readVerified(join(dir, 'run.json'));
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
