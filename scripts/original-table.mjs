#!/usr/bin/env node
// The numbers of docs/results-original.md from a study's records: `node scripts/original-table.mjs OUT_DIR…`
// (OUT_DIR as given to `optimpact study --out`). First, per size (and task), what the original's claims are
// about, every ± one s.e. over the training seeds; then one model per line, every ± the record's own
// standard error over its measurement repeats (conditional on the training seed and the test pool).
import { est, fmt, loadStudies, sizesOf } from './study-records.mjs';

const pm = (e) => `${fmt(e.mean)} ± ${fmt(e.se)}`;
const testLosses = (p) => p.curve.filter((c) => c.testLoss !== undefined);
const lowest = (p) => testLosses(p).reduce((a, b) => (b.testLoss < a.testLoss ? b : a));
const ownTask = (r) => r.measurement.tasks.find((t) => t.nGood === r.task);
const heldOut = (r) => r.curve.filter((c) => c.success !== undefined);

const lastRound = (r) => heldOut(r).at(-1)?.step ?? 0;

/** Least-squares slope of held-out success over rounds [from, to], per 100 rounds (≈ 0 at a plateau; NaN under 3 points). */
function slope(r, from, to) {
  const line = fitLine(
    heldOut(r)
      .filter((c) => c.step >= from && c.step <= to)
      .map((c) => ({ x: c.step, y: c.success })),
  );
  return line && line.n >= 3 ? 100 * line.slope : Number.NaN;
}

/** The slope over the last third of the rounds. */
const lateSlope = (r) => slope(r, (2 * lastRound(r)) / 3, lastRound(r));

/** The slope over each stretch of 1,600 rounds from round 1,600 (for runs of 3,200 rounds or more). */
function stretchSlopes(r) {
  const out = [];
  for (let a = 1600; a + 1600 <= lastRound(r); a += 1600) out.push(`${a}–${a + 1600}: ${slope(r, a, a + 1600).toFixed(4)}`);
  return out;
}

const studies = await loadStudies('node scripts/original-table.mjs OUT_DIR…', process.argv.slice(2), ['@optimpact/records', '@optimpact/viz']);
const { fitLine } = await import('../packages/viz/dist/index.js');

for (const { out, pretrain, finetune, baselines } of studies) {
  const gen = baselines.find((r) => r.name === 'generator');
  console.log(`# ${out}${gen ? `: generator Op ${pm(gen.measurement.op)} nats` : ''}`);

  console.log(`\n## per size (± one s.e. over training seeds; losses and Op in nats)`);
  for (const size of sizesOf(pretrain)) {
    const ps = pretrain.filter((p) => p.size === size);
    const turned = ps.filter((p) => lowest(p).step < testLosses(p).at(-1).step);
    console.log(
      `${size} pretraining (${ps.length} seeds): test loss at the last step ${est(ps.map((p) => p.metrics.testLoss))}, lowest ${est(ps.map((p) => lowest(p).testLoss))} ` +
        `at steps ${ps.map((p) => lowest(p).step).join('/')}; ${turned.length}/${ps.length} curves turn up before the end (by ${est(turned.map((p) => p.metrics.testLoss - lowest(p).testLoss))}); ` +
        `top-action probability at T = 1 ${est(ps.map((p) => p.metrics.topActionProbability))}`,
    );
  }
  for (const size of sizesOf(finetune)) {
    for (const task of [...new Set(finetune.map((r) => r.task))].sort((a, b) => a - b)) {
      const ms = finetune.filter((r) => r.size === size && r.task === task);
      if (ms.length === 0) continue;
      const own = ms.map(ownTask);
      const aboveGen = gen ? `; Op ≥ generator's in ${ms.filter((r) => r.measurement.op.mean >= gen.measurement.op.mean).length}/${ms.length}` : '';
      console.log(
        `${size.padEnd(2)} n_good=${task} (${ms.length} seeds, ${ms[0].curve.at(-1)?.step} rounds): s ${est(own.map((t) => t.s.mean))} (best constant ${fmt(own[0].bestConstant)}, chance ${fmt(own[0].chance)}); ` +
          `Op ${est(ms.map((r) => r.measurement.op.mean))}, Op_pred ${est(own.map((t) => t.opPred.mean))}, Op − Op_pred ${est(ms.map((r, i) => r.measurement.op.mean - own[i].opPred.mean))}${aboveGen}; ` +
          `held-out success ${est(ms.map((r) => heldOut(r)[0]?.success))} → ${est(ms.map((r) => heldOut(r).at(-1)?.success))}, its slope over the last third of the rounds ${est(ms.map(lateSlope))} per 100 rounds`,
      );
    }
  }

  console.log(`\n## per model (± the record's s.e. over its measurement repeats)`);
  for (const p of pretrain) {
    const train = p.curve.filter((c) => c.trainLoss !== undefined).at(-1);
    console.log(
      `${p.id}: ${p.metrics.examples} examples (${p.config.data.trainSequences ?? 'stream'} sequences); top-action probability at T = 1 ${fmt(p.metrics.topActionProbability)}; ` +
        `test loss ${fmt(p.metrics.testLoss)} (min ${fmt(lowest(p).testLoss)} at step ${lowest(p).step}; floor ${fmt(p.metrics.floorLoss)}), last train loss ${fmt(train?.trainLoss)} nats`,
    );
  }
  for (const r of finetune) {
    const curve = heldOut(r);
    const sets = r.config.goodSets ?? {};
    console.log(
      `${r.id} (good sets ${JSON.stringify(sets)}): success (T = 0, held out) over rounds ${curve.map((c) => `${c.step}:${fmt(c.success)}`).join(' ')}; Op ${pm(r.measurement.op)}, Imp ${pm(r.measurement.imp)} nats`,
    );
    const stretches = stretchSlopes(r);
    if (stretches.length > 0) console.log(`    held-out success slope per 100 rounds over ${stretches.join(', ')}`);
    for (const t of r.measurement.tasks) {
      console.log(
        `    on n_good=${t.nGood} [${(t.good ?? []).join(',')}]: s ${pm(t.s)} (chance ${fmt(t.chance)}, best constant ${fmt(t.bestConstant)}), Op_pred ${pm(t.opPred)}, Imp_min ${pm(t.impMin)} nats`,
      );
    }
  }
}
