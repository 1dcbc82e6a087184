// tooling/docs-check/src/examples/environment.ts
import { createEnvironment } from '@optimpact/additive-env';
import { actionWindowPool } from '@optimpact/core';
import { idealPolicy, measurePolicy } from '@optimpact/split-history';

/** The additive environment's ideal policy on its n_good = 2 task, measured like any policy. */
export async function measureOnAdditiveEnv() {
  const env = createEnvironment({ noise: 0.1 });
  const pool = actionWindowPool(env, 5000, 7); // test contexts, from a seed of their own
  const task = env.tasks.find((t) => t.nGood === 2)!;
  return measurePolicy(env, idealPolicy(env, task), pool, env.tasks, { contexts: 200, repeats: 10, seed: 1 });
}
