/** Next-token losses in nats: a model's from its logits, and the reference points of the environment's law. */
import type { Exploration } from './explore.js';
import type { Environment, Windows } from './types.js';

/**
 * Mean cross-entropy in nats of softmax(logits) [n × V] against `targets`: tokens [n], or distributions
 * [n × V] (then −Σ_v q(v) ln p(v), whose floor is the entropy of q).
 */
export function crossEntropy(logits: ArrayLike<number>, V: number, targets: Int32Array | Float64Array | Float32Array): number {
  const n = logits.length / V;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let v = 0; v < V; v++) mx = Math.max(mx, logits[i * V + v]!);
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(logits[i * V + v]! - mx);
    const lse = mx + Math.log(s);
    if (targets instanceof Int32Array) total -= logits[i * V + targets[i]!]! - lse;
    else
      for (let v = 0; v < V; v++) {
        const q = targets[i * V + v]!;
        if (q > 0) total -= q * (logits[i * V + v]! - lse);
      }
  }
  return total / n;
}

/**
 * Cross-entropy of the exact next-token law `law` [n × V] against the empirical token marginal of each
 * kind of position (before an action or not) of `windows`, whose next tokens are `tokens`: what a model
 * that ignores its context could reach.
 */
export function unigramLoss(env: Environment, windows: Windows, tokens: Int32Array, law: Float64Array): number {
  const V = env.vocabSize;
  const count = new Map<boolean, Float64Array>([
    [true, new Float64Array(V)],
    [false, new Float64Array(V)],
  ]);
  for (let i = 0; i < windows.n; i++) count.get(env.isActionPosition(windows.positions[i]!))![tokens[i]!]! += 1;
  let loss = 0;
  for (let i = 0; i < windows.n; i++) {
    const c = count.get(env.isActionPosition(windows.positions[i]!))!;
    const z = c.reduce((a, x) => a + x, 0);
    for (let v = 0; v < V; v++) {
      const p = law[i * V + v]!;
      if (p > 0) loss -= p * Math.log(Math.max(c[v]!, 0.5) / z);
    }
  }
  return loss / windows.n;
}

/** Mean entropy of the exact next-token law `law` [n × V]: the floor of any model's loss on those windows. */
export function floorLoss(V: number, law: Float64Array): number {
  let h = 0;
  for (const p of law) if (p > 0) h -= p * Math.log(p);
  return h / (law.length / V);
}

/**
 * Cross-entropy of the exact next-token law `law` [n × V] on `windows` against the law of data made with
 * `explore`: at action positions (1 − ε)·law + ε·behaviour, elsewhere the law itself. The floor of a model
 * that has learnt exploratory data perfectly, on targets of the environment's own law: above `floorLoss` by
 * what exploration costs at the action positions. Infinite when the data never show a token the law gives
 * (ε = 1 and a behaviour without one of the law's actions).
 */
export function mixtureFloorLoss(env: Environment, windows: Windows, law: Float64Array, explore: Exploration): number {
  const V = env.vocabSize,
    A = env.actions.length,
    eps = explore.epsilon;
  const behaviour = new Float64Array(V);
  env.actions.forEach((a, i) => (behaviour[a] = explore.behaviour?.[i] ?? 1 / A));
  let loss = 0;
  for (let i = 0; i < windows.n; i++) {
    const mixed = env.isActionPosition(windows.positions[i]!);
    for (let v = 0; v < V; v++) {
      const p = law[i * V + v]!;
      if (p > 0) loss -= p * Math.log(mixed ? (1 - eps) * p + eps * behaviour[v]! : p);
    }
  }
  return loss / windows.n;
}
