/**
 * The committed fixture records are exactly what the seeded generator makes. With UPDATE_FIXTURES=1 the
 * files are rewritten instead (`pnpm --filter @optimpact/report fixtures`).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
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

describe('fixture records', () => {
  for (const { dir, options } of SETS) {
    test(`${relative(here, dir)} equals the seeded generator's output`, () => {
      const files = generateStudy(options);
      if (process.env.UPDATE_FIXTURES === '1') {
        rmSync(dir, { recursive: true, force: true });
        for (const f of files) {
          mkdirSync(dirname(join(dir, f.path)), { recursive: true });
          writeFileSync(join(dir, f.path), fixtureText(f));
        }
      }
      expect(listFiles(dir)).toEqual(files.map((f) => f.path).sort());
      for (const f of files) expect(readFileSync(join(dir, f.path), 'utf8')).toBe(fixtureText(f));
    });
  }

  test('the generator is deterministic', () => {
    expect(generateStudy({ seed: 3 })).toEqual(generateStudy({ seed: 3 }));
  });
});
