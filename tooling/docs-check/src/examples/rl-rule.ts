// tooling/docs-check/src/examples/rl-rule.ts
import type { Environment, Task, TrainableModel, Windows } from '@optimpact/core';
import { deriveSeed, makeRng, sampleWindows } from '@optimpact/core';
import { successRates } from '@optimpact/split-history';

/**
 * An RL rule is the coefficients of `TrainableModel.step`, which minimizes
 * L = −(1/n) Σ_i Σ_k coef[i·K + k] · ln p_i(support[k]). This rule imitates the best action under the
 * environment's outcome law: a one-hot coefficient at argmax_a P(F ∈ G | p, a) (ties to the lowest action).
 */
export function bestActionCoefficients(R: Float64Array, actions: number): Float32Array {
  const n = R.length / actions,
    coef = new Float32Array(n * actions);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let a = 1; a < actions; a++) if (R[i * actions + a]! > R[i * actions + best]!) best = a;
    coef[i * actions + best] = 1;
  }
  return coef;
}

/** `rounds` rounds of the rule on batches drawn from `train`, every draw from `seed`. */
export async function bestActionRounds(
  model: TrainableModel,
  env: Environment,
  task: Task,
  train: Windows,
  options: { rounds: number; batchSize: number; learningRate: number; seed: number },
): Promise<void> {
  for (let round = 1; round <= options.rounds; round++) {
    const { windows } = sampleWindows(train, options.batchSize, makeRng(deriveSeed(options.seed, 'rl-batch', round)));
    const coef = bestActionCoefficients(successRates(env, task, windows), env.actions.length);
    await model.step(windows, coef, { slot: 'rl', learningRate: options.learningRate, support: env.actions });
  }
}
