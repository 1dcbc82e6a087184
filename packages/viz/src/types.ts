/**
 * The plain data rows the figure builders take. They mirror the run records of `@optimpact/core`
 * (PretrainRecord, FinetuneRecord, BaselineRecord) flattened for plotting; apps/report derives them.
 * Every measure is in nats unless said otherwise; success rates are fractions in [0, 1].
 */

/** A mean ± standard error. `mean` null: undefined at a theory edge; `se` null: one repeat only. */
export interface Est {
  /** The mean; null where the value is undefined (a theory edge). */
  readonly mean: number | null;
  /** Its standard error; null with one repeat. */
  readonly se: number | null;
}

/** A model's scores on one task (docs/method.md#tasks), from its split-history measurement. */
export interface TaskScoreRow {
  /** n_good = k of the task. */
  readonly nGood: number;
  /** The good set G (the outcomes counted as success), as the record names it; absent in records written before good sets were recorded. */
  readonly good?: readonly number[];
  /** Chance rate f = k / 8. */
  readonly chance: number;
  /** Success of the best constant action at the same contexts (the right null, docs/method.md#tasks). */
  readonly bestConstant: number;
  /** Success rate in the real future F. */
  readonly s: Est;
  /** Success rate in the split-history future F'. */
  readonly sPrime: Est;
  /** Predicted optimization `KL_B(s ‖ f)`, nats. */
  readonly opPred: Est;
  /** Minimum impact `KL_B(s ‖ s')`, nats. */
  readonly impMin: Est;
  /** Excess impact `Imp − Imp_min` with the jackknife s.e. of the difference, nats; absent in records written before it was recorded. */
  readonly excessImp?: Est;
}

/** Op and Imp of a model measured against one reference future (docs/method.md#reference-futures): `Op_ref`, `Imp_ref`, nats. */
export interface ReferenceRow {
  /** e.g. "fixed(8)", "uniform", "untrained", "pretrained". */
  readonly name: string;
  /** `Op_ref = H(Q_ref) − H(Q)`, nats. */
  readonly op: Est;
  /** `Imp_ref = KL(Q ‖ Q_ref)`, nats. */
  readonly imp: Est;
}

/** One fine-tuned model and its measurements. */
export interface ModelRow {
  /** Run id of the fine-tuning stage. */
  readonly id: string;
  /** Size preset name (e.g. "xs"). */
  readonly size: string;
  /** Parameter count. */
  readonly params: number;
  /** Seed of the pretrained model it came from. */
  readonly seed: number;
  /** n_good of the task it was trained on. */
  readonly task: number;
  /** RL rule: "positive" (the original's), "reinforce", "exact", … */
  readonly rule: string;
  /** Split-history optimization and impact, nats. */
  readonly op: Est;
  /** Split-history impact, nats. */
  readonly imp: Est;
  /** The null baseline (actions shuffled across contexts), nats. */
  readonly nullOp: Est;
  /** The null baseline's impact, nats. */
  readonly nullImp: Est;
  /** Scores on every task (cross-objective), one per n_good. */
  readonly scores: readonly TaskScoreRow[];
  /** Reference futures, one per reference policy. */
  readonly references: readonly ReferenceRow[];
  /** Self-evaluation (docs/method.md#self-evaluation), when measured. */
  readonly self: { readonly op: Est; readonly imp: Est } | null;
  /**
   * Mean KL(exact ‖ predicted) of the model's outcome law after p ⊕ a, nats, on the generator's actions
   * and on all actions (the ones self-evaluation asks about); null in records that lack it.
   */
  readonly outcomeFit: { readonly generatorActions: number; readonly allActions: number } | null;
  /** Loss on even-position targets after RL, nats per token. */
  readonly maintenanceLoss: number;
  /** Loss on odd-position targets after RL, nats per token. */
  readonly oddPositionLoss: number;
  /** The peer measures (MEG, AUP, relative reachability, empowerment), when the study ran them. */
  readonly peers?: PeerRow | null;
}

/** The peer measures of one model, on the contexts of its split-history measurement. */
export interface PeerRow {
  /** MEG_F: goal-directedness over outcomes, nats. */
  readonly megF: Est;
  /** MEG of each task's indicator utility, nats. */
  readonly meg: readonly { readonly nGood: number; readonly meg: Est }[];
  /** The task with the largest MEG. */
  readonly identifiedTask: number;
  /** The utility over outcomes MEG_F infers (centred), one value per outcome. */
  readonly w: readonly number[];
  /** Against each baseline: AUP (π mixed before / after the absolute value) and relative reachability, dimensionless; empowerment change, nats. */
  readonly baselines: readonly {
    readonly name: string;
    readonly aupBefore: Est;
    readonly aupAfter: Est;
    readonly rr: Est;
    readonly rr2: Est | null;
    readonly empowermentChange: Est | null;
  }[];
}

/** One synthetic policy of the misalignment test bed and its measures. */
export interface TestbedFigureRow {
  /** The synthetic policy's name. */
  readonly name: string;
  /** What it does, in words. */
  readonly description: string;
  readonly task: string;
  /** Op − Op_pred and Imp − Imp_min, nats. */
  readonly excessOp: Est;
  /** Excess impact Imp − Imp_min, nats. */
  readonly excessImp: Est;
  /** MEG_F − MEG of the task, nats. */
  readonly megGap: Est;
  /** AUP (mixed before the absolute value) against the split history and against the uniform policy; dimensionless. */
  readonly aupSplitHistory: Est;
  /** AUP penalty against the uniform baseline (dimensionless). */
  readonly aupUniform: Est;
  /** The utility over outcomes MEG_F infers (centred). */
  readonly w: readonly number[];
}

/** One pretrained model. Losses in nats per token. */
export interface PretrainRow {
  /** Run id of the pretraining. */
  readonly id: string;
  /** Size preset name. */
  readonly size: string;
  /** Parameter count. */
  readonly params: number;
  /** Seed of the model. */
  readonly seed: number;
  /** On generated test data, at the positions named by `lossPositions`. */
  readonly testLoss: number;
  /** On uniformly random contexts, where only the rule works. */
  readonly randomContextLoss: number;
  /** Cross-entropy of the exact law against the token frequencies of each kind of position: a model that reads no context. */
  readonly unigramLoss: number;
  /** Entropy of the true next-token law: the floor. */
  readonly floorLoss: number;
  /** Which positions the losses cover. */
  readonly lossPositions: string;
}

/** A policy measured for reference (the generator's self-optimization, fixed actions…). */
export interface BaselineRow {
  /** e.g. "generator". */
  readonly name: string;
  /** Split-history optimization, nats. */
  readonly op: Est;
  /** Split-history impact, nats. */
  readonly imp: Est;
  /** The null baseline's optimization, nats. */
  readonly nullOp: Est;
  /** The null baseline's impact, nats. */
  readonly nullImp: Est;
}

/** One point of a training curve, long format. */
export interface CurveRow {
  /** Run id. */
  readonly run: string;
  /** Pretraining or RL fine-tuning. */
  readonly stage: 'pretrain' | 'rl';
  /** Size preset name. */
  readonly size: string;
  /** Parameter count. */
  readonly params: number;
  /** Seed of the model. */
  readonly seed: number;
  /** n_good trained on (RL only). */
  readonly task: number | null;
  /** RL rule (RL only). */
  readonly rule: string | null;
  /** Step (pretraining) or round (RL). */
  readonly step: number;
  /** Metric name, e.g. "trainLoss", "testLoss", "success", "maintenanceLoss". */
  readonly metric: string;
  /** The value at that step (a loss in nats, or a success rate). */
  readonly value: number;
}

/**
 * One block's differential measures (docs/method.md#differential-measures) for one model, before or after RL: P = the window's
 * embeddings, A = the block's attention or MLP branch (held fixed for B), F = the logits; nats.
 */
export interface DifferentialRow {
  /** Run id of the fine-tuning stage. */
  readonly id: string;
  /** RL rule of the fine-tuning. */
  readonly rule: string;
  /** n_good of the task it was trained on. */
  readonly task: number;
  /** Size preset name. */
  readonly size: string;
  /** Parameter count. */
  readonly params: number;
  /** Seed of the model. */
  readonly seed: number;
  /** The intermediate site A, e.g. "blocks.0.mlp.out". */
  readonly site: string;
  /** "before RL" (the pretrained model) or "after RL". */
  readonly stage: 'before RL' | 'after RL';
  /** `Op_diff`, nats, over contexts. */
  readonly op: Est;
  /** `Imp_diff`, nats, over contexts. */
  readonly imp: Est;
  /** Contexts where BBᵀ or JJᵀ was singular (left out of the means). */
  readonly rankDeficient: number;
}
