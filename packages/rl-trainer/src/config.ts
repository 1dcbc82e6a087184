/** The learning rules (see `RLConfig.rule`). */
export const RULES = ['exact', 'reinforce', 'positive', 'rloo', 'all-actions', 'model'] as const;
/** An RL rule's name (see {@link RLConfig.rule}). */
export type Rule = (typeof RULES)[number];

/** RL fine-tuning settings (docs/method.md#rl-fine-tuning). Every field is recorded with the run. */
export interface RLConfig {
  /**
   * The learning rule.
   * - `positive`: the original's literal recipe. Sample a at `temperature`, let the environment draw F,
   *   train cross-entropy (full vocabulary, as in pretraining) on every (p, a) with F ∈ G; failures unused.
   * - `reinforce`: REINFORCE with a baseline over the action softmax: (r − b)·∇ln π(a|p), r = 1[F ∈ G]
   *   sampled, b the batch's mean reward; learns from failures too.
   * - `exact`: the exact expected-reward gradient ∇ Σ_a π(a|p)·P(F ∈ G | p, a) over all actions, from the
   *   environment's known outcome law: no sampling noise at all. π is that of each step's own forward
   *   (dropout on), so an update costs one forward pass, not two.
   * - `rloo`: reads no law. Per context `samples` (K) actions drawn from π at `temperature`, each
   *   outcome drawn by the environment's sampler (`Environment.sampleNextToken`; from its next-token
   *   law only for an environment without one), r = 1[F ∈ G]; coefficient (1/K) Σ_k (r_k − b_k) at a_k
   *   with the leave-one-out baseline b_k = mean of the other K − 1 rewards: an unbiased estimate of the
   *   exact rule's coefficients π_a (R_a − Σ_b π_b R_b). Costs K environment samples per context.
   * - `all-actions`: reads no law. Per context every action once, its outcome drawn `samples` (M) times by
   *   the environment's sampler; the exact rule on the success fractions R̂_a: π_a (R̂_a − Σ_b π_b R̂_b),
   *   unbiased for the exact rule's coefficients (linear in R̂, E[R̂_a] = R_a) and, unlike `rloo`, informed
   *   about actions π seldom picks. Costs M × (number of actions) environment samples per context.
   * - `model`: the exact rule with P(F ∈ G | p, a) read from a world model (the model's own predicted
   *   outcome law, as in self-evaluation) instead of the environment: no environment sample at all.
   * `exact`, `rloo`, `all-actions` and `model` act on-policy: `epsilon` is used by `positive` and `reinforce` only.
   */
  readonly rule: Rule;
  /** `rloo`: actions sampled per context (K ≥ 2); `all-actions`: outcomes drawn per action (M ≥ 1); unused by the other rules. */
  readonly samples?: number;
  /** RL rounds. */
  readonly rounds: number;
  /** Contexts per round. */
  readonly batchSize: number;
  /** AdamW learning rate of the RL steps. */
  readonly learningRate: number;
  /** Optimizer steps on each round's batch (the original: 1). */
  readonly updatesPerRound: number;
  /** Temperature of the acting policy (sampling rules) and of π in the exact gradient. The original: 1. */
  readonly temperature: number;
  /** ε-uniform exploration: actions are drawn from (1 − ε)·π + ε·uniform (sampling rules). The original: 0. */
  readonly epsilon: number;
  /** Maintenance steps (next-token loss on non-action targets) per round. */
  readonly maintenanceSteps: number;
  /** Windows per maintenance step. */
  readonly maintenanceBatchSize: number;
  /** Much lower than `learningRate`, so the model keeps predicting the environment (needed for self-evaluation, docs/method.md#self-evaluation). */
  readonly maintenanceLearningRate: number;
  /** Evaluate every this many rounds (and after the last). */
  readonly evalEvery: number;
}
