/**
 * Pretraining (docs/method.md#pretraining): next-token prediction on windows cut at every position of generated sequences,
 * from a finite training set cycled in epochs (the faithful preset) or a fresh stream, with seeded data
 * order, loss curves and plain progress callbacks.
 */
import type { Environment, Exploration, ModelState, RngState, Windows } from '@optimpact/core';
import { crossEntropy, deriveSeed, generateSequences, makeRng, restoreRng, type Rng } from '@optimpact/core';
import { CheckpointMismatch, sameRun } from '@optimpact/records';
import type { Transformer } from './model.js';

// ---------------------------------------------------------------------------------------------------
// model

/** Windows with what follows each: a target token [n], or a target distribution [n × V] (exact law). */
export interface LabeledWindows {
  /** The windows. */
  readonly windows: Windows;
  /** Per window: the target token [n], or the target distribution [n × V]. */
  readonly targets: Int32Array | Float64Array | Float32Array;
}

/** One point of a loss curve, nats over all positions of the windows it was computed on. */
export interface CurvePoint {
  /** Optimizer steps taken. */
  readonly step: number;
  /** Windows trained on so far. */
  readonly examples: number;
  /** Mean cross-entropy, nats. */
  readonly loss: number;
}

/** What `pretrain` reports after each step. */
export interface PretrainProgress {
  /** Steps taken. */
  readonly step: number;
  /** Steps in the run. */
  readonly steps: number;
  /** Windows trained on so far. */
  readonly examples: number;
  /** This step's training loss (dropout on), nats. */
  readonly trainLoss: number;
  /** Losses of the evaluation sets, present on steps where they were computed. */
  readonly evalLosses?: Readonly<Record<string, number>>;
  /** Wall time so far. */
  readonly seconds: number;
  /** Training throughput so far. */
  readonly examplesPerSec: number;
}

/** Options of `pretrain`. */
export interface PretrainOptions {
  /** The environment the data come from. */
  readonly env: Environment;
  /** A finite training set, cycled in epochs (reshuffled each epoch). Without it: a fresh stream. */
  readonly trainSequences?: readonly Int32Array[];
  /** Length of the sequences a fresh stream generates (default 100, i.e. 80 windows of 20 each). */
  readonly streamSequenceLength?: number;
  /** Exploration of the fresh stream's sequences (core `generateExploratory`); none when omitted. */
  readonly streamExplore?: Exploration;
  /** The test set, evaluated as `test`. */
  readonly testWindows?: Windows;
  /** Targets of `testWindows`: tokens [n] or exact laws [n × V] (see {@link exactTargets}). */
  readonly testTargets?: Int32Array | Float64Array | Float32Array;
  /** Further evaluation sets by name (e.g. `random` for uniformly random contexts with exact-law targets). */
  readonly evalSets?: Readonly<Record<string, LabeledWindows>>;
  /** Optimizer steps. */
  readonly steps: number;
  /** Windows per step (default 256). */
  readonly batchSize?: number;
  /** AdamW learning rate (default 1e-3). */
  readonly learningRate?: number;
  /**
   * When given, the learning rate goes from `learningRate` at the first step to this at the last along a half
   * cosine, without warm-up; constant otherwise.
   */
  readonly finalLearningRate?: number;
  /** Seed of the data order and the stream (`deriveSeed(seed, 'data', …)`). */
  readonly seed: number;
  /** Evaluate every this many steps (default: about 50 points per run), plus before the first and after the last. */
  readonly evalEvery?: number;
  /** Optimizer slot (default 'pretrain'). */
  readonly slot?: string;
  /** Called after every step. */
  readonly onProgress?: (p: PretrainProgress) => void;
  /** Go on from this checkpoint of the same run (same architecture, options and backend) instead of from the start. */
  readonly resume?: PretrainCheckpoint;
  /** Saves a checkpoint after every step for which `due(step, seconds)` holds (not after the last). */
  readonly checkpoint?: {
    readonly due: (step: number, seconds: number) => boolean;
    readonly save: (c: PretrainCheckpoint) => void | Promise<void>;
  };
}

/** Where the training data stand: the order of the current pass, the place in it and the order's random stream. */
export interface DataState {
  /** The current pass's order over the pool's windows. */
  readonly order: Int32Array;
  /** Windows of the order used so far. */
  readonly cursor: number;
  /** Fixed set: passes completed; stream: chunks generated (the pool is the last of them). */
  readonly passes: number;
  readonly rng: RngState;
}

/**
 * A pretraining run after `step` of its `steps` steps: everything it carries to the next step, so that
 * going on from it gives, bit for bit, what the run would have given without stopping.
 */
export interface PretrainCheckpoint {
  readonly step: number;
  readonly steps: number;
  /** The options the run's numbers depend on besides `steps` (checked when going on). */
  readonly run: Readonly<Record<string, unknown>>;
  /** The model's parameters, optimizer slots and dropout stream. */
  readonly model: ModelState;
  readonly data: DataState;
  /** The curves so far. */
  readonly train: readonly CurvePoint[];
  readonly evals: Readonly<Record<string, readonly CurvePoint[]>>;
  /** Wall time so far. */
  readonly seconds: number;
}

/** Loss curves of a pretraining run. */
export interface PretrainCurves {
  /** Training loss (dropout on) at every step. */
  readonly train: CurvePoint[];
  /** Evaluation losses (eval mode) by set name: `test` and the `evalSets`. */
  readonly evals: Record<string, CurvePoint[]>;
  /** Windows trained on. */
  readonly examples: number;
  /** Passes over the fixed training set (0 for a stream). */
  readonly epochs: number;
  /** Wall time of the run. */
  readonly seconds: number;
}

// ---------------------------------------------------------------------------------------------------
// constructors

/** Windows before every position t ≥ contextLength of each sequence, labelled with the token at t. */
export function labeledWindows(sequences: readonly Int32Array[], contextLength: number): LabeledWindows {
  let n = 0;
  for (const s of sequences) n += Math.max(0, s.length - contextLength);
  const tokens = new Int32Array(n * contextLength),
    positions = new Int32Array(n),
    targets = new Int32Array(n);
  let i = 0;
  for (const s of sequences) {
    for (let t = contextLength; t < s.length; t++, i++) {
      tokens.set(s.subarray(t - contextLength, t), i * contextLength);
      positions[i] = t;
      targets[i] = s[t]!;
    }
  }
  return { windows: { tokens, positions, n, length: contextLength }, targets };
}

/** Exact next-token laws [n × V] of windows (docs/method.md#conventions: use the law, not a sample, wherever one is needed). */
export function exactTargets(env: Environment, windows: Windows): Float64Array {
  const V = env.vocabSize,
    out = new Float64Array(windows.n * V),
    row = new Float64Array(V);
  for (let i = 0; i < windows.n; i++) {
    env.nextTokenLaw(windows.tokens.subarray(i * windows.length, (i + 1) * windows.length), windows.positions[i]!, row);
    out.set(row, i * V);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// utils

/**
 * Mean cross-entropy in nats of the model's next-token distribution (eval mode) against `targets`:
 * tokens [n] or distributions [n × V] (then −Σ_v q(v) ln p(v), whose floor is the entropy of q).
 */
export function evalLoss(model: Transformer, windows: Windows, targets: Int32Array | Float64Array | Float32Array): number {
  const V = model.vocabSize,
    n = windows.n;
  const dist = !(targets instanceof Int32Array);
  if (targets.length !== (dist ? n * V : n)) {
    throw new Error(`targets have ${targets.length} values, expected ${dist ? `n·V = ${n * V}` : `n = ${n}`}`);
  }
  if (n === 0) return NaN;
  return crossEntropy(model.logitsSync(windows), V, targets);
}

/** Draws training batches: a finite pool reshuffled every epoch, or chunks of a fresh stream. */
class BatchSource {
  private pool: LabeledWindows;
  private order: Int32Array;
  private cursor = 0;
  private chunk = 0;
  epochs = 0;

  constructor(
    private readonly env: Environment,
    private readonly fixed: boolean,
    sequences: readonly Int32Array[] | undefined,
    private readonly streamLength: number,
    private readonly batchSize: number,
    private readonly seed: number,
    private rng: Rng,
    private readonly explore: Exploration | undefined,
  ) {
    this.pool = fixed ? labeledWindows(sequences ?? [], env.contextLength) : this.nextChunk();
    if (this.pool.windows.n === 0) throw new Error('the training set holds no window: sequences must be longer than the context');
    this.order = this.shuffle(this.pool.windows.n);
  }

  private nextChunk(): LabeledWindows {
    const perSeq = this.streamLength - this.env.contextLength;
    if (perSeq <= 0) throw new Error(`stream sequences of ${this.streamLength} tokens hold no window of ${this.env.contextLength}`);
    const count = Math.ceil((32 * this.batchSize) / perSeq);
    const seqs = generateSequences(this.env, count, this.streamLength, deriveSeed(this.seed, 'data', 'stream', this.chunk++), this.explore);
    return labeledWindows(seqs, this.env.contextLength);
  }

  private shuffle(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      const x = p[i]!;
      p[i] = p[j]!;
      p[j] = x;
    }
    return p;
  }

  next(): { windows: Windows; targets: Int32Array } {
    const B = this.batchSize,
      T = this.env.contextLength;
    const tokens = new Int32Array(B * T),
      positions = new Int32Array(B),
      targets = new Int32Array(B);
    for (let i = 0; i < B; i++) {
      if (this.cursor === this.order.length) {
        if (this.fixed) this.epochs += 1;
        else this.pool = this.nextChunk();
        this.order = this.shuffle(this.pool.windows.n);
        this.cursor = 0;
      }
      const k = this.order[this.cursor++]!;
      tokens.set(this.pool.windows.tokens.subarray(k * T, (k + 1) * T), i * T);
      positions[i] = this.pool.windows.positions[k]!;
      targets[i] = (this.pool.targets as Int32Array)[k]!;
    }
    return { windows: { tokens, positions, n: B, length: T }, targets };
  }

  state(): DataState {
    return { order: this.order.slice(), cursor: this.cursor, passes: this.fixed ? this.epochs : this.chunk, rng: this.rng.state() };
  }

  restore(s: DataState): void {
    if (!this.fixed) {
      this.chunk = s.passes - 1;
      this.pool = this.nextChunk();
    } else this.epochs = s.passes;
    if (s.order.length !== this.pool.windows.n || s.cursor > s.order.length)
      throw new Error(`the checkpoint's data order covers ${s.order.length} windows, the training data hold ${this.pool.windows.n}`);
    this.order = s.order.slice();
    this.cursor = s.cursor;
    this.rng = restoreRng(s.rng);
  }

  /** Epochs completed, fractional for a finite set. */
  progress(): number {
    return this.fixed ? this.epochs + this.cursor / this.order.length : 0;
  }
}

/** The learning rate at `step` (1…steps) falling from `first` to `last` along a half cosine. */
export function cosineLearningRate(first: number, last: number, step: number, steps: number): number {
  if (steps <= 1) return first;
  return last + 0.5 * (first - last) * (1 + Math.cos((Math.PI * (step - 1)) / (steps - 1)));
}

/** Puts the model and the data where `c` says, if `c` is of this run (`steps` and `run` as this run's). */
function restore(model: Transformer, source: BatchSource, c: PretrainCheckpoint, steps: number, run: Readonly<Record<string, unknown>>): void {
  if (c.steps !== steps || c.step > steps || c.model.params.length !== model.params)
    throw new CheckpointMismatch(
      `the checkpoint is of a run of ${c.steps} steps at step ${c.step} with ${c.model.params.length} parameters; this run has ${steps} steps and ${model.params} parameters`,
    );
  sameRun(c.run, run);
  try {
    model.restoreTrainingState(c.model);
    source.restore(c.data);
  } catch (e) {
    throw new CheckpointMismatch(e instanceof Error ? e.message : String(e));
  }
}

// ---------------------------------------------------------------------------------------------------
// combinators

/**
 * Pretrains `model` for `steps` AdamW steps of `batchSize` windows (cross-entropy on the next token, all
 * positions) and returns the loss curves. Deterministic given the model's seed and `seed` on one backend.
 */
export async function pretrain(model: Transformer, options: PretrainOptions): Promise<PretrainCurves> {
  const { env, steps } = options;
  const batchSize = options.batchSize ?? 256;
  const lr = options.learningRate ?? 1e-3;
  const final = options.finalLearningRate;
  const lrAt = (step: number): number => (final === undefined ? lr : cosineLearningRate(lr, final, step, steps));
  const slot = options.slot ?? 'pretrain';
  if (env.contextLength !== model.contextLength || env.vocabSize !== model.vocabSize) {
    throw new Error(
      `environment (context ${env.contextLength}, vocabulary ${env.vocabSize}) does not match the model (${model.contextLength}, ${model.vocabSize})`,
    );
  }
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be a non-negative integer, got ${steps}`);
  const evalEvery = options.evalEvery ?? Math.max(1, Math.round(steps / 50));
  const sets: [string, LabeledWindows][] = [];
  if (options.testWindows !== undefined) {
    if (options.testTargets === undefined) throw new Error('testWindows given without testTargets');
    sets.push(['test', { windows: options.testWindows, targets: options.testTargets }]);
  }
  for (const [name, set] of Object.entries(options.evalSets ?? {})) sets.push([name, set]);

  const fixed = options.trainSequences !== undefined;
  const source = new BatchSource(
    env,
    fixed,
    options.trainSequences,
    options.streamSequenceLength ?? 100,
    batchSize,
    options.seed,
    makeRng(deriveSeed(options.seed, 'data', 'order')),
    options.streamExplore,
  );
  // what a checkpoint must have been saved under to be gone on from (data and evaluation sets are the caller's)
  const run = {
    seed: options.seed,
    batchSize,
    learningRate: lr,
    finalLearningRate: final ?? null,
    slot,
    data: fixed ? 'fixed set' : 'stream',
    streamSequenceLength: fixed ? null : (options.streamSequenceLength ?? 100),
    evalEvery,
  };
  const resume = options.resume;
  const train: CurvePoint[] = resume ? [...resume.train] : [];
  const evals: Record<string, CurvePoint[]> = {};
  for (const [name] of sets) evals[name] = resume ? [...(resume.evals[name] ?? [])] : [];
  if (resume) restore(model, source, resume, steps, run);
  const evaluate = (step: number): Record<string, number> | undefined => {
    if (sets.length === 0) return undefined;
    const out: Record<string, number> = {};
    for (const [name, set] of sets) {
      const loss = evalLoss(model, set.windows, set.targets);
      out[name] = loss;
      evals[name]!.push({ step, examples: step * batchSize, loss });
    }
    return out;
  };

  const t0 = performance.now(),
    before = resume?.seconds ?? 0,
    first = (resume?.step ?? 0) + 1;
  if (!resume) evaluate(0);
  let lastYield = t0;
  for (let step = first; step <= steps; step++) {
    const batch = source.next();
    const loss = model.stepTargets(batch.windows, batch.targets, slot, lrAt(step));
    train.push({ step, examples: step * batchSize, loss });
    const evalLosses = step % evalEvery === 0 || step === steps ? evaluate(step) : undefined;
    const elapsed = (performance.now() - t0) / 1000;
    options.onProgress?.({
      step,
      steps,
      examples: step * batchSize,
      trainLoss: loss,
      seconds: before + elapsed,
      examplesPerSec: ((step - first + 1) * batchSize) / elapsed,
      ...(evalLosses !== undefined ? { evalLosses } : {}),
    });
    if (step < steps && options.checkpoint?.due(step, before + elapsed)) {
      await options.checkpoint.save({
        step,
        steps,
        run,
        model: model.trainingState(),
        data: source.state(),
        train: [...train],
        evals: Object.fromEntries(Object.entries(evals).map(([k, v]) => [k, [...v]])),
        seconds: before + (performance.now() - t0) / 1000,
      });
    }
    // let timers and message ports run (progress bars, worker messages) about once a second
    if (performance.now() - lastYield > 1000) {
      await new Promise((r) => setImmediate(r));
      lastYield = performance.now();
    }
  }
  return { train, evals, examples: steps * batchSize, epochs: source.progress(), seconds: before + (performance.now() - t0) / 1000 };
}
