/** From run records to the plain rows the figure builders take (`@optimpact/viz` types). */
import type { BaselineRecord, EstimateJson, FinetuneRecord, PeerMeasurementJson, PretrainRecord, TaskScoresJson } from '@optimpact/core';
import type { BaselineRow, CurveRow, DifferentialRow, Est, ModelRow, PeerRow, PretrainRow, TaskScoreRow } from '@optimpact/viz';
import type { StudyData } from '@optimpact/records';

/** The rows of every figure. Only records with status "success" are drawn. */
export interface FigureRows {
  /** One row per pretrained model. */
  readonly pretrain: readonly PretrainRow[];
  /** One row per fine-tuned model. */
  readonly models: readonly ModelRow[];
  /** The generator's self-optimization (the BaselineRecord named "generator"), if measured. */
  readonly generator: BaselineRow | null;
  /** One row per baseline record. */
  readonly baselines: readonly BaselineRow[];
  /** Training-curve points of every run. */
  readonly curves: readonly CurveRow[];
  /** Differential measures per block, before and after RL (figure 18). */
  readonly differential: readonly DifferentialRow[];
}

const est = (e: EstimateJson): Est => ({ mean: e.mean, se: e.se });

function scoreRow(s: TaskScoresJson): TaskScoreRow {
  return {
    nGood: s.nGood,
    ...(s.good ? { good: s.good } : {}),
    chance: s.chance,
    bestConstant: s.bestConstant,
    s: est(s.s),
    sPrime: est(s.sPrime),
    opPred: est(s.opPred),
    impMin: est(s.impMin),
    ...(s.excessImp ? { excessImp: est(s.excessImp) } : {}),
  };
}

/** The peer measures' row of a model. */
function peerRow(p: PeerMeasurementJson): PeerRow {
  return {
    megF: est(p.megF),
    meg: [...p.tasks].sort((a, b) => a.nGood - b.nGood).map((t) => ({ nGood: t.nGood, meg: est(t.meg) })),
    identifiedTask: p.identifiedTask,
    w: p.w,
    baselines: p.baselines.map((b) => ({
      name: b.name,
      aupBefore: est(b.aupBefore),
      aupAfter: est(b.aupAfter),
      rr: est(b.rr),
      rr2: b.rr2 ? est(b.rr2) : null,
      empowermentChange: b.empowermentChange ? est(b.empowermentChange) : null,
    })),
  };
}

/** A fine-tuned model's row; `seed` is its pretrained model's seed (the unit seeds are averaged over). */
export function modelRow(r: FinetuneRecord, pretrainSeed: number | undefined): ModelRow {
  const m = r.measurement;
  return {
    id: r.id,
    size: r.size,
    params: r.params,
    seed: pretrainSeed ?? r.seed,
    task: r.task,
    rule: r.rule,
    op: est(m.op),
    imp: est(m.imp),
    nullOp: est(m.nullBaseline.op),
    nullImp: est(m.nullBaseline.imp),
    scores: [...m.tasks].sort((a, b) => a.nGood - b.nGood).map(scoreRow),
    references: m.references.map((x) => ({ name: x.name, op: est(x.op), imp: est(x.imp) })),
    self: m.self ? { op: est(m.self.op), imp: est(m.self.imp) } : null,
    outcomeFit: r.metrics.outcomeFit?.finetuned ?? null,
    maintenanceLoss: r.metrics.maintenanceLoss,
    oddPositionLoss: r.metrics.oddPositionLoss,
    peers: r.peers ? peerRow(r.peers) : null,
  };
}

/** A pretrained model's row. */
export function pretrainRow(r: PretrainRecord): PretrainRow {
  return {
    id: r.id,
    size: r.size,
    params: r.params,
    seed: r.seed,
    testLoss: r.metrics.testLoss,
    randomContextLoss: r.metrics.randomContextLoss,
    unigramLoss: r.metrics.unigramLoss,
    floorLoss: r.metrics.floorLoss,
    lossPositions: r.lossPositions,
  };
}

/** A reference policy's row. */
export function baselineRow(r: BaselineRecord): BaselineRow {
  const m = r.measurement;
  return { name: r.name, op: est(m.op), imp: est(m.imp), nullOp: est(m.nullBaseline.op), nullImp: est(m.nullBaseline.imp) };
}

/** Curve columns that count, not measure: left out of the curve figure (kept in the records). */
const NOT_METRICS = new Set(['step', 'examples']);

/** The long-format training-curve rows of pretraining and fine-tuning records. */
export function curveRows(pretrain: readonly PretrainRecord[], finetune: readonly FinetuneRecord[], seedOf: (r: FinetuneRecord) => number): CurveRow[] {
  const out: CurveRow[] = [];
  for (const r of pretrain) {
    for (const p of r.curve) {
      for (const [metric, value] of Object.entries(p)) {
        if (NOT_METRICS.has(metric)) continue;
        out.push({ run: r.id, stage: 'pretrain', size: r.size, params: r.params, seed: r.seed, task: null, rule: null, step: p.step, metric, value });
      }
    }
  }
  for (const r of finetune) {
    for (const p of r.curve) {
      for (const [metric, value] of Object.entries(p)) {
        if (NOT_METRICS.has(metric)) continue;
        out.push({ run: r.id, stage: 'rl', size: r.size, params: r.params, seed: seedOf(r), task: r.task, rule: r.rule, step: p.step, metric, value });
      }
    }
  }
  return out;
}

/** The differential-profile rows of fine-tuning records (before and after RL), if they were measured. */
export function differentialRows(finetune: readonly FinetuneRecord[], seedOf: (r: FinetuneRecord) => number): DifferentialRow[] {
  return finetune.flatMap((r) =>
    (['before', 'after'] as const).flatMap((when) =>
      (r.differential?.[when] ?? []).map((d) => ({
        id: r.id,
        rule: r.rule,
        task: r.task,
        size: r.size,
        params: r.params,
        seed: seedOf(r),
        site: d.site,
        stage: when === 'before' ? ('before RL' as const) : ('after RL' as const),
        op: est(d.op),
        imp: est(d.imp),
        rankDeficient: d.rankDeficient,
      })),
    ),
  );
}

/** The rows of every figure from the loaded records (successful runs only). */
export function figureRows(data: StudyData): FigureRows {
  const ok = <R extends { status: string }>(rs: readonly R[]): R[] => rs.filter((r) => r.status === 'success');
  const pretrain = ok(data.pretrain);
  const finetune = ok(data.finetune);
  const baselines = ok(data.baselines);
  const pretrainSeed = new Map(data.pretrain.map((p) => [p.id, p.seed]));
  const seedOf = (r: FinetuneRecord): number => pretrainSeed.get(r.pretrainId) ?? r.seed;
  const generator = baselines.find((b) => b.name === 'generator');
  return {
    pretrain: pretrain.map(pretrainRow),
    models: finetune.map((r) => modelRow(r, seedOf(r))),
    generator: generator ? baselineRow(generator) : null,
    baselines: baselines.map(baselineRow),
    curves: curveRows(pretrain, finetune, seedOf),
    differential: differentialRows(finetune, seedOf),
  };
}
