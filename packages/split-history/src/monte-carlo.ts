/**
 * The original's Monte-Carlo split history (docs/method.md#estimators): actions and futures are sampled and entropies
 * are plug-in estimates from histograms, which biases them low by about (V − 1)/(2N) nats. Kept to
 * show that bias beside the exact estimator. Quadratic in N (N futures for each of N split histories).
 */
import type { Environment, Rng, Windows } from '@optimpact/core';
import { windowOf } from '@optimpact/core';
import { entropy, kl } from '@optimpact/impact-theory';

function sample(probs: ArrayLike<number>, from: number, count: number, rng: Rng): number {
  let u = rng.next();
  for (let i = 0; i < count - 1; i++) {
    u -= probs[from + i]!;
    if (u < 0) return i;
  }
  return count - 1;
}

/**
 * Monte-Carlo Op and Imp. Imp's histograms get ½ added to every bin first (Jeffreys), since a plug-in
 * Q'_k with an empty bin where Q has mass makes the KL infinite; Op uses plain plug-in entropies.
 */
export function splitHistoryMonteCarlo(env: Environment, windows: Windows, pi: Float64Array, rng: Rng): { op: number; imp: number } {
  const A = env.actions.length,
    V = env.outcomes.length,
    N = windows.n;
  const laws = new Float64Array(N * A * V);
  for (let j = 0; j < N; j++) env.outcomeLaw(windowOf(windows, j), laws.subarray(j * A * V, (j + 1) * A * V));
  const actions = Int32Array.from({ length: N }, (_, j) => sample(pi, j * A, A, rng));
  const count = new Float64Array(V);
  const hist = (smooth: number): Float64Array => count.map((c) => (c + smooth) / (N + V * smooth));

  for (let j = 0; j < N; j++) count[sample(laws, (j * A + actions[j]!) * V, V, rng)]! += 1;
  const q = hist(0),
    qSmooth = hist(0.5);
  let hSum = 0,
    klSum = 0;
  for (let k = 0; k < N; k++) {
    count.fill(0);
    for (let j = 0; j < N; j++) count[sample(laws, (j * A + actions[k]!) * V, V, rng)]! += 1;
    hSum += entropy(hist(0));
    klSum += kl(qSmooth, hist(0.5));
  }
  return { op: hSum / N - entropy(q), imp: klSum / N };
}
