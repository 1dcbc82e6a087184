#!/usr/bin/env node
// Runs jest in ESM mode and leaves jest-results.json (jest-e2e-results.json with --e2e) behind, which the root test
// script sums into the `tests: N passed, N failed` line (turbo restores it from cache).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const jestBin = join(dirname(require.resolve('jest/package.json')), 'bin', 'jest.js');
// `--e2e` first: the end-to-end tests only (`*.e2e.test.ts`), into jest-e2e-results.json.
const e2e = process.argv[2] === '--e2e';
const select = e2e
  ? ['--testMatch', '<rootDir>/src/**/*.e2e.test.ts', '<rootDir>/test/**/*.e2e.test.ts', '--testPathIgnorePatterns', '/node_modules/', '/dist/']
  : [];
const args = [
  '--experimental-vm-modules',
  '--no-warnings',
  jestBin,
  '--json',
  `--outputFile=${e2e ? 'jest-e2e-results.json' : 'jest-results.json'}`,
  '--passWithNoTests',
  ...process.argv.slice(e2e ? 3 : 2),
  ...select,
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
