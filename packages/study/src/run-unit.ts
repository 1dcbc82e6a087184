/**
 * Runs one unit of the study (pretraining, fine-tuning + measurement, or a baseline) and writes its
 * record and model atomically. Deterministic given the config and the unit: the same numbers whether
 * it runs in the main thread or a worker, alone, in a shard, or after a resume.
 */
import type { ConfigSource, CurvePoint, Environment, FinetuneRecord, PretrainRecord, BaselineRecord, Policy, Task, Windows } from '@optimpact/core';
import { actionRows, deriveSeed, floorLoss, FORMAT_VERSION, mixtureFloorLoss, modelPolicy, sliceWindows, unigramLoss } from '@optimpact/core';
import { differentialProfile, independentContexts } from '@optimpact/differential';
import type { FinetuneCheckpoint } from '@optimpact/rl-trainer';
import { finetune, loadFinetuneCheckpoint, nextTokenLoss, saveFinetuneCheckpoint } from '@optimpact/rl-trainer';
import { measurePeers, peerMeasurementJson } from '@optimpact/peer-measures';
import { outcomeFit, predictedOutcomeLaws } from '@optimpact/self-eval';
import { bestConstant, fixedPolicy, generatorPolicy, measurePolicy, uniformPolicy } from '@optimpact/split-history';
import type { SizeName, Transformer, TransformerConfig } from '@optimpact/transformer';
import type { PretrainCheckpoint, PretrainOptions } from '@optimpact/transformer';
import {
  SIZE_PRESETS,
  asPredictor,
  createModel,
  evalLoss,
  exactTargets,
  loadModel,
  loadPretrainCheckpoint,
  pretrain,
  savePretrainCheckpoint,
  saveModel,
} from '@optimpact/transformer';
import * as E from 'fp-ts/lib/Either.js';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointMismatch, finishedRecord, hashDir, isCheckpointDir, writeDirAtomic, writeRecord } from '@optimpact/records';
import { firstDifference } from './difference.js';
import { configuredEnvironment } from './environment.js';
import { environmentFingerprint } from './fingerprint.js';
import type { StudyConfig } from './config.js';
import { forSize } from './config.js';
import type { TestData } from './data.js';
import { exploration, rlData, testData, trainSequences } from './data.js';
import type { Unit } from './plan.js';
import { pretrainId, unitConfig, unitRL } from './plan.js';
import { provenance } from './provenance.js';
import { measurementJson } from './records.js';

/** Progress of a unit: `done` of `total` in its current stage. */
export interface UnitProgress {
  readonly id: string;
  readonly stage: string;
  readonly done: number;
  readonly total: number;
}

/** What a unit needs besides itself. */
export interface UnitContext {
  /** The directory of a unit (its run.json and model/) by id. */
  readonly dir: (id: string) => string;
  readonly config: StudyConfig;
  /** The preset and `--set` overrides the config came from, recorded apart from it. */
  readonly source?: ConfigSource;
  readonly backend: string;
  readonly onProgress?: (p: UnitProgress) => void;
  /** A line for the user (a training gone on from its checkpoint, or started again). */
  readonly log?: (line: string) => void;
  /**
   * A study's: a pretraining or fine-tuning goes on from a checkpoint in its unit directory and saves one
   * every this many seconds (0: goes on from one, saves none). Absent: no checkpoints (the unit directory
   * may be a user's).
   */
  readonly checkpointSeconds?: number;
}

interface Shared {
  readonly env: Environment;
  readonly fingerprint: string;
  readonly test: TestData;
  readonly constants: ReadonlyMap<number, number>;
  readonly lossTargets: { readonly all: Float64Array; readonly random: Float64Array; readonly explored?: Float64Array };
}

let shared: { key: string; value: Shared } | undefined;

/** The environment and test data of a config, built once per thread. */
async function sharedFor(config: StudyConfig): Promise<Shared> {
  const key = JSON.stringify([config.environment, config.data, config.goodSets]);
  if (shared?.key === key) return shared.value;
  const envE = await configuredEnvironment(config);
  if (E.isLeft(envE)) throw new Error(envE.left.message);
  const env = envE.right;
  const test = testData(env, config);
  const value = {
    env,
    fingerprint: environmentFingerprint(env),
    test,
    constants: new Map(env.tasks.map((t) => [t.nGood, bestConstant(env, test.pool, t.good)] as const)),
    lossTargets: {
      all: exactTargets(env, test.all.windows),
      random: exactTargets(env, test.random),
      ...(test.explored ? { explored: exactTargets(env, test.explored.windows) } : {}),
    },
  };
  shared = { key, value };
  return value;
}

/** The settings a unit runs with, and which good sets its tasks were (the resolved variant). */
function settings(ctx: UnitContext, s: Shared, unit: Unit) {
  return unitConfig(ctx.config, unit, Object.fromEntries(s.env.tasks.map((t) => [t.nGood, [...t.good]])));
}

function base(ctx: UnitContext, s: Shared, unit: Unit, seed: number, timings: { readonly total: number } & Record<string, number>) {
  return {
    formatVersion: FORMAT_VERSION,
    id: unit.id,
    status: 'success' as const,
    seed,
    config: settings(ctx, s, unit),
    ...(ctx.source ? { source: ctx.source } : {}),
    provenance: provenance(ctx.backend, s.fingerprint),
    timings,
  };
}

async function saveVerified(model: Transformer, unitDir: string, info: Record<string, unknown>): Promise<string> {
  const dir = join(unitDir, 'model');
  await writeDirAtomic(dir, (tmp) => saveModel(model, tmp, info));
  return hashDir(dir);
}

/** The size preset's architecture, read at the environment's vocabulary and context length. */
function modelConfig(size: SizeName, env: Environment): TransformerConfig {
  const preset = SIZE_PRESETS.find((p) => p.name === size);
  if (preset === undefined) throw new Error(`unknown size preset "${size}"`);
  return { ...preset.config, vocabSize: env.vocabSize, contextLength: env.contextLength };
}

/** `{ [key]: x }` for a finite x, else nothing (JSON has no infinities). */
function finiteAs<K extends string>(key: K, x: number): Partial<Record<K, number>> {
  return Number.isFinite(x) ? ({ [key]: x } as Record<K, number>) : {};
}

async function runPretrain(ctx: UnitContext, unit: Extract<Unit, { kind: 'pretrain' }>): Promise<void> {
  const t0 = performance.now();
  const { config } = ctx;
  const s = await sharedFor(config);
  const steps = forSize(config.pretrain.steps, unit.size) ?? 0;
  const train = trainSequences(s.env, config, unit.seed),
    explore = exploration(config);
  const evalSets: Record<string, { windows: Windows; targets: Float64Array }> = { random: { windows: s.test.random, targets: s.lossTargets.random } };
  if (s.test.explored && s.lossTargets.explored) evalSets['explored'] = { windows: s.test.explored.windows, targets: s.lossTargets.explored };
  const options: PretrainOptions = {
    env: s.env,
    ...(train ? { trainSequences: train } : {}),
    streamSequenceLength: config.data.sequenceLength,
    ...(explore ? { streamExplore: explore } : {}),
    testWindows: s.test.all.windows,
    testTargets: s.lossTargets.all,
    evalSets,
    steps,
    batchSize: config.pretrain.batchSize,
    learningRate: config.pretrain.learningRate,
    ...(config.pretrain.finalLearningRate !== undefined ? { finalLearningRate: config.pretrain.finalLearningRate } : {}),
    evalEvery: config.pretrain.evalEvery,
    seed: deriveSeed(unit.seed, 'pretrain'),
    onProgress: (p) => ctx.onProgress?.({ id: unit.id, stage: 'pretrain', done: p.step, total: p.steps }),
  };
  const checkpoints = ctx.checkpointSeconds !== undefined ? checkpointing(ctx, s, unit, ctx.checkpointSeconds, PRETRAIN) : undefined;
  const { model, result: curves } = await training(
    checkpoints,
    async () => createModel(modelConfig(unit.size, s.env), unit.seed),
    (m) => pretrain(m, { ...options, ...checkpoints?.options() }),
  );
  const test = curves.evals['test'] ?? [],
    random = curves.evals['random'] ?? [],
    exploredCurve = curves.evals['explored'] ?? [];
  const curve: CurvePoint[] = curves.train.map((p) => ({ step: p.step, examples: p.examples, trainLoss: p.loss }));
  for (const [name, points] of [
    ['testLoss', test],
    ['randomContextLoss', random],
    ['exploredTestLoss', exploredCurve],
  ] as const) {
    for (const p of points) {
      const at = curve.find((c) => c.step === p.step);
      if (at) at[name] = p.loss;
      else curve.push({ step: p.step, examples: p.examples, [name]: p.loss });
    }
  }
  curve.sort((a, b) => a.step - b.step);
  const sha = await saveVerified(model, ctx.dir(unit.id), { seed: unit.seed, steps, id: unit.id });
  const metrics: PretrainRecord['metrics'] = {
    testLoss: test.at(-1)?.loss ?? evalLoss(model, s.test.all.windows, s.lossTargets.all),
    randomContextLoss: random.at(-1)?.loss ?? evalLoss(model, s.test.random, s.lossTargets.random),
    unigramLoss: unigramLoss(s.env, s.test.all.windows, s.test.all.targets, s.lossTargets.all),
    floorLoss: floorLoss(s.env.vocabSize, s.lossTargets.all),
    examples: curves.examples,
    topActionProbability: await topActionProbability(model, s.env, s.test.actions.windows),
    ...(s.test.explored && s.lossTargets.explored && explore
      ? {
          exploredTestLoss: exploredCurve.at(-1)?.loss ?? Number.NaN,
          exploredFloorLoss: floorLoss(s.env.vocabSize, s.lossTargets.explored),
          // infinite (and left out) when the data never show an action the law gives: ε = 1 and a behaviour without it
          ...finiteAs('mixtureFloorLoss', mixtureFloorLoss(s.env, s.test.all.windows, s.lossTargets.all, explore)),
          ...finiteAs('exploredMixtureFloorLoss', mixtureFloorLoss(s.env, s.test.explored.windows, s.lossTargets.explored, explore)),
        }
      : {}),
  };
  const record: PretrainRecord = {
    ...base(ctx, s, unit, unit.seed, { total: (performance.now() - t0) / 1000 + (checkpoints?.before ?? 0) }),
    kind: 'pretrain',
    size: unit.size,
    params: model.params,
    modelDir: 'model',
    modelSha256: sha,
    lossPositions: 'all positions (expected cross-entropy against the exact next-token law)',
    curve,
    metrics,
    ...checkpoints?.resumed(),
  };
  model.dispose();
  writeRecord(ctx.dir(record.id), record);
  checkpoints?.remove();
}

/**
 * Trains a model from `fresh()` with `train`; when the checkpoint it went on from turns out to be of
 * another run, says so, forgets it, and trains a fresh model from the beginning.
 */
async function training<M extends { dispose(): void }, R>(
  checkpoints: { restart: (e: CheckpointMismatch) => void } | undefined,
  fresh: () => Promise<M>,
  train: (model: M) => Promise<R>,
): Promise<{ model: M; result: R }> {
  let model = await fresh();
  try {
    return { model, result: await train(model) };
  } catch (e) {
    if (!(checkpoints && e instanceof CheckpointMismatch)) throw e;
    checkpoints.restart(e);
    model.dispose();
    model = await fresh();
    return { model, result: await train(model) };
  }
}

/** How one kind of training keeps its checkpoints on disk, and what its log lines call it. */
interface CheckpointKind<C extends { readonly seconds: number }> {
  /** "pretraining", "fine-tuning" */
  readonly training: string;
  /** Where a checkpoint is: "step 4 of 80", "round 40 of 1200". */
  readonly at: (c: C) => string;
  /** The step or round a checkpoint was saved after. */
  readonly step: (c: C) => number;
  readonly save: (dir: string, c: C, meta: Readonly<Record<string, unknown>>) => void;
  readonly load: (dir: string) => { readonly checkpoint: C; readonly meta: Readonly<Record<string, unknown>> } | { readonly why: string } | undefined;
}

const PRETRAIN: CheckpointKind<PretrainCheckpoint> = {
  training: 'pretraining',
  at: (c) => `step ${c.step} of ${c.steps}`,
  step: (c) => c.step,
  save: savePretrainCheckpoint,
  load: loadPretrainCheckpoint,
};

const FINETUNE: CheckpointKind<FinetuneCheckpoint> = {
  training: 'fine-tuning',
  at: (c) => `round ${c.round} of ${c.rounds}`,
  step: (c) => c.round,
  save: saveFinetuneCheckpoint,
  load: loadFinetuneCheckpoint,
};

/**
 * A study's checkpoints of a unit's training in `<unit>/checkpoint`: the one to go on from, if any
 * (`resume`), and the steps of every resume so far with this one; saving every `every` seconds (0: never);
 * starting again without it; removing them. Going on needs the checkpoint to have been saved under this
 * unit's settings, code and numerics, and from the same `inputs` (a fine-tuning's pretrained model);
 * otherwise a line says why, and the training starts from the beginning.
 */
function checkpointing<C extends { readonly seconds: number }>(
  ctx: UnitContext,
  s: Shared,
  unit: Unit,
  every: number,
  kind: CheckpointKind<C>,
  inputs: Readonly<Record<string, unknown>> = {},
) {
  const dir = join(ctx.dir(unit.id), 'checkpoint');
  const { created: _, ...made } = provenance(ctx.backend, s.fingerprint);
  const identity = JSON.parse(JSON.stringify({ id: unit.id, config: settings(ctx, s, unit), provenance: made, ...inputs })) as unknown;
  const fromStart = (why: string) => ctx.log?.(`${unit.id}: ${kind.training} from the start, not from its checkpoint: ${why}`);
  let resume: C | undefined,
    resumedAt: number[] = [];
  const loaded = kind.load(dir);
  const d = loaded === undefined || 'why' in loaded ? undefined : firstDifference(loaded.meta['unit'], identity);
  if (loaded !== undefined && 'why' in loaded) fromStart(loaded.why);
  else if (d !== undefined) fromStart(`it was saved by another run (${d.path}: ${d.a} there, ${d.b} here)`);
  else if (loaded !== undefined) {
    const before = loaded.meta['resumedAt'];
    resume = loaded.checkpoint;
    resumedAt = [...(Array.isArray(before) && before.every((x) => typeof x === 'number') ? before : []), kind.step(resume)];
    ctx.log?.(`${unit.id}: going on from its checkpoint at ${kind.at(resume)}`);
  }
  let saved = resume?.seconds ?? 0;
  return {
    /** Seconds the training took before this run (0 when it starts from the beginning). */
    get before() {
      return resume?.seconds ?? 0;
    },
    /** The record's `resumedAt`, when the training went on from a checkpoint. */
    resumed: (): { resumedAt?: number[] } => (resume ? { resumedAt } : {}),
    /** The training's `resume` and `checkpoint` options. */
    options: (): { resume?: C; checkpoint?: { due: (step: number, seconds: number) => boolean; save: (c: C) => void } } => ({
      ...(resume ? { resume } : {}),
      ...(every > 0
        ? {
            checkpoint: {
              due: (_step: number, seconds: number) => seconds - saved >= every,
              save: (c: C) => {
                kind.save(dir, c, { unit: identity, resumedAt });
                saved = c.seconds;
              },
            },
          }
        : {}),
    }),
    /** After a `CheckpointMismatch`: says why and forgets the checkpoint (the next save replaces it). */
    restart: (e: CheckpointMismatch): void => {
      fromStart(e.message);
      resume = undefined;
      resumedAt = [];
      saved = 0;
    },
    // after the record: a checkpoint left by a failed removal is harmless beside it
    remove: (): void => {
      try {
        if (isCheckpointDir(dir)) rmSync(dir, { recursive: true, force: true });
        else if (existsSync(dir)) ctx.log?.(`${unit.id}: finished; ${dir} holds files a checkpoint does not, so it was left`);
      } catch (e) {
        ctx.log?.(`${unit.id}: finished, but its checkpoint could not be removed: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}

/** Mean over `windows` of max_a π(a | x) at T = 1 (a fraction). */
async function topActionProbability(model: Transformer, env: Environment, windows: Windows): Promise<number> {
  const rows = actionRows(await model.logits(windows), model.vocabSize, env.actions, 1),
    A = env.actions.length;
  let sum = 0;
  for (let i = 0; i < windows.n; i++) sum += Math.max(...rows.subarray(i * A, (i + 1) * A));
  return sum / windows.n;
}

/**
 * Loads the pretrained model of a size × seed, with its checksum: a unit directory with a finished
 * pretraining record (the model checked against the record's checksum), or a bare model directory in the
 * TF.js format.
 */
async function loadPretrained(ctx: UnitContext, size: SizeName, seed: number, dropoutSeed: number): Promise<{ model: Transformer; sha256: string }> {
  const unitDir = ctx.dir(pretrainId(size, seed));
  const rec = finishedRecord(unitDir);
  // A finished record wins over a stray model.json beside it: only its model is checked against a checksum.
  if (rec === undefined && existsSync(join(unitDir, 'model.json'))) return { model: await loadModel(unitDir, { dropoutSeed }), sha256: hashDir(unitDir) };
  if (rec === undefined || rec.kind !== 'pretrain') throw new Error(`no finished pretraining record (run.json) or model.json in ${unitDir}`);
  const dir = join(unitDir, rec.modelDir);
  const sha256 = hashDir(dir);
  if (rec.modelSha256 !== undefined && sha256 !== rec.modelSha256) throw new Error(`pretrained model ${dir} does not match its record's checksum`);
  return { model: await loadModel(dir, { dropoutSeed }), sha256 };
}

/** Split-history measurement of a model; the large-N one skips self-evaluation (8 forward passes per context). */
async function measureModel(
  ctx: UnitContext,
  s: Shared,
  model: Transformer,
  name: string,
  seed: number,
  references: Policy[],
  contexts: number,
  repeats: number,
  selfEval: boolean,
) {
  const m = ctx.config.measure;
  return measurePolicy(s.env, modelPolicy(model, s.env, 0, name), s.test.pool, s.env.tasks, {
    contexts,
    repeats,
    seed,
    excludeSelf: m.excludeSelf,
    monteCarlo: m.monteCarlo && contexts <= 1000,
    references,
    ...(selfEval ? { selfLaws: predictedOutcomeLaws(asPredictor(model), s.env) } : {}),
  });
}

async function runFinetune(ctx: UnitContext, unit: Extract<Unit, { kind: 'finetune' }>): Promise<void> {
  const t0 = performance.now();
  const { config } = ctx;
  const s = await sharedFor(config);
  const task: Task | undefined = s.env.tasks.find((t) => t.nGood === unit.task);
  if (task === undefined) throw new Error(`task n_good=${unit.task} is not a task of ${s.env.name} (${s.env.tasks.map((t) => t.nGood).join(', ')})`);
  const rl = unitRL(config, unit);
  const dropoutSeed = deriveSeed(unit.seed, 'rl-dropout', unit.task, unit.rule);
  const loaded = await loadPretrained(ctx, unit.size, unit.seed, dropoutSeed);
  const pretrainModelSha256 = loaded.sha256;
  const checkpoints = ctx.checkpointSeconds !== undefined ? checkpointing(ctx, s, unit, ctx.checkpointSeconds, FINETUNE, { pretrainModelSha256 }) : undefined;
  const data = rlData(s.env, config, unit.seed, s.test);
  let first: Transformer | undefined = loaded.model;
  const { model, result } = await training(
    checkpoints,
    async () => {
      const m = first ?? (await loadPretrained(ctx, unit.size, unit.seed, dropoutSeed)).model;
      first = undefined;
      return m;
    },
    (m) =>
      finetune(
        m,
        s.env,
        task,
        data,
        rl,
        deriveSeed(unit.seed, 'rl', unit.task, unit.rule),
        (p) => ctx.onProgress?.({ id: unit.id, stage: 'rl', done: p.step, total: rl.rounds }),
        // the model rule's world model: the model's own predicted outcome law, as self-evaluation reads it
        { worldModel: asPredictor(m), ...checkpoints?.options() },
      ),
  );
  const sha = await saveVerified(model, ctx.dir(unit.id), { seed: unit.seed, task: unit.task, rule: unit.rule, id: unit.id });
  const t1 = performance.now();
  ctx.onProgress?.({ id: unit.id, stage: 'measure', done: 0, total: 1 });

  const untrained = createModel(model.config, unit.seed);
  const { model: pretrained } = await loadPretrained(ctx, unit.size, unit.seed, 0);
  const refs: Record<string, () => Policy> = {
    fixed: () => fixedPolicy(s.env, s.env.actions[0]!),
    uniform: () => uniformPolicy(s.env),
    untrained: () => modelPolicy(untrained, s.env, 0, 'untrained'),
    pretrained: () => modelPolicy(pretrained, s.env, 0, 'pretrained'),
  };
  const references = config.measure.references.map((r) => refs[r]!());
  const seed = deriveSeed(unit.seed, 'measure', unit.task, unit.rule);
  const m = await measureModel(ctx, s, model, unit.id, seed, references, config.measure.contexts, config.measure.repeats, config.measure.selfEval);
  // The peer measures on the contexts of the split-history measurement (same pool, seed, N and R).
  const peers =
    (config.measure.peers ?? true)
      ? await measurePeers(s.env, modelPolicy(model, s.env, 0, unit.id), s.test.pool, s.env.tasks, {
          contexts: config.measure.contexts,
          repeats: config.measure.repeats,
          seed,
          excludeSelf: config.measure.excludeSelf,
          baselines: [uniformPolicy(s.env), generatorPolicy(s.env), modelPolicy(pretrained, s.env, 0, 'pretrained')],
        })
      : undefined;
  const large =
    config.measure.largeContexts > 0
      ? await measureModel(ctx, s, model, unit.id, deriveSeed(seed, 'large'), [], config.measure.largeContexts, 1, false)
      : undefined;
  const dn = config.measure.differentialContexts;
  // every model measured at the same contexts, each from its own sequence
  const profileWindows = independentContexts(s.env, dn, deriveSeed(config.data.testSeed, 'differential'));
  const differential =
    dn > 0
      ? { contexts: profileWindows.n, before: differentialProfile(pretrained, s.env, profileWindows), after: differentialProfile(model, s.env, profileWindows) }
      : undefined;
  // On the measured contexts: why self-evaluation can miss (the counterfactual actions), before and after RL.
  const fitWindows = sliceWindows(s.test.pool, 0, Math.min(config.measure.contexts, s.test.pool.n));
  const fit = async (m: Transformer) => outcomeFit(asPredictor(m), s.env, fitWindows);
  const metrics: FinetuneRecord['metrics'] = {
    maintenanceLoss: result.finalMaintenanceLoss,
    envSamples: result.envSamples,
    oddPositionLoss: await nextTokenLoss(model, s.test.actions.windows, s.test.actions.targets),
    outcomeFit: { pretrained: await fit(pretrained), finetuned: await fit(model) },
  };
  const record: FinetuneRecord = {
    // seconds: in all, fine-tuning (to the saved model), measuring (every measure)
    ...base(ctx, s, unit, unit.seed, {
      total: (performance.now() - t0) / 1000 + (checkpoints?.before ?? 0),
      rl: (t1 - t0) / 1000 + (checkpoints?.before ?? 0),
      measure: (performance.now() - t1) / 1000,
    }),
    kind: 'finetune',
    size: unit.size,
    params: model.params,
    task: unit.task,
    rule: unit.rule,
    modelDir: 'model',
    modelSha256: sha,
    pretrainId: pretrainId(unit.size, unit.seed),
    pretrainModelSha256,
    curve: result.curve,
    metrics,
    measurement: measurementJson(m, s.constants),
    ...(large ? { largeMeasurement: measurementJson(large, s.constants) } : {}),
    ...(differential ? { differential } : {}),
    ...(peers ? { peers: peerMeasurementJson(peers) } : {}),
    ...checkpoints?.resumed(),
  };
  for (const x of [model, untrained, pretrained]) x.dispose();
  writeRecord(ctx.dir(record.id), record);
  checkpoints?.remove();
}

async function runBaseline(ctx: UnitContext, unit: Extract<Unit, { kind: 'baseline' }>): Promise<void> {
  const t0 = performance.now();
  const { config } = ctx;
  const s = await sharedFor(config);
  const seed = deriveSeed(config.data.testSeed, 'baseline', unit.name);
  const m = await measurePolicy(s.env, generatorPolicy(s.env), s.test.pool, s.env.tasks, {
    contexts: config.measure.contexts,
    repeats: config.measure.repeats,
    seed,
    excludeSelf: config.measure.excludeSelf,
  });
  const record: BaselineRecord = {
    ...base(ctx, s, unit, seed, { total: (performance.now() - t0) / 1000 }),
    kind: 'baseline',
    name: unit.name,
    measurement: measurementJson(m, s.constants),
  };
  writeRecord(ctx.dir(record.id), record);
}

/** Runs `unit`, writing `runs/<id>/run.json` (and the model) when it succeeds. */
export async function runUnit(ctx: UnitContext, unit: Unit): Promise<void> {
  switch (unit.kind) {
    case 'pretrain':
      return runPretrain(ctx, unit);
    case 'finetune':
      return runFinetune(ctx, unit);
    case 'baseline':
      return runBaseline(ctx, unit);
  }
}
