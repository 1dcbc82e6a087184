// tooling/docs-check/src/examples/policy.ts
import type { Environment, Policy, Task } from '@optimpact/core';
import { actionWindowPool } from '@optimpact/core';
import { specEnv } from '@optimpact/sequence-env';
import { idealPolicy, measurePolicy } from '@optimpact/split-history';

/**
 * A policy is a name and a function from a batch of windows to rows π(a|p) over `env.actions`.
 * This one is ε-greedy: the task's ideal action with probability 1 − ε, any action uniformly otherwise.
 * Its rows are stochastic, and the measures integrate them exactly (no action is sampled).
 */
export function epsilonIdeal(env: Environment, task: Task, epsilon: number): Policy {
  const ideal = idealPolicy(env, task),
    A = env.actions.length;
  return {
    name: `${epsilon}-ideal(${task.name})`,
    actionProbs: async (windows) => (await ideal.actionProbs(windows)).map((p) => (1 - epsilon) * p + epsilon / A),
  };
}

export async function measureEpsilonIdeal(epsilon: number) {
  const task = specEnv.tasks.find((t) => t.nGood === 4)!;
  const pool = actionWindowPool(specEnv, 5000, 7);
  return measurePolicy(specEnv, epsilonIdeal(specEnv, task, epsilon), pool, specEnv.tasks, { contexts: 200, repeats: 10, seed: 1 });
}
