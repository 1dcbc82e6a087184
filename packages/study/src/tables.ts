/** The tables the study prints at its end, from its records. */
import type { RunRecord } from '@optimpact/core';
import { estimate, seCoversText } from '@optimpact/core';

const fmt = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined ? '—' : x.toFixed(digits));

/** The final table: success rates on every task and Op vs Op_pred (own task) per model. */
export function summaryTable(records: readonly RunRecord[]): string {
  const rows = records.flatMap((r) => (r.kind === 'finetune' ? [r] : [])).sort((a, b) => a.id.localeCompare(b.id));
  const tasks = [...new Set(rows.flatMap((r) => r.measurement.tasks.map((t) => t.nGood)))].sort((a, b) => a - b);
  const head = `${'model'.padEnd(22)}${'params'.padStart(8)}  ${tasks.map((k) => `s(n${k})`.padEnd(6)).join(' ')}  Op ± s.e.        Op_pred(own)  Imp    self Op`;
  const lines = rows.map((r) => {
    const m = r.measurement,
      own = m.tasks.find((x) => x.nGood === r.task);
    const s = tasks.map((k) => fmt(m.tasks.find((x) => x.nGood === k)?.s.mean).padEnd(6)).join(' ');
    return `${r.id.padEnd(22)}${String(r.params).padStart(8)}  ${s}  ${fmt(m.op.mean).padStart(6)} ± ${fmt(m.op.se)}   ${fmt(own?.opPred.mean).padStart(6)}        ${fmt(m.imp.mean)}  ${fmt(m.self?.op.mean)}`;
  });
  const m = rows[0]?.measurement;
  // Every measurement of a study draws its repeats from the one fixed test set.
  const covers = m ? [seCoversText(m.seCovers ?? 'repeats within the fixed test set', m.repeats)] : [];
  const units = 's(nk): success rate on the task n_good = k (a fraction); Op, Op_pred, Imp, self Op: nats';
  return [head, ...lines, units, ...covers].join('\n');
}

/**
 * Over seeds, per size, rule and training task: own-task success, Op and Op_pred (own task), each
 * mean ± s.e. across the seeds (printed when a study has more than one seed).
 */
export function seedTable(records: readonly RunRecord[]): string | undefined {
  const rows = records.flatMap((r) => (r.kind === 'finetune' ? [r] : []));
  if (new Set(rows.map((r) => r.seed)).size < 2) return undefined;
  const groups = new Map<string, typeof rows>();
  for (const r of [...rows].sort((a, b) => a.params - b.params || a.rule.localeCompare(b.rule) || a.task - b.task)) {
    const key = `${r.size} ${r.rule} n${r.task}`;
    groups
      .set(key, groups.get(key) ?? [])
      .get(key)!
      .push(r);
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
  return ['mean over seeds (s.e. over the seeds; s a fraction, Op and Op_pred in nats):', head, ...lines].join('\n');
}
