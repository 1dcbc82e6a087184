// Exact-rule update throughput: π taken from the step's own forward (what `finetune` does) against
// π from a separate eval-mode forward before the step (the form it replaced), measured in the same
// run, alternating, on every size preset with a batch of 256 action contexts of the sequence environment (docs/method.md#the-sequence-environment).
import { actionWindowPool } from '@optimpact/core';
import { specEnv as env } from '@optimpact/sequence-env';
import { SIZE_PRESETS, createModel, setBackend } from '@optimpact/transformer';
import { successRates } from '@optimpact/split-history';
import { exactCoefficients } from '../dist/finetune.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const backend = await setBackend();
const batch = actionWindowPool(env, 256, 1),
  task = env.tasks[0];
const R = successRates(env, task, batch);
const opts = { slot: 'rl', learningRate: 1e-3, support: env.actions };
console.log(`rl-trainer bench: exact-rule update, batch 256, T = 4, backend ${backend}, ~${SECONDS} s per size`);
for (const p of SIZE_PRESETS) {
  const model = createModel(p, 1),
    V = model.vocabSize;
  const coef = (z) => exactCoefficients(R, z, V, env.actions, 4);
  const fused = () => model.step(batch, coef, opts);
  const separate = async () => model.step(batch, coef(await model.logits(batch)), opts);
  await fused();
  await separate();
  const ms = { fused: 0, separate: 0 },
    n = { fused: 0, separate: 0 };
  for (const t0 = performance.now(); performance.now() - t0 < SECONDS * 1000 || n.fused < 3;) {
    for (const [k, f] of [
      ['fused', fused],
      ['separate', separate],
    ]) {
      const t = performance.now();
      await f();
      ms[k] += performance.now() - t;
      n[k]++;
    }
  }
  const [a, b] = [ms.fused / n.fused, ms.separate / n.separate];
  console.log(
    `${p.name.padEnd(3)} ${String(p.params).padStart(7)} params: π from the step's forward ${a.toFixed(1).padStart(6)} ms/update, separate forward ${b.toFixed(1).padStart(6)} ms/update (×${(b / a).toFixed(2)} faster)`,
  );
  model.dispose();
}
