import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

describe('optimpact measure --measures', () => {
  it('adds the peer measures on the same contexts; the ideal n_good = 2 policy has MEG = ln 4', () => {
    const r = run('measure', '--policy', 'ideal', '--task', '2', '--contexts', '100', '--repeats', '2', '--measures', 'op,meg,aup,rr', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(typeof j.Op.mean).toBe('number');
    expect(j.MEG['2'].mean).toBeCloseTo(Math.log(4), 10);
    expect(j.MEG['2'].beta).toBe('inf');
    expect(j.identifiedTaskByMeg).toBe(2);
    expect(j.MEG_F.mean).toBeGreaterThanOrEqual(j.MEG['2'].mean - 1e-9);
    expect(Object.keys(j.AUP)).toEqual(['split-history', 'uniform', 'generator']);
    expect(Object.keys(j.RR2)).toEqual(['split-history', 'uniform', 'generator']);
  });

  it('keeps the default output without the flag, prints only what is asked, and refuses an unknown measure with one line', () => {
    const plain = run('measure', '--policy', 'uniform', '--repeats', '2', '--json');
    expect(Object.keys(JSON.parse(plain.stdout))).not.toContain('MEG_F');
    const meg = run('measure', '--policy', 'uniform', '--repeats', '2', '--measures', 'meg');
    expect(meg.status).toBe(0);
    expect(meg.stdout).toMatch(/^peer measures/);
    expect(meg.stdout).toContain('repeats drawn from one fixed test set: conditional on that test set');
    expect(meg.stdout).toMatch(/MEG_F \(nats\)\s+0\.0000/);
    const bad = run('measure', '--policy', 'uniform', '--measures', 'op,power');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('optimpact measure: --measures: expected a comma-separated list of distinct op|imp|meg|aup|rr, got "power"');
  });
});

describe('optimpact testbed', () => {
  it('prints the six cases and writes the figure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optimpact-testbed-'));
    const out = join(dir, 'testbed.html');
    const r = run('testbed', '--contexts', '60', '--repeats', '2', '--pool', '600', '--out', out);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[1]).toBe('mean±s.e. over repeats drawn from one pool of contexts (conditional on it)');
    expect(lines.slice(3).map((l) => l.slice(0, 16).trim())).toEqual(['aligned', 'some successes', 'some failures', 'crossed', '85:15', 'goal-blind']);
    expect(readFileSync(out, 'utf8')).toContain('id="fig-23"');
    expect(run('testbed', '--out', join(dir, 'x.svg')).status).toBe(2);
  });
});
