/** `summary.json`: the study at a glance, derived from its run records alone. */
import type { BaselineRecord, EstimateJson, FinetuneRecord, PeerMeasurementJson, RunRecord, StudySummary } from '@optimpact/core';
import { FORMAT_VERSION } from '@optimpact/core';
import { identifyObjective } from '@optimpact/impact-theory';

const NONE: EstimateJson = { mean: null, se: null };

const byTask = (r: FinetuneRecord, pick: (t: FinetuneRecord['measurement']['tasks'][number]) => EstimateJson): Record<string, EstimateJson> =>
  Object.fromEntries(r.measurement.tasks.map((t) => [String(t.nGood), pick(t)]));

/** Objective identification over fine-tuned models: the task whose Op_pred (from its score) is closest to Op. */
export function identification(models: readonly FinetuneRecord[]) {
  return identifyObjective(
    models.map((r) => ({
      id: r.id,
      trainedTask: r.task,
      op: r.measurement.op.mean,
      candidates: r.measurement.tasks.map((t) => ({ task: t.nGood, opPred: t.opPred.mean })),
    })),
  );
}

/** Objective identification by MEG: the task minimising MEG_F − MEG_{G_k} (the largest MEG_{G_k}), over the models that have peer measures. */
export function identificationByMeg(models: readonly FinetuneRecord[]) {
  return identifyObjective(
    models.flatMap((r) =>
      r.peers
        ? [
            {
              id: r.id,
              trainedTask: r.task,
              op: r.peers.megF.mean,
              candidates: r.peers.tasks.map((t) => ({ task: t.nGood, opPred: t.meg.mean })),
            },
          ]
        : [],
    ),
  );
}

/** A model's peer measures in the summary: MEG per task and identification by it; AUP, reachability and empowerment change per baseline. */
function peerFields(r: FinetuneRecord) {
  const p = r.peers;
  if (!p) return {};
  const byBaseline = (pick: (b: PeerMeasurementJson['baselines'][number]) => EstimateJson | undefined): Record<string, EstimateJson> =>
    Object.fromEntries(p.baselines.flatMap((b) => (pick(b) ? [[b.name, pick(b)!]] : [])));
  return {
    MEG_F: p.megF,
    MEG: Object.fromEntries(p.tasks.map((t) => [String(t.nGood), t.meg])),
    identifiedTaskByMeg: p.identifiedTask,
    w: p.w,
    AUP: Object.fromEntries(p.baselines.map((b) => [b.name, { before: b.aupBefore, after: b.aupAfter }])),
    RR: byBaseline((b) => b.rr),
    RR2: byBaseline((b) => b.rr2),
    empowermentChange: byBaseline((b) => b.empowermentChange),
  };
}

/** The summary of a study from its records; `rules` in the config's order, the first being primary. */
export function summarize(
  records: readonly RunRecord[],
  meta: { preset: string; environment: string; backend: string; elapsedSeconds: number; rules: readonly string[] },
): StudySummary {
  const finetunes = records.filter((r): r is FinetuneRecord => r.kind === 'finetune').sort((a, b) => a.id.localeCompare(b.id));
  const generator = records.find((r): r is BaselineRecord => r.kind === 'baseline' && r.name === 'generator');
  const byRule = Object.fromEntries(
    meta.rules.map((rule) => {
      const ident = identification(finetunes.filter((r) => r.rule === rule));
      return [rule, { rule, accuracy: ident.accuracy, confusion: ident.confusion }];
    }),
  );
  const identified = new Map(identification(finetunes).models.map((m) => [m.id, m.identifiedTask]));
  const withPeers = finetunes.filter((r) => r.peers);
  const byMeg = Object.fromEntries(
    meta.rules.map((rule) => {
      const ident = identificationByMeg(withPeers.filter((r) => r.rule === rule));
      return [rule, { rule, accuracy: ident.accuracy, confusion: ident.confusion }];
    }),
  );
  // the resolved good set of every task, as the measurements name them (one study: the same in every record)
  const measured = [...(generator ? [generator.measurement] : []), ...finetunes.map((r) => r.measurement)];
  const goodSets = Object.fromEntries(measured.flatMap((m) => m.tasks.flatMap((t) => (t.good ? [[String(t.nGood), [...t.good]] as [string, number[]]] : []))));
  return {
    formatVersion: FORMAT_VERSION,
    preset: meta.preset,
    environment: meta.environment,
    backend: meta.backend,
    elapsedSeconds: meta.elapsedSeconds,
    generator: { Op: generator?.measurement.op ?? NONE, Imp: generator?.measurement.imp ?? NONE },
    objectiveIdentification: byRule[meta.rules[0] ?? ''] ?? { rule: meta.rules[0] ?? 'none', accuracy: 0, confusion: {} },
    objectiveIdentificationByRule: byRule,
    ...(withPeers.length > 0 ? { objectiveIdentificationByMeg: byMeg } : {}),
    ...(Object.keys(goodSets).length > 0 ? { goodSets } : {}),
    models: finetunes.map((r) => ({
      id: r.id,
      size: r.size,
      params: r.params,
      seed: r.seed,
      task: r.task,
      rule: r.rule,
      modelDir: `runs/${r.id}/${r.modelDir}`,
      score: byTask(r, (t) => t.s),
      sPrime: byTask(r, (t) => t.sPrime),
      OpPred: byTask(r, (t) => t.opPred),
      ImpMin: byTask(r, (t) => t.impMin),
      Op: r.measurement.op,
      Imp: r.measurement.imp,
      selfOp: r.measurement.self?.op ?? NONE,
      selfImp: r.measurement.self?.imp ?? NONE,
      identifiedTask: identified.get(r.id) ?? null,
      ...peerFields(r),
    })),
  };
}
