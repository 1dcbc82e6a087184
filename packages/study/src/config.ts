/**
 * The study's configuration: data, decoded with io-ts at the boundary. Presets are JSON files in
 * `experiments/`; `--config FILE` and `--set path=value` overrides go through the same decoder, which
 * rejects unknown keys and names the path and value of every error.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConfigSource } from '@optimpact/core';
import { oneOf } from '@optimpact/core';
import type { Rule } from '@optimpact/rl-trainer';
import { SIZE_NAMES } from '@optimpact/transformer/config';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';
import { jsonProblem, MAX_JSON_DEPTH, RESERVED_KEYS } from './json.js';

const int = (min: number, max: number) => t.refinement(t.number, (n) => Number.isInteger(n) && n >= min && n <= max, `an integer in [${min}, ${max}]`);
const positive = t.refinement(t.number, (n) => n > 0 && Number.isFinite(n), 'a positive number');
const unit = t.refinement(t.number, (n) => n >= 0 && n <= 1, 'a number in [0, 1]');
const nonNegative = t.refinement(t.number, (n) => n >= 0 && Number.isFinite(n), 'a number ≥ 0');
/** One value for every size, or one per size preset (`{"xs": …, "l": …}`): bigger models are slower per step and per round. */
const perSize = <C extends t.Mixed>(codec: C) =>
  t.union(
    [codec, t.refinement(t.record(t.string, codec), (r) => Object.keys(r).every((k) => (SIZE_NAMES as readonly string[]).includes(k)), 'one per size')],
    `${codec.name}, or one per size (${SIZE_NAMES.join(', ')})`,
  );
/** A list without repeats (a repeated seed, size or task would run the same units twice); non-empty unless `mayBeEmpty`. */
const distinct = <C extends t.Mixed>(codec: C, mayBeEmpty = false) =>
  t.refinement(
    t.array(codec),
    (xs) => (mayBeEmpty || xs.length > 0) && new Set(xs).size === xs.length,
    `a ${mayBeEmpty ? '' : 'non-empty '}list of distinct values, each ${codec.name}`,
  );
export type PerSize<T> = T | Record<string, T>;

/** The value of a per-size setting for `size` (undefined when a per-size record leaves it out). */
export function forSize(v: PerSize<number>, size: string): number | undefined {
  return typeof v === 'number' ? v : v[size];
}

/** RL settings of one rule; each key means what it means in @optimpact/rl-trainer's `RLConfig`. */
const RLSettings = t.type({
  /** For every size or per size (the presets give every size the same number of rounds, so that sizes compare). */
  rounds: perSize(int(0, 1_000_000)),
  batchSize: int(1, 65_536),
  /** For every size or per size. */
  learningRate: perSize(positive),
  updatesPerRound: int(1, 1000),
  /** For every size or per size. */
  temperature: perSize(positive),
  epsilon: unit,
  maintenanceSteps: int(0, 1000),
  maintenanceBatchSize: int(1, 65_536),
  /** For every size or per size. */
  maintenanceLearningRate: perSize(nonNegative),
  evalEvery: int(1, 1_000_000),
});

type RLSettings = t.TypeOf<typeof RLSettings> & { readonly samples?: number };
/** The rloo rule's settings: those of every rule and K, the actions sampled per context. */
const RlooSettings = t.intersection([RLSettings, t.type({ samples: int(2, 1000) })]);
/** The all-actions rule's settings: those of every rule and M, the outcomes drawn per action. */
const AllActionsSettings = t.intersection([RLSettings, t.type({ samples: int(1, 1000) })]);

/** Exploratory pretraining data (core `Exploration`): ε, and the behaviour policy over the actions. */
const Explore = t.type({
  epsilon: unit,
  /** "uniform", or one probability per action of the environment. */
  behaviour: t.union([t.literal('uniform'), t.array(unit)]),
});
/** The RL settings that take one value per size. */
export const PER_SIZE_RL = ['rounds', 'learningRate', 'temperature', 'maintenanceLearningRate'] as const;

/** A rule's settings for one size (every size has its values: checked when the config is resolved). */
export function rlForSize(settings: RLSettings, size: string): { [K in keyof RLSettings]: number } {
  const out: Record<string, PerSize<number>> = { ...settings };
  for (const k of PER_SIZE_RL) out[k] = forSize(settings[k], size) ?? 0;
  return out as { [K in keyof RLSettings]: number };
}

/** The rules a study runs, in this order. */
export const STUDY_RULES = ['exact', 'reinforce', 'positive', 'rloo', 'all-actions', 'model'] as const satisfies readonly Rule[];
export type StudyRule = (typeof STUDY_RULES)[number];

/**
 * Named good-set variants (docs/method.md#tasks): the nested default, and two readings of the original's
 * clues — its 85:15 example needs a six-outcome task in which 2 succeeds and 3 fails (six-without-3, which
 * also keeps G₂ ⊂ G₄ and shares one outcome with G₂), and its n_good = 6 models failing n_good = 2 fits
 * an n_good = 6 set disjoint from n_good = 2's (disjoint).
 */
export const GOOD_SET_VARIANTS = {
  nested: [
    [0, 1],
    [0, 1, 2, 3],
    [0, 1, 2, 3, 4, 5],
  ],
  'six-without-3': [
    [0, 1],
    [0, 1, 2, 3],
    [0, 2, 4, 5, 6, 7],
  ],
  disjoint: [
    [0, 1],
    [0, 1, 2, 3],
    [2, 3, 4, 5, 6, 7],
  ],
} as const satisfies Record<string, readonly (readonly number[])[]>;
const goodSet = t.refinement(t.array(int(0, 1_000_000)), (g) => g.length > 0 && new Set(g).size === g.length, 'a non-empty set of distinct outcomes');

const StudyConfigFields = t.type({
  /** Shown in the report. */
  name: t.string,
  /** Size presets of @optimpact/transformer (xs ≈ 18k … l ≈ 403k parameters). */
  sizes: distinct(oneOf(SIZE_NAMES)),
  /** One model per seed and size; the seed drives its data, initialisation, dropout, RL and measurement. */
  seeds: distinct(int(0, 0xffffffff)),
  /** Tasks (n_good) each model is fine-tuned on; every model is scored on all of the environment's tasks. */
  tasks: distinct(int(1, 1_000)),
  data: t.intersection([
    t.type({
      /** A fixed training set of this many sequences (the faithful preset), or null for a fresh stream. */
      trainSequences: t.union([int(1, 10_000_000), t.null]),
      /** Tokens per training and RL sequence. */
      sequenceLength: int(22, 1_000_000),
      /** Test contexts (action windows) in the pool the measurements draw from. */
      testContexts: int(10, 10_000_000),
      /** Seed of the test data, shared by every model so their measurements are comparable. */
      testSeed: int(0, 0xffffffff),
    }),
    t.partial({
      /**
       * Exploratory training data (ε = 0: the original data, draw for draw). When given, the pretraining
       * loss is also recorded on held-out data whose every action is the behaviour's (ε = 1).
       */
      explore: Explore,
    }),
  ]),
  pretrain: t.intersection([
    t.type({
      /** Optimizer steps, for every size or per size. */
      steps: perSize(int(0, 10_000_000)),
      /** Windows per step. */
      batchSize: int(1, 65_536),
      /** AdamW learning rate. */
      learningRate: positive,
      /** Steps between held-out loss evaluations (the recorded loss curve). */
      evalEvery: int(1, 10_000_000),
    }),
    t.partial({
      /** When given, the learning rate goes from `learningRate` to this along a half cosine over the steps; constant otherwise. */
      finalLearningRate: positive,
    }),
  ]),
  /**
   * RL rules to run, each with its settings: "exact", "reinforce", "positive" (the original's), "rloo"
   * (sampled, reads no outcome law; `samples` actions per context), "all-actions" (every action, its
   * outcome drawn `samples` times; reads no outcome law), "model" (exact on the model's own predicted
   * outcome law).
   */
  rl: t.partial({
    exact: RLSettings,
    reinforce: RLSettings,
    positive: RLSettings,
    rloo: RlooSettings,
    'all-actions': AllActionsSettings,
    model: RLSettings,
  } satisfies Record<StudyRule, t.Mixed>),
  measure: t.intersection([
    t.type({
      /** Test contexts per repeat (N). */
      contexts: int(2, 10_000_000),
      /** Repeats (R), each of N contexts drawn from the test pool; the s.e. is over them (conditional on the pool: docs/method.md#uncertainty). */
      repeats: int(1, 10_000),
      /** One more measurement at this many contexts (0: none). */
      largeContexts: int(0, 10_000_000),
      /** Leave each context out of its own split history. */
      excludeSelf: t.boolean,
      /** Also run the original's Monte-Carlo estimator (quadratic in N: only on measurements of N ≤ 1000). */
      monteCarlo: t.boolean,
      /** Also estimate Op, Imp and success from the model's own predicted outcome law, on the R × N measurement (docs/method.md#self-evaluation). */
      selfEval: t.boolean,
      /** Contexts of the differential profile (docs/method.md#differential-measures) of each model before and after RL (0: none). */
      differentialContexts: int(0, 100_000),
      /** Reference futures: "fixed" (the first action), "uniform", "untrained", "pretrained". */
      references: distinct(t.keyof({ fixed: null, uniform: null, untrained: null, pretrained: null }), true),
    }),
    t.partial({
      /** Also measure MEG, AUP, relative reachability and empowerment (`@optimpact/peer-measures`) on the same contexts (default true). */
      peers: t.boolean,
    }),
  ]),
});

/** An environment package (docs/extending.md#an-environment) and its options, decoded by its `Options` codec when it exports one. */
export const EnvironmentSettings = t.type({ package: t.string, options: t.UnknownRecord });

/** The settings that make a study's environment (also what `optimpact measure --set` may change). */
export const EnvironmentConfig = t.intersection([
  t.type({ environment: EnvironmentSettings }),
  t.partial({
    /**
     * The tasks' good outcome sets: a named variant (GOOD_SET_VARIANTS) or one set per task; tasks are
     * keyed by n_good = |G|, so the sizes must differ. Absent: the environment's own tasks.
     */
    goodSets: t.union(
      [t.keyof({ nested: null, 'six-without-3': null, disjoint: null } satisfies Record<keyof typeof GOOD_SET_VARIANTS, null>), t.array(goodSet)],
      'a good-set variant (nested, six-without-3, disjoint) or a list of good sets',
    ),
  }),
]);
export type EnvironmentConfig = t.TypeOf<typeof EnvironmentConfig>;

export const StudyConfig = t.intersection([StudyConfigFields, EnvironmentConfig]);
export type StudyConfig = t.TypeOf<typeof StudyConfig>;

/**
 * The kind of an io-ts codec, by its `_tag` rather than `instanceof`: an environment package's options codec
 * may come from another copy of io-ts.
 */
const kind = (codec: t.Decoder<unknown, unknown>): string | undefined => (codec as { _tag?: string })._tag;

/** The properties of an object codec (a `type`, a `partial`, exact or readonly, or an intersection of them), else undefined. */
function propsOf(codec: t.Mixed): t.Props | undefined {
  switch (kind(codec)) {
    case 'InterfaceType':
    case 'PartialType':
      return (codec as t.InterfaceType<t.Props>).props;
    case 'ExactType':
    case 'ReadonlyType':
      return propsOf((codec as t.ExactType<t.Mixed>).type);
    case 'IntersectionType': {
      const parts = (codec as t.IntersectionType<t.Mixed[]>).types.map(propsOf);
      return parts.every((p) => p !== undefined) ? (Object.assign({}, ...parts) as t.Props) : undefined;
    }
  }
  return undefined;
}

/** Paths of keys present in `value` but not in the codec (io-ts `type` ignores them; we reject them). */
function excessKeys(codec: t.Mixed, value: unknown, path: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const props = propsOf(codec);
  if (props !== undefined) {
    return Object.entries(value).flatMap(([k, v]) =>
      Object.hasOwn(props, k) ? excessKeys(props[k] as t.Mixed, v, path ? `${path}.${k}` : k) : [path ? `${path}.${k}` : k],
    );
  }
  if (kind(codec) === 'RefinementType') return excessKeys((codec as t.RefinementC<t.Mixed>).type, value, path);
  return [];
}

/**
 * Decodes `value` with `codec`, refusing keys it does not know, or says which path (under `prefix`) holds
 * which bad value; `source` says where the value came from.
 */
export function decodeStrict<C extends t.Mixed>(codec: C, value: unknown, source: string, prefix = ''): E.Either<UsageError, t.TypeOf<C>> {
  const under = (path: string): string => [prefix, path].filter((p) => p !== '').join('.');
  const extra = excessKeys(codec, value, '');
  if (extra.length > 0) return E.left(usageError(`${source}: unknown key "${under(extra[0]!)}"`));
  const r = codec.decode(value);
  if (E.isRight(r)) return r;
  // The deepest error: inside a union, the branch that got furthest says most (a per-size record's bad entry).
  const err = r.left.reduce((a, b) => (b.context.length > a.context.length ? b : a));
  const ctx = err.context;
  const inUnion = (i: number) => i > 0 && kind(ctx[i - 1]!.type) === 'UnionType';
  // an intersection's member index is no part of the user's path
  const inIntersection = (i: number) => i > 0 && kind(ctx[i - 1]!.type) === 'IntersectionType';
  const path = under(
    ctx
      .filter((c, i) => c.key !== '' && !inUnion(i) && !inIntersection(i))
      .map((c) => c.key)
      .join('.'),
  );
  const last = ctx.length - 1;
  const expected = path === '' ? 'an object of settings' : ((inUnion(last) ? ctx[last - 1] : ctx[last])?.type.name ?? 'a valid value');
  const got = err.value === undefined ? 'nothing' : JSON.stringify(err.value);
  return E.left(usageError(`${source}: ${path === '' ? '' : `${path}: `}expected ${expected}, got ${got.length > 200 ? `${got.slice(0, 200)}…` : got}`));
}

/** Decodes a study config, or says which path holds which bad value. */
export const decodeConfig = (value: unknown, source: string): E.Either<UsageError, StudyConfig> => decodeStrict(StudyConfig, value, source);

/** The preset files shipped in `experiments/`. */
export const PRESETS = ['quick', 'paper', 'rl-rounds', 'tiny', 'additive-tiny', 'explore-quick', 'explore-paper', 'original'] as const;

export function presetPath(name: string): string {
  return fileURLToPath(new URL(`../../../experiments/${name}.json`, import.meta.url));
}

/** Larger than any config needs (a preset is about 2 KB). */
export const MAX_CONFIG_BYTES = 1 << 20;

/** Reads user JSON from a file (a regular file of at most MAX_CONFIG_BYTES, see {@link jsonProblem}), or a usage error naming the file. */
export function readJsonFile(file: string, flag: string): E.Either<UsageError, unknown> {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) return E.left(usageError(`${flag}: "${file}" is not a regular file`));
    if (st.size > MAX_CONFIG_BYTES) return E.left(usageError(`${flag}: "${file}" has ${st.size} bytes, more than the ${MAX_CONFIG_BYTES} a config may have`));
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return E.left(usageError(`${flag}: cannot read "${file}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
  }
  const problem = jsonProblem(text);
  if (problem !== undefined) return E.left(usageError(`${flag}: "${file}": ${problem}`));
  try {
    return E.right(JSON.parse(text));
  } catch (e) {
    return E.left(usageError(`${flag}: "${file}" is not valid JSON (${(e as Error).message})`));
  }
}

/**
 * Applies `path=value` overrides (value parsed as JSON, else taken as a string) to a plain config
 * object; the result is decoded like any config, so overrides are checked the same way.
 */
export function applyOverrides(base: unknown, overrides: readonly string[]): E.Either<UsageError, unknown> {
  if (overrides.length === 0) return E.right(base);
  // a config that is not an object has no path to set (decoding it alone names what it is)
  if (typeof base !== 'object' || base === null || Array.isArray(base))
    return E.left(
      usageError(
        `--set: the config is ${base === null ? 'null' : Array.isArray(base) ? 'an array' : `a ${typeof base}`}, not an object whose settings it could change`,
      ),
    );
  const root = structuredClone(base) as Record<string, unknown>;
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) return E.left(usageError(`--set: expected path=value, got "${o}"`));
    const path = o.slice(0, eq),
      keys = path.split('.');
    const reserved = keys.find((k) => RESERVED_KEYS.has(k));
    const bad =
      keys.length > MAX_JSON_DEPTH
        ? `has more than ${MAX_JSON_DEPTH} keys`
        : keys.includes('')
          ? 'has an empty key'
          : reserved !== undefined
            ? `holds the key "${reserved}", which is not allowed`
            : undefined;
    if (bad !== undefined) return E.left(usageError(`--set: the path "${path.length > 60 ? `${path.slice(0, 40)}…` : path}" ${bad}`));
    const raw = o.slice(eq + 1);
    const problem = jsonProblem(raw);
    if (problem !== undefined) return E.left(usageError(`--set: the value of ${path}: ${problem}`));
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    let node: Record<string, unknown> = root;
    for (const k of keys.slice(0, -1)) {
      const next = node[k];
      if (typeof next !== 'object' || next === null) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]!] = value;
  }
  return E.right(root);
}

/** The `--set` overrides with `--env PACKAGE` first, as the `environment.package=…` it is short for. */
export const withEnvFlag = (env: string | undefined, set: readonly string[] = []): string[] =>
  env === undefined ? [...set] : [`environment.package=${JSON.stringify(env)}`, ...set];

/** Where the environment's package was named, for its errors: `--env` when given, else the setting. */
export const envSource = (env: string | undefined): string => (env === undefined ? 'environment.package' : '--env');

/** A usage error when a `--set` after `--env` named another package. */
export const envConflict = (env: string | undefined, pkg: string): UsageError | undefined =>
  env === undefined || env === pkg ? undefined : usageError(`--env: "${env}" and --set environment.package "${pkg}" differ; give one of them`);

/**
 * The resolved config of a study invocation (a preset or a config file, then `--set` overrides), decoded
 * and checked: every per-size setting has a value for every size, at least one rule, enough test contexts.
 */
export function resolveConfig(flags: {
  preset?: string;
  config?: string;
  set?: readonly string[];
  env?: string;
}): E.Either<UsageError, { config: StudyConfig; preset: string; source: ConfigSource }> {
  const preset = flags.preset ?? 'quick';
  const source = flags.config ?? presetPath(preset);
  const raw = readJsonFile(source, flags.config ? '--config' : '--preset');
  if (E.isLeft(raw)) return raw;
  const overrides = withEnvFlag(flags.env, flags.set);
  const merged = applyOverrides(raw.right, overrides);
  if (E.isLeft(merged)) return merged;
  const config = decodeConfig(merged.right, flags.config !== undefined ? `--config ${flags.config}` : `preset ${preset}`);
  if (E.isLeft(config)) return config;
  const c = config.right;
  const conflict = envConflict(flags.env, c.environment.package);
  if (conflict) return E.left(conflict);
  const perSize: Record<string, PerSize<number>> = { 'pretrain.steps': c.pretrain.steps };
  for (const [rule, v] of Object.entries(c.rl)) for (const k of PER_SIZE_RL) perSize[`rl.${rule}.${k}`] = v[k];
  for (const [path, v] of Object.entries(perSize)) {
    const size = c.sizes.find((s) => forSize(v, s) === undefined);
    if (size !== undefined) return E.left(usageError(`${path}: no value given for size "${size}"`));
  }
  if (Array.isArray(c.goodSets)) {
    const sizes = c.goodSets.map((g) => g.length);
    const twice = sizes.find((k, i) => sizes.indexOf(k) !== i);
    if (twice !== undefined) return E.left(usageError(`goodSets: two good sets of size ${twice} (tasks are keyed by n_good = |G|)`));
  }
  if (Object.keys(c.rl).length === 0) return E.left(usageError(`rl: at least one rule (${STUDY_RULES.join(', ')}) is needed`));
  const need = Math.max(c.measure.contexts, c.measure.largeContexts);
  if (c.data.testContexts < need) return E.left(usageError(`data.testContexts: ${c.data.testContexts} is fewer than the ${need} contexts a measurement draws`));
  const name = flags.config ? 'custom' : preset;
  return E.right({ config: c, preset: name, source: { preset: name, overrides } });
}
