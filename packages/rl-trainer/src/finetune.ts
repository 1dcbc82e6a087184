/**
 * RL fine-tuning of a next-token model on a success/failure task (docs/method.md#rl-fine-tuning), with interleaved
 * maintenance training. Depends only on the TrainableModel contract, so any model can be fine-tuned.
 */
import type { CurvePoint, Environment, ModelState, Predictor, Rng, RngState, Task, TrainableModel, Windows } from '@optimpact/core';
import { actionRows, crossEntropy, deriveSeed, drawIndex as draw, makeRng, restoreRng, sampleNextToken, sampleWindows, windowOf } from '@optimpact/core';
import { CheckpointMismatch, sameRun } from '@optimpact/records';
import { predictedOutcomeLaws } from '@optimpact/self-eval';
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
  /**
   * Per evaluation: step = round, success (T = 0, exact in the environment noise), maintenanceLoss (nats),
   * positives, and envSamples (outcomes drawn from the environment since the last evaluation).
   */
  readonly curve: CurvePoint[];
  /** Held-out success at T = 0 after the last round. */
  readonly finalSuccess: number;
  /** Held-out maintenance loss after the last round, nats. */
  readonly finalMaintenanceLoss: number;
  /** Outcomes drawn from the environment over the run: what a rule that reads no outcome law pays. */
  readonly envSamples: number;
}

/** What a fine-tuning run may use besides its config. */
export interface FinetuneOptions {
  /** The `model` rule's world model: the predictor whose outcome law replaces the environment's. */
  readonly worldModel?: Predictor;
  /**
   * The environment whose exact outcome law scores held-out success at each evaluation; `env` when
   * omitted. Only the evaluations read it: an environment that can only be sampled trains under `rloo` or
   * `all-actions` and is scored by the law of the environment it samples.
   */
  readonly judge?: Environment;
  /** Go on from this checkpoint of the same run (same config, seed and model) instead of from the start. */
  readonly resume?: FinetuneCheckpoint;
  /**
   * Saves a checkpoint after every evaluation for which `due(round, seconds)` holds, and after the last round.
   * Resuming and checkpointing need a model with `trainingState` and `restoreTrainingState`.
   */
  readonly checkpoint?: {
    readonly due: (round: number, seconds: number) => boolean;
    readonly save: (c: FinetuneCheckpoint) => void | Promise<void>;
  };
}

/**
 * A fine-tuning run after the evaluation at `round` of its `rounds`: everything it carries to the next
 * round, so that going on from it gives, bit for bit, what the run would have given without stopping.
 */
export interface FinetuneCheckpoint {
  readonly round: number;
  readonly rounds: number;
  /** The config, seed, good set and data sizes the run's numbers depend on besides `rounds` (checked when going on). */
  readonly run: Readonly<Record<string, unknown>>;
  readonly model: ModelState;
  /** The rule's own random stream (actions and outcomes it samples). */
  readonly rng: RngState;
  /** The curve so far. */
  readonly curve: readonly CurvePoint[];
  /** Outcomes drawn from the environment so far. */
  readonly envSamples: number;
  /** Wall time so far. */
  readonly seconds: number;
}

/** Success rate at temperature 0, exact in the environment noise: mean_i P(F ∈ G | p_i, argmax_a π). */
export async function greedySuccess(model: TrainableModel, env: Environment, task: Task, windows: Windows): Promise<number> {
  const pi = actionRows(await model.logits(windows), model.vocabSize, env.actions, 0);
  return massOn(env, futureLaw(env, windows, pi), task.good);
}

/** Mean cross-entropy (nats) of the model's next-token law on `targets`. */
export async function nextTokenLoss(model: TrainableModel, windows: Windows, targets: Int32Array): Promise<number> {
  return crossEntropy(await model.logits(windows), model.vocabSize, targets);
}

/**
 * The exact rule's coefficients over the actions (see `TrainableModel.step`): ∂/∂z_a Σ_b π_b R_b =
 * π_a (R_a − Σ_b π_b R_b), the exact gradient of the expected reward, π at the rule's temperature.
 */
export function exactCoefficients(R: Float64Array, logits: Float32Array, vocab: number, actions: readonly number[], temperature: number): Float32Array {
  const A = actions.length,
    n = R.length / A;
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
function sampledCoefficients(
  cfg: RLConfig,
  env: Environment,
  task: Task,
  batch: Windows,
  logits: Float32Array,
  vocab: number,
  rng: Rng,
): { coef: Float32Array; support?: readonly number[]; positives: number } {
  const A = env.actions.length,
    V = env.outcomes.length,
    n = batch.n;
  const pi = actionRows(logits, vocab, env.actions, cfg.temperature);
  const law = new Float64Array(A * V);
  const actions = new Int32Array(n),
    rewards = new Float64Array(n);
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
 * The RLOO rule's coefficients over the actions: per context, K actions a_k ~ π (at `temperature`), each
 * outcome drawn by the environment's own sampler after p ⊕ a_k (core's `sampleNextToken`: no law is read
 * unless the environment has no sampler), r_k = 1[F ∈ G], and
 * coef[a] = (1/K) Σ_{k: a_k = a} (r_k − b_k), b_k the mean of the other K − 1 rewards. As b_k is
 * independent of a_k, E[coef] = π_a (R_a − Σ_b π_b R_b): the exact rule's coefficients, unbiased.
 */
export function rlooCoefficients(
  env: Environment,
  task: Task,
  batch: Windows,
  logits: Float32Array,
  vocab: number,
  temperature: number,
  K: number,
  rng: Rng,
): { coef: Float32Array; positives: number; samples: number } {
  if (!(Number.isInteger(K) && K >= 2)) throw new RangeError(`rloo needs at least 2 samples per context, got ${K}`);
  const A = env.actions.length,
    n = batch.n,
    L = batch.length;
  const pi = actionRows(logits, vocab, env.actions, temperature);
  const coef = new Float32Array(n * A),
    shifted = new Int32Array(L),
    law = new Float64Array(env.vocabSize);
  const actions = new Int32Array(K),
    rewards = new Float64Array(K);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const w = windowOf(batch, i),
      t = batch.positions[i]!;
    shifted.set(w.subarray(1));
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const a = draw(pi, i * A, A, rng);
      shifted[L - 1] = env.actions[a]!;
      actions[k] = a;
      sum += rewards[k] = task.good.includes(sampleNextToken(env, shifted, t + 1, rng, law)) ? 1 : 0;
    }
    positives += sum;
    for (let k = 0; k < K; k++) coef[i * A + actions[k]!]! += (rewards[k]! - (sum - rewards[k]!) / (K - 1)) / K;
  }
  return { coef, positives, samples: n * K };
}

/**
 * The all-actions rule's success rates: per context every action a once, its outcome drawn M times by the
 * environment's own sampler after p ⊕ a (as `rloo` draws them), R̂_a = the fraction in G. E[R̂] = R, and
 * the exact rule's coefficients are linear in R, so on R̂ they are unbiased. Costs n·A·M samples.
 */
export function sampledSuccessRates(
  env: Environment,
  task: Task,
  batch: Windows,
  M: number,
  rng: Rng,
): { R: Float64Array; positives: number; samples: number } {
  if (!(Number.isInteger(M) && M >= 1)) throw new RangeError(`all-actions needs at least 1 sample per action, got ${M}`);
  const A = env.actions.length,
    n = batch.n,
    L = batch.length;
  const R = new Float64Array(n * A),
    shifted = new Int32Array(L),
    law = new Float64Array(env.vocabSize);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const t = batch.positions[i]!;
    shifted.set(windowOf(batch, i).subarray(1));
    for (let a = 0; a < A; a++) {
      shifted[L - 1] = env.actions[a]!;
      let hits = 0;
      for (let m = 0; m < M; m++) hits += task.good.includes(sampleNextToken(env, shifted, t + 1, rng, law)) ? 1 : 0;
      R[i * A + a] = hits / M;
      positives += hits;
    }
  }
  return { R, positives, samples: n * A * M };
}

/** P̂(F ∈ G | p_i, a) [n × actions] from a world model's predicted outcome laws (self-evaluation's). */
export async function predictedSuccessRates(worldModel: Predictor, env: Environment, task: Task, windows: Windows): Promise<Float64Array> {
  const A = env.actions.length,
    V = env.outcomes.length;
  const laws = await predictedOutcomeLaws(worldModel, env)(windows);
  const R = new Float64Array(windows.n * A);
  for (let k = 0; k < R.length; k++) R[k] = massOn(env, laws.subarray(k * V, (k + 1) * V), task.good);
  return R;
}

/**
 * Fine-tunes `model` in place on `task` with `cfg`; every draw comes from `seed`. Reports progress
 * after each evaluation through `onEval`.
 */
export async function finetune(
  model: TrainableModel,
  env: Environment,
  task: Task,
  data: RLData,
  cfg: RLConfig,
  seed: number,
  onEval?: (p: CurvePoint) => void,
  options: FinetuneOptions = {},
): Promise<RLResult> {
  if (cfg.rule === 'model' && options.worldModel === undefined) throw new Error('the model rule needs a world model (options.worldModel)');
  const { resume, checkpoint } = options;
  const state = model.trainingState?.bind(model),
    restoreState = model.restoreTrainingState?.bind(model);
  if ((resume ?? checkpoint) && !(state && restoreState)) throw new Error('checkpoints need a model with trainingState and restoreTrainingState');
  // what a checkpoint must have been saved under to be gone on from (the data's contents are the caller's to match)
  const { rounds: _, ...settings } = cfg;
  const run = { seed, ...settings, good: task.good.join(' '), train: data.train.n, eval: data.eval.n, maintenance: data.maintenance.windows.n };
  let rng = makeRng(deriveSeed(seed, 'rl'));
  const curve: CurvePoint[] = resume ? [...resume.curve] : [];
  if (resume) {
    if (resume.rounds !== cfg.rounds || resume.round > cfg.rounds)
      throw new CheckpointMismatch(`the checkpoint is of a run of ${resume.rounds} rounds at round ${resume.round}; this run has ${cfg.rounds} rounds`);
    sameRun(resume.run, run);
    try {
      restoreState!(resume.model);
    } catch (e) {
      throw new CheckpointMismatch(e instanceof Error ? e.message : String(e));
    }
    rng = restoreRng(resume.rng);
  }
  const t0 = performance.now(),
    before = resume?.seconds ?? 0;
  const V = model.vocabSize;
  const evaluate = async (round: number, positives: number, envSamples: number): Promise<void> => {
    const p = {
      step: round,
      success: await greedySuccess(model, options.judge ?? env, task, data.eval),
      maintenanceLoss: await nextTokenLoss(model, data.maintenanceEval.windows, data.maintenanceEval.targets),
      positives,
      envSamples,
    };
    curve.push(p);
    onEval?.(p);
  };
  if (!resume) await evaluate(0, 0, 0);
  let positives = 0,
    envSamples = 0,
    totalSamples = resume?.envSamples ?? 0;
  for (let round = (resume?.round ?? 0) + 1; round <= cfg.rounds; round++) {
    const { windows: batch } = sampleWindows(data.train, cfg.batchSize, makeRng(deriveSeed(seed, 'rl-batch', round)));
    if (cfg.rule === 'exact' || cfg.rule === 'model' || cfg.rule === 'all-actions') {
      // R: the law's, the world model's, or drawn once per round and reused by every update.
      let R: Float64Array;
      if (cfg.rule === 'all-actions') {
        const drawn = sampledSuccessRates(env, task, batch, cfg.samples ?? 0, rng);
        ({ R } = drawn);
        positives += drawn.positives;
        envSamples += drawn.samples;
      } else {
        R = cfg.rule === 'exact' ? successRates(env, task, batch) : await predictedSuccessRates(options.worldModel!, env, task, batch);
        positives += batch.n;
      }
      // π comes from each update's own forward (dropout on), so an update costs one forward, not two.
      const coef = (logits: Float32Array) => exactCoefficients(R, logits, V, env.actions, cfg.temperature);
      for (let u = 0; u < cfg.updatesPerRound; u++) await model.step(batch, coef, { slot: 'rl', learningRate: cfg.learningRate, support: env.actions });
    } else if (cfg.rule === 'rloo') {
      // One draw per round, reused by every update; its coefficients sum to 0 per context (a baseline).
      const c = rlooCoefficients(env, task, batch, await model.logits(batch), V, cfg.temperature, cfg.samples ?? 0, rng);
      positives += c.positives;
      envSamples += c.samples;
      for (let u = 0; u < cfg.updatesPerRound; u++) await model.step(batch, c.coef, { slot: 'rl', learningRate: cfg.learningRate, support: env.actions });
    } else {
      // The sampling rules draw once per round and reuse the draw for every update.
      const c = sampledCoefficients(cfg, env, task, batch, await model.logits(batch), V, rng);
      positives += c.positives;
      envSamples += batch.n;
      if (c.positives > 0) {
        for (let u = 0; u < cfg.updatesPerRound; u++)
          await model.step(batch, c.coef, { slot: 'rl', learningRate: cfg.learningRate, ...(c.support ? { support: c.support } : {}) });
      }
    }
    for (let m = 0; m < cfg.maintenanceSteps; m++) {
      const { windows, indices } = sampleWindows(data.maintenance.windows, cfg.maintenanceBatchSize, makeRng(deriveSeed(seed, 'maintenance', round, m)));
      const coef = new Float32Array(windows.n * V);
      indices.forEach((k, i) => {
        coef[i * V + data.maintenance.targets[k]!] = 1;
      });
      await model.step(windows, coef, { slot: 'maintenance', learningRate: cfg.maintenanceLearningRate });
    }
    if (round % cfg.evalEvery === 0 || round === cfg.rounds) {
      await evaluate(round, positives, envSamples);
      totalSamples += envSamples;
      positives = 0;
      envSamples = 0;
      const seconds = before + (performance.now() - t0) / 1000;
      // after the last round always: what follows (saving, measuring) may be long, and a stop there loses no round
      if (checkpoint && (round === cfg.rounds || checkpoint.due(round, seconds))) {
        await checkpoint.save({
          round,
          rounds: cfg.rounds,
          run,
          model: state!(),
          rng: rng.state(),
          curve: [...curve],
          envSamples: totalSamples,
          seconds,
        });
      }
    }
  }
  const last = curve[curve.length - 1]!;
  return { curve, finalSuccess: last['success']!, finalMaintenanceLoss: last['maintenanceLoss']!, envSamples: totalSamples };
}
