#!/usr/bin/env node
// The numbers of docs/results-original.md from a study's records: `node scripts/original-table.mjs OUT_DIR…`
// (OUT_DIR as given to `optimpact study --out`). One model per line; every ± is the record's own
// standard error over its measurement repeats (conditional on the training seed and the test pool).
import { loadStudies } from './study-records.mjs';

const f3 = (x) => (x === undefined || x === null || !Number.isFinite(x) ? '—' : x.toFixed(3));
const pm = (e) => `${f3(e.mean)} ± ${f3(e.se)}`;

for (const { out, pretrain, finetune, baselines } of await loadStudies('node scripts/original-table.mjs OUT_DIR…', process.argv.slice(2))) {
  const gen = baselines.find((r) => r.name === 'generator');
  console.log(`# ${out}${gen ? `: generator Op ${pm(gen.measurement.op)} nats` : ''}`);
  for (const p of pretrain) {
    const tests = p.curve.filter((c) => c.testLoss !== undefined);
    const best = tests.reduce((a, b) => (b.testLoss < a.testLoss ? b : a), tests[0] ?? {});
    const train = p.curve.filter((c) => c.trainLoss !== undefined).at(-1);
    console.log(
      `${p.id}: ${p.metrics.examples} examples (${p.config.data.trainSequences ?? 'stream'} sequences); top-action probability at T = 1 ${f3(p.metrics.topActionProbability)}; ` +
        `test loss ${f3(p.metrics.testLoss)} (min ${f3(best.testLoss)} at step ${best.step}; floor ${f3(p.metrics.floorLoss)}), last train loss ${f3(train?.trainLoss)} nats`,
    );
  }
  for (const r of finetune) {
    const curve = r.curve.filter((c) => c.success !== undefined);
    const sets = r.config.goodSets ?? {};
    console.log(
      `${r.id} (good sets ${JSON.stringify(sets)}): success (T = 0, held out) over rounds ${curve.map((c) => `${c.step}:${f3(c.success)}`).join(' ')}; Op ${pm(r.measurement.op)}, Imp ${pm(r.measurement.imp)} nats`,
    );
    for (const t of r.measurement.tasks) {
      console.log(
        `    on n_good=${t.nGood} [${(t.good ?? []).join(',')}]: s ${pm(t.s)} (chance ${f3(t.chance)}, best constant ${f3(t.bestConstant)}), Op_pred ${pm(t.opPred)}, Imp_min ${pm(t.impMin)} nats`,
      );
    }
  }
}
