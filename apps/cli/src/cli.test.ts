import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

describe('optimpact measure', () => {
  it('prints exactly one JSON object with the documented fields, and the ideal policy matches docs/method.md#tasks', () => {
    const r = run('measure', '--policy', 'ideal', '--task', '4', '--contexts', '200', '--repeats', '10', '--seed', '1', '--json');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]!);
    for (const k of ['Op', 'Imp', 's', 'sPrime', 'OpPred', 'ImpMin']) {
      expect(typeof j[k].mean).toBe('number');
      expect(typeof j[k].se).toBe('number');
    }
    expect(j).toMatchObject({ task: 4, contexts: 200, repeats: 10, seed: 1, policy: 'ideal(n_good=4)' });
    expect(Math.abs(j.Op.mean - 0.64)).toBeLessThan(0.03);
    expect(j.s.mean).toBeCloseTo(0.98 + 0.02 * 0.5, 12);
  });

  it('reports Op = Imp = 0 for the uniform policy', () => {
    const j = JSON.parse(run('measure', '--policy', 'uniform', '--json').stdout);
    expect(Math.abs(j.Op.mean)).toBeLessThan(1e-12);
    expect(Math.abs(j.Imp.mean)).toBeLessThan(1e-12);
  });

  it('prints a readable table by default', () => {
    const r = run('measure', '--policy', 'fixed', '--action', '12', '--task', '2', '--repeats', '3', '--reference', 'uniform');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/policy fixed\(12\) on n_good=2 · 3 repeats × 200 contexts/);
    expect(r.stdout).toMatch(/Op \(nats\)\s+-?\d\.\d{4} ± \d\.\d{4}/);
    expect(r.stdout).toMatch(/vs uniform: Imp_ref/);
  });

  it.each([
    [['--policy', 'best'], /--policy: expected .*ideal.*got "best"/],
    [['--policy', 'ideal', '--contexts', 'abc'], /--contexts: expected an integer in \[1, 100000000\], got "abc"/],
    [['--policy', 'ideal', '--contexts', '0'], /--contexts: .*got "0"/],
    [['--policy', 'ideal', '--task', '3'], /--task: expected one of 2\|4\|6, got "3"/],
    [['--policy', 'fixed', '--action', '3'], /--action: expected one of 8\|9\|10\|11\|12\|13\|14\|15, got "3"/],
    [['--policy', 'ideal', '--bogus', '1'], /unknown option '--bogus'/],
    [['--policy', 'ideal', '--seed'], /option '--seed <s>' argument missing/],
    [['--policy', 'ideal', '--seed', '1', '--seed', '2'], /--seed given twice/],
    [['--policy', 'ideal', '--reference', 'other'], /--reference: .*got "other"/],
    [['--policy', 'ideal', '--env', 'no-such-env'], /--env: cannot load environment package "no-such-env"/],
    [[], /--policy is required/],
  ])('rejects %j with one line naming it and exit code 2', (args, message) => {
    const r = run('measure', ...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('rejects an unknown command with exit code 2', () => {
    const r = run('frobnicate');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
  });
});

describe('optimpact help and --version', () => {
  const COMMANDS = ['measure', 'study', 'pretrain', 'finetune', 'report', 'differential', 'testbed'];

  it('lists every command with what it does, and the exit codes', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} \\[options\\]\\s+\\S`, 'm'));
    expect(r.stdout).toMatch(/Exit codes: 0 success; 1 .*\n2 a usage error/);
  });

  it.each(COMMANDS)('describes every flag of %s, with `help <command>` and `<command> --help` alike', (c) => {
    const r = run('help', c);
    expect(r.status).toBe(0);
    expect(run(c, '--help').stdout).toBe(r.stdout);
    const options = r.stdout
      .slice(r.stdout.indexOf('Options:'))
      .split('\n')
      .filter((l) => /^ {2}--/.test(l));
    expect(options.length).toBeGreaterThan(1);
    for (const line of options) expect(line).toMatch(/^ {2}--[\w-]+( <[^>]+>)?\s{2,}\S/); // a description on the flag's own line
  });

  it('prints the package version and the commit', () => {
    const r = run('--version');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^optimpact \d+\.\d+\.\d+( \(commit [0-9a-f]{12}(, with uncommitted changes)?\))?\n$/);
  });

  it('refuses help on an unknown command, and no command at all, on one line with exit code 2', () => {
    for (const args of [['help', 'frobnicate'], []]) {
      const r = run(...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('an environment whose laws are no distribution', () => {
  it('is refused before anything is measured (exit 2), in one line naming the package and the fault', () => {
    // additive-env with a next-token law that moves mass from action 6 to action 7 (it still sums to 1, one entry is negative)
    const dir = mkdtempSync(join(tmpdir(), 'optimpact-bad-law-'));
    const additive = new URL('../../../packages/additive-env/dist/index.js', import.meta.url).href;
    writeFileSync(
      join(dir, 'env.mjs'),
      `import { createEnvironment as base } from '${additive}';
export const createEnvironment = (o) => {
  const env = base(o);
  return { ...env, nextTokenLaw(w, t, out) { env.nextTokenLaw(w, t, out); if (t % 2 === 1) { out[6] -= 1; out[7] += 1; } } };
};
`,
    );
    const r = spawnSync(process.execPath, [main, 'measure', '--env', join(dir, 'env.mjs'), '--policy', 'generator', '--contexts', '50', '--repeats', '2'], {
      encoding: 'utf8',
    });
    rmSync(dir, { recursive: true });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^optimpact measure: --env: \S+env\.mjs breaks the Environment contract: nextTokenLaw at position \d+ holds -0\.\d+ at index 6\n$/,
    );
  });
});
