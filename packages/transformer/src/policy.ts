/**
 * Adapters from a trained model to core's `Policy` (docs/method.md#split-history) and `Predictor` (docs/method.md#self-evaluation), plus action
 * sampling. They work on any core `TrainableModel`: they only read its logits.
 */
import type { Environment, Policy, Predictor, TrainableModel, Windows } from '@optimpact/core';
import type { Rng } from '@optimpact/core';
import { actionRows, modelPolicy } from '@optimpact/core';

/** Options of `asPolicy` and `sampleActions`. */
export interface ActingOptions {
  /** 0 = greedy (ties go to the lowest action); otherwise softmax(logits / temperature) over the actions. */
  readonly temperature: number;
}

/** The model acting in `env`: a core `Policy` over `env.actions` at the given temperature. */
export function asPolicy(model: TrainableModel, env: Environment, options: ActingOptions = { temperature: 0 }): Policy {
  if (model.vocabSize !== env.vocabSize) throw new Error(`model vocabulary ${model.vocabSize} ≠ environment vocabulary ${env.vocabSize}`);
  return modelPolicy(model, env, options.temperature, `transformer(T=${options.temperature})`);
}

/** The model's predicted next-token law: a core `Predictor` (softmax over the whole vocabulary). */
export function asPredictor(model: TrainableModel): Predictor {
  return {
    name: 'transformer',
    async nextTokenProbs(windows: Windows): Promise<Float64Array> {
      const z = await model.logits(windows),
        V = model.vocabSize,
        out = new Float64Array(z.length);
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
export async function sampleActions(
  model: TrainableModel,
  env: Environment,
  windows: Windows,
  options: ActingOptions & { readonly rng: Rng },
): Promise<Int32Array> {
  const probs = actionRows(await model.logits(windows), model.vocabSize, env.actions, options.temperature);
  const A = env.actions.length,
    out = new Int32Array(windows.n);
  for (let i = 0; i < windows.n; i++) {
    const u = options.rng.next();
    let acc = 0,
      k = 0;
    for (; k < A - 1; k++) {
      acc += probs[i * A + k]!;
      if (u < acc) break;
    }
    out[i] = env.actions[k]!;
  }
  return out;
}
