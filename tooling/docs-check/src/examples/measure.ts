// tooling/docs-check/src/examples/measure.ts
import type { Environment, Windows } from '@optimpact/core';
import { futureLaw } from '@optimpact/split-history';

/**
 * A new measure from the same futures: the mean total-variation distance between the real future Q and
 * the split-history futures Q'_k = Σ_a π(a|p_k) R_a, with R_a the future when every context gets action a.
 * In [0, 1]; 0 for a policy that ignores its context; at most √(Imp / 2) (Pinsker, then Jensen).
 */
export function splitHistoryTV(env: Environment, windows: Windows, pi: Float64Array): number {
  const A = env.actions.length,
    V = env.outcomes.length,
    N = windows.n;
  const q = futureLaw(env, windows, pi);
  const r = env.actions.map((_, a) => {
    const onlyA = new Float64Array(N * A);
    for (let j = 0; j < N; j++) onlyA[j * A + a] = 1;
    return futureLaw(env, windows, onlyA);
  });
  let sum = 0;
  for (let k = 0; k < N; k++) {
    let tv = 0;
    for (let v = 0; v < V; v++) {
      let qk = 0;
      for (let a = 0; a < A; a++) qk += pi[k * A + a]! * r[a]![v]!;
      tv += Math.abs(q[v]! - qk) / 2;
    }
    sum += tv;
  }
  return sum / N;
}
