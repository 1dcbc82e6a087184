/**
 * Adapters from a trained model to core's `Policy` (SPEC §5, §6) and `Predictor` (SPEC §8), plus action
 * sampling. They work on any core `TrainableModel`: they only read its logits.
 */
import type { Environment, Policy, Predictor, TrainableModel, Windows } from '@optimpact/core';
import type { Rng } from '@optimpact/core';

/** Options of `asPolicy` and `sampleActions`. */
export interface ActingOptions {
  /** 0 = greedy (ties go to the lowest action); otherwise softmax(logits / temperature) over the actions. */
  readonly temperature: number;
}

/**
 * π(a | window) over `actions` from next-token logits [n × V], logits outside the action set masked out:
 * [n × actions.length], rows summing to 1. Temperature 0 gives one-hot rows at the largest logit, ties to
 * the lowest action token.
 */
export function actionProbsFromLogits(logits: Float32Array, vocabSize: number, actions: readonly number[], temperature: number): Float64Array {
  if (!(temperature >= 0)) throw new RangeError(`temperature must be ≥ 0, got ${temperature}`);
  const n = logits.length / vocabSize, A = actions.length, out = new Float64Array(n * A);
  // scan actions in increasing token order, so a strict > keeps the lowest of tied actions
  const order = actions.map((a, k) => [a, k] as const).sort((x, y) => x[0] - y[0]);
  for (let i = 0; i < n; i++) {
    const row = i * vocabSize;
    if (temperature === 0) {
      let best = -1, bestZ = -Infinity;
      for (const [a, k] of order) {
        const z = logits[row + a]!;
        if (best < 0 || z > bestZ) {
          best = k;
          bestZ = z;
        }
      }
      out[i * A + best] = 1;
    } else {
      let mx = -Infinity;
      for (const a of actions) mx = Math.max(mx, logits[row + a]!);
      let s = 0;
      for (let k = 0; k < A; k++) {
        const e = Math.exp((logits[row + actions[k]!]! - mx) / temperature);
        out[i * A + k] = e;
        s += e;
      }
      for (let k = 0; k < A; k++) out[i * A + k] = out[i * A + k]! / s;
    }
  }
  return out;
}

/** The model acting in `env`: a core `Policy` over `env.actions` at the given temperature. */
export function asPolicy(model: TrainableModel, env: Environment, options: ActingOptions = { temperature: 0 }): Policy {
  if (model.vocabSize !== env.vocabSize) throw new Error(`model vocabulary ${model.vocabSize} ≠ environment vocabulary ${env.vocabSize}`);
  const T = options.temperature;
  return {
    name: `transformer(T=${T})`,
    async actionProbs(windows: Windows): Promise<Float64Array> {
      return actionProbsFromLogits(await model.logits(windows), model.vocabSize, env.actions, T);
    },
  };
}

/** The model's predicted next-token law: a core `Predictor` (softmax over the whole vocabulary). */
export function asPredictor(model: TrainableModel): Predictor {
  return {
    name: 'transformer',
    async nextTokenProbs(windows: Windows): Promise<Float64Array> {
      const z = await model.logits(windows), V = model.vocabSize, out = new Float64Array(z.length);
      for (let i = 0; i < windows.n; i++) {
        let mx = -Infinity;
        for (let v = 0; v < V; v++) mx = Math.max(mx, z[i * V + v]!);
        let s = 0;
        for (let v = 0; v < V; v++) s += out[i * V + v] = Math.exp(z[i * V + v]! - mx);
        for (let v = 0; v < V; v++) out[i * V + v] = out[i * V + v]! / s;
      }
      return out;
    },
  };
}

/** One action token per window, sampled from the masked policy at `temperature` (greedy at 0) with `rng`. */
export async function sampleActions(model: TrainableModel, env: Environment, windows: Windows, options: ActingOptions & { readonly rng: Rng }): Promise<Int32Array> {
  const probs = actionProbsFromLogits(await model.logits(windows), model.vocabSize, env.actions, options.temperature);
  const A = env.actions.length, out = new Int32Array(windows.n);
  for (let i = 0; i < windows.n; i++) {
    const u = options.rng.next();
    let acc = 0, k = 0;
    for (; k < A - 1; k++) {
      acc += probs[i * A + k]!;
      if (u < acc) break;
    }
    out[i] = env.actions[k]!;
  }
  return out;
}
