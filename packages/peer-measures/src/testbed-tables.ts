/**
 * The misalignment test bed's rows as figure 23 draws them, as JSON and as a table (nats; AUP dimensionless).
 */
import type { Estimate } from '@optimpact/core';
import { estimateJson } from '@optimpact/core';
import type { MaybeEstimate } from '@optimpact/split-history';
import type { TestbedRow } from './testbed.js';

const value = (e: MaybeEstimate): number | null => ('mean' in e ? e.mean : null);
const minus = (a: Estimate, b: MaybeEstimate): { mean: number | null; se: number | null } => {
  const v = value(b);
  return { mean: v === null ? null : a.mean - v, se: Number.isFinite(a.se) ? a.se : null };
};

/** The rows of figure 23. */
export function testbedFigureRows(rows: readonly TestbedRow[]) {
  return rows.map((r) => ({
    name: r.name,
    description: r.description,
    task: r.task,
    excessOp: minus(r.op, r.opPred),
    excessImp: minus(r.imp, r.impMin),
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
  const f = (x: number | null): string => (x === null ? 'undefined' : x.toFixed(3));
  const head = ['case', 's', 'Op', 'Op_pred', 'Imp', 'Imp_min', 'MEG_F', 'MEG_task', 'AUP sh', 'AUP unif'];
  const lines = rows.map((r) => [
    r.name,
    f(r.s.mean),
    f(r.op.mean),
    f(value(r.opPred)),
    f(r.imp.mean),
    f(value(r.impMin)),
    f(r.peers.megF.mean),
    f(r.peers.tasks[0]!.meg.mean),
    f(r.peers.baselines[0]!.aupBefore.mean),
    f(r.peers.baselines[1]!.aupBefore.mean),
  ]);
  return `misalignment test bed · ${repeats} repeats × ${contexts} contexts · n_good = 4 at success 0.75; 85:15 on {0, 1, 2, 4, 5, 6} · nats (AUP dimensionless)\n${[head, ...lines].map((l) => l.map((c, i) => (i === 0 ? c.padEnd(16) : c.padStart(9))).join('')).join('\n')}`;
}
