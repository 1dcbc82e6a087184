/**
 * `pnpm optimpact …` runs the CLI in the directory the command was typed in (pnpm's INIT_CWD), not at the
 * workspace root where pnpm runs scripts: relative --config, --out, --policy and --env are the user's.
 * Real `pnpm` processes from a fresh directory inside the workspace, which holds every file they name; the
 * wrapper's turbo build is skipped (the suite runs after it), since even a cached build rewrites dist/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
// under runs/ (ignored by git) so that pnpm finds the workspace from it
const made = mkdirSync(join(repo, 'runs'), { recursive: true }) !== undefined;
const dir = mkdtempSync(join(repo, 'runs', 'cwd-test-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  // the runs/ it made, unless something else is in it by now
  if (made && readdirSync(join(repo, 'runs')).length === 0) rmdirSync(join(repo, 'runs'));
});

const pnpm = (...args: string[]) =>
  spawnSync('pnpm', ['--silent', 'optimpact', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true', OPTIMPACT_SKIP_BUILD: '1' } });

describe('pnpm optimpact from a subdirectory', () => {
  it('reads --config and writes --out relative to that directory, and measures a --policy given relative to it', () => {
    const tiny = JSON.parse(readFileSync(join(repo, 'experiments', 'tiny.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'my-study.json'), JSON.stringify({ ...tiny, tasks: [2] }));
    const r = pnpm('study', '--config', 'my-study.json', '--out', 'out');
    expect(r.stderr).not.toMatch(/optimpact study:/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`report:  ${join(dir, 'out', 'report.html')}`);
    expect(existsSync(join(dir, 'out', 'summary.json'))).toBe(true);
    expect(existsSync(join(repo, 'out', 'summary.json'))).toBe(false);

    const m = pnpm('measure', '--policy', join('out', 'runs', 'xs-s1-n2-exact'), '--task', '2', '--contexts', '100', '--repeats', '2', '--json');
    expect(m.stderr).toBe('');
    expect(m.status).toBe(0);
    expect((JSON.parse(m.stdout) as { task: number }).task).toBe(2);
  }, 600_000);

  it('loads an --env module given relative to that directory', () => {
    const additive = new URL('../../../packages/additive-env/dist/index.js', import.meta.url).href;
    // the additive environment under another name, which the measurement then names
    writeFileSync(
      join(dir, 'env.mjs'),
      `import { createEnvironment as base } from '${additive}';\nexport const createEnvironment = (o) => ({ ...base(o), name: 'here-${basename(dir)}' });\n`,
    );
    const r = pnpm('measure', '--env', './env.mjs', '--policy', 'ideal', '--task', '2', '--contexts', '100', '--repeats', '2');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`here-${basename(dir)}`);
  });
});
