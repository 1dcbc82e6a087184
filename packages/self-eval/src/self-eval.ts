/**
 * Self-evaluation (docs/method.md#self-evaluation): the split-history measures with the environment's outcome law replaced by
 * the model's own prediction of the next (outcome) token after the window p ⊕ a (its last
 * `contextLength` tokens). Same estimator, same linear-in-N structure: |actions| × N windows, one batch.
 */
import type { Environment, Predictor, Windows } from '@optimpact/core';
import { windowOf } from '@optimpact/core';

/**
 * The predictor's outcome laws at `windows`, [n × actions × outcomes]: P̂(F = outcomes[v] | p_j ⊕ a),
 * renormalized over the outcomes (mass a model puts on non-outcome tokens is dropped).
 */
export function predictedOutcomeLaws(predictor: Predictor, env: Environment): (windows: Windows) => Promise<Float64Array> {
  const A = env.actions.length,
    V = env.outcomes.length,
    vocab = env.vocabSize;
  return async (windows) => {
    const L = windows.length,
      n = windows.n;
    const tokens = new Int32Array(n * A * L),
      positions = new Int32Array(n * A);
    for (let j = 0; j < n; j++) {
      const w = windowOf(windows, j);
      for (let a = 0; a < A; a++) {
        const row = (j * A + a) * L;
        tokens.set(w.subarray(1), row); // p_j without its oldest token …
        tokens[row + L - 1] = env.actions[a]!; // … then the action
        positions[j * A + a] = windows.positions[j]! + 1;
      }
    }
    const probs = await predictor.nextTokenProbs({ tokens, positions, n: n * A, length: L });
    const table = new Float64Array(n * A * V);
    for (let i = 0; i < n * A; i++) {
      let z = 0;
      for (let v = 0; v < V; v++) z += table[i * V + v] = probs[i * vocab + env.outcomes[v]!]!;
      if (!(z > 0)) throw new Error(`predictor ${predictor.name} puts no mass on any outcome at window ${Math.floor(i / A)}, action ${env.actions[i % A]}`);
      for (let v = 0; v < V; v++) table[i * V + v]! /= z;
    }
    return table;
  };
}

/** How far a predictor's outcome law is from the exact one: mean KL(P ‖ P̂) over contexts and actions, nats. */
export interface OutcomeFit {
  /** Actions weighted by the generator's own law at the action position: the actions its data held. */
  readonly generatorActions: number;
  /** Every action alike: self-evaluation asks about the counterfactual actions too. */
  readonly allActions: number;
}

/**
 * The predictor's outcome law after p ⊕ a against the environment's exact one, on `windows` (contexts
 * before an action). A model that learned a shortcut of generated data (docs/method.md#pretraining) fits the actions the
 * generator took and misses the others, which is what self-evaluation's split history needs.
 */
export async function outcomeFit(predictor: Predictor, env: Environment, windows: Windows): Promise<OutcomeFit> {
  const A = env.actions.length,
    V = env.outcomes.length;
  const predicted = await predictedOutcomeLaws(predictor, env)(windows);
  const law = new Float64Array(A * V),
    next = new Float64Array(env.vocabSize);
  let generatorActions = 0,
    allActions = 0;
  for (let j = 0; j < windows.n; j++) {
    const w = windowOf(windows, j);
    env.outcomeLaw(w, law);
    env.nextTokenLaw(w, windows.positions[j]!, next);
    const z = env.actions.reduce((s, a) => s + next[a]!, 0);
    for (let a = 0; a < A; a++) {
      let kl = 0;
      for (let v = 0; v < V; v++) {
        const p = law[a * V + v]!;
        if (p > 0) kl += p * Math.log(p / predicted[(j * A + a) * V + v]!);
      }
      generatorActions += (next[env.actions[a]!]! / z) * kl;
      allActions += kl / A;
    }
  }
  return { generatorActions: generatorActions / windows.n, allActions: allActions / windows.n };
}

/** The environment's own next-token law as a predictor: a perfect model, for which self-evaluation is exact. */
export function lawPredictor(env: Environment): Predictor {
  return {
    name: `law(${env.name})`,
    nextTokenProbs: async (windows) => {
      const out = new Float64Array(windows.n * env.vocabSize);
      for (let i = 0; i < windows.n; i++)
        env.nextTokenLaw(windowOf(windows, i), windows.positions[i]!, out.subarray(i * env.vocabSize, (i + 1) * env.vocabSize));
      return out;
    },
  };
}
