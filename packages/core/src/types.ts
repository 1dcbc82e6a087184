/**
 * The contracts of optimpact, where its packages meet: any environment, policy or predictor that implements
 * them runs the whole study. A package that also uses another's implementation (rl-trainer uses split-history's
 * and self-eval's) declares it as a dependency in its package.json.
 */
import type * as t from 'io-ts';
import type { Rng, RngState } from './rng.js';

/**
 * A batch of `n` windows: for each, the `length` tokens before position `positions[i]` of its sequence.
 * Row-major, so window i is `tokens.subarray(i * length, (i + 1) * length)`.
 */
export interface Windows {
  /** The tokens, [n × length], row-major. */
  readonly tokens: Int32Array;
  /** The absolute position of the token that follows each window, one per window. */
  readonly positions: Int32Array;
  /** Number of windows. */
  readonly n: number;
  /** Tokens per window. */
  readonly length: number;
}

/** A success/failure task: the outcome succeeds when it lies in `good` (docs/method.md#tasks). */
export interface Task {
  /** e.g. "n_good=4". */
  readonly name: string;
  /** Size of the good set, k of n_good = k. */
  readonly nGood: number;
  /** The outcome tokens counted as success (the good set G). */
  readonly good: readonly number[];
}

/**
 * A token-sequence environment (docs/method.md#the-sequence-environment). The policy acts at action positions: given the
 * `contextLength` tokens before one, it emits a token from `actions`; the environment then draws the
 * outcome F, the next token, from `outcomes`.
 */
export interface Environment {
  /** Shown in records and reports, e.g. "sequence-env/spec". */
  readonly name: string;
  /** Tokens are 0 … vocabSize − 1. */
  readonly vocabSize: number;
  /** How many previous tokens a policy (and a model) reads. */
  readonly contextLength: number;
  /** Tokens a policy may emit at an action position. */
  readonly actions: readonly number[];
  /** Tokens the outcome F (the token after the action) may take. */
  readonly outcomes: readonly number[];
  /** The study's tasks for this environment. */
  readonly tasks: readonly Task[];
  /** True when the token at absolute position `t` is emitted by the policy. */
  isActionPosition(t: number): boolean;
  /**
   * Exact law of the token at position `t` given `window`, the `contextLength` tokens before it:
   * writes P(s_t = v) into `out[v]` for v < vocabSize.
   */
  nextTokenLaw(window: Int32Array, t: number, out: Float64Array): void;
  /**
   * Exact outcome law for every action at once, `window` being the `contextLength` tokens before an
   * action position: writes P(F = outcomes[v] | window, actions[i]) into `out[i * outcomes.length + v]`.
   */
  outcomeLaw(window: Int32Array, out: Float64Array): void;
  /** A sequence of `length` tokens drawn from the environment, every draw from `rng`. */
  generate(length: number, rng: Rng): Int32Array;
  /**
   * Optional: the token at position `t` drawn by the environment itself (s_t ~ P(· | window), `window`
   * the at most `contextLength` tokens before t), every draw from `rng`; the step `generate` takes. The
   * rules that read no law (`rloo`, `all-actions`) draw outcomes only through it; without it they draw from
   * `nextTokenLaw` (core's `sampleNextToken`).
   */
  sampleNextToken?(window: Int32Array, t: number, rng: Rng): number;
}

/**
 * What an environment package exports (docs/extending.md#an-environment): `createEnvironment`, and
 * optionally `Options`, an io-ts codec of its options. The study decodes `environment.options` with it,
 * refusing unknown keys and naming the path of a wrong value; a package without one gets its options as given.
 */
export interface EnvironmentPackage {
  createEnvironment(options?: object): Environment;
  readonly Options?: t.Decoder<unknown, object>;
}

/** A policy: its action distribution at each window (`π(·|p)` of docs/method.md#split-history). */
export interface Policy {
  /** Shown in measurements and records. */
  readonly name: string;
  /**
   * π(a | window) over `env.actions` for every window: [n × actions.length], rows summing to 1.
   * A greedy (temperature 0) policy returns one-hot rows, ties going to the lowest action.
   */
  actionProbs(windows: Windows): Promise<Float64Array>;
}

/** A model of the environment: its predicted law of the next token (docs/method.md#self-evaluation). */
export interface Predictor {
  /** Shown in measurements and records. */
  readonly name: string;
  /** Predicted P(next token = v | window) for every window: [n × vocabSize], rows summing to 1. */
  nextTokenProbs(windows: Windows): Promise<Float64Array>;
}

/**
 * A next-token model trainable by weighted log-likelihood: the one operation pretraining (docs/method.md#pretraining),
 * maintenance and every RL rule (docs/method.md#rl-fine-tuning) need. Implemented by `@optimpact/transformer`.
 */
export interface TrainableModel {
  /** Size of the next-token softmax. */
  readonly vocabSize: number;
  /** Tokens of a window. */
  readonly contextLength: number;
  /** Number of trainable parameters. */
  readonly params: number;
  /** Next-token logits for every window in eval mode (no dropout): [n × vocabSize]. */
  logits(windows: Windows): Promise<Float32Array>;
  /**
   * One optimizer step (AdamW, dropout on) on L = −(1/n) Σ_i Σ_k coef[i·K + k] · ln p_i(support[k]), where
   * p_i is the softmax of window i's logits restricted to `support` (K = support.length; the whole
   * vocabulary when omitted). Cross-entropy on targets is a one-hot `coef`; REINFORCE puts (r − b) at
   * the sampled action; the exact policy gradient puts π(a)(R(a) − b), π held fixed. `coef` may be a
   * function of this step's own logits ([n × vocabSize], dropout on), called once before the backward
   * pass, so coefficients that depend on π cost no second forward. Each `slot` keeps its own optimizer
   * state (e.g. "rl" and "maintenance" at different learning rates). Returns L.
   */
  step(windows: Windows, coef: Coefficients, opts: StepOptions): Promise<number>;
  /** Everything training carries from one step to the next (a model that can be checkpointed has it). */
  trainingState?(): ModelState;
  /** Continues training from `state` (as `trainingState` gave it): the next step is the one that would have followed. */
  restoreTrainingState?(state: ModelState): void;
  /** Frees the model's tensors. */
  dispose(): void;
}

/** A model's training state: its flat parameters, each optimizer slot's moments and step count, its dropout stream. */
export interface ModelState {
  readonly params: Float32Array;
  readonly optimizer: readonly OptimizerSlotState[];
  readonly dropout: RngState;
}

/** One optimizer slot's state (Adam's first and second moments over the flat parameters, and its step count). */
export interface OptimizerSlotState {
  readonly slot: string;
  readonly t: number;
  readonly m: Float32Array;
  readonly v: Float32Array;
}

/** The coefficients of one `TrainableModel.step`: given, or computed from the step's own logits. */
export type Coefficients = Float32Array | ((logits: Float32Array) => Float32Array);

/** Options of one `TrainableModel.step`. */
export interface StepOptions {
  /** Tokens the softmax is restricted to (e.g. the actions); the whole vocabulary when omitted. */
  readonly support?: readonly number[];
  /** The optimizer state this step updates (e.g. "pretrain", "rl", "maintenance"). */
  readonly slot: string;
  /** AdamW learning rate of this step. */
  readonly learningRate: number;
}
