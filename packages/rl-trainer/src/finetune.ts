/**
 * RL fine-tuning of a next-token model on a success/failure task (SPEC §5), with interleaved
 * maintenance training. Depends only on the TrainableModel contract, so any model can be fine-tuned.
 */
import type { CurvePoint, Environment, Rng, Task, TrainableModel, Windows } from '@optimpact/core';
import { actionRows, deriveSeed, makeRng, sampleWindows, windowOf } from '@optimpact/core';
import { futureLaw, massOn, successRates } from '@optimpact/split-history';
import type { RLConfig } from './config.js';

/** The data a fine-tuning run draws from. */
export interface RLData {
  /** Contexts ending before an action position (training data). */
  readonly train: Windows;
  /** Held-out contexts on which success at temperature 0 is evaluated. */
  readonly eval: Windows;
  /** Maintenance windows (training data) ending before a non-action position, with their target tokens. */
  readonly maintenance: { readonly windows: Windows; readonly targets: Int32Array };
  /** Held-out maintenance windows and targets, for the maintenance loss curve. */
  readonly maintenanceEval: { readonly windows: Windows; readonly targets: Int32Array };
}

/** What a fine-tuning run produced. */
export interface RLResult {
  /** Per evaluation: step = round, success (T = 0, exact in the environment noise), maintenanceLoss (nats), positives. */
  readonly curve: CurvePoint[];
  readonly finalSuccess: number;
  readonly finalMaintenanceLoss: number;
}

/** Success rate at temperature 0, exact in the environment noise: mean_i P(F ∈ G | p_i, argmax_a π). */
export async function greedySuccess(model: TrainableModel, env: Environment, task: Task, windows: Windows): Promise<number> {
  const pi = actionRows(await model.logits(windows), model.vocabSize, env.actions, 0);
  return massOn(env, futureLaw(env, windows, pi), task.good);
}

/** Mean cross-entropy (nats) of the model's next-token law on `targets`. */
export async function nextTokenLoss(model: TrainableModel, windows: Windows, targets: Int32Array): Promise<number> {
  const logits = await model.logits(windows);
  const V = model.vocabSize;
  let sum = 0;
  for (let i = 0; i < windows.n; i++) {
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[i * V + v]!);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[i * V + v]! - max);
    sum += Math.log(z) + max - logits[i * V + targets[i]!]!;
  }
  return sum / windows.n;
}

function draw(probs: ArrayLike<number>, from: number, count: number, rng: Rng): number {
  let u = rng.next();
  for (let i = 0; i < count - 1; i++) if ((u -= probs[from + i]!) < 0) return i;
  return count - 1;
}

/**
 * The exact rule's coefficients over the actions (see `TrainableModel.step`): ∂/∂z_a Σ_b π_b R_b =
 * π_a (R_a − Σ_b π_b R_b), the exact gradient of the expected reward, π at the rule's temperature.
 */
export function exactCoefficients(R: Float64Array, logits: Float32Array, vocab: number, actions: readonly number[], temperature: number): Float32Array {
  const A = actions.length, n = R.length / A;
  const pi = actionRows(logits, vocab, actions, temperature);
  const coef = new Float32Array(n * A);
  for (let i = 0; i < n; i++) {
    let value = 0;
    for (let a = 0; a < A; a++) value += pi[i * A + a]! * R[i * A + a]!;
    for (let a = 0; a < A; a++) coef[i * A + a] = pi[i * A + a]! * (R[i * A + a]! - value);
  }
  return coef;
}

/**
 * The sampling rules' coefficients: a ~ (1 − ε)π + ε·uniform, then F ~ P(· | p, a); returned with the
 * support they refer to and the number of positive examples.
 */
function sampledCoefficients(cfg: RLConfig, env: Environment, task: Task, batch: Windows, logits: Float32Array, vocab: number, rng: Rng): { coef: Float32Array; support?: readonly number[]; positives: number } {
  const A = env.actions.length, V = env.outcomes.length, n = batch.n;
  const pi = actionRows(logits, vocab, env.actions, cfg.temperature);
  const law = new Float64Array(A * V);
  const actions = new Int32Array(n), rewards = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.next() < cfg.epsilon ? rng.int(A) : draw(pi, i * A, A, rng);
    env.outcomeLaw(windowOf(batch, i), law);
    const f = env.outcomes[draw(law, a * V, V, rng)]!;
    actions[i] = a;
    rewards[i] = task.good.includes(f) ? 1 : 0;
  }
  const positives = rewards.reduce((x, r) => x + r, 0);
  if (cfg.rule === 'positive') {
    const coef = new Float32Array(n * vocab);
    // mean cross-entropy over the positive examples, as a batch of positives would be trained
    for (let i = 0; i < n; i++) if (rewards[i] === 1) coef[i * vocab + env.actions[actions[i]!]!] = n / positives;
    return { coef, positives };
  }
  const baseline = positives / n;
  const coef = new Float32Array(n * A);
  for (let i = 0; i < n; i++) coef[i * A + actions[i]!] = rewards[i]! - baseline;
  return { coef, support: env.actions, positives };
}

/**
 * Fine-tunes `model` in place on `task` with `cfg`; every draw comes from `seed`. Reports progress
 * after each evaluation through `onEval`.
 */
export async function finetune(model: TrainableModel, env: Environment, task: Task, data: RLData, cfg: RLConfig, seed: number, onEval?: (p: CurvePoint) => void): Promise<RLResult> {
  const rng = makeRng(deriveSeed(seed, 'rl'));
  const curve: CurvePoint[] = [];
  const V = model.vocabSize;
  const evaluate = async (round: number, positives: number): Promise<void> => {
    const p = {
      step: round,
      success: await greedySuccess(model, env, task, data.eval),
      maintenanceLoss: await nextTokenLoss(model, data.maintenanceEval.windows, data.maintenanceEval.targets),
      positives,
    };
    curve.push(p);
    onEval?.(p);
  };
  await evaluate(0, 0);
  let positives = 0;
  for (let round = 1; round <= cfg.rounds; round++) {
    const { windows: batch } = sampleWindows(data.train, cfg.batchSize, makeRng(deriveSeed(seed, 'rl-batch', round)));
    if (cfg.rule === 'exact') {
      // π comes from each update's own forward (dropout on), so an update costs one forward, not two.
      const R = successRates(env, task, batch);
      const coef = (logits: Float32Array) => exactCoefficients(R, logits, V, env.actions, cfg.temperature);
      for (let u = 0; u < cfg.updatesPerRound; u++) await model.step(batch, coef, { slot: 'rl', learningRate: cfg.learningRate, support: env.actions });
      positives += batch.n;
    } else {
      // The sampling rules draw once per round and reuse the draw for every update.
      const c = sampledCoefficients(cfg, env, task, batch, await model.logits(batch), V, rng);
      positives += c.positives;
      if (c.positives > 0) {
        for (let u = 0; u < cfg.updatesPerRound; u++) await model.step(batch, c.coef, { slot: 'rl', learningRate: cfg.learningRate, ...(c.support ? { support: c.support } : {}) });
      }
    }
    for (let m = 0; m < cfg.maintenanceSteps; m++) {
      const { windows, indices } = sampleWindows(data.maintenance.windows, cfg.maintenanceBatchSize, makeRng(deriveSeed(seed, 'maintenance', round, m)));
      const coef = new Float32Array(windows.n * V);
      indices.forEach((k, i) => { coef[i * V + data.maintenance.targets[k]!] = 1; });
      await model.step(windows, coef, { slot: 'maintenance', learningRate: cfg.maintenanceLearningRate });
    }
    if (round % cfg.evalEvery === 0 || round === cfg.rounds) {
      await evaluate(round, positives);
      positives = 0;
    }
  }
  const last = curve[curve.length - 1]!;
  return { curve, finalSuccess: last['success']!, finalMaintenanceLoss: last['maintenanceLoss']! };
}
