import type { Environment, Policy, TrainableModel } from './types.js';

/**
 * π(a|p) rows over `actions` from next-token logits [n × vocabSize]: the softmax of the action logits at
 * `temperature`, or at temperature 0 one-hot at the largest (ties to the lowest action). Logits outside
 * the action set are masked out, so a policy never emits a non-action token.
 */
export function actionRows(logits: ArrayLike<number>, vocabSize: number, actions: readonly number[], temperature: number): Float64Array {
  if (!(temperature >= 0)) throw new RangeError(`temperature must be ≥ 0, got ${temperature}`);
  const n = logits.length / vocabSize,
    A = actions.length;
  const rows = new Float64Array(n * A);
  for (let i = 0; i < n; i++) {
    const o = i * vocabSize;
    let best = 0;
    for (let a = 1; a < A; a++) if (logits[o + actions[a]!]! > logits[o + actions[best]!]!) best = a;
    if (temperature === 0) {
      rows[i * A + best] = 1;
      continue;
    }
    const max = logits[o + actions[best]!]!;
    let z = 0;
    for (let a = 0; a < A; a++) z += rows[i * A + a] = Math.exp((logits[o + actions[a]!]! - max) / temperature);
    for (let a = 0; a < A; a++) rows[i * A + a]! /= z;
  }
  return rows;
}

/** A trainable model acting at `temperature` (0: greedy), its logits masked to `env.actions`. */
export function modelPolicy(model: TrainableModel, env: Environment, temperature: number, name = `model(T=${temperature})`): Policy {
  return { name, actionProbs: async (windows) => actionRows(await model.logits(windows), model.vocabSize, env.actions, temperature) };
}
