/**
 * Bad input, all of it: a table of hostile-but-fair invocations of every command (and of the files they
 * read), each run by the built CLI in a fresh temporary directory. Each must be a clear error: exit code 2,
 * exactly one line on stderr naming the flag, field or path and the value, nothing on stdout, no stack
 * trace, and no file written or changed. The test counts each way of falling short and requires 0 of each.
 *
 * `CORPUS_TIMEOUT_MS` bounds one case (default 60 s; a case that runs that long is doing work a usage
 * error must not do). `CORPUS_ONLY` (a regular expression over case names) runs a subset while debugging.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const TIMEOUT_MS = Number(process.env['CORPUS_TIMEOUT_MS'] ?? 60_000);
const root = mkdtempSync(join(tmpdir(), 'optimpact-bad-input-'));
const fixtures = join(root, 'fixtures');
const model = join(fixtures, 'model'); // a valid xs model (pretrained 0 steps), built once
const modelUnit = `${model}-unit`; // the unit directory it was pretrained in: run.json and model/
const additiveModel = join(fixtures, 'additive-model'); // the same on @optimpact/additive-env (12 tokens, not the default's 16)
const isRoot = process.getuid?.() === 0;
const canMount = isRoot && spawnSync('unshare', ['-m', 'true']).status === 0;

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  /** Substrings the one error line must contain: the flag, field or path, and the value when there is one. */
  readonly names: readonly string[];
  /** Files the case needs, made in its own working directory before it runs. */
  readonly setup?: (dir: string) => void;
  /** Run without the power to override file permissions (so that a chmod'ed directory is read-only to root too). */
  readonly noOverride?: boolean;
  /** A directory of the case made a read-only mount (a tmpfs in a private mount namespace; as root only). */
  readonly readOnlyMount?: string;
}

// ---------- fixtures ----------

const write = (path: string, data: string | Uint8Array): void => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data);
};
/** Nested JSON arrays, `depth` deep. */
const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const preset = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../../experiments/${name}.json`, import.meta.url)), 'utf8')) as Record<string, unknown>;
const tiny = (): Record<string, unknown> => preset('tiny');
/** The tiny preset with `edit` applied, as config.json in the case's directory. */
const config =
  (edit: (c: Record<string, any>) => void) =>
  (dir: string): void => {
    const c = tiny();
    edit(c);
    write(join(dir, 'config.json'), JSON.stringify(c));
  };
const configText =
  (text: string | (() => string)) =>
  (dir: string): void =>
    write(join(dir, 'config.json'), typeof text === 'string' ? text : text());

/** A copy of the valid model as `dir/m`, then broken by `edit` (given m/model.json's parsed JSON and m/weights.bin's bytes). */
type ModelEdit = (m: string) => void;
const brokenModel =
  (edit: ModelEdit) =>
  (dir: string): void => {
    cpSync(model, join(dir, 'm'), { recursive: true });
    edit(join(dir, 'm'));
  };
const editJson =
  (f: (j: any) => void): ModelEdit =>
  (m) => {
    const j = JSON.parse(readFileSync(join(m, 'model.json'), 'utf8'));
    f(j);
    writeFileSync(join(m, 'model.json'), JSON.stringify(j));
  };
const editWeights =
  (f: (w: Float32Array) => Float32Array | Uint8Array): ModelEdit =>
  (m) => {
    const b = readFileSync(join(m, 'weights.bin'));
    const out = f(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
    writeFileSync(join(m, 'weights.bin'), new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  };

/** Broken models: each is a model directory `m` that no command may load. */
const BROKEN_MODELS: readonly [string, ModelEdit][] = [
  ['empty model.json', (m) => writeFileSync(join(m, 'model.json'), '')],
  [
    'short model.json',
    (m) => {
      const t = readFileSync(join(m, 'model.json'), 'utf8');
      writeFileSync(join(m, 'model.json'), t.slice(0, t.length >> 1));
    },
  ],
  ['malformed model.json', (m) => writeFileSync(join(m, 'model.json'), '{"format": optimpact}')],
  ['model.json {}', (m) => writeFileSync(join(m, 'model.json'), '{}')],
  ['model.json null', (m) => writeFileSync(join(m, 'model.json'), 'null')],
  ['model.json an array', (m) => writeFileSync(join(m, 'model.json'), '[1,2,3]')],
  ['model.json 100k nested arrays', (m) => writeFileSync(join(m, 'model.json'), nested(100_000))],
  [
    'no weights manifest',
    editJson((j) => {
      delete j.weightsManifest;
    }),
  ],
  [
    'manifest not an array',
    editJson((j) => {
      j.weightsManifest = 'weights.bin';
    }),
  ],
  [
    'wrong shapes',
    editJson((j) => {
      const w = j.weightsManifest[0].weights;
      const i = w.findIndex((x: any) => x.shape.length === 2);
      w[i].shape = [...w[i].shape].reverse();
    }),
  ],
  [
    'a weight missing from the manifest',
    editJson((j) => {
      j.weightsManifest[0].weights.pop();
    }),
  ],
  [
    'int32 weights',
    editJson((j) => {
      for (const w of j.weightsManifest[0].weights) w.dtype = 'int32';
    }),
  ],
  [
    'weights path outside the model',
    editJson((j) => {
      j.weightsManifest[0].paths = ['../../../../../../etc/passwd'];
    }),
  ],
  ['weights file missing', (m) => rmSync(join(m, 'weights.bin'))],
  [
    'weights.bin a directory',
    (m) => {
      rmSync(join(m, 'weights.bin'));
      mkdirSync(join(m, 'weights.bin'));
    },
  ],
  ['empty weights.bin', (m) => writeFileSync(join(m, 'weights.bin'), '')],
  ['short weights.bin', editWeights((w) => w.slice(0, w.length - 1))],
  [
    'trailing bytes in weights.bin',
    editWeights((w) => {
      const b = new Uint8Array(w.byteLength + 3);
      b.set(new Uint8Array(w.buffer));
      return b;
    }),
  ],
  [
    'NaN weights',
    editWeights((w) => {
      w[5] = NaN;
      return w;
    }),
  ],
  [
    'infinite weights',
    editWeights((w) => {
      w[w.length - 1] = Infinity;
      return w;
    }),
  ],
  [
    'no optimpact metadata',
    editJson((j) => {
      delete j.userDefinedMetadata;
    }),
  ],
  [
    'format version 99',
    editJson((j) => {
      j.userDefinedMetadata.optimpact.formatVersion = 99;
    }),
  ],
  [
    'negative width',
    editJson((j) => {
      j.userDefinedMetadata.optimpact.config.dModel = -26;
    }),
  ],
  [
    'params disagree with config',
    editJson((j) => {
      j.userDefinedMetadata.optimpact.params = 5;
    }),
  ],
  [
    'model.json a directory',
    (m) => {
      rmSync(join(m, 'model.json'));
      mkdirSync(join(m, 'model.json'));
    },
  ],
];

// ---------- the corpus ----------

const cases: Case[] = [];
const add = (name: string, args: readonly string[], names: readonly string[], extra: Partial<Case> = {}): void => {
  cases.push({ name, args, names, ...extra });
};

// The command line itself.
add('no command', [], ['command']);
add('unknown command', ['frobnicate'], ['frobnicate']);
add('command in capitals', ['MEASURE', '--policy', 'ideal'], ['MEASURE']);
add('empty command', [''], ['command']);
add('unknown global flag', ['--bogus'], ['--bogus']);
add('help for an unknown command', ['help', 'frobnicate'], ['frobnicate']);
add('unknown short flag', ['-z'], ['-z']);
add('prototype name as a command', ['constructor'], ['constructor']);
add('__proto__ as a command', ['__proto__'], ['__proto__']);
add('toString as a command', ['toString'], ['toString']);

// measure
const ideal = ['measure', '--policy', 'ideal'];
const otherPackage = ['--set', 'environment.package="@optimpact/sequence-env"'];
add('measure: no policy', ['measure'], ['--policy']);
add('measure: empty policy', ['measure', '--policy='], ['--policy']);
add('measure: unknown policy', ['measure', '--policy', 'best'], ['--policy', 'best']);
add('measure: policy directory without a model', ['measure', '--policy', 'empty-dir'], ['--policy', 'empty-dir'], {
  setup: (d) => mkdirSync(join(d, 'empty-dir')),
});
add('measure: policy is a plain file', ['measure', '--policy', 'file.txt'], ['--policy', 'file.txt'], { setup: (d) => write(join(d, 'file.txt'), 'x') });
for (const [what, edit] of BROKEN_MODELS)
  add(`measure: ${what}`, ['measure', '--policy', 'm', '--contexts', '10', '--repeats', '1'], ['--policy', 'm'], { setup: brokenModel(edit) });
add('measure: broken reference model', [...ideal, '--reference', 'model:m'], ['--reference', 'm'], {
  setup: brokenModel((m) => writeFileSync(join(m, 'model.json'), '')),
});
add('measure: missing reference model', [...ideal, '--reference', 'model:nowhere'], ['--reference', 'nowhere']);
add('measure: empty reference model path', [...ideal, '--reference', 'model:'], ['--reference', 'model:']);
for (const v of ['3', '0', '-1', '2.5', 'abc', '', '1e3', '0x4', '4abc', '99999999999999999999'])
  add(`measure: --task ${JSON.stringify(v)}`, [...ideal, `--task=${v}`], ['--task', v]);
for (const v of ['0', '-5', '1e9', 'Infinity', 'NaN', '', '100000001', '12.5', ' ', '1_000'])
  add(`measure: --contexts ${JSON.stringify(v)}`, [...ideal, `--contexts=${v}`], ['--contexts', v]);
for (const v of ['0', '-1', 'many', '100001']) add(`measure: --repeats ${JSON.stringify(v)}`, [...ideal, `--repeats=${v}`], ['--repeats', v]);
for (const v of ['-1', '4294967296', '1.5', 'seed']) add(`measure: --seed ${JSON.stringify(v)}`, [...ideal, `--seed=${v}`], ['--seed', v]);
for (const v of ['3', '16', '-8', 'x']) add(`measure: --action ${JSON.stringify(v)}`, ['measure', '--policy', 'fixed', `--action=${v}`], ['--action', v]);
add('measure: unknown reference', [...ideal, '--reference', 'other'], ['--reference', 'other']);
add('measure: empty reference', [...ideal, '--reference='], ['--reference']);
add('measure: duplicate reference', [...ideal, '--reference', 'uniform,uniform'], ['--reference', 'uniform']);
add('measure: unknown environment', [...ideal, '--env', 'no-such-env'], ['--env', 'no-such-env']);
add('measure: environment file missing', [...ideal, '--env', './nowhere.js'], ['--env', 'nowhere.js']);
add('measure: environment not a module', [...ideal, '--env', './env.js'], ['--env', 'env.js'], {
  setup: (d) => write(join(d, 'env.js'), 'this is not javascript ('),
});
add('measure: environment without createEnvironment', [...ideal, '--env', './env.mjs'], ['--env', 'env.mjs'], {
  setup: (d) => write(join(d, 'env.mjs'), 'export const x = 1;\n'),
});
// the additive environment broken one way, as a module of the user's
const brokenEnv =
  (change: string) =>
  (d: string): void => {
    const additive = pathToFileURL(fileURLToPath(new URL('../../../packages/additive-env/dist/index.js', import.meta.url))).href;
    write(
      join(d, 'env.mjs'),
      `import { createEnvironment as c } from ${JSON.stringify(additive)};\nexport const createEnvironment = (o) => ({ ...c(o), ${change} });\n`,
    );
  };
add('measure: environment without tasks', [...ideal, '--env', './env.mjs'], ['--env', 'env.mjs', 'tasks is empty'], { setup: brokenEnv('tasks: []') });
add('measure: environment whose outcome law is no distribution', [...ideal, '--env', './env.mjs'], ['--env', 'env.mjs', 'outcomeLaw', 'sums to 3'], {
  setup: brokenEnv('outcomeLaw: (w, out) => out.fill(0.5)'),
});
add(
  'study: environment whose good set is no outcome',
  ['study', '--preset', 'tiny', '--out', 'out', '--env', './env.mjs'],
  ['--env', 'env.mjs', 'good outcome 6'],
  {
    setup: brokenEnv("tasks: [{ name: 'n_good=1', nGood: 1, good: [6] }]"),
  },
);
const withAdditiveModel = { setup: (d: string) => cpSync(additiveModel, join(d, 'a'), { recursive: true }) };
add('measure: model of another environment', ['measure', '--policy', 'm', '--env', '@optimpact/additive-env'], ['--policy', '"m"', 'additive-env'], {
  setup: brokenModel(() => undefined),
});
add('measure: model that does not fit the default environment', ['measure', '--policy', 'a'], ['--policy', '"a"', 'sequence-env', '12'], withAdditiveModel);
add('measure: reference model of another environment', [...ideal, '--reference', 'model:a'], ['--reference', '"a"', 'sequence-env'], withAdditiveModel);
add('measure: --set an unknown environment option', [...ideal, '--set', 'environment.options.nosie=0.3'], ['environment.options.nosie', 'sequence-env']);
add(
  'measure: --set an environment option of the wrong type',
  [...ideal, '--set', 'environment.options={"noise":"high"}'],
  ['environment.options.noise', 'high'],
);
add('measure: --set a setting that is not the environment', [...ideal, '--set', 'sizes=["xs"]'], ['--set', 'sizes']);
add('measure: --set goodSets with an outcome the environment lacks', [...ideal, '--set', 'goodSets=[[0,99]]'], ['goodSets', '99']);
add('measure: --env and --set another package', [...ideal, '--env', '@optimpact/additive-env', ...otherPackage], ['--env', 'additive-env', 'sequence-env']);
add('measure: unit directory with a corrupted record', ['measure', '--policy', 'u'], ['--policy', 'run.json', 'sha256'], {
  setup: (d) => {
    cpSync(modelUnit, join(d, 'u'), { recursive: true });
    writeFileSync(join(d, 'u', 'run.json'), '{}');
  },
});
add('measure: unknown backend', [...ideal, '--backend', 'gpu'], ['--backend', 'gpu']);
add('measure: empty backend', [...ideal, '--backend='], ['--backend']);
add('measure: value given to a switch', [...ideal, '--json=1'], ['--json', '1']);
add('measure: positional after a switch', [...ideal, '--json', 'true'], ['true']);
add('measure: self-eval of a built-in policy', [...ideal, '--self-eval'], ['--self-eval', 'ideal']);
add(
  'measure: more Monte-Carlo contexts than one chunk of whole sequences holds',
  [...ideal, '--monte-carlo', '--contexts', '32764'],
  ['--contexts', '32764', '--monte-carlo'],
);
add('measure: one context left out of its own split history', [...ideal, '--contexts', '1', '--exclude-self'], ['--contexts', '--exclude-self', '1']);
add('measure: unknown flag', [...ideal, '--bogus', '1'], ['--bogus']);
add('measure: flag given twice', [...ideal, '--task', '2', '--task', '4'], ['--task']);
add('measure: flag without its value', [...ideal, '--seed'], ['--seed']);
add('measure: positional argument', [...ideal, 'extra'], ['extra']);
add('measure: --constructor', [...ideal, '--constructor', 'x'], ['--constructor']);
add('measure: --__proto__', [...ideal, '--__proto__', 'x'], ['--__proto__']);
add('measure: --toString', [...ideal, '--toString', 'x'], ['--toString']);
add('measure: single dash flag', [...ideal, '-task', '2'], ['-task']);

// differential
const sites = ['--p', 'embed', '--a', 'blocks.0.resid', '--f', 'logits'];
const diff = (...more: string[]): string[] => ['differential', '--model', 'm', ...sites, '--contexts', '2', ...more];
const withModel = { setup: brokenModel(() => undefined) };
add('differential: no model', ['differential', ...sites], ['--model']);
add('differential: no sites', ['differential', '--model', 'm'], ['--p'], withModel);
add('differential: missing model directory', ['differential', '--model', 'nowhere', ...sites], ['--model', 'nowhere']);
add('differential: empty model path', ['differential', '--model=', ...sites], ['--model']);
for (const [what, edit] of BROKEN_MODELS) add(`differential: ${what}`, diff(), ['--model', 'm'], { setup: brokenModel(edit) });
for (const [flag, v] of [
  ['--p', 'bogus'],
  ['--a', 'blocks.9.resid'],
  ['--f', 'blocks.0.nothing'],
  ['--p', ''],
] as const) {
  const given = sites.map((x, i) => (sites[i - 1] === flag ? v : x));
  add(`differential: site ${flag} ${JSON.stringify(v)}`, ['differential', '--model', 'm', ...given, '--contexts', '2'], [flag, v], withModel);
}
for (const [flag, v] of [
  ['--p-pos', '-1'],
  ['--a-pos', 'first'],
  ['--f-pos', '99'],
  ['--p-pos', '1.5'],
  ['--f-pos', ''],
] as const)
  add(`differential: ${flag} ${JSON.stringify(v)}`, [...diff(), `${flag}=${v}`], [flag.slice(0, 3), v], withModel); // --f-pos 99 is named by its site
for (const v of ['0', '-1', '1000001', 'ten'])
  add(`differential: --contexts ${JSON.stringify(v)}`, ['differential', '--model', 'm', ...sites, `--contexts=${v}`], ['--contexts', v], withModel);
add('differential: bad seed', [...diff(), '--seed', '-3'], ['--seed', '-3'], withModel);
add('differential: unknown backend', [...diff(), '--backend', 'tpu'], ['--backend', 'tpu'], withModel);
add('differential: unknown environment', [...diff(), '--env', 'nope-env'], ['--env', 'nope-env'], withModel);
add('differential: environment that does not fit', [...diff(), '--env', '@optimpact/additive-env'], ['--model', '"m"', 'additive-env'], withModel);
add('differential: value given to a switch', [...diff(), '--factors=yes'], ['--factors', 'yes'], withModel);
add('differential: unknown flag', [...diff(), '--bogus'], ['--bogus'], withModel);
add('differential: --constructor', [...diff(), '--constructor', 'x'], ['--constructor'], withModel);

// pretrain
const pre = (...more: string[]): string[] => ['pretrain', '--size', 'xs', '--preset', 'tiny', '--steps', '2', ...more];
add('pretrain: no size', ['pretrain', '--out', 'out'], ['--size']);
add('pretrain: no out', ['pretrain', '--size', 'xs'], ['--out']);
add('pretrain: unknown size', ['pretrain', '--size', 'xxl', '--out', 'out'], ['--size', 'xxl']);
add('pretrain: empty size', ['pretrain', '--size=', '--out', 'out'], ['--size']);
add('pretrain: empty out', pre('--out='), ['--out']);
add('pretrain: out is a file', pre('--out', 'file.txt'), ['--out', 'file.txt'], { setup: (d) => write(join(d, 'file.txt'), 'keep me') });
add('pretrain: out under a file', pre('--out', 'file.txt/unit'), ['--out', 'file.txt'], { setup: (d) => write(join(d, 'file.txt'), 'keep me') });
add('pretrain: out in a read-only directory', pre('--out', 'ro/unit'), ['--out', 'ro'], {
  setup: (d) => {
    mkdirSync(join(d, 'ro'));
    chmodSync(join(d, 'ro'), 0o555);
  },
  noOverride: true,
});
add('pretrain: out a read-only directory', pre('--out', 'ro'), ['--out', 'ro'], {
  setup: (d) => {
    mkdirSync(join(d, 'ro'));
    chmodSync(join(d, 'ro'), 0o555);
  },
  noOverride: true,
});
add('pretrain: out on a read-only mount', pre('--out', 'mnt/unit'), ['--out', 'mnt'], { setup: (d) => mkdirSync(join(d, 'mnt')), readOnlyMount: 'mnt' });
for (const v of ['-1', 'abc', '1e12', '2.5', ''])
  add(`pretrain: --steps ${JSON.stringify(v)}`, ['pretrain', '--size', 'xs', '--out', 'out', `--steps=${v}`], ['--steps', v]);
for (const v of ['-1', '4294967296', 'one']) add(`pretrain: --seed ${JSON.stringify(v)}`, pre('--out', 'out', `--seed=${v}`), ['--seed', v]);
add('pretrain: unknown preset', ['pretrain', '--size', 'xs', '--out', 'out', '--preset', 'huge'], ['--preset', 'huge']);
add('pretrain: unknown --env', pre('--out', 'out', '--env', 'no-such-env'), ['--env', 'no-such-env']);
add('pretrain: unknown environment option', pre('--out', 'out', '--env', '@optimpact/additive-env', '--set', 'environment.options.nosie=0.3'), [
  'environment.options.nosie',
  'additive-env',
]);
add('pretrain: --env and --set another package', pre('--out', 'out', '--env', '@optimpact/additive-env', ...otherPackage), [
  '--env',
  'additive-env',
  'sequence-env',
]);
add('pretrain: --set without =', pre('--out', 'out', '--set', 'seeds'), ['--set', 'seeds']);
add('pretrain: --set unknown key', pre('--out', 'out', '--set', 'bogus=1'), ['bogus']);
add('pretrain: --set __proto__.toString', pre('--out', 'out', '--set', '__proto__.toString=1'), ['__proto__']);
add('pretrain: --set constructor.prototype.x', pre('--out', 'out', '--set', 'constructor.prototype.x=1'), ['constructor']);
add('pretrain: --set bad learning rate', pre('--out', 'out', '--set', 'pretrain.learningRate=-1'), ['pretrain.learningRate', '-1']);
add('pretrain: --set empty seeds', pre('--out', 'out', '--set', 'seeds=[]'), ['seeds']);
add('pretrain: unknown backend', pre('--out', 'out', '--backend', 'gpu'), ['--backend', 'gpu']);
add('pretrain: finetune flag', pre('--out', 'out', '--task', '2'), ['--task']);
add('pretrain: size given twice', pre('--out', 'out', '--size', 's'), ['--size']);
add('pretrain: --constructor', pre('--out', 'out', '--constructor', 'x'), ['--constructor']);
add('pretrain: positional argument', pre('--out', 'out', 'more'), ['more']);

// finetune
const ft = (...more: string[]): string[] => ['finetune', '--model', 'm', '--task', '2', '--preset', 'tiny', ...more];
add('finetune: no model', ['finetune', '--task', '2', '--out', 'out'], ['--model']);
add('finetune: no task', ['finetune', '--model', 'm', '--out', 'out'], ['--task'], withModel);
add('finetune: no out', ['finetune', '--model', 'm', '--task', '2'], ['--out'], withModel);
add('finetune: missing model', ['finetune', '--model', 'nowhere', '--task', '2', '--out', 'out'], ['--model', 'nowhere']);
add('finetune: model is a file', ['finetune', '--model', 'file.txt', '--task', '2', '--out', 'out'], ['--model', 'file.txt'], {
  setup: (d) => write(join(d, 'file.txt'), 'x'),
});
for (const [what, edit] of BROKEN_MODELS) add(`finetune: ${what}`, ft('--out', 'out'), ['--model', 'm'], { setup: brokenModel(edit) });
add('finetune: model of no size preset', ft('--out', 'out'), ['--model', 'm'], {
  setup: brokenModel((m) => {
    editJson((j) => {
      j.userDefinedMetadata.optimpact.config.dropout = 0.2;
    })(m);
  }),
});
for (const v of ['3', '0', '-2', 'two', '', '7'])
  add(`finetune: --task ${JSON.stringify(v)}`, ['finetune', '--model', 'm', `--task=${v}`, '--preset', 'tiny', '--out', 'out'], ['--task', v], withModel);
add('finetune: unknown rule', ft('--out', 'out', '--rule', 'greedy'), ['--rule', 'greedy'], withModel);
add('finetune: rule the preset lacks', ft('--out', 'out', '--rule', 'reinforce'), ['--rule', 'reinforce'], withModel);
add('finetune: empty out', ft('--out='), ['--out'], withModel);
add('finetune: out is a file', ft('--out', 'file.txt'), ['--out', 'file.txt'], {
  setup: (d) => {
    brokenModel(() => undefined)(d);
    write(join(d, 'file.txt'), 'keep me');
  },
});
add('finetune: out under a file', ft('--out', 'file.txt/unit'), ['--out', 'file.txt'], {
  setup: (d) => {
    brokenModel(() => undefined)(d);
    write(join(d, 'file.txt'), 'keep me');
  },
});
add('finetune: out in a read-only directory', ft('--out', 'ro/unit'), ['--out', 'ro'], {
  setup: (d) => {
    brokenModel(() => undefined)(d);
    mkdirSync(join(d, 'ro'));
    chmodSync(join(d, 'ro'), 0o555);
  },
  noOverride: true,
});
add('finetune: out on a read-only mount', ft('--out', 'mnt'), ['--out', 'mnt'], {
  setup: (d) => {
    brokenModel(() => undefined)(d);
    mkdirSync(join(d, 'mnt'));
  },
  readOnlyMount: 'mnt',
});
add('finetune: out is the model itself', ft('--out', 'm'), ['--out', 'm'], withModel);
add('finetune: bad seed', ft('--out', 'out', '--seed', '-1'), ['--seed', '-1'], withModel);
add('finetune: unknown preset', ['finetune', '--model', 'm', '--task', '2', '--out', 'out', '--preset', 'nope'], ['--preset', 'nope'], withModel);
add('finetune: --set __proto__.toString', ft('--out', 'out', '--set', '__proto__.toString=1'), ['__proto__'], withModel);
add('finetune: --set constructor.prototype.x', ft('--out', 'out', '--set', 'constructor.prototype.x=1'), ['constructor'], withModel);
add('finetune: --set bad rounds', ft('--out', 'out', '--set', 'rl.exact.rounds=-1'), ['rl.exact.rounds', '-1'], withModel);
add('finetune: --set duplicate tasks', ft('--out', 'out', '--set', 'tasks=[2,2]'), ['tasks', '2'], withModel);
add(
  'finetune: --env and --set another package',
  ft('--out', 'out', '--env', '@optimpact/additive-env', ...otherPackage),
  ['--env', 'additive-env', 'sequence-env'],
  withModel,
);
add('finetune: --env the model was not trained on', ft('--out', 'out', '--env', '@optimpact/additive-env'), ['--model', 'additive-env', '12', '16'], withModel);
add('finetune: pretrain flag', ft('--out', 'out', '--steps', '3'), ['--steps'], withModel);
add('finetune: unknown flag', ft('--out', 'out', '--bogus'), ['--bogus'], withModel);
add('finetune: --constructor', ft('--out', 'out', '--constructor', 'x'), ['--constructor'], withModel);

// testbed
for (const v of ['1', '0', 'many', '100001']) add(`testbed: --contexts ${JSON.stringify(v)}`, ['testbed', `--contexts=${v}`], ['--contexts', v]);
add('testbed: out not an html file', ['testbed', '--out', 'figure.txt'], ['--out', 'figure.txt']);
add('testbed: out a directory', ['testbed', '--out', 'dir.html'], ['--out', 'dir.html'], { setup: (d) => mkdirSync(join(d, 'dir.html')) });
add('testbed: out under a file', ['testbed', '--out', 'file.txt/f.html'], ['--out', 'file.txt'], { setup: (d) => write(join(d, 'file.txt'), 'x') });
add('testbed: empty out', ['testbed', '--out='], ['--out']);
add('testbed: value given to a switch', ['testbed', '--json=yes'], ['--json', 'yes']);
add('testbed: unknown flag', ['testbed', '--bogus'], ['--bogus']);

// report
add('report: nothing', ['report'], ['--runs']);
add('report: unknown flag', ['report', '--bogus'], ['--bogus']);
add('report: unknown flag with value', ['report', '--runs', 'r', '--out', 'r.html', '--bogus', '1'], ['--bogus'], { setup: (d) => mkdirSync(join(d, 'r')) });
add('report: no out', ['report', '--runs', 'r'], ['--out'], { setup: (d) => mkdirSync(join(d, 'r')) });
add('report: no runs', ['report', '--out', 'r.html'], ['--runs']);
add('report: missing runs directory', ['report', '--runs', 'nowhere', '--out', 'r.html'], ['--runs', 'nowhere']);
add('report: runs is a file', ['report', '--runs', 'file.txt', '--out', 'r.html'], ['--runs', 'file.txt'], { setup: (d) => write(join(d, 'file.txt'), 'x') });
add('report: runs holds no records', ['report', '--runs', 'r', '--out', 'r.html'], ['r'], { setup: (d) => mkdirSync(join(d, 'r')) });
add('report: empty runs', ['report', '--runs=', '--out', 'r.html'], ['--runs']);
add('report: empty out', ['report', '--runs', 'r', '--out='], ['--out'], { setup: (d) => mkdirSync(join(d, 'r')) });
add('report: out is a directory', ['report', '--runs', 'r', '--out', 'dir'], ['--out', 'dir'], {
  setup: (d) => {
    mkdirSync(join(d, 'r'));
    mkdirSync(join(d, 'dir'));
  },
});
add('report: out under a file', ['report', '--runs', 'r', '--out', 'file.txt/r.html'], ['--out', 'file.txt'], {
  setup: (d) => {
    mkdirSync(join(d, 'r'));
    write(join(d, 'file.txt'), 'x');
  },
});
add('report: out in a read-only directory', ['report', '--runs', 'r', '--out', 'ro/r.html'], ['--out', 'ro'], {
  setup: (d) => {
    mkdirSync(join(d, 'r'));
    mkdirSync(join(d, 'ro'));
    chmodSync(join(d, 'ro'), 0o555);
  },
  noOverride: true,
});
add('report: out with a name too long to look at', ['report', '--runs', 'r', '--out', `${'x'.repeat(300)}/r.html`], ['--out', 'ENAMETOOLONG'], {
  setup: (d) => mkdirSync(join(d, 'r')),
});
add('report: runs with a name too long to look at', ['report', '--runs', 'x'.repeat(300), '--out', 'r.html'], ['--runs']);
add('report: duplicate runs', ['report', '--runs', 'r', 'r', '--out', 'r.html'], ['--runs', 'r'], { setup: (d) => mkdirSync(join(d, 'r')) });
add('report: out given twice', ['report', '--runs', 'r', '--out', 'a.html', '--out', 'b.html'], ['--out'], { setup: (d) => mkdirSync(join(d, 'r')) });
add('report: --constructor', ['report', '--constructor', 'x'], ['--constructor']);
add('report: unknown flag before runs', ['report', '--bogus', '--runs', 'r', '--out', 'r.html'], ['--bogus'], { setup: (d) => mkdirSync(join(d, 'r')) });

// study: flags
const study = (...more: string[]): string[] => ['study', '--preset', 'tiny', '--out', 'out', ...more];
add('study: unknown preset', ['study', '--preset', 'nope'], ['--preset', 'nope']);
add('study: out with a name too long to look at', ['study', '--preset', 'tiny', '--out', 'x'.repeat(300)], ['--out', 'ENAMETOOLONG']);
add('study: empty preset', ['study', '--preset='], ['--preset']);
add('study: preset and config both', ['study', '--preset', 'tiny', '--config', 'config.json', '--out', 'out'], ['--preset', '--config'], {
  setup: config(() => undefined),
});
add('study: empty out', ['study', '--preset', 'tiny', '--out='], ['--out']);
add('study: out is a file', ['study', '--preset', 'tiny', '--out', 'file.txt'], ['--out', 'file.txt'], { setup: (d) => write(join(d, 'file.txt'), 'keep me') });
add('study: out under a file', ['study', '--preset', 'tiny', '--out', 'file.txt/study'], ['--out', 'file.txt'], {
  setup: (d) => write(join(d, 'file.txt'), 'keep me'),
});
add('study: out in a read-only directory', ['study', '--preset', 'tiny', '--out', 'ro/study'], ['--out', 'ro'], {
  setup: (d) => {
    mkdirSync(join(d, 'ro'));
    chmodSync(join(d, 'ro'), 0o555);
  },
  noOverride: true,
});
add('study: out on a read-only mount', ['study', '--preset', 'tiny', '--out', 'mnt/study'], ['--out', 'mnt'], {
  setup: (d) => mkdirSync(join(d, 'mnt')),
  readOnlyMount: 'mnt',
});
add('report: out on a read-only mount', ['report', '--runs', 'r', '--out', 'mnt/r.html'], ['--out', 'mnt'], {
  setup: (d) => {
    mkdirSync(join(d, 'r'));
    mkdirSync(join(d, 'mnt'));
  },
  readOnlyMount: 'mnt',
});
add('study: out holds a study of another config', study('--set', 'seeds=[2]'), ['--out', 'out', 'name: "another" in its config.json'], {
  setup: (d) => {
    write(join(d, 'out', 'config.json'), '{"name": "another"}\n');
    write(join(d, 'out', 'config.json.sha256'), `${createHash('sha256').update('{"name": "another"}\n').digest('hex')}\n`);
  },
});
for (const v of ['0', '65', '-1', 'all', '']) add(`study: --jobs ${JSON.stringify(v)}`, study(`--jobs=${v}`), ['--jobs', v]);
for (const v of ['0/2', '3/2', '1/0', 'abc', '1/2/3', '99999999999999999999/1', '1/99999999999999999999', '1/1000000', '2/5', '1/-1', '', '-1/2', '1.5/2'])
  add(`study: --shard ${JSON.stringify(v)}`, study(`--shard=${v}`), ['--shard', v]);
add('study: unknown backend', study('--backend', 'gpu'), ['--backend', 'gpu']);
add('study: a backend that is not installed', study('--backend', 'node'), ['--backend', 'tfjs-node']);
add('study: unknown flag', study('--bogus', 'x'), ['--bogus']);
add('study: --constructor', study('--constructor', 'x'), ['--constructor']);
add('study: --hasOwnProperty', study('--hasOwnProperty', 'x'), ['--hasOwnProperty']);
add('study: positional argument', study('tiny'), ['tiny']);
add('study: preset given twice', study('--preset', 'quick'), ['--preset']);

// study: --set
const sets: readonly [string, readonly string[]][] = [
  ['seeds', ['--set']],
  ['=1', ['--set']],
  ['seeds=[1,1]', ['seeds', '1']],
  ['seeds=[]', ['seeds']],
  ['sizes=["xs","xs"]', ['sizes', 'xs']],
  ['sizes=[]', ['sizes']],
  ['tasks=[2,4,2]', ['tasks', '2']],
  ['tasks=[]', ['tasks']],
  ['tasks=[3]', ['tasks', '3']],
  ['seeds=[-1]', ['seeds', '-1']],
  ['seeds=["1"]', ['seeds', '1']],
  ['seeds=[1.5]', ['seeds', '1.5']],
  ['seeds=abc', ['seeds', 'abc']],
  ['sizes=["xxl"]', ['sizes', 'xxl']],
  ['constructor.prototype.x=1', ['constructor']],
  ['__proto__.toString=1', ['__proto__']],
  ['__proto__=1', ['__proto__']],
  ['data.__proto__.x=1', ['__proto__']],
  ['rl.exact.constructor=1', ['constructor']],
  ['environment.options={"__proto__":{"x":1}}', ['__proto__']],
  ['prototype=1', ['prototype']],
  ['bogus=1', ['bogus']],
  ['data.bogus=1', ['data.bogus']],
  ['a..b=1', ['a..b']],
  ['data=null', ['data', 'null']],
  ['data.testContexts=50', ['data.testContexts', '50']],
  ['data.sequenceLength=5', ['data.sequenceLength', '5']],
  ['pretrain.learningRate=NaN', ['pretrain.learningRate', 'NaN']],
  ['pretrain.learningRate=1e999', ['pretrain.learningRate']],
  ['pretrain.learningRate=-0.1', ['pretrain.learningRate', '-0.1']],
  ['pretrain.steps={"s": 3}', ['pretrain.steps', 'xs']],
  ['pretrain.steps={"xs": 3, "huge": 4}', ['pretrain.steps', 'huge']],
  ['rl={}', ['rl']],
  ['rl.greedy={}', ['rl.greedy']],
  ['rl.exact.batchSize=0', ['rl.exact.batchSize', '0']],
  ['rl.exact.rounds={}', ['rl.exact.rounds']],
  ['rl.exact.epsilon=2', ['rl.exact.epsilon', '2']],
  ['measure.contexts=1', ['measure.contexts', '1']],
  ['measure.references=["bogus"]', ['measure.references', 'bogus']],
  ['measure.references=["fixed","fixed"]', ['measure.references', 'fixed']],
  ['environment.package="no-such-env"', ['environment.package', 'no-such-env']],
  ['environment.options={"nosie":0.3}', ['environment.options.nosie', 'sequence-env']],
  ['environment.options.goodSets="nested"', ['environment.options.goodSets', 'nested']],
  ['name=42', ['name', '42']],
  [`seeds=${nested(60_000)}`, ['seeds']], // one argument holds at most 128 KiB
  [`${'a.'.repeat(10_000)}b=1`, ['--set']],
];
for (const [s, names] of sets) add(`study: --set ${s.length > 60 ? `${s.slice(0, 40)}… (${s.length} chars)` : s}`, study('--set', s), names);

add('study: unknown --env', ['study', '--preset', 'tiny', '--out', 'out', '--env', 'no-such-env'], ['--env', 'no-such-env']);
add(
  'study: --env and --set another package',
  ['study', '--preset', 'tiny', '--out', 'out', '--env', '@optimpact/additive-env', ...otherPackage],
  ['--env', 'additive-env', 'sequence-env'],
);

// study: config files
const cfg = (...more: string[]): string[] => ['study', '--config', 'config.json', '--out', 'out', ...more];
add('study: config missing', cfg(), ['--config', 'config.json']);
add('study: config a directory', cfg(), ['--config', 'config.json'], { setup: (d) => mkdirSync(join(d, 'config.json')) });
add('study: config null, with --set', cfg('--set', 'seeds=[1]'), ['--set', 'null'], { setup: configText('null') });
add('study: config a number, with --set', cfg('--set', 'seeds=[1]'), ['--set', 'number'], { setup: configText('7') });
add('study: config empty', cfg(), ['--config', 'config.json'], { setup: configText('') });
add('study: config not JSON', cfg(), ['--config', 'config.json'], { setup: configText('sizes: [xs]') });
add('study: config truncated', cfg(), ['--config', 'config.json'], { setup: configText(() => JSON.stringify(tiny()).slice(0, 200)) });
add('study: config an array', cfg(), ['--config', 'config.json'], { setup: configText('[]') });
add('study: config null', cfg(), ['--config', 'config.json'], { setup: configText('null') });
add('study: config a number', cfg(), ['--config', 'config.json'], { setup: configText('42') });
add('study: config 100k nested arrays', cfg(), ['--config', 'config.json'], { setup: configText(() => nested(100_000)) });
add('study: config 100k nested objects', cfg(), ['--config', 'config.json'], { setup: configText(() => `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`) });
add('study: config nested 1000 deep in options', cfg(), ['--config', 'config.json'], {
  setup: config((c) => {
    c.environment.options = JSON.parse(`${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`);
  }),
});
add('study: config of 64 MB', cfg(), ['--config', 'config.json'], {
  setup: configText(() => `${JSON.stringify(tiny()).slice(0, -1)}, "pad": "${'x'.repeat(64 << 20)}"}`),
});
add('study: config a device', ['study', '--config', '/dev/zero', '--out', 'out'], ['--config', '/dev/zero']);
add('study: config with a byte-order mark and garbage', cfg(), ['--config', 'config.json'], { setup: configText('\ufeff{"name": }') });
const bad: readonly [string, (c: Record<string, any>) => void, readonly string[]][] = [
  [
    'prototype key',
    (c) => {
      c['prototype'] = {};
    },
    ['prototype'],
  ],
  [
    'constructor key',
    (c) => {
      c['constructor'] = { prototype: { x: 1 } };
    },
    ['constructor'],
  ],
  [
    'unknown key',
    (c) => {
      c['extra'] = 1;
    },
    ['extra'],
  ],
  [
    'unknown nested key',
    (c) => {
      c.data.extra = 1;
    },
    ['data.extra'],
  ],
  [
    'duplicate seeds',
    (c) => {
      c.seeds = [1, 2, 1];
    },
    ['seeds', '1'],
  ],
  [
    'empty seeds',
    (c) => {
      c.seeds = [];
    },
    ['seeds'],
  ],
  [
    'duplicate sizes',
    (c) => {
      c.sizes = ['xs', 'xs'];
    },
    ['sizes', 'xs'],
  ],
  [
    'empty sizes',
    (c) => {
      c.sizes = [];
    },
    ['sizes'],
  ],
  [
    'duplicate tasks',
    (c) => {
      c.tasks = [6, 6];
    },
    ['tasks', '6'],
  ],
  [
    'empty tasks',
    (c) => {
      c.tasks = [];
    },
    ['tasks'],
  ],
  [
    'a task of another environment',
    (c) => {
      c.tasks = [5];
    },
    ['tasks', '5'],
  ],
  [
    'missing section',
    (c) => {
      delete c.measure;
    },
    ['measure'],
  ],
  [
    'name not a string',
    (c) => {
      c.name = ['x'];
    },
    ['name'],
  ],
  [
    'negative test contexts',
    (c) => {
      c.data.testContexts = -1;
    },
    ['data.testContexts', '-1'],
  ],
  [
    'string seed',
    (c) => {
      c.seeds = ['one'];
    },
    ['seeds', 'one'],
  ],
  [
    'fractional steps',
    (c) => {
      c.pretrain.steps = 2.5;
    },
    ['pretrain.steps', '2.5'],
  ],
  [
    'unknown rule',
    (c) => {
      c.rl.greedy = c.rl.exact;
    },
    ['rl.greedy'],
  ],
  [
    'rule settings null',
    (c) => {
      c.rl.exact = null;
    },
    ['rl.exact', 'null'],
  ],
  [
    'per-size value for an unknown size',
    (c) => {
      c.rl.exact.rounds = { xs: 6, xxl: 1 };
    },
    ['rl.exact.rounds', 'xxl'],
  ],
  [
    'environment package missing',
    (c) => {
      c.environment.package = 'no-such-env';
    },
    ['environment.package', 'no-such-env'],
  ],
  [
    'environment options an array',
    (c) => {
      c.environment.options = [];
    },
    ['environment.options'],
  ],
  [
    'duplicate references',
    (c) => {
      c.measure.references = ['uniform', 'uniform'];
    },
    ['measure.references', 'uniform'],
  ],
  [
    'huge seed',
    (c) => {
      c.seeds = [2 ** 40];
    },
    ['seeds', String(2 ** 40)],
  ],
];
for (const [what, edit, names] of bad) add(`study: config with ${what}`, cfg(), names, { setup: config(edit) });
add('study: config with __proto__ key in JSON text', cfg(), ['__proto__'], {
  setup: configText(() => JSON.stringify(tiny()).replace('{', '{"__proto__": {"polluted": true},')),
});
add('study: config with a duplicate key', cfg(), ['seeds'], { setup: configText(() => JSON.stringify(tiny()).replace('{', '{"seeds": [5],')) });

// Output locations that no mode or mount reveals: a file system that takes no new entries (/proc, where
// even root's write check passes) and a named pipe. Every command that writes must refuse them before any work.
const PROC = '/proc/optimpact-nope';
const fifo =
  (name: string) =>
  (d: string): void => {
    const r = spawnSync('mkfifo', [join(d, name)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mkfifo ${name}: ${r.stderr}`);
  };
const withRuns = (d: string): void => mkdirSync(join(d, 'r'));
if (existsSync('/proc/self')) {
  add('pretrain: out in /proc', ['pretrain', '--size', 'xs', '--out', PROC], ['--out', PROC]);
  add('finetune: out in /proc', ['finetune', '--model', 'm', '--task', '2', '--out', PROC], ['--out', PROC], withModel);
  add('testbed: out in /proc', ['testbed', '--out', `${PROC}.html`], ['--out', `${PROC}.html`]);
  add('study: out in /proc', ['study', '--preset', 'tiny', '--out', PROC], ['--out', PROC]);
  add('report: out in /proc', ['report', '--runs', 'r', '--out', `${PROC}.html`], ['--out', `${PROC}.html`], { setup: withRuns });
}
add('pretrain: out a named pipe', ['pretrain', '--size', 'xs', '--out', 'pipe'], ['--out', 'pipe'], { setup: fifo('pipe') });
add('finetune: out a named pipe', ft('--out', 'pipe'), ['--out', 'pipe'], {
  setup: (d) => {
    withModel.setup(d);
    fifo('pipe')(d);
  },
});
add('testbed: out a named pipe', ['testbed', '--out', 'pipe.html'], ['--out', 'pipe.html'], { setup: fifo('pipe.html') });
add('study: out a named pipe', ['study', '--preset', 'tiny', '--out', 'pipe'], ['--out', 'pipe'], { setup: fifo('pipe') });
add('report: out a named pipe', ['report', '--runs', 'r', '--out', 'pipe.html'], ['--out', 'pipe.html'], {
  setup: (d) => {
    withRuns(d);
    fifo('pipe.html')(d);
  },
});

// ---------- the runner ----------

type Snapshot = Map<string, string>;
/** Every path under `dir` with its size and modification time (directories included). */
function snapshot(dir: string, into: Snapshot = new Map()): Snapshot {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    into.set(p, `${s.isDirectory() ? 'd' : s.size}:${s.mtimeMs}`);
    if (s.isDirectory()) snapshot(p, into);
  }
  return into;
}
const changes = (a: Snapshot, b: Snapshot): string[] =>
  [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).map((k) => `${b.has(k) ? (a.has(k) ? 'changed' : 'new') : 'removed'} ${k}`);

interface Outcome {
  readonly c: Case;
  readonly status: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly written: string[];
  readonly timedOut: boolean;
}

const STACK_TRACE = /^\s+at \S.*(\d+:\d+\)?|<anonymous>\)?|native\)?)$/m;

function runCase(c: Case, i: number): Promise<Outcome> {
  const dir = join(root, `case-${String(i).padStart(3, '0')}`);
  mkdirSync(dir);
  c.setup?.(dir);
  const before = snapshot(dir);
  const argv = [main, ...c.args];
  // Root ignores a directory's mode: drop the capability that lets it, so that chmod 555 means read-only.
  let [cmd, args]: [string, string[]] = [process.execPath, argv];
  if (c.readOnlyMount !== undefined && canMount) {
    [cmd, args] = ['unshare', ['-m', '--', 'sh', '-c', 'mount -t tmpfs -o ro,size=64k tmpfs "$1" && shift && exec "$@"', 'sh', c.readOnlyMount, cmd, ...args]];
  } else if (c.readOnlyMount !== undefined) {
    chmodSync(join(dir, c.readOnlyMount), 0o555); // not root: a read-only mode is as good
  }
  if (c.noOverride && isRoot) [cmd, args] = ['setpriv', ['--bounding-set=-dac_override', '--', cmd, ...args]];
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: dir, env: { ...process.env, CI: 'true' } });
    let stdout = '',
      stderr = '',
      timedOut = false;
    child.stdout.on('data', (b: Buffer) => {
      if (stdout.length < 100_000) stdout += b.toString('utf8');
    });
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 100_000) stderr += b.toString('utf8');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    let finished = false;
    const finish = (status: number | null, signal: string | null): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const written = changes(before, snapshot(dir));
      chmodSync(dir, 0o755);
      for (const p of readdirSync(dir))
        try {
          chmodSync(join(dir, p), 0o755);
        } catch {
          /* a dangling entry */
        }
      rmSync(dir, { recursive: true, force: true }); // huge fixtures must not pile up
      done({ c, status, signal, stdout, stderr, written, timedOut });
    };
    child.on('error', (e) => {
      stderr += `could not start: ${e.message}\n`;
      finish(null, null);
    });
    child.on('close', finish);
  });
}

async function runAll(list: readonly Case[], parallel: number): Promise<Outcome[]> {
  const out: Outcome[] = new Array(list.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const i = next++;
      out[i] = await runCase(list[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}

/** What is wrong with an outcome: empty when it is a clear error. */
function faults(o: Outcome): { stack: boolean; exit: boolean; written: boolean; unclear: string[] } {
  const lines = o.stderr.split('\n').filter((l) => l.trim() !== '');
  const stack = STACK_TRACE.test(o.stderr) || STACK_TRACE.test(o.stdout);
  const unclear: string[] = [];
  if (lines.length !== 1) unclear.push(`${lines.length} stderr lines`);
  if (o.stdout !== '') unclear.push('stdout not empty');
  const line = lines[0] ?? '';
  const missing = o.c.names.filter((n) => !line.includes(n));
  if (missing.length > 0) unclear.push(`line does not name ${missing.map((m) => JSON.stringify(m)).join(', ')}`);
  return { stack, exit: o.status !== 2, written: o.written.length > 0, unclear };
}

describe('bad input, all of it', () => {
  let outcomes: Outcome[] = [];

  beforeAll(async () => {
    mkdirSync(fixtures);
    // an xs model pretrained 0 steps into `to`, on the environment `--set` names
    const fixtureModel = (to: string, ...set: string[]): void => {
      const unit = `${to}-unit`;
      const r = spawnSync(process.execPath, [main, 'pretrain', '--size', 'xs', '--preset', 'tiny', '--steps', '0', ...set, '--out', unit], {
        encoding: 'utf8',
        env: { ...process.env, CI: 'true' },
      });
      if (r.status !== 0) throw new Error(`could not make the fixture model ${to}: ${r.stderr}`);
      cpSync(join(unit, 'model'), to, { recursive: true });
    };
    fixtureModel(model);
    fixtureModel(additiveModel, '--set', 'environment.package="@optimpact/additive-env"');
    const only = process.env['CORPUS_ONLY'];
    const list = only ? cases.filter((c) => new RegExp(only).test(c.name)) : cases;
    outcomes = await runAll(list, Math.max(1, Math.min(4, cpus().length)));
  }, 20 * 60_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('holds at least 200 cases across all six commands and config files', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    for (const prefix of ['measure:', 'study:', 'pretrain:', 'finetune:', 'report:', 'differential:', 'study: config']) {
      expect(cases.filter((c) => c.name.startsWith(prefix)).length).toBeGreaterThanOrEqual(5);
    }
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('answers every case with a clear error: exit 2, one line naming it, no stack trace, nothing written', () => {
    const counts = { cases: outcomes.length, clear: 0, unclear: 0, stackTraces: 0, wrongExitCodes: 0, filesWritten: 0, timedOut: 0 };
    const report: string[] = [];
    for (const o of outcomes) {
      const f = faults(o);
      counts.stackTraces += Number(f.stack);
      counts.wrongExitCodes += Number(f.exit);
      counts.filesWritten += Number(f.written);
      counts.timedOut += Number(o.timedOut);
      const clear = !f.stack && !f.exit && !f.written && f.unclear.length === 0;
      counts.clear += Number(clear);
      counts.unclear += Number(!clear && !f.stack && !f.exit && !f.written);
      if (!clear) {
        const why = [
          f.stack && 'stack trace',
          f.exit && `exit ${o.status ?? o.signal}${o.timedOut ? ' (timed out)' : ''}`,
          f.written && `wrote ${o.written.length} path(s), e.g. ${o.written[0]}`,
          ...f.unclear,
        ]
          .filter(Boolean)
          .join('; ');
        report.push(
          `${o.c.name} [optimpact ${o.c.args.map((a) => (a.length > 50 ? `${a.slice(0, 30)}…` : a)).join(' ')}]: ${why}\n    stderr: ${o.stderr.trim().split('\n').slice(0, 3).join(' | ').slice(0, 300)}`,
        );
      }
    }
    process.stdout.write(`bad-input corpus: ${JSON.stringify(counts)}\n${report.join('\n')}\n`);
    expect({ ...counts, failures: report }).toEqual({
      ...counts,
      clear: outcomes.length,
      unclear: 0,
      stackTraces: 0,
      wrongExitCodes: 0,
      filesWritten: 0,
      timedOut: 0,
      failures: [],
    });
  });
});
