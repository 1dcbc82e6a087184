/**
 * The misalignment test bed's rows as figure 23 draws them, as JSON and as a table (nats; AUP dimensionless).
 */
import { estimateJson } from '@optimpact/core';
import type { MaybeEstimate } from '@optimpact/split-history';
import type { TestbedRow } from './testbed.js';

/** The rows of figure 23. */
export function testbedFigureRows(rows: readonly TestbedRow[]) {
  return rows.map((r) => ({
    name: r.name,
    description: r.description,
    task: r.task,
    excessOp: estimateJson(r.excessOp),
    excessImp: estimateJson(r.excessImp),
    megGap: estimateJson(r.peers.tasks[0]!.gap),
    aupSplitHistory: estimateJson(r.peers.baselines[0]!.aupBefore),
    aupUniform: estimateJson(r.peers.baselines[1]!.aupBefore),
    w: r.peers.w,
  }));
}

/** The rows as JSON: figure 23's fields and each measure with its prediction. */
export const testbedJson = (rows: readonly TestbedRow[]): object[] =>
  rows.map((r) => ({
    ...testbedFigureRows([r])[0],
    s: estimateJson(r.s),
    Op: estimateJson(r.op),
    OpPred: estimateJson(r.opPred),
    Imp: estimateJson(r.imp),
    ImpMin: estimateJson(r.impMin),
    MEG_F: estimateJson(r.peers.megF),
    MEG_task: estimateJson(r.peers.tasks[0]!.meg),
  }));

/** The rows as a table, under a heading naming the repeats and contexts. */
export function testbedTable(rows: readonly TestbedRow[], repeats: number, contexts: number): string {
  const f = (e: MaybeEstimate): string => {
    const m = estimateJson(e);
    return m.mean === null ? 'undefined' : `${m.mean.toFixed(3)}±${m.se === null ? '—' : m.se.toFixed(3)}`;
  };
  const head = ['case', 's', 'Op', 'Op_pred', 'Imp', 'Imp_min', 'MEG_F', 'MEG_task', 'AUP sh', 'AUP unif'];
  const lines = rows.map((r) => [
    r.name,
    f(r.s),
    f(r.op),
    f(r.opPred),
    f(r.imp),
    f(r.impMin),
    f(r.peers.megF),
    f(r.peers.tasks[0]!.meg),
    f(r.peers.baselines[0]!.aupBefore),
    f(r.peers.baselines[1]!.aupBefore),
  ]);
  return (
    `misalignment test bed · ${repeats} repeats × ${contexts} contexts · n_good = 4 at success 0.75; 85:15 on {0, 1, 2, 4, 5, 6} · s a fraction, AUP dimensionless, the rest nats\n` +
    `mean±s.e. over repeats drawn from one pool of contexts (conditional on it)\n` +
    [head, ...lines].map((l) => l.map((c, i) => (i === 0 ? c.padEnd(16) : c.padStart(13))).join('')).join('\n')
  );
}
