/**
 * End-to-end smoke tests of `optimpact study` on the tiny preset (real training, tiny budgets): a whole
 * run, a run killed mid-way and resumed, and a run split into two shards, which must all give the same
 * records; and a corpus of malformed configurations, each refused with exit code 2 before anything is
 * written.
 */
import { FinetuneRecord, RunRecord, StudySummary } from '@optimpact/core';
import * as E from 'fp-ts/lib/Either.js';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'optimpact-study-'));
const env = { ...process.env, CI: 'true' };
const run = (...args: string[]) =>
  spawnSync(process.execPath, [main, 'study', ...(args.includes('--preset') || args.includes('--config') ? [] : ['--preset', 'tiny']), ...args], {
    encoding: 'utf8',
    env,
  });
const TWO_CHAINS = ['--set', 'seeds=[1,2]', '--set', 'tasks=[2,6]'];

/** The numbers of every record, without what legitimately differs between runs (timings, provenance). */
function numbers(dir: string): Record<string, unknown> {
  const runs = join(dir, 'runs');
  return Object.fromEntries(
    readdirSync(runs)
      .sort()
      .map((id) => {
        const r = JSON.parse(readFileSync(join(runs, id, 'run.json'), 'utf8')) as Record<string, unknown>;
        const { provenance: _p, timings: _t, ...rest } = r;
        return [id, rest];
      }),
  );
}

describe('optimpact study (tiny preset)', () => {
  const full = join(tmp, 'full');
  let fullRun: ReturnType<typeof run>;
  beforeAll(() => {
    fullRun = run('--out', full, '--jobs', '2', ...TWO_CHAINS);
  });

  it('runs the whole pipeline and writes valid records and summary', () => {
    expect(fullRun.stderr).toBe('');
    expect(fullRun.status).toBe(0);
    const summary = StudySummary.decode(JSON.parse(readFileSync(join(full, 'summary.json'), 'utf8')));
    expect(E.isRight(summary)).toBe(true);
    if (E.isLeft(summary)) return;
    const s = summary.right;
    expect(s.models).toHaveLength(2 * 2 * 2); // 2 seeds × 2 tasks × 2 rules
    expect(s.generator.Op.mean).toBeGreaterThan(0);
    for (const m of s.models) {
      expect(Object.keys(m.score).sort()).toEqual(['2', '4', '6']);
      expect(existsSync(join(full, m.modelDir, 'model.json'))).toBe(true);
    }
    for (const id of readdirSync(join(full, 'runs'))) {
      const r = RunRecord.decode(JSON.parse(readFileSync(join(full, 'runs', id, 'run.json'), 'utf8')));
      expect(E.isRight(r) && r.right.status === 'success').toBe(true);
    }
    const ft = FinetuneRecord.decode(JSON.parse(readFileSync(join(full, 'runs', 'xs-s1-n2-exact', 'run.json'), 'utf8')));
    expect(E.isRight(ft)).toBe(true);
    if (E.isRight(ft)) {
      const m = ft.right.measurement;
      expect(m.samples).toHaveLength(3);
      expect(m.samples![0]!.indices).toHaveLength(100);
      expect(m.references.map((r) => r.name)).toEqual(['fixed(8)', 'uniform', 'untrained', 'pretrained']);
      expect(m.self).toBeDefined();
      expect(ft.right.curve.at(-1)!.step).toBe(6); // the tiny preset's rounds for xs (rounds are per size)
      const rl = ft.right.config['rl'] as { learningRate: unknown; temperature: unknown };
      expect([rl.learningRate, rl.temperature]).toEqual([0.003, 1]); // resolved from the per-size form
      const fit = ft.right.metrics.outcomeFit!;
      for (const f of [fit.pretrained, fit.finetuned]) for (const kl of [f.generatorActions, f.allActions]) expect(kl).toBeGreaterThanOrEqual(0);
      // seconds: fine-tuning and measuring, the two parts of the unit's total
      const { total, rl: rlSeconds, measure } = ft.right.timings;
      expect(rlSeconds! > 0 && measure! > 0 && Math.abs(rlSeconds! + measure! - total!) < 0.01 * total!).toBe(true);
    }
    expect(fullRun.stdout).toMatch(/xs-s1-n2-exact\s+18\d{3}/);
    // the table over seeds: own-task success averaged over the two seeds
    const own = s.models.filter((m) => m.rule === 'exact' && m.task === 2).map((m) => m.score['2']!.mean);
    expect(own).toHaveLength(2);
    expect(fullRun.stdout).toMatch(new RegExp(`xs exact n2\\s+2\\s+${((own[0]! + own[1]!) / 2).toFixed(3)} ± `));
  }, 300_000);

  it('measures a saved fine-tuned model from the command line, and rejects an unknown differential site', () => {
    const model = join(full, 'runs', 'xs-s1-n2-exact');
    const m = spawnSync(
      process.execPath,
      [
        main,
        'measure',
        '--policy',
        model,
        '--task',
        '2',
        '--contexts',
        '50',
        '--repeats',
        '2',
        '--self-eval',
        '--reference',
        `model:${join(full, 'runs', 'xs-s1-pretrain')},uniform`,
        '--json',
      ],
      { encoding: 'utf8', env },
    );
    expect(m.status).toBe(0);
    const j = JSON.parse(m.stdout);
    expect(Object.keys(j.references)).toHaveLength(2);
    expect(typeof j.self.Op.mean).toBe('number');
    expect(j.outcomeFit.allActions).toBeGreaterThanOrEqual(0);
    // without --self-eval, no self-estimates and no outcome fit; the measured numbers are the same
    const plain = spawnSync(process.execPath, [main, 'measure', '--policy', model, '--task', '2', '--contexts', '50', '--repeats', '2', '--json'], {
      encoding: 'utf8',
      env,
    });
    expect(plain.status).toBe(0);
    const pj = JSON.parse(plain.stdout);
    expect([pj.self, pj.outcomeFit]).toEqual([undefined, undefined]);
    expect(pj.Op).toEqual(j.Op);
    const d = spawnSync(process.execPath, [main, 'differential', '--model', model, '--p', 'embed', '--a', 'blocks.9.nope', '--f', 'logits'], {
      encoding: 'utf8',
      env,
    });
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/blocks\.9\.nope/);
    expect(d.stderr).toMatch(/embed, .*blocks\.0\.attn\.out/);
    const ok = spawnSync(
      process.execPath,
      [main, 'differential', '--model', model, '--p', 'embed', '--a', 'blocks.0.mlp.out', '--f', 'logits', '--contexts', '3', '--json'],
      { encoding: 'utf8', env },
    );
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toHaveProperty('op');
  }, 120_000);

  it('pretrains and fine-tunes a model of the second environment alone (pretrain, finetune --preset additive-tiny)', () => {
    const pre = join(tmp, 'additive-pretrain'),
      ft = join(tmp, 'additive-finetune');
    const alone = (...args: string[]) => spawnSync(process.execPath, [main, ...args, '--preset', 'additive-tiny'], { encoding: 'utf8', env });
    expect(alone('pretrain', '--size', 'xs', '--out', pre).status).toBe(0);
    const f = alone('finetune', '--model', pre, '--task', '2', '--out', ft);
    expect(f.stderr).not.toContain('size presets');
    expect(f.status).toBe(0);
    const rec = FinetuneRecord.decode(JSON.parse(readFileSync(join(ft, 'run.json'), 'utf8')));
    expect(E.isRight(rec) && [rec.right.size, rec.right.task, rec.right.status]).toEqual(['xs', 2, 'success']);
    // a bare model/ (no record naming its environment) under another environment's preset is refused before any work, naming what does not fit
    const other = spawnSync(
      process.execPath,
      [main, 'finetune', '--preset', 'tiny', '--model', join(pre, 'model'), '--task', '2', '--out', join(tmp, 'misfit')],
      {
        encoding: 'utf8',
        env,
      },
    );
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/^optimpact finetune: --model: reads 12 tokens in windows of \d+, but .* has 16 in windows of 20/);
  }, 300_000);

  it('skips finished work when run again, and gives the same numbers', () => {
    const again = run('--out', full, ...TWO_CHAINS);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/11 units, 11 already done/);
  }, 120_000);

  it('resumes a study killed mid-run (kill -9) to the same records as an uninterrupted run', async () => {
    const dir = join(tmp, 'killed');
    const child = spawn(process.execPath, [main, 'study', '--preset', 'tiny', '--out', dir, '--jobs', '2', ...TWO_CHAINS], { env, stdio: 'ignore' });
    // kill as soon as the first pretraining is done and fine-tuning is under way
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (existsSync(join(dir, 'runs', 'xs-s1-pretrain', 'run.json'))) {
          clearInterval(poll);
          setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 1500);
        }
      }, 100);
      void exited.then((code) => {
        clearInterval(poll);
        reject(new Error(`the study exited (code ${code}) before it could be killed`));
      });
    });
    await exited;
    expect(existsSync(join(dir, 'summary.json'))).toBe(false);
    const resumed = run('--out', dir, '--jobs', '1', ...TWO_CHAINS);
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/already done/);
    expect(numbers(dir)).toEqual(numbers(full));
  }, 300_000);

  it('splits into shards whose merged records equal one run', () => {
    const a = join(tmp, 'shard1'),
      b = join(tmp, 'shard2');
    expect(run('--out', a, '--shard', '1/2', ...TWO_CHAINS).status).toBe(0);
    expect(run('--out', b, '--shard', '2/2', ...TWO_CHAINS).status).toBe(0);
    expect({ ...numbers(a), ...numbers(b) }).toEqual(numbers(full));
    expect(Object.keys(numbers(a))).not.toEqual(Object.keys(numbers(b)));
    // the report over the merged shards draws the single run's figures (timings and provenance differ)
    const report = (out: string, ...dirs: string[]) =>
      spawnSync(process.execPath, [main, 'report', '--runs', ...dirs, '--out', out], { encoding: 'utf8', env });
    expect(report(join(tmp, 'merged.html'), a, b).status).toBe(0);
    expect(report(join(tmp, 'single.html'), full).status).toBe(0);
    const figures = (f: string) => readFileSync(f, 'utf8').match(/<figure class="study-figure"[\s\S]*?<\/figure>/g) ?? [];
    expect(figures(join(tmp, 'merged.html'))).toHaveLength(22); // 18 and the peer measures' 19–22
    expect(figures(join(tmp, 'merged.html'))).toEqual(figures(join(tmp, 'single.html')));
  }, 300_000);
});

describe('malformed study configurations', () => {
  const bad = join(tmp, 'bad.json');
  writeFileSync(bad, '{ "name": ');
  it.each([
    [['--set', 'measure.contexts="abc"'], /measure\.contexts: expected an integer in \[2, 10000000\], got "abc"/],
    [['--set', 'pretrain.stepz=3'], /unknown key "pretrain\.stepz"/],
    [['--set', 'measure.repeats=0'], /measure\.repeats: expected an integer in \[1, 10000\], got 0/],
    [['--set', 'sizes=["xl"]'], /sizes\.0?: ?expected .*got "xl"/],
    [['--set', 'sizes=["s"]'], /pretrain\.steps: no value given for size "s"/],
    [['--set', 'rl.exact.rounds={"s":6}'], /rl\.exact\.rounds: no value given for size "xs"/],
    [['--set', 'rl.exact.rounds="many"'], /rl\.exact\.rounds: expected an integer in \[0, 1000000\], or one per size \(xs, s, m, l\), got "many"/],
    [['--set', 'rl.exact.rounds={"xs":-1}'], /rl\.exact\.rounds\.xs: expected an integer in \[0, 1000000\], got -1/],
    [['--set', 'rl.exact.learningRate={"s":0.002}'], /rl\.exact\.learningRate: no value given for size "xs"/],
    [['--set', 'rl.exact.learningRate={"xs":0}'], /rl\.exact\.learningRate\.xs: expected a positive number, got 0/],
    [['--set', 'rl.exact.temperature={"s":4}'], /rl\.exact\.temperature: no value given for size "xs"/],
    [['--set', 'rl.exact.maintenanceLearningRate={"s":0.001}'], /rl\.exact\.maintenanceLearningRate: no value given for size "xs"/],
    [['--set', 'rl={}'], /rl: at least one rule/],
    [['--set', 'rl.exact.epsilon=2'], /rl\.exact\.epsilon: expected a number in \[0, 1\], got 2/],
    [['--set', 'data.testContexts=50'], /data\.testContexts: 50 is fewer than the 1000 contexts/],
    [['--set', 'data.explore={"epsilon":2,"behaviour":"uniform"}'], /data\.explore\.epsilon: expected a number in \[0, 1\], got 2/],
    [['--set', 'data.explore={"epsilon":0.5,"behaviour":"uniform","eps":1}'], /unknown key "data\.explore\.eps"/],
    [['--set', 'data.explore={"epsilon":0.5,"behaviour":[0.5,0.5]}'], /data\.explore\.behaviour: expected 8 probabilities summing to 1/],
    [
      [
        '--set',
        'rl.rloo={"rounds":6,"batchSize":64,"learningRate":0.003,"updatesPerRound":1,"temperature":1,"epsilon":0,"maintenanceSteps":1,"maintenanceBatchSize":32,"maintenanceLearningRate":0.0003,"evalEvery":3,"samples":1}',
      ],
      /rl\.rloo\.samples: expected an integer in \[2, 1000\], got 1/,
    ],
    [
      [
        '--set',
        'rl.all-actions={"rounds":6,"batchSize":64,"learningRate":0.003,"updatesPerRound":1,"temperature":1,"epsilon":0,"maintenanceSteps":1,"maintenanceBatchSize":32,"maintenanceLearningRate":0.0003,"evalEvery":3,"samples":0}',
      ],
      /rl\.all-actions\.samples: expected an integer in \[1, 1000\], got 0/,
    ],
    [['--set', 'environment.package="no-such-env"'], /cannot load environment package "no-such-env"/],
    [['--config', '/nonexistent/config.json'], /--config: cannot read "\/nonexistent\/config\.json" \(ENOENT\)/],
    [['--config', bad], /--config: ".*bad\.json" is not valid JSON/],
    [['--shard', '3/2'], /--shard: expected i\/n with 1 ≤ i ≤ n, got "3\/2"/],
    [['--jobs', 'many'], /--jobs: expected an integer in \[1, 64\], got "many"/],
    [['--preset', 'huge'], /--preset: expected .*got "huge"/],
    [['--set', 'nokey'], /--set: expected path=value, got "nokey"/],
  ])('refuses %j with exit code 2, naming the field, writing nothing', (args, message) => {
    const out = join(tmp, `bad-${Math.random().toString(36).slice(2)}`);
    const r = run('--out', out, ...args);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});
