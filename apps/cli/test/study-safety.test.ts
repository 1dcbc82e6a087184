/**
 * End-to-end (slow): a study fails loudly and safely. Each finding of issue 19 it covers is named:
 * (1) exit status, (2) corrupt models, (3) a lock on --out, (4) write failures, (6) resource bounds,
 * (7) silent decisions. Real runs of the tiny preset (one size × seed chain), real processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'optimpact-safety-'));
const env = { ...process.env, CI: 'true' };
const CHAIN = ['--preset', 'tiny', '--set', 'tasks=[2]'];
type Run = { status: number | null; stdout: string; stderr: string };
const study = (out: string, ...more: string[]): Run => spawnSync(process.execPath, [main, 'study', ...CHAIN, '--out', out, ...more], { encoding: 'utf8', env });
const studyAsync = (out: string): Promise<Run> =>
  new Promise((done) => {
    const p = spawn(process.execPath, [main, 'study', ...CHAIN, '--out', out], { env });
    let stdout = '',
      stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.on('exit', (status) => done({ status, stdout, stderr }));
  });
const noStack = (r: Run) => expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at .+\(|node:internal/);

/** The numbers of every record, without timings and provenance. */
function numbers(dir: string): Record<string, unknown> {
  const runs = join(dir, 'runs');
  return Object.fromEntries(
    readdirSync(runs)
      .sort()
      .map((id) => {
        const { provenance: _p, timings: _t, ...rest } = JSON.parse(readFileSync(join(runs, id, 'run.json'), 'utf8')) as Record<string, unknown>;
        return [id, rest];
      }),
  );
}

describe('a study on one --out', () => {
  const out = join(tmp, 'main');
  let reference: Record<string, unknown>;

  it('(3) runs once when three are started together: the others are refused, naming the holder', async () => {
    const runs = await Promise.all([studyAsync(out), studyAsync(out), studyAsync(out)]);
    const ok = runs.filter((r) => r.status === 0),
      refused = runs.filter((r) => r.status === 2);
    expect([ok.length, refused.length]).toEqual([1, 2]);
    for (const r of refused) {
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`is in use by another study \\(pid \\d+ on ${hostname()}, started \\d{4}-\\d\\d-\\d\\dT`));
    }
    const left = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.tmp-'));
    expect(left).toEqual([]);
    expect(existsSync(join(out, '.lock'))).toBe(false);
    reference = numbers(out);
    expect(Object.keys(reference).sort()).toEqual(['generator', 'xs-s1-n2-exact', 'xs-s1-n2-positive', 'xs-s1-pretrain']);
  }, 1_200_000);

  it('(3) takes over the stale lock of a killed run, and (7) cleans top-level temporaries', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(out, '.lock'), JSON.stringify({ pid: gone, host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
    writeFileSync(join(out, 'summary.json.tmp-1-deadbeef'), 'half');
    const r = study(out);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`its holder (pid ${gone} on ${hostname()}, started 2026-01-01T00:00:00.000Z) is gone`);
    expect(existsSync(join(out, 'summary.json.tmp-1-deadbeef'))).toBe(false);
    expect(numbers(out)).toEqual(reference);
  }, 600_000);

  it('(1) refuses to resume under another config before writing anything, naming the first field that differs', () => {
    const r = study(out, '--set', 'seeds=[2]');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `optimpact study: --out: ${out} holds a study with another config (seeds: [1] in its config.json, [2] here); use another --out`,
    ]);
    noStack(r);
    expect(existsSync(join(out, '.lock'))).toBe(false);
    expect(numbers(out)).toEqual(reference);
  });

  it('(7) reuses a unit copied from another study only when its own settings are the same; recomputes the others, naming the field', () => {
    const other = join(tmp, 'copied');
    for (const id of ['xs-s1-pretrain', 'xs-s1-n2-exact', 'xs-s1-n2-positive']) cpSync(join(out, 'runs', id), join(other, 'runs', id), { recursive: true });
    // a unit directory that is no unit of this study (its record's id is one of them): left out, and said
    cpSync(join(out, 'runs', 'xs-s1-n2-exact'), join(other, 'runs', 'xs-s1-n2-reinforce'), { recursive: true });
    const r = study(other, '--set', 'rl.positive.rounds=3');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('4 units, 2 already done');
    expect(r.stdout).toMatch(/: done \(3\/4 units; ETA /); // the units already done count
    expect(r.stdout).toContain('not units of this study, left out of its summary and report: runs/xs-s1-n2-reinforce\n');
    const summary = JSON.parse(readFileSync(join(other, 'summary.json'), 'utf8')) as { models: { id: string }[] };
    expect(summary.models.map((m) => m.id).sort()).toEqual(['xs-s1-n2-exact', 'xs-s1-n2-positive']);
    expect(readFileSync(join(other, 'report.html'), 'utf8')).not.toContain('xs-s1-n2-reinforce');
    expect(r.stdout).toContain('recomputing xs-s1-n2-positive: made with another config (rl.rounds: 6 in its record, 3 in this study)\n');
    expect(r.stdout).not.toMatch(/recomputing xs-s1-(pretrain|n2-exact)/);
    const copied = numbers(other) as Record<string, { config: { rl: { rounds: number } } }>;
    expect(copied['xs-s1-pretrain']).toEqual(reference['xs-s1-pretrain']);
    expect(copied['xs-s1-n2-exact']).toEqual(reference['xs-s1-n2-exact']);
    expect(copied['xs-s1-n2-positive']!.config.rl.rounds).toBe(3);
  }, 600_000);

  it('(7) recomputes the units of models made with another build of the kernels, naming it; the baseline stands', () => {
    const other = join(tmp, 'kernels');
    cpSync(out, other, { recursive: true });
    const r = spawnSync(process.execPath, [main, 'study', ...CHAIN, '--out', other], { encoding: 'utf8', env: { ...env, OPTIMPACT_KERNELS: 'fma' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('4 units, 1 already done');
    expect(r.stdout).toContain('recomputing xs-s1-pretrain: made with other numerics (wasm with simd kernels in its record, wasm with fma kernels here)\n');
    expect(r.stdout).toContain('recomputing xs-s1-n2-exact: ');
    expect(r.stdout).not.toContain('recomputing generator');
  }, 600_000);

  it('(7) recomputes a fine-tuning copied in from a study with another pretrained model, though its own settings are the same', () => {
    const other = join(tmp, 'fewer-steps');
    expect(study(other, '--set', 'pretrain.steps=20').status).toBe(0);
    const own = numbers(other);
    rmSync(join(other, 'runs', 'xs-s1-n2-exact'), { recursive: true });
    cpSync(join(out, 'runs', 'xs-s1-n2-exact'), join(other, 'runs', 'xs-s1-n2-exact'), { recursive: true });
    const r = study(other, '--set', 'pretrain.steps=20');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/recomputing xs-s1-n2-exact: fine-tuned from another model than xs-s1-pretrain's \(checksum [0-9a-f]{64} in its record\)\n/);
    expect(r.stdout).not.toMatch(/recomputing xs-s1-(pretrain|n2-positive)/);
    expect(numbers(other)).toEqual(own);
  }, 600_000);

  it("(7) fine-tunes from a finished pretraining's checked model, not from a stray model.json beside its record", () => {
    const other = join(tmp, 'stray-model');
    cpSync(out, other, { recursive: true });
    const pretrain = join(other, 'runs', 'xs-s1-pretrain');
    // another model (fewer pretraining steps, from the test above) dropped in beside the record
    cpSync(join(tmp, 'fewer-steps', 'runs', 'xs-s1-pretrain', 'model'), pretrain, { recursive: true });
    rmSync(join(other, 'runs', 'xs-s1-n2-exact'), { recursive: true });
    const r = study(other);
    expect(r.status).toBe(0);
    expect(numbers(other)).toEqual(reference);
  }, 600_000);

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '(3, 7) gives its lock back when interrupted by %s, and resumes to the same numbers',
    async (signal) => {
      const other = join(tmp, `interrupted-${signal}`);
      const p = spawn(process.execPath, [main, 'study', ...CHAIN, '--out', other], { env });
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // the run's first line comes once it holds the lock
      await new Promise<void>((started) => p.stdout.once('data', () => started()));
      p.kill(signal);
      const [, died] = (await once(p, 'exit')) as [number | null, NodeJS.Signals | null];
      expect(died).toBe(signal);
      expect(stderr).toContain(`study interrupted (${signal}); run the same command again to resume`);
      expect(existsSync(join(other, '.lock'))).toBe(false);
      const r = study(other);
      expect(r.status).toBe(0);
      expect(r.stderr).not.toContain('taking over');
      expect(numbers(other)).toEqual(reference);
    },
    600_000,
  );

  it('(2, 7) recomputes a corrupt pretrained model and its fine-tunings, one line each; report refuses it meanwhile', () => {
    const weights = join(out, 'runs', 'xs-s1-pretrain', 'model', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(weights, bytes);
    const report = spawnSync(process.execPath, [main, 'report', '--runs', out, '--out', join(tmp, 'r.html')], { encoding: 'utf8' });
    expect(report.status).not.toBe(0);
    expect(report.stderr).toContain(`${join(out, 'runs', 'xs-s1-pretrain')}: model/ does not match the checksum in run.json`);
    const r = study(out);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('recomputing xs-s1-pretrain: model/ does not match the checksum in run.json (corrupted or edited)\n');
    expect(r.stdout).toContain('recomputing xs-s1-n2-exact: depends on xs-s1-pretrain, which is recomputed\n');
    expect(r.stdout).toContain('recomputing xs-s1-n2-positive: depends on xs-s1-pretrain, which is recomputed\n');
    expect(r.stdout).not.toContain('recomputing generator');
    expect(numbers(out)).toEqual(reference);
  }, 600_000);

  it('(7) study and report apply one rule: a record without its .sha256 is unfinished for both', () => {
    rmSync(join(out, 'runs', 'generator', 'run.json.sha256'));
    const report = spawnSync(process.execPath, [main, 'report', '--runs', out, '--out', join(tmp, 'r.html')], { encoding: 'utf8' });
    expect(report.status).toBe(0);
    expect(readFileSync(join(tmp, 'r.html'), 'utf8')).toContain('1 unfinished (no .sha256 beside run.json), not shown');
    const r = study(out);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('recomputing generator: run.json has no .sha256 (its write did not finish)\n');
    expect(numbers(out)).toEqual(reference);
  }, 600_000);

  it('(1, 4, 7) exits 1 listing each failed unit, and leaves no summary or report of the previous run', () => {
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    // A unit whose directory cannot be written: neither its model nor its failure record.
    rmSync(join(out, 'runs', 'xs-s1-n2-positive'), { recursive: true });
    writeFileSync(join(out, 'runs', 'xs-s1-n2-positive'), 'not a directory');
    const r = study(out);
    expect(r.status).toBe(1);
    noStack(r);
    const failed = r.stderr.split('\n').filter((l) => l.startsWith('FAILED '));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^FAILED xs-s1-n2-positive: cannot write .*xs-s1-n2-positive.*; its failure record was not written either \(cannot write /);
    expect(r.stderr).toMatch(/1 unit\(s\) failed or were skipped/);
    for (const f of ['summary.json', 'summary.json.sha256', 'report.html']) expect(existsSync(join(out, f))).toBe(false);
    // Resumable once the cause is gone.
    rmSync(join(out, 'runs', 'xs-s1-n2-positive'));
    const again = study(out);
    expect(again.status).toBe(0);
    expect(numbers(out)).toEqual(reference);
  }, 900_000);
});

describe('(7) a study killed in the middle of a pretraining goes on from its checkpoint', () => {
  const LONGER = ['--set', 'pretrain.steps.xs=400'];
  const pretrainDir = (out: string) => join(out, 'runs', 'xs-s1-pretrain');
  const pretrainRecord = (out: string) => JSON.parse(readFileSync(join(pretrainDir(out), 'run.json'), 'utf8')) as { resumedAt?: number[] };
  const killed = join(tmp, 'killed');
  let reference: Record<string, unknown>;

  it('is killed (SIGKILL) once a checkpoint is on disk, leaving no record of the pretraining', async () => {
    const r = study(join(tmp, 'unbroken'), ...LONGER, '--checkpoint-every', '0');
    expect(r.status).toBe(0);
    reference = numbers(join(tmp, 'unbroken'));
    const p = spawn(process.execPath, [main, 'study', ...CHAIN, ...LONGER, '--checkpoint-every', '1', '--out', killed], { env });
    const state = join(pretrainDir(killed), 'checkpoint', 'state.json');
    while (!existsSync(state) && p.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    p.kill('SIGKILL');
    await once(p, 'exit');
    expect(existsSync(state)).toBe(true);
    expect(existsSync(join(pretrainDir(killed), 'run.json'))).toBe(false);
  }, 600_000);

  it('goes on from the checkpoint, saying so, to the numbers of the unbroken run; the record names the step', () => {
    const damaged = join(tmp, 'killed-damaged'),
      other = join(tmp, 'killed-other');
    cpSync(killed, damaged, { recursive: true });
    cpSync(killed, other, { recursive: true });
    const r = study(killed, ...LONGER);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('going on with xs-s1-pretrain: interrupted: checkpoint but no run.json\n');
    const step = /xs-s1-pretrain: going on from its checkpoint at step (\d+) of 400\n/.exec(r.stdout)?.[1];
    expect(step).toBeDefined();
    const { resumedAt, ...rest } = numbers(killed)['xs-s1-pretrain'] as Record<string, unknown>;
    expect(resumedAt).toEqual([Number(step)]);
    expect({ ...numbers(killed), 'xs-s1-pretrain': rest }).toEqual(reference);
    expect(existsSync(join(pretrainDir(killed), 'checkpoint'))).toBe(false);

    // a damaged checkpoint is named and not used
    const saved = join(pretrainDir(damaged), 'checkpoint'),
      bin = (JSON.parse(readFileSync(join(saved, 'state.json'), 'utf8')) as { arrays: string }).arrays;
    appendFileSync(join(saved, bin), 'x');
    const d = study(damaged, ...LONGER);
    expect(d.status).toBe(0);
    expect(d.stdout).toContain(`xs-s1-pretrain: pretraining from the start, not from its checkpoint: its ${bin} does not match the checksum in state.json\n`);
    expect(pretrainRecord(damaged).resumedAt).toBeUndefined();
    expect(numbers(damaged)).toEqual(reference);

    // nor one saved under other settings (the unit directory copied into a study of another learning rate)
    rmSync(join(other, 'config.json'));
    const o = study(other, ...LONGER, '--set', 'pretrain.learningRate=0.002');
    expect(o.status).toBe(0);
    expect(o.stdout).toContain(
      'xs-s1-pretrain: pretraining from the start, not from its checkpoint: it was saved by another run (config.learningRate: 0.003 there, 0.002 here)\n',
    );
    expect(pretrainRecord(other).resumedAt).toBeUndefined();
  }, 900_000);
});

describe('(7) a study killed in the middle of a fine-tuning goes on from its checkpoint', () => {
  const LONGER = ['--set', 'rl.exact.rounds.xs=300', '--set', 'rl.positive.rounds=300'];
  const unitDir = (out: string) => join(out, 'runs', 'xs-s1-n2-exact');
  const killed = join(tmp, 'killed-rl');

  it('goes on from the checkpoint, saying so, to the numbers of the unbroken run; the record names the round', async () => {
    const r = study(join(tmp, 'unbroken-rl'), ...LONGER, '--checkpoint-every', '0');
    expect(r.status).toBe(0);
    const reference = numbers(join(tmp, 'unbroken-rl'));
    const p = spawn(process.execPath, [main, 'study', ...CHAIN, ...LONGER, '--checkpoint-every', '1', '--out', killed], { env });
    const state = join(unitDir(killed), 'checkpoint', 'state.json');
    while (!existsSync(state) && p.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    p.kill('SIGKILL');
    await once(p, 'exit');
    expect(existsSync(state)).toBe(true);
    expect(existsSync(join(unitDir(killed), 'run.json'))).toBe(false);

    const again = study(killed, ...LONGER);
    expect(again.status).toBe(0);
    const round = /xs-s1-n2-exact: going on from its checkpoint at round (\d+) of 300\n/.exec(again.stdout)?.[1];
    expect(round).toBeDefined();
    // the positive rule's fine-tuning, running beside it, may have gone on from a checkpoint too
    const after = Object.entries(numbers(killed)).map(([id, r]) => [id, r as { resumedAt?: number[] }] as const);
    expect(Object.fromEntries(after)['xs-s1-n2-exact']?.resumedAt).toEqual([Number(round)]);
    expect(Object.fromEntries(after.map(([id, { resumedAt: _, ...rest }]) => [id, rest]))).toEqual(reference);
    expect(existsSync(join(unitDir(killed), 'checkpoint'))).toBe(false);
  }, 900_000);
});

describe('(7) an environment whose law changed under the same package and options', () => {
  // the additive environment behind a module file whose noise the test rewrites: the config stays the same
  const dir = join(tmp, 'env-change'),
    module = join(dir, 'env.mjs'),
    out = join(dir, 'out');
  const additive = new URL('../../../packages/additive-env/dist/index.js', import.meta.url).href;
  const writeEnv = (body: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(module, `import { createEnvironment as base } from '${additive}';\n${body}\n`);
  };
  const withNoise = (noise: number) => writeEnv(`export const createEnvironment = (o) => base({ ...o, noise: ${noise} });`);
  const run = (): Run =>
    spawnSync(process.execPath, [main, 'study', '--preset', 'additive-tiny', '--set', 'tasks=[1]', '--set', `environment.package=${module}`, '--out', out], {
      encoding: 'utf8',
      env,
    });
  const fingerprints = () =>
    Object.fromEntries(
      readdirSync(join(out, 'runs')).map((id) => {
        const r = JSON.parse(readFileSync(join(out, 'runs', id, 'run.json'), 'utf8')) as { provenance: { environmentFingerprint?: string } };
        return [id, r.provenance.environmentFingerprint];
      }),
    );

  it('reuses every unit while the environment behaves the same, and recomputes every unit once its law changed, naming why', () => {
    withNoise(0.1);
    expect(run().status).toBe(0);
    const before = fingerprints();
    expect(Object.keys(before).sort()).toEqual(['generator', 'xs-s1-n1-exact', 'xs-s1-n1-positive', 'xs-s1-pretrain']);
    expect(new Set(Object.values(before)).size).toBe(1);
    expect(Object.values(before)[0]).toMatch(/^[0-9a-f]{64}$/);
    const same = run();
    expect(same.status).toBe(0);
    expect(same.stdout).toContain('4 units, 4 already done');
    expect(same.stdout).not.toContain('recomputing');

    withNoise(0.2);
    const changed = run();
    expect(changed.status).toBe(0);
    expect(changed.stdout).toContain('4 units, 0 already done');
    const why = /made with an environment that behaves otherwise \(fingerprint [0-9a-f]{12}… in its record, [0-9a-f]{12}… here\)\n/;
    for (const id of Object.keys(before)) expect(changed.stdout).toMatch(new RegExp(`recomputing ${id}: ${why.source}`));
    const after = fingerprints();
    expect(new Set(Object.values(after)).size).toBe(1);
    expect(Object.values(after)[0]).not.toBe(Object.values(before)[0]);
  }, 900_000);

  it('trusts a record written before fingerprints were recorded (it cannot say otherwise)', () => {
    const file = join(out, 'runs', 'generator', 'run.json');
    const record = JSON.parse(readFileSync(file, 'utf8')) as { provenance: Record<string, unknown> };
    delete record.provenance['environmentFingerprint'];
    const text = `${JSON.stringify(record, null, 2)}\n`;
    writeFileSync(file, text);
    writeFileSync(`${file}.sha256`, `${createHash('sha256').update(text).digest('hex')}\n`);
    const r = run();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('4 units, 4 already done');
  }, 600_000);

  it('refuses an environment that throws when it generates, in one line, before writing anything', () => {
    writeEnv(`export const createEnvironment = (o) => ({ ...base(o), generate() { throw new Error('no sequences today'); } });`);
    const fresh = join(dir, 'never');
    const r = spawnSync(process.execPath, [main, 'study', ...CHAIN, '--set', `environment.package=${module}`, '--out', fresh], { encoding: 'utf8', env });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `optimpact study: environment.package: ${module} breaks the Environment contract: generate threw: no sequences today`,
    ]);
    expect(existsSync(fresh)).toBe(false);
  });
});

describe('(2) a model with trailing bytes or NaN weights is refused before use', () => {
  it.each([
    ['trailing bytes', (w: string) => appendFileSync(w, Buffer.alloc(8)), /the weight files hold \d+ bytes, the manifest's weights need \d+/],
    [
      'a NaN weight',
      (w: string) => {
        const b = readFileSync(w);
        b.writeFloatLE(Number.NaN, 0);
        writeFileSync(w, b);
      },
      /weight \S+ holds NaN at index 0/,
    ],
  ])('%s', (_, spoil, message) => {
    const model = join(tmp, `model-${Math.random().toString(36).slice(2)}`);
    cpSync(join(tmp, 'main', 'runs', 'xs-s1-pretrain', 'model'), model, { recursive: true });
    spoil(join(model, 'weights.bin'));
    const r = spawnSync(process.execPath, [main, 'measure', '--policy', model, '--contexts', '10', '--repeats', '2'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('(6) resource bounds', () => {
  it('refuses a config whose data would not fit in memory, naming the fields and the estimate, before writing anything', () => {
    const out = join(tmp, 'huge');
    const r = study(out, '--set', 'data.trainSequences=10000000', '--set', 'data.sequenceLength=1000000');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/data\.trainSequences × data\.sequenceLength: the data would need about [\d.]+ [MGTP]iB of memory/);
    expect(existsSync(out)).toBe(false);
  });
});

// A full disk and a read-only one, for real: small tmpfs mounts (root only; under CI they must work).
const mountable = (() => {
  const probe = join(tmp, 'probe');
  mkdirSync(probe);
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (ok) spawnSync('umount', [probe]);
  return ok;
})();
const disk = mountable || process.env.CI !== undefined ? describe : describe.skip;

disk('(4) write failures on a real file system', () => {
  const mnt = join(tmp, 'mnt');
  beforeAll(() => mkdirSync(mnt));
  afterEach(() => {
    spawnSync('umount', [mnt]);
  });

  it('a full disk mid-study: one line per failed unit naming the path, exit 1, no stack trace; resumable once there is room', () => {
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', mnt]).status).toBe(0);
    const out = join(mnt, 'study');
    const r = study(out);
    expect(r.status).toBe(1);
    noStack(r);
    const failed = r.stderr.split('\n').filter((l) => l.startsWith('FAILED ') && !l.includes(': skipped:'));
    expect(failed.length).toBeGreaterThan(0);
    for (const l of failed) expect(l).toMatch(new RegExp(`cannot write ${mnt}/study/\\S+: no space left on device \\(ENOSPC\\)`));
    expect(spawnSync('mount', ['-o', 'remount,size=64m', mnt]).status).toBe(0);
    const again = study(out);
    expect(again.status).toBe(0);
    expect(numbers(out)).toEqual(numbers(join(tmp, 'main')));
  }, 900_000);

  it('a read-only --out: refused in one line naming it, exit 2, nothing written', () => {
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,ro', 'tmpfs', mnt]).status).toBe(0);
    const r = study(join(mnt, 'study'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`--out: .*${mnt}/study.*EROFS`));
    expect(existsSync(join(mnt, 'study'))).toBe(false);
  });
});
