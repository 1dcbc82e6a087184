#!/usr/bin/env node
// The numbers of docs/results-explore.md from a study's records: `node scripts/explore-table.mjs OUT_DIR…`
// (OUT_DIR as given to `optimpact study --out`). Every ± is one standard error over the models it names.
import { est, fmt, loadStudies, sizesOf } from './study-records.mjs';

const studies = await loadStudies('node scripts/explore-table.mjs OUT_DIR…', process.argv.slice(2), ['@optimpact/records', '@optimpact/viz']);
const { fitLine } = await import('../packages/viz/dist/index.js');

for (const { out, pretrain: pre, finetune: fin } of studies) {
  const sizes = sizesOf(pre);
  console.log(`# ${out}: ${pre.length} pretrained, ${fin.length} fine-tuned models`);

  console.log(
    "\npretraining (nats per token, mean ± s.e. over seeds): test loss (floor; floor of a perfect model of the exploratory data), explored-data test loss (the same); outcome-law KL of the pretrained model, generator's actions / all 8",
  );
  for (const size of sizes) {
    const ps = pre.filter((r) => r.size === size);
    const fits = ps.map((p) => fin.find((f) => f.pretrainId === p.id)?.metrics.outcomeFit?.pretrained);
    console.log(
      `${size.padEnd(3)} test ${est(ps.map((p) => p.metrics.testLoss))} (${fmt(ps[0].metrics.floorLoss)}; ${fmt(ps[0].metrics.mixtureFloorLoss ?? null)})  explored ${est(ps.map((p) => p.metrics.exploredTestLoss ?? null))} (${fmt(ps[0].metrics.exploredFloorLoss ?? null)}; ${fmt(ps[0].metrics.exploredMixtureFloorLoss ?? null)})  KL gen ${est(fits.map((x) => x?.generatorActions ?? null))}  KL all ${est(fits.map((x) => x?.allActions ?? null))}`,
    );
  }

  console.log(
    '\nfine-tuning, per size, rule and task (mean ± s.e. over seeds): own-task gain over the best constant action (T = 0), Op, self-estimated Op, |self Op − Op|, KL all actions after RL, environment samples per run',
  );
  const rules = [...new Set(fin.map((r) => r.rule))];
  const gain = (r) => {
    const t = r.measurement.tasks.find((x) => x.nGood === r.task);
    return t.s.mean - t.bestConstant;
  };
  const selfErr = (r) => (r.measurement.self ? Math.abs(r.measurement.self.op.mean - r.measurement.op.mean) : null);
  for (const size of sizes)
    for (const rule of rules)
      for (const task of [...new Set(fin.map((r) => r.task))].sort((a, b) => a - b)) {
        const rs = fin.filter((r) => r.size === size && r.rule === rule && r.task === task);
        if (rs.length === 0) continue;
        console.log(
          `${size.padEnd(3)} ${rule.padEnd(11)} n${task}  gain ${est(rs.map(gain)).padEnd(15)} Op ${est(rs.map((r) => r.measurement.op.mean)).padEnd(15)} selfOp ${est(rs.map((r) => r.measurement.self?.op.mean ?? null)).padEnd(16)} |err| ${est(rs.map(selfErr)).padEnd(15)} KL ${est(rs.map((r) => r.metrics.outcomeFit?.finetuned.allActions ?? null)).padEnd(15)} samples ${rs[0].metrics.envSamples ?? '—'}`,
        );
      }
  console.log('\nper rule over every size, task and seed (± s.e. over those models; tasks differ, so it covers their spread too)');
  for (const rule of rules) {
    const rs = fin.filter((r) => r.rule === rule);
    console.log(
      `${rule.padEnd(11)} models ${rs.length}  gain ${est(rs.map(gain)).padEnd(15)} Op ${est(rs.map((r) => r.measurement.op.mean)).padEnd(15)} |self Op − Op| ${est(rs.map(selfErr))}`,
    );
  }
  console.log(
    '\nself-estimated against measured, per rule and task over every size and seed (nats): mean measured, mean self-estimated, mean measured − self (± s.e. over the models), least-squares slope of self-estimated on measured, correlation',
  );
  for (const rule of rules)
    for (const task of [...new Set(fin.map((r) => r.task))].sort((a, b) => a - b))
      for (const q of ['op', 'imp']) {
        const rs = fin.filter((r) => r.rule === rule && r.task === task && r.measurement.self);
        if (rs.length < 2) continue;
        const x = rs.map((r) => r.measurement[q].mean);
        const y = rs.map((r) => r.measurement.self[q].mean);
        const { slope, r } = fitLine(x.map((v, i) => ({ x: v, y: y[i] }))) ?? { slope: Number.NaN, r: Number.NaN };
        console.log(
          `${rule.padEnd(11)} n${task} ${q.padEnd(3)} models ${rs.length}  measured ${est(x).padEnd(15)} self ${est(y).padEnd(16)} measured − self ${est(x.map((v, i) => v - y[i])).padEnd(15)} slope ${fmt(slope)}  r ${fmt(r)}`,
        );
      }
  if (rules.includes('exact')) {
    console.log("\ngain as a fraction of the exact rule's, per size and task (means over seeds; undefined where the exact rule gains nothing)");
    for (const rule of rules.filter((r) => r !== 'exact'))
      for (const size of sizes) {
        const ratios = [...new Set(fin.map((r) => r.task))]
          .sort((a, b) => a - b)
          .map((task) => {
            const g = (ru) => {
              const v = fin.filter((r) => r.size === size && r.rule === ru && r.task === task).map(gain);
              return v.reduce((a, b) => a + b, 0) / v.length;
            };
            const exact = g('exact');
            if (!Number.isFinite(exact) || !Number.isFinite(g(rule))) return `n${task} —`;
            return `n${task} ${exact > 0 ? fmt(g(rule) / exact) : '— (exact gains nothing)'}`;
          });
        console.log(`${rule.padEnd(11)} ${size.padEnd(3)} ${ratios.join('  ')}`);
      }
  }
  console.log('');
}
