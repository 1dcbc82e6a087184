/**
 * Environments as a user names them (docs/extending.md#an-environment): a package of their own, found from
 * where they ran the command (`pnpm optimpact` runs the CLI there: apps/cli/test/cwd.test.ts). Real
 * processes of the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const additiveEnv = pathToFileURL(fileURLToPath(new URL('../../../packages/additive-env/dist/index.js', import.meta.url))).href;
const tmp = mkdtempSync(join(tmpdir(), 'optimpact-environments-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Run = { status: number | null; stdout: string; stderr: string };
/** The CLI run in `cwd`, where `pnpm optimpact` runs it when the command is typed there. */
const run = (args: readonly string[], o: { cwd?: string } = {}): Run =>
  spawnSync(process.execPath, [main, ...args], { cwd: o.cwd ?? tmp, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
const ideal = (env: string): string[] => ['measure', '--env', env, '--policy', 'ideal', '--contexts', '20', '--repeats', '2', '--json'];
const oneLine = (r: Run): void => {
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
};

/** A package `name` in `dir` whose entry re-exports the additive environment. */
function envPackage(dir: string, name: string): void {
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', exports: { '.': { default: './dist/index.js' } } }));
  writeFileSync(join(dir, 'dist', 'index.js'), `export * from ${JSON.stringify(additiveEnv)};\n`);
}

describe('--env PACKAGE', () => {
  it('finds a package installed where the user ran the command, not only among its own dependencies', () => {
    const project = join(tmp, 'project');
    envPackage(join(project, 'node_modules', '@someone', 'their-env'), '@someone/their-env');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'project' }));
    const elsewhere = join(tmp, 'elsewhere');
    mkdirSync(elsewhere);
    expect(run(ideal('@someone/their-env'), { cwd: elsewhere }).status).toBe(2);
    const r = run(ideal('@someone/their-env'), { cwd: project });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // the additive environment's ideal policy on n_good = 2: success (1 − ε) + ε·2/6 exactly, ε = 0.1
    expect(JSON.parse(r.stdout).s.mean).toBeCloseTo(0.9 + 0.1 * (2 / 6), 12);
  });

  it('finds a workspace package by its own name when run from its directory (pnpm -w optimpact …)', () => {
    const pkg = join(tmp, 'packages', 'my-env');
    envPackage(pkg, '@optimpact/my-env');
    expect(run(ideal('@optimpact/my-env'), { cwd: pkg }).status).toBe(0);
  });

  it('names the step that links a workspace package when the name is found nowhere', () => {
    const r = run(ideal('@optimpact/not-linked-env'));
    expect(r.status).toBe(2);
    oneLine(r);
    expect(r.stderr).toContain(`--env: cannot load environment package "@optimpact/not-linked-env"`);
    expect(r.stderr).toContain(`pnpm add -w '@optimpact/not-linked-env@workspace:*'`);
  });
});

describe('pretrain and finetune --env', () => {
  const vocabulary = (unit: string): number =>
    JSON.parse(readFileSync(join(unit, 'model', 'model.json'), 'utf8')).userDefinedMetadata.optimpact.config.vocabSize as number;

  it('pretrain --env makes a model of that environment, and finetune --env fine-tunes it there', () => {
    const pre = join(tmp, 'additive-pretrain');
    const p = run(['pretrain', '--size', 'xs', '--preset', 'tiny', '--steps', '0', '--env', '@optimpact/additive-env', '--out', pre]);
    expect(p.status).toBe(0);
    expect(vocabulary(pre)).toBe(12); // the additive environment's tokens, not the default's 16
    const fine = join(tmp, 'additive-finetune');
    const f = run([
      'finetune',
      '--model',
      pre,
      '--task',
      '2',
      '--preset',
      'tiny',
      '--set',
      'rl.exact.rounds=1',
      '--env',
      '@optimpact/additive-env',
      '--out',
      fine,
    ]);
    expect(f.status).toBe(0);
    expect(vocabulary(fine)).toBe(12);
  });
});

describe("measure, differential and finetune on a model's own environment", () => {
  const unit = join(tmp, 'noisy-additive');
  const measure = (...more: string[]) => run(['measure', '--policy', unit, '--task', '5', '--contexts', '20', '--repeats', '2', '--json', ...more]);

  beforeAll(() => {
    const goodSets = '[[0],[0,1,2,3,4]]';
    const p = run([
      'pretrain',
      '--size',
      'xs',
      '--preset',
      'tiny',
      '--steps',
      '0',
      '--env',
      '@optimpact/additive-env',
      '--set',
      'environment.options={"noise":1}',
      '--set',
      `goodSets=${goodSets}`,
      '--set',
      'data.explore={"epsilon":0.25,"behaviour":"uniform"}',
      '--out',
      unit,
    ]);
    if (p.status !== 0) throw new Error(p.stderr);
  });

  it('records the floor of a perfect model of its exploratory data beside the entropy floor', () => {
    const m = JSON.parse(readFileSync(join(unit, 'run.json'), 'utf8')).metrics;
    // noise 1 makes every next-token law uniform over the 6 actions (ln 6), so mixing in a uniform behaviour changes nothing
    expect(m.floorLoss).toBeCloseTo(Math.log(6), 12);
    expect(m.mixtureFloorLoss).toBeCloseTo(m.floorLoss, 12);
    expect(m.exploredMixtureFloorLoss).toBeCloseTo(m.exploredFloorLoss, 12);
    // ε = 1 and a behaviour that never takes five of the six actions: no model of those data can reach the law (an
    // infinite floor), which the record leaves out rather than write a non-number
    const only = join(tmp, 'one-action');
    const args = ['pretrain', '--size', 'xs', '--preset', 'tiny', '--steps', '0', '--env', '@optimpact/additive-env'];
    const p = run([...args, '--set', 'environment.options={"noise":1}', '--set', 'data.explore={"epsilon":1,"behaviour":[1,0,0,0,0,0]}', '--out', only]);
    expect(p.status).toBe(0);
    const o = JSON.parse(readFileSync(join(only, 'run.json'), 'utf8')).metrics;
    expect(o.exploredFloorLoss).toBeCloseTo(Math.log(6), 12);
    expect(o).not.toHaveProperty('mixtureFloorLoss');
    expect(o).not.toHaveProperty('exploredMixtureFloorLoss');
  });

  it("takes the package, options and good sets from the unit's record", () => {
    const r = measure();
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(j.task).toBe(5); // a good set of the record's, not one of the environment's own tasks (1, 2, 3)
    // noise 1: every outcome uniform over 0..5 whatever the action, so success is 5/6 exactly
    expect(j.s.mean).toBeCloseTo(5 / 6, 12);
  });

  it('lets --set change an option the record gave', () => {
    const j = JSON.parse(measure('--set', 'environment.options.noise=0').stdout);
    // noise 0: each outcome is certain, so each repeat's success is a whole number of its 20 contexts
    expect(Math.abs(j.s.mean * 40 - Math.round(j.s.mean * 40))).toBeLessThan(1e-9);
  });

  it("differential takes the environment from the unit's record", () => {
    const sites = ['--p', 'embed', '--a', 'blocks.0.resid', '--f', 'logits', '--contexts', '2', '--json'];
    const r = run(['differential', '--model', unit, ...sites]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).env).toContain('additive');
    // the default environment named explicitly does not fit the model (12 tokens, not 16)
    expect(run(['differential', '--model', unit, ...sites, '--env', '@optimpact/sequence-env']).status).toBe(2);
  });

  it("finetune takes the environment, good sets and data from the pretrained unit's record; --set still changes them", () => {
    const finetune = (out: string, ...more: string[]) =>
      run(['finetune', '--model', unit, '--task', '5', '--preset', 'tiny', '--set', 'rl.exact.rounds=1', '--out', join(tmp, out), ...more]);
    const config = (out: string) => JSON.parse(readFileSync(join(tmp, out, 'run.json'), 'utf8')).config;
    const f = finetune('noisy-finetune');
    expect(f.status).toBe(0);
    const c = config('noisy-finetune');
    expect(c.environment).toEqual({ package: '@optimpact/additive-env', options: { noise: 1 } });
    expect(c.goodSets).toEqual({ 1: [0], 5: [0, 1, 2, 3, 4] });
    expect(c.data.explore).toEqual({ epsilon: 0.25, behaviour: 'uniform' }); // the pretraining's, not the tiny preset's (none)
    expect(finetune('quiet-finetune', '--set', 'environment.options.noise=0').status).toBe(0);
    expect(config('quiet-finetune').environment.options).toEqual({ noise: 0 });
  });
});
