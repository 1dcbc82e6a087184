/** Conversions from measurements to their JSON records. */
import type { Estimate, MeasurementJson, TaskScoresJson } from '@optimpact/core';
import { estimateJson } from '@optimpact/core';
import type { Measurement, TaskScores } from '@optimpact/split-history';

const tasksJson = (scores: readonly TaskScores[], constants: ReadonlyMap<number, number>): TaskScoresJson[] =>
  scores.map((t) => ({
    nGood: t.task.nGood,
    good: [...t.task.good],
    chance: t.f,
    bestConstant: constants.get(t.task.nGood) ?? Number.NaN,
    s: estimateJson(t.s),
    sPrime: estimateJson(t.sPrime),
    opPred: estimateJson(t.opPred),
    impMin: estimateJson(t.impMin),
    excessOp: estimateJson(t.excessOp),
    excessImp: estimateJson(t.excessImp),
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
    seCovers: m.seCovers,
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
