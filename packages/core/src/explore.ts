/**
 * Exploratory data and draws from the environment, for any `Environment`: through its own sampler when it
 * has one, else its next-token law.
 *
 * Generated data shows only the actions the environment's own rule emits (apart from its noise), so a
 * model trained on it never sees what follows another action and may read any action token as if the
 * rule had emitted it. Exploratory sequences replace the action, with probability ε, by a draw from a
 * behaviour policy; every other token is drawn from the environment given the tokens actually present
 * (its sampler, or its law), so what follows an action depends on it exactly as the law says.
 */
import type { Rng } from './rng.js';
import type { Environment } from './types.js';

/** Exploration of generated data: at each action position, with probability `epsilon`, a behaviour draw. */
export interface Exploration {
  /** Probability ε that an action position holds a behaviour draw instead of the rule's token. */
  readonly epsilon: number;
  /** Behaviour probabilities over `env.actions` (summing to 1); uniform when omitted. */
  readonly behaviour?: readonly number[];
}

/** Checks an exploration against `env`: ε in [0, 1], behaviour a distribution over its actions. */
export function checkExploration(env: Environment, explore: Exploration): void {
  if (!(explore.epsilon >= 0 && explore.epsilon <= 1)) throw new RangeError(`exploration epsilon must be in [0, 1], got ${explore.epsilon}`);
  const b = explore.behaviour;
  if (b === undefined) return;
  if (b.length !== env.actions.length) throw new RangeError(`the behaviour policy needs one probability per action (${env.actions.length}), got ${b.length}`);
  const z = b.reduce((s, p) => s + p, 0);
  if (b.some((p) => !(p >= 0)) || Math.abs(z - 1) > 1e-9)
    throw new RangeError(`the behaviour policy must be probabilities summing to 1, got [${b.join(', ')}]`);
}

/** Index of a draw from the distribution `probs[from..from+count)` (the last index takes any rounding rest). */
export function drawIndex(probs: ArrayLike<number>, from: number, count: number, rng: Rng): number {
  let u = rng.next();
  for (let i = 0; i < count - 1; i++) if ((u -= probs[from + i]!) < 0) return i;
  return count - 1;
}

/**
 * The token at position `t` drawn from the environment given `window` (the tokens before t, at most
 * `contextLength` of them): by its own sampler when it has one (then no law is read), else from its
 * next-token law. This is the only way optimpact draws from an environment token by token.
 */
export function sampleNextToken(env: Environment, window: Int32Array, t: number, rng: Rng, scratch = new Float64Array(env.vocabSize)): number {
  if (env.sampleNextToken !== undefined) return env.sampleNextToken(window, t, rng);
  env.nextTokenLaw(window, t, scratch);
  return drawIndex(scratch, 0, env.vocabSize, rng);
}

/**
 * A sequence of `length` tokens with exploration: at each action position, with probability ε, an action
 * drawn from the behaviour policy, else the environment's token; every other position drawn from the
 * environment given the tokens actually present (`sampleNextToken`). At ε = 0 it is
 * `env.generate(length, rng)` itself, draw for draw, so the original data stay bit-identical.
 */
export function generateExploratory(env: Environment, length: number, rng: Rng, explore: Exploration): Int32Array {
  checkExploration(env, explore);
  if (explore.epsilon === 0) return env.generate(length, rng);
  const s = new Int32Array(length),
    law = new Float64Array(env.vocabSize),
    A = env.actions.length;
  for (let t = 0; t < length; t++) {
    if (env.isActionPosition(t) && rng.next() < explore.epsilon) {
      s[t] = env.actions[explore.behaviour === undefined ? rng.int(A) : drawIndex(explore.behaviour, 0, A, rng)]!;
    } else {
      s[t] = sampleNextToken(env, s.subarray(Math.max(0, t - env.contextLength), t), t, rng, law);
    }
  }
  return s;
}
