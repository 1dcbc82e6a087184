// Split-history throughput: contexts per second of the exact estimator at N = 10³…10⁶, for a greedy
// and a stochastic policy, against the literal quadratic double loop measured in the same run.
// Linear growth shows as a flat time per context.
import { actionWindowPool, windowOf } from '@optimpact/core';
import { entropy, kl } from '@optimpact/impact-theory';
import { specEnv as env } from '@optimpact/sequence-env';
import { generatorPolicy, idealPolicy, splitHistory } from '../dist/index.js';

const sizes = [1e3, 1e4, 1e5, 1e6];
const t0 = performance.now();
const pool = actionWindowPool(env, sizes.at(-1), 1);
console.log(`pool of ${pool.n} test contexts generated in ${((performance.now() - t0) / 1000).toFixed(2)} s`);

const A = env.actions.length,
  V = env.outcomes.length;
function literal(w, pi) {
  const laws = Array.from({ length: w.n }, (_, j) => {
    const l = new Float64Array(A * V);
    env.outcomeLaw(windowOf(w, j), l);
    return l;
  });
  const q = new Float64Array(V),
    qk = new Float64Array(V);
  for (let j = 0; j < w.n; j++) for (let a = 0; a < A; a++) for (let v = 0; v < V; v++) q[v] += (pi[j * A + a] * laws[j][a * V + v]) / w.n;
  let op = -entropy(q),
    imp = 0;
  for (let k = 0; k < w.n; k++) {
    qk.fill(0);
    for (let j = 0; j < w.n; j++) for (let a = 0; a < A; a++) for (let v = 0; v < V; v++) qk[v] += (pi[k * A + a] * laws[j][a * V + v]) / w.n;
    op += entropy(qk) / w.n;
    imp += kl(q, qk) / w.n;
  }
  return { op, imp };
}
const take = (n) => ({ ...pool, n, tokens: pool.tokens.subarray(0, n * pool.length), positions: pool.positions.subarray(0, n) });
const once = (f) => {
  const t = performance.now();
  const r = f();
  return [(performance.now() - t) / 1000, r];
};
// Median over repeats lasting ≥ 0.3 s in all, so that small N are not dominated by timer and JIT noise.
const time = (f) => {
  const runs = [];
  let r,
    total = 0;
  do {
    const [s, x] = once(f);
    runs.push(s);
    r = x;
    total += s;
  } while (total < 0.3 && runs.length < 1000);
  return [runs.sort((a, b) => a - b)[runs.length >> 1], r];
};

const rows = [];
{
  // warm-up, so the first timed size is not paying for compilation
  const w = take(20000);
  splitHistory(env, w, await generatorPolicy(env).actionProbs(w));
  splitHistory(env, w, await idealPolicy(env, env.tasks[1]).actionProbs(w));
}
for (const policy of [idealPolicy(env, env.tasks[1]), generatorPolicy(env)]) {
  let perContext0;
  for (const n of sizes) {
    const w = take(n);
    const pi = await policy.actionProbs(w);
    const [s, m] = time(() => splitHistory(env, w, pi));
    perContext0 ??= s / n;
    rows.push({
      policy: policy.name,
      N: n,
      seconds: +s.toFixed(4),
      contextsPerSec: Math.round(n / s),
      timePerContextVsN1e3: +(s / n / perContext0).toFixed(2),
      Op: +m.op.toFixed(4),
    });
  }
  const w = take(1000),
    pi = await policy.actionProbs(w);
  const [sl, l] = once(() => literal(w, pi));
  const [se] = time(() => splitHistory(env, w, pi));
  rows.push({
    policy: `${policy.name} literal O(N²)`,
    N: 1000,
    seconds: +sl.toFixed(4),
    contextsPerSec: Math.round(1000 / sl),
    timePerContextVsN1e3: +(sl / se).toFixed(1),
    Op: +l.op.toFixed(4),
  });
}
console.table(rows);
console.log('timePerContextVsN1e3 ≈ 1 at every N means linear growth; the literal row gives its slowdown over the exact estimator at N = 1000.');
