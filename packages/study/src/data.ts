/**
 * The data every unit of a study draws from, built deterministically from the config, so that any
 * unit run in any process (worker, shard, resumed run) sees the same windows.
 */
import type { Environment, Exploration, Windows } from '@optimpact/core';
import { actionWindowPool, deriveSeed, generateSequences, makeRng, windowsWhere } from '@optimpact/core';
import type { RLData } from '@optimpact/rl-trainer';
import type { StudyConfig } from './config.js';

/** Windows with the token that follows each. */
export interface LossSet {
  readonly windows: Windows;
  readonly targets: Int32Array;
}

/** Shared test data: measured contexts, loss sets and RL evaluation windows. */
export interface TestData {
  /** Action windows the split-history measurements draw their contexts from. */
  readonly pool: Windows;
  /** Every position of held-out sequences (the pretraining test loss covers all positions). */
  readonly all: LossSet;
  /** The same windows with each column permuted independently: random contexts, where only the rule works. */
  readonly random: Windows;
  /** Held-out action windows and the non-action ones with targets, for the RL curves. */
  readonly actions: LossSet;
  readonly nonActions: LossSet;
  /** With `data.explore`: every position of held-out sequences whose every action is the behaviour's (ε = 1). */
  readonly explored?: LossSet;
}

/** The exploration of the training data a config asks for (undefined: the original data). */
export function exploration(config: StudyConfig): Exploration | undefined {
  const x = config.data.explore;
  if (x === undefined) return undefined;
  return { epsilon: x.epsilon, ...(x.behaviour === 'uniform' ? {} : { behaviour: x.behaviour }) };
}

// 20 × 200 tokens ≈ 3,600 windows: enough for losses to ±0.01 nats, few enough to evaluate often.
const TEST_SEQUENCES = 20,
  TEST_LENGTH = 200;

export function testData(env: Environment, config: StudyConfig): TestData {
  const seed = config.data.testSeed,
    explore = exploration(config);
  const seqs = generateSequences(env, TEST_SEQUENCES, TEST_LENGTH, deriveSeed(seed, 'loss'));
  const all = windowsWhere(env, seqs, () => true);
  return {
    pool: actionWindowPool(env, config.data.testContexts, deriveSeed(seed, 'contexts')),
    all,
    random: shuffleColumns(all.windows, (t) => env.isActionPosition(t), deriveSeed(seed, 'random')),
    actions: windowsWhere(env, seqs, (t) => env.isActionPosition(t)),
    nonActions: windowsWhere(env, seqs, (t) => !env.isActionPosition(t)),
    ...(explore
      ? {
          explored: windowsWhere(
            env,
            generateSequences(env, TEST_SEQUENCES, TEST_LENGTH, deriveSeed(seed, 'loss-explored'), { ...explore, epsilon: 1 }),
            () => true,
          ),
        }
      : {}),
  };
}

/**
 * Each column (relative position) of the windows permuted independently among windows of the same
 * kind (before an action or not): the marginals of each position are kept, the dependencies between
 * positions are gone.
 */
function shuffleColumns(w: Windows, kind: (t: number) => boolean, seed: number): Windows {
  const rng = makeRng(seed),
    tokens = new Int32Array(w.tokens);
  for (const k of [true, false]) {
    const rows = Array.from({ length: w.n }, (_, i) => i).filter((i) => kind(w.positions[i]!) === k);
    for (let c = 0; c < w.length; c++) {
      for (let i = rows.length - 1; i > 0; i--) {
        const a = rows[i]! * w.length + c,
          b = rows[rng.int(i + 1)]! * w.length + c;
        const x = tokens[a]!;
        tokens[a] = tokens[b]!;
        tokens[b] = x;
      }
    }
  }
  return { ...w, tokens };
}

/** The model's training sequences (exploratory with `data.explore`): a fixed set of the configured size, or (stream) none. */
export function trainSequences(env: Environment, config: StudyConfig, seed: number): Int32Array[] | undefined {
  const n = config.data.trainSequences;
  return n === null ? undefined : generateSequences(env, n, config.data.sequenceLength, deriveSeed(seed, 'train'), exploration(config));
}

/** RL data: training contexts from the model's own training data, evaluation on held-out data. */
export function rlData(env: Environment, config: StudyConfig, seed: number, test: TestData): RLData {
  const seqs = trainSequences(env, config, seed) ?? generateSequences(env, 500, config.data.sequenceLength, deriveSeed(seed, 'rl-data'), exploration(config));
  const maintenance = windowsWhere(env, seqs, (t) => !env.isActionPosition(t));
  return {
    train: windowsWhere(env, seqs, (t) => env.isActionPosition(t)).windows,
    eval: test.actions.windows,
    maintenance,
    maintenanceEval: test.nonActions,
  };
}
