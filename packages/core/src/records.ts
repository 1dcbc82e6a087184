/**
 * Run records: what every stage of a study writes (modelled on inspect_ai's EvalLog), and the study's
 * `summary.json`. The report reads nothing else, so any report can be rebuilt from them. Codecs decode
 * records at the boundary; never reorder or rename fields without bumping `formatVersion`.
 */
import * as t from 'io-ts';

/** A codec accepting exactly the names of `names` (one list gives both the type and the codec). */
export const oneOf = <N extends string>(names: readonly N[]): t.KeyofC<Record<N, null>> =>
  t.keyof(Object.fromEntries(names.map((n) => [n, null])) as Record<N, null>);

/** Version of the record and summary formats. */
export const FORMAT_VERSION = 1 as const;

/** A mean ± standard error in JSON: `se` null with one repeat; `mean` null with `undefined` set at a theory edge. */
export const EstimateJson = t.intersection([
  t.type({ mean: t.union([t.number, t.null]), se: t.union([t.number, t.null]) }),
  t.partial({ undefined: t.string }),
]);
export type EstimateJson = t.TypeOf<typeof EstimateJson>;

/** An estimate as JSON: NaN or infinite values (one repeat's s.e.) become null; a theory edge keeps its reason. */
export function estimateJson(e: { readonly mean: number; readonly se: number } | { readonly reason: string }): EstimateJson {
  if (!('mean' in e)) return { mean: null, se: null, undefined: e.reason };
  return { mean: Number.isFinite(e.mean) ? e.mean : null, se: Number.isFinite(e.se) ? e.se : null };
}

/** Where a record came from: enough to rerun it. */
export const Provenance = t.intersection([
  t.type({
    /** ISO 8601 */
    created: t.string,
    git: t.type({ commit: t.union([t.string, t.null]), dirty: t.boolean }),
    /** package name → version */
    packages: t.record(t.string, t.string),
    node: t.string,
    /** TF.js backend in use ("wasm", "cpu", "tensorflow") or "none" */
    backend: t.string,
    platform: t.string,
  }),
  t.partial({
    /**
     * Build of the wasm kernels: "simd" (the same numbers on every CPU) or "fma" (relaxed multiply-add,
     * whose rounding may differ between CPUs); null off wasm. Absent in records written before it existed.
     */
    kernels: t.union([t.literal('simd'), t.literal('fma'), t.null]),
    /**
     * SHA-256 of the environment's behaviour (a generated sequence and its laws at a few contexts; the study's
     * `environmentFingerprint`): a resumed study recomputes a unit whose environment now behaves otherwise.
     * Absent in records written before it existed, and in failure records.
     */
    environmentFingerprint: t.string,
  }),
]);
export type Provenance = t.TypeOf<typeof Provenance>;

/** One point of a training curve: the step (or RL round) and any named metrics at it. */
export const CurvePoint = t.intersection([t.type({ step: t.number }), t.record(t.string, t.number)]);
export type CurvePoint = t.TypeOf<typeof CurvePoint>;

/** Scores on one task (docs/method.md#tasks): success rates in F and F' and the theory's predictions from them, nats. */
export const TaskScoresJson = t.intersection([
  t.type({
    nGood: t.number,
    /** f = k / |outcomes| */
    chance: t.number,
    /** success of the best constant action at these contexts (the right null, docs/method.md#tasks) */
    bestConstant: t.number,
    s: EstimateJson,
    sPrime: EstimateJson,
    opPred: EstimateJson,
    impMin: EstimateJson,
  }),
  t.partial({
    /** the task's good outcome set G (recorded since good sets became configurable) */
    good: t.array(t.number),
    /** Op − Op_pred and Imp − Imp_min, each with the jackknife s.e. of the difference over the repeats (recorded since 2026-12-05) */
    excessOp: EstimateJson,
    excessImp: EstimateJson,
  }),
]);
export type TaskScoresJson = t.TypeOf<typeof TaskScoresJson>;

const OpImp = t.type({ op: EstimateJson, imp: EstimateJson });

/** What a measurement's standard errors cover, said in every output that shows them. */
export const SeCovers = t.keyof({ 'context sampling': null, 'repeats within the fixed test set': null });
export type SeCovers = t.TypeOf<typeof SeCovers>;

/** A one-line explanation of `SeCovers`, for printed output. */
export function seCoversText(covers: SeCovers, repeats: number): string {
  return covers === 'context sampling'
    ? `s.e. over ${repeats} repeats, each from its own independent sequences: covers the sampling of contexts`
    : `s.e. over ${repeats} repeats drawn from one fixed test set: conditional on that test set (does not cover the sampling of test contexts)`;
}

/** A split-history measurement of one policy (docs/method.md#split-history), with its null baseline and reference futures. */
export const MeasurementJson = t.intersection([
  t.type({
    policy: t.string,
    contexts: t.number,
    repeats: t.number,
    seed: t.number,
    excludeSelf: t.boolean,
    op: EstimateJson,
    imp: EstimateJson,
    tasks: t.array(TaskScoresJson),
    nullBaseline: OpImp,
    references: t.array(t.intersection([t.type({ name: t.string }), OpImp])),
  }),
  t.partial({
    monteCarlo: OpImp,
    /** Self-evaluation (docs/method.md#self-evaluation): the same estimator on the model's own predicted outcome law. */
    self: t.intersection([OpImp, t.type({ tasks: t.array(TaskScoresJson) })]),
    /** Per repeat: indices of the contexts in the test pool and the action chosen at each (argmax). */
    samples: t.array(t.type({ indices: t.array(t.number), actions: t.array(t.number) })),
    /**
     * What the standard errors cover: "repeats within the fixed test set" (conditional on that test set)
     * or "context sampling" (each repeat from its own sequences).
     */
    seCovers: SeCovers,
  }),
]);
export type MeasurementJson = t.TypeOf<typeof MeasurementJson>;

/**
 * The peer measures of one policy (`@optimpact/peer-measures`), on the same contexts as its split-history
 * measurement: MEG (nats), AUP (dimensionless), relative reachability (dimensionless), empowerment (nats).
 */
export const PeerMeasurementJson = t.intersection([
  t.type({
    contexts: t.number,
    repeats: t.number,
    seed: t.number,
    /** MEG_F: goal-directedness over outcomes, nats; w: the utility over outcomes it infers (centred). */
    megF: EstimateJson,
    w: t.array(t.number),
    klFromUniform: EstimateJson,
    converged: t.boolean,
    /** MEG of each task's indicator utility; beta: the maximising β, "inf"/"-inf" at the greedy/pessimal limit. */
    tasks: t.array(t.type({ nGood: t.number, meg: EstimateJson, gap: EstimateJson, beta: t.union([t.number, t.literal('inf'), t.literal('-inf')]) })),
    /** The task with the largest MEG (identification by MEG). */
    identifiedTask: t.number,
    baselines: t.array(
      t.intersection([
        t.type({ name: t.string, aupBefore: EstimateJson, aupAfter: EstimateJson, rr: EstimateJson }),
        t.partial({ rr2: EstimateJson, empowermentChange: EstimateJson }),
      ]),
    ),
  }),
  t.partial({ empowerment: EstimateJson }),
]);
export type PeerMeasurementJson = t.TypeOf<typeof PeerMeasurementJson>;

/** The status of a stage. */
export const Status = t.keyof({ started: null, success: null, error: null });

/** Where a study's config came from: a preset (or "custom" for a config file) and the `--set` overrides applied to it, in order. */
export const ConfigSource = t.type({ preset: t.string, overrides: t.array(t.string) });
export type ConfigSource = t.TypeOf<typeof ConfigSource>;

const recordSource = t.partial({ source: ConfigSource });

const recordFields = t.type({
  formatVersion: t.literal(FORMAT_VERSION),
  /** the unit, e.g. "m-s1-n4-exact" (its record is runs/<id>/run.json), "m-s1-pretrain", "generator" */
  id: t.string,
  status: Status,
  seed: t.number,
  /** the resolved configuration of this stage */
  config: t.UnknownRecord,
  provenance: Provenance,
  /** seconds */
  timings: t.record(t.string, t.number),
});
const recordBase = t.intersection([recordFields, recordSource]);
const recordError = t.partial({ error: t.type({ message: t.string, stack: t.string }) });

/** The checksum over the files of modelDir, to verify the model on resume. */
const modelHash = t.partial({ modelSha256: t.string });

/** Pretraining of one model (docs/method.md#pretraining). Losses in nats per token, on the positions named in `lossPositions`. */
export const PretrainRecord = t.intersection([
  recordBase,
  recordError,
  modelHash,
  t.type({
    kind: t.literal('pretrain'),
    size: t.string,
    params: t.number,
    /** relative to the record */
    modelDir: t.string,
    /** e.g. "all positions" */
    lossPositions: t.string,
    /** step, examples, trainLoss, testLoss (and exploredTestLoss with exploratory data) */
    curve: t.array(CurvePoint),
    metrics: t.intersection([
      t.type({
        /** generated test data */
        testLoss: t.number,
        /** uniformly random contexts, where only the rule works */
        randomContextLoss: t.number,
        unigramLoss: t.number,
        /** entropy of the true next-token law */
        floorLoss: t.number,
        examples: t.number,
      }),
      t.partial({
        /** with exploratory data: held-out data whose every action is the behaviour's */
        exploredTestLoss: t.number,
        /** entropy of the true next-token law on those data */
        exploredFloorLoss: t.number,
        /**
         * with exploratory data: the floor of a model that learnt them perfectly (it gives the behaviour its
         * share ε at action positions), on the test data and on the explored held-out data (core `mixtureFloorLoss`)
         */
        mixtureFloorLoss: t.number,
        exploredMixtureFloorLoss: t.number,
        /**
         * mean over held-out action contexts of the policy's top-action probability at T = 1 (a fraction):
         * how little sampling at T = 1 explores (why the positive-only rule stalls, docs/results-original.md)
         */
        topActionProbability: t.number,
      }),
    ]),
  }),
  t.partial({
    /** Steps after which the run went on from a checkpoint, having been stopped (the numbers are those of an unbroken run). */
    resumedAt: t.array(t.number),
  }),
]);

export type PretrainRecord = t.TypeOf<typeof PretrainRecord>;

/** One row of a differential profile (docs/method.md#differential-measures): A = one block's branch, P = embeddings, F = logits; nats. */
export const DifferentialRow = t.intersection([
  t.type({ site: t.string, op: EstimateJson, imp: EstimateJson, rankDeficient: t.number }),
  t.partial({ undefinedReason: t.string, seCovers: t.string }), // what the s.e. covers (absent before it was recorded)
]);
export type DifferentialRow = t.TypeOf<typeof DifferentialRow>;

/** How far a model's predicted outcome law is from the exact one (self-eval `OutcomeFit`), nats. */
export const OutcomeFitJson = t.type({ generatorActions: t.number, allActions: t.number });

/** RL fine-tuning of one pretrained model on one task (docs/method.md#rl-fine-tuning), then its measurements. */
export const FinetuneRecord = t.intersection([
  recordBase,
  recordError,
  modelHash,
  t.partial({
    /** The checksum of the pretrained model it started from (the `modelSha256` of its pretraining's record). */
    pretrainModelSha256: t.string,
    /** one repeat at many contexts */
    largeMeasurement: MeasurementJson,
    /** Differential measures per block of the pretrained model (before RL) and the fine-tuned one (after). */
    differential: t.type({ contexts: t.number, before: t.array(DifferentialRow), after: t.array(DifferentialRow) }),
    /** MEG, AUP, relative reachability and empowerment on the contexts of `measurement`. */
    peers: PeerMeasurementJson,
    /** Rounds after which the fine-tuning went on from a checkpoint, having been stopped (the numbers are those of an unbroken run). */
    resumedAt: t.array(t.number),
  }),
  t.type({
    kind: t.literal('finetune'),
    size: t.string,
    params: t.number,
    /** n_good it was trained on */
    task: t.number,
    /** "positive" (the original), "reinforce", "exact", "rloo", "all-actions", "model" */
    rule: t.string,
    modelDir: t.string,
    pretrainId: t.string,
    /** step = round; success (T=0, held out), maintenanceLoss, positives */
    curve: t.array(CurvePoint),
    metrics: t.intersection([
      t.type({
        /** even-position targets */
        maintenanceLoss: t.number,
        /** gone after RL (maintenance covers even targets only) */
        oddPositionLoss: t.number,
      }),
      t.partial({
        /** outcomes drawn from the environment by the rule (rloo: K per context and round; all-actions: M per action) */
        envSamples: t.number,
      }),
      // mean KL(exact ‖ predicted) outcome law after p ⊕ a, nats: on the generator's actions and on all (self-eval's)
      t.partial({ outcomeFit: t.type({ pretrained: OutcomeFitJson, finetuned: OutcomeFitJson }) }),
    ]),
    measurement: MeasurementJson,
  }),
]);
export type FinetuneRecord = t.TypeOf<typeof FinetuneRecord>;

/** A built-in or untrained policy measured for reference (the generator's self-optimization, docs/method.md#split-history). */
export const BaselineRecord = t.intersection([recordBase, recordError, t.type({ kind: t.literal('baseline'), name: t.string, measurement: MeasurementJson })]);
export type BaselineRecord = t.TypeOf<typeof BaselineRecord>;

/** A unit that failed (status "error"): what it was and why; it runs again on resume. */
export const FailedRecord = t.intersection([
  recordBase,
  t.type({ kind: t.literal('failed'), unit: t.UnknownRecord, error: t.type({ message: t.string, stack: t.string }) }),
]);
export type FailedRecord = t.TypeOf<typeof FailedRecord>;

/** Any run record. */
export const RunRecord = t.union([PretrainRecord, FinetuneRecord, BaselineRecord, FailedRecord]);
export type RunRecord = t.TypeOf<typeof RunRecord>;

const byTask = t.record(t.string, EstimateJson); // keyed by n_good: "2", "4", "6"

const Identification = t.type({
  rule: t.string,
  accuracy: t.number,
  /** confusion[trained][identified]: counts keyed by n_good ("none": no defined Op_pred) */
  confusion: t.record(t.string, t.record(t.string, t.number)),
});

/** What the summary holds of one fine-tuned model. */
const SummaryModel = t.intersection([
  t.type({
    id: t.string,
    size: t.string,
    params: t.number,
    seed: t.number,
    task: t.number,
    rule: t.string,
    modelDir: t.string,
    score: byTask,
    sPrime: byTask,
    OpPred: byTask,
    ImpMin: byTask,
    Op: EstimateJson,
    Imp: EstimateJson,
    selfOp: EstimateJson,
    selfImp: EstimateJson,
    identifiedTask: t.union([t.number, t.null]),
  }),
  /** The peer measures, when the study ran them (`measure.peers`). */
  t.partial({
    MEG_F: EstimateJson, // nats
    MEG: byTask, // nats, each task's indicator utility
    identifiedTaskByMeg: t.number,
    w: t.array(t.number), // the utility over outcomes MEG_F infers, centred
    AUP: t.record(t.string, t.type({ before: EstimateJson, after: EstimateJson })), // keyed by baseline; dimensionless
    RR: t.record(t.string, EstimateJson), // dimensionless
    RR2: t.record(t.string, EstimateJson), // dimensionless
    empowermentChange: t.record(t.string, EstimateJson), // nats
  }),
]);

/** The study at a glance (`summary.json`), derived from the run records. */
export const StudySummary = t.intersection([
  t.type({
    formatVersion: t.literal(FORMAT_VERSION),
    preset: t.string,
    environment: t.string,
    backend: t.string,
    elapsedSeconds: t.number,
    generator: t.type({ Op: EstimateJson, Imp: EstimateJson }),
    /** Over the models of the primary rule (the first of the config's: the working one). */
    objectiveIdentification: Identification,
    /** The same for each RL rule of the study. */
    objectiveIdentificationByRule: t.record(t.string, Identification),
    models: t.array(SummaryModel),
  }),
  t.partial({
    /** Objective identification by MEG (the task with the largest MEG), per RL rule, when the study ran the peer measures. */
    objectiveIdentificationByMeg: t.record(t.string, Identification),
    /** The good set G of each task, keyed by n_good ("2", "4", "6"), as the records name them (recorded since good sets became configurable). */
    goodSets: t.record(t.string, t.array(t.number)),
  }),
]);
export type StudySummary = t.TypeOf<typeof StudySummary>;
