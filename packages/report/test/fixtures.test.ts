/**
 * The committed fixture records are exactly what the seeded generator makes. With UPDATE_FIXTURES=1 the
 * files are rewritten instead (`pnpm --filter @optimpact/report fixtures`).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import type { FixtureFile } from './fixtures/generate.js';
import { fixtureText, generateStudy } from './fixtures/generate.js';

const here = dirname(fileURLToPath(import.meta.url));
const SETS = [
  { dir: join(here, 'fixtures', 'study'), options: { seed: 20250115 } },
  { dir: join(here, 'fixtures', 'hostile'), options: { seed: 666, hostile: true } },
];

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** The files of a fixture study as the study writes them: each run.json with its .sha256 beside it. */
function written(files: readonly FixtureFile[]): { path: string; text: string }[] {
  return files.flatMap((f) => {
    const text = fixtureText(f);
    const sum = { path: `${f.path}.sha256`, text: `${createHash('sha256').update(text).digest('hex')}\n` };
    return f.path.endsWith('run.json') ? [{ path: f.path, text }, sum] : [{ path: f.path, text }];
  });
}

describe('fixture records', () => {
  for (const { dir, options } of SETS) {
    test(`${relative(here, dir)} equals the seeded generator's output`, () => {
      const files = written(generateStudy(options));
      if (process.env.UPDATE_FIXTURES === '1') {
        rmSync(dir, { recursive: true, force: true });
        for (const f of files) {
          mkdirSync(dirname(join(dir, f.path)), { recursive: true });
          writeFileSync(join(dir, f.path), f.text);
        }
      }
      expect(listFiles(dir)).toEqual(files.map((f) => f.path).sort());
      for (const f of files) expect(readFileSync(join(dir, f.path), 'utf8')).toBe(f.text);
    });
  }

  test('the generator is deterministic', () => {
    expect(generateStudy({ seed: 3 })).toEqual(generateStudy({ seed: 3 }));
  });
});
