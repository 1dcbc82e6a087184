#!/usr/bin/env node
// The numbers of docs/results-peers.md ("The four questions") from a study's summary.json:
// `node scripts/peers-table.mjs OUT_DIR` (OUT_DIR as given to `optimpact study --out`), read through
// @optimpact/records (scripts/study-records.mjs). Correlations are over models (Pearson r, Spearman ρ), per RL rule;
// each model's own ± is in summary.json. Nats, except AUP and reachability (dimensionless).
import { loadStudies, sizesOf } from './study-records.mjs';

const [study] = await loadStudies('node scripts/peers-table.mjs OUT_DIR', process.argv.slice(2, 3));
const out = study.out;
const summary = study.summaries[0];
const withPeers = summary?.models.filter((m) => m.MEG_F !== undefined) ?? [];
if (withPeers.length === 0) {
  console.error(`${out}: no summary.json whose models carry the peer measures (measure.peers off, or the study unfinished)`);
  process.exit(1);
}

const f = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
function pearson(xs, ys) {
  const mx = mean(xs),
    my = mean(ys);
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
function ranks(xs) {
  const order = xs.map((x, i) => [x, i]).sort((a, b) => a[0] - b[0]);
  const r = new Array(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) r[order[k][1]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}
const spearman = (xs, ys) => pearson(ranks(xs), ranks(ys));
const range = (xs) => `${f(Math.min(...xs))} to ${f(Math.max(...xs))}`;

console.log(`# ${out}: preset ${summary.preset}, ${withPeers.length} models with peer measures`);
const rules = [...new Set(withPeers.map((m) => m.rule))];
for (const rule of rules) {
  const ms = withPeers.filter((m) => m.rule === rule);
  const op = ms.map((m) => m.Op.mean),
    megF = ms.map((m) => m.MEG_F.mean),
    imp = ms.map((m) => m.Imp.mean);
  console.log(`\n## rule ${rule} (${ms.length} models)`);
  console.log(
    `1. MEG_F against Op: r ${f(pearson(op, megF), 2)}, ρ ${f(spearman(op, megF), 2)}; Op ${range(op)}, MEG_F ${range(megF)}, mean MEG_F − Op ${f(mean(megF.map((x, i) => x - op[i])))} nats`,
  );
  const byOp = summary.objectiveIdentificationByRule?.[rule],
    byMeg = summary.objectiveIdentificationByMeg?.[rule];
  const hits = (key) => ms.filter((m) => m[key] === m.task).length;
  console.log(
    `2. identification: by Op ${hits('identifiedTask')}/${ms.length} (summary accuracy ${f(byOp?.accuracy, 3)}), by MEG ${hits('identifiedTaskByMeg')}/${ms.length} (summary accuracy ${f(byMeg?.accuracy, 3)})`,
  );
  for (const m of ms.filter((x) => x.identifiedTask !== x.task || x.identifiedTaskByMeg !== x.task)) {
    console.log(`   miss ${m.id}: by Op → ${m.identifiedTask}, by MEG → ${m.identifiedTaskByMeg} (Op ${f(m.Op.mean)}, MEG_F ${f(m.MEG_F.mean)} nats)`);
  }
  for (const size of sizesOf(ms)) {
    const s = ms.filter((m) => m.size === size);
    console.log(
      `   ${size}: by Op ${s.filter((m) => m.identifiedTask === m.task).length}/${s.length}, by MEG ${s.filter((m) => m.identifiedTaskByMeg === m.task).length}/${s.length}`,
    );
  }
  const baselines = Object.keys(ms[0].AUP);
  console.log(
    `3. AUP ("before") against Imp, Spearman ρ over models: ${baselines
      .map(
        (b) =>
          `${b} ${f(
            spearman(
              imp,
              ms.map((m) => m.AUP[b].before.mean),
            ),
            2,
          )}`,
      )
      .join(', ')}`,
  );
  console.log(`   AUP against the split history: ${range(ms.map((m) => m.AUP['split-history'].before.mean))}; Op over the same models ${range(op)} nats`);
  const stoch = ms.map((m) => Math.abs(m.AUP['split-history'].after.mean - m.AUP['split-history'].before.mean));
  console.log(`   |AUP after − AUP before| (split history): at most ${f(Math.max(...stoch), 4)}`);
  const emp = ms.flatMap((m) => Object.values(m.empowermentChange));
  const beyond = emp.filter((e) => Math.abs(e.mean) > 2 * e.se).length;
  console.log(`4. change in next-step empowerment: ${range(emp.map((e) => e.mean))} nats; beyond 2 s.e. in ${beyond} of ${emp.length} model–baseline pairs`);
  console.log(
    `   two-step against one-step reachability (split history), ρ ${f(
      spearman(
        ms.map((m) => m.RR['split-history'].mean),
        ms.map((m) => m.RR2['split-history'].mean),
      ),
      2,
    )}`,
  );
}
