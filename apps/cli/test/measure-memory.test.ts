/**
 * End-to-end (slow): `measure` streams over contexts in chunks, so its peak memory does not grow with N
 * (issue 19, finding 6: it grew by 0.31 KB per context, ~31 GB at 10⁸). Ten times the contexts must
 * cost well under 1 MB per 10,000 more contexts of peak resident memory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
// Runs the CLI and reports its peak resident set size (KB) on exit.
const wrapper = join(mkdtempSync(join(tmpdir(), 'optimpact-rss-')), 'rss.mjs');
writeFileSync(
  wrapper,
  `process.on('exit', () => process.stderr.write('maxRSS ' + process.resourceUsage().maxRSS + '\\n'));\nawait import(${JSON.stringify(main)});\n`,
);

function peakKB(contexts: number): number {
  const r = spawnSync(process.execPath, [wrapper, 'measure', '--policy', 'ideal', '--task', '2', '--contexts', String(contexts), '--repeats', '2', '--json'], {
    encoding: 'utf8',
  });
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout).contexts).toBe(contexts);
  return Number(/maxRSS (\d+)/.exec(r.stderr)![1]);
}

describe('measure in bounded memory', () => {
  it('peaks at about the same memory for 200,000 and 2,000,000 contexts per repeat', () => {
    const small = peakKB(200_000),
      large = peakKB(2_000_000);
    // The old pool would add 0.31 KB × 1,800,000 ≈ 550 MB; the garbage collector's heap sizing alone has
    // moved the difference by up to ~70 MB between runs, so allow 200 MB.
    expect(large - small).toBeLessThan(200_000);
    expect(large).toBeLessThan(500_000);
  }, 600_000);
});
