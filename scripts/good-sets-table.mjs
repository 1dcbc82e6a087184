#!/usr/bin/env node
// The good-set comparison of docs/results-original.md from studies that differ only in their good sets:
// `node scripts/good-sets-table.mjs [--sizes=xs,s,m] OUT_DIR…` (OUT_DIR as given to `optimpact study --out`).
// Per reading: each trained task's models (mean ± s.e. over seeds) scored on every task, the identification
// (Op_pred closest to Op) per rule and size, how many models score below chance on another task (each by
// its own s.e. too), and how often a model trained on another task lies above a task's line Op = Op_pred
// (the original's "the other points mainly sit above the line").
import { est, fmt, loadStudies, sizesOf } from './study-records.mjs';

const args = process.argv.slice(2);
const sizesArg = args.find((a) => a.startsWith('--sizes='));
const only = sizesArg ? new Set(sizesArg.slice('--sizes='.length).split(',')) : undefined;
const dirs = args.filter((a) => a !== sizesArg);

const studies = await loadStudies('node scripts/good-sets-table.mjs [--sizes=xs,s,m] OUT_DIR…', dirs, ['@optimpact/records', '@optimpact/study']);
const { identification } = await import('../packages/study/dist/index.js');

for (const { out, finetune } of studies) {
  const fin = finetune.filter((r) => only === undefined || only.has(r.size));
  const sets = fin[0]?.measurement.tasks.map((t) => `n_good=${t.nGood}: {${t.good.join(',')}}`).join(', ');
  console.log(`# ${out}: ${fin.length} fine-tuned models; good sets ${sets}`);
  const tasks = fin[0]?.measurement.tasks.map((t) => t.nGood) ?? [];
  for (const rule of [...new Set(fin.map((r) => r.rule))]) {
    const byRule = fin.filter((r) => r.rule === rule);
    console.log(`\n## rule ${rule} (every ± one s.e. over seeds; Op and Op_pred in nats)`);
    for (const size of sizesOf(byRule)) {
      for (const task of tasks) {
        const ms = byRule.filter((r) => r.size === size && r.task === task);
        if (ms.length === 0) continue;
        const on = (k, pick) => est(ms.map((r) => pick(r.measurement.tasks.find((t) => t.nGood === k))));
        const cols = tasks.map((k) => `on ${k}: s ${on(k, (t) => t.s.mean)} Op_pred ${on(k, (t) => t.opPred.mean)} Imp_min ${on(k, (t) => t.impMin.mean)}`);
        console.log(`${size.padEnd(3)} trained n_good=${task} (${ms.length} seeds): Op ${est(ms.map((r) => r.measurement.op.mean))}; ${cols.join('; ')}`);
      }
      const id = identification(byRule.filter((r) => r.size === size));
      console.log(`${size.padEnd(3)} identified ${id.correct}/${id.total}; confusion (trained → identified) ${JSON.stringify(id.confusion)}`);
    }
    const id = identification(byRule);
    console.log(`all identified ${id.correct}/${id.total} (${fmt(id.accuracy)})`);
    for (const trained of tasks) {
      const below = tasks.flatMap((k) => {
        const scores = byRule.filter((r) => r.task === trained).map((r) => r.measurement.tasks.find((t) => t.nGood === k));
        const n = scores.filter((t) => t.s.mean < t.chance).length,
          far = scores.filter((t) => t.s.mean + 2 * t.s.se < t.chance).length;
        return k === trained ? [] : [`on ${k} ${n}/${scores.length} (${far} by more than 2 s.e.)`];
      });
      console.log(`models trained on n_good=${trained} below chance: ${below.join(', ')}`);
    }
    for (const k of tasks) {
      const others = byRule.filter((r) => r.task !== k);
      const above = others.filter((r) => r.measurement.op.mean > r.measurement.tasks.find((t) => t.nGood === k).opPred.mean);
      console.log(`line of n_good=${k}: ${above.length}/${others.length} models trained on another task lie above it (Op > Op_pred on ${k})`);
    }
  }
  console.log('');
}
