#!/usr/bin/env node
// Two summary.json files of one preset (e.g. a rerun, or the simd against the fma kernels):
// `node scripts/compare-summaries.mjs A/summary.json B/summary.json`. How many models are equal to the last
// bit; then per size × task × rule the mean over seeds of own-task success, Op and Imp (nats) in each, the
// difference B − A in units of the combined seed-to-seed standard error of the two means, and how many cells
// lie within 2 of them; the objective identification under each rule.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

const files = process.argv.slice(2);
if (files.length !== 2) {
  console.error('usage: node scripts/compare-summaries.mjs A/summary.json B/summary.json');
  process.exit(2);
}
const [a, b] = files.map((f) => {
  try {
    return JSON.parse(readFileSync(f, 'utf8'));
  } catch (e) {
    console.error(`${f}: ${e.message}`);
    process.exit(2);
  }
});

const byId = (s) => new Map(s.models.map((m) => [m.id, m]));
const A = byId(a);
const B = byId(b);
const equal = [...A].filter(([id, m]) => isDeepStrictEqual(m, B.get(id))).length;
console.log(`models: ${A.size} in A, ${B.size} in B; equal to the last bit: ${equal}`);

const mean = (x) => x.reduce((p, q) => p + q, 0) / x.length;
const seOfMean = (x) => Math.sqrt(x.reduce((p, q) => p + (q - mean(x)) ** 2, 0) / (x.length - 1) / x.length);
const fields = { s: (m) => m.score[m.task].mean, Op: (m) => m.Op.mean, Imp: (m) => m.Imp.mean };
const cells = new Map();
for (const [side, s] of [
  ['a', a],
  ['b', b],
])
  for (const m of s.models) {
    const key = `${m.size} n_good=${m.task} ${m.rule}`;
    if (!cells.has(key)) cells.set(key, { a: [], b: [] });
    cells.get(key)[side].push(m);
  }
const within = { s: 0, Op: 0, Imp: 0 };
const worst = { s: 0, Op: 0, Imp: 0 };
let n = 0;
console.log('\ncell: A → B (B − A in combined s.e. of the seed means)');
for (const [key, c] of [...cells].sort()) {
  if (c.a.length < 2 || c.b.length < 2) continue;
  n++;
  const row = Object.entries(fields).map(([f, get]) => {
    const xa = c.a.map(get);
    const xb = c.b.map(get);
    const z = (mean(xb) - mean(xa)) / Math.hypot(seOfMean(xa), seOfMean(xb));
    if (Math.abs(z) <= 2) within[f]++;
    worst[f] = Math.max(worst[f], Math.abs(z));
    return `${f} ${mean(xa).toFixed(3)} → ${mean(xb).toFixed(3)} (${z >= 0 ? '+' : ''}${z.toFixed(1)})`;
  });
  console.log(`${key}: ${row.join(', ')}`);
}
console.log(
  `\n${n} cells with ≥ 2 seeds on each side; within 2 s.e.: success ${within.s}, Op ${within.Op}, Imp ${within.Imp}; ` +
    `largest |B − A|: ${worst.s.toFixed(1)}, ${worst.Op.toFixed(1)}, ${worst.Imp.toFixed(1)} s.e.`,
);
for (const rule of new Set(a.models.map((m) => m.rule))) {
  const right = (s) => s.models.filter((m) => m.rule === rule && m.identifiedTask === m.task).length;
  const all = (s) => s.models.filter((m) => m.rule === rule).length;
  console.log(`identified by Op, ${rule} rule: ${right(a)} of ${all(a)} in A, ${right(b)} of ${all(b)} in B`);
}
