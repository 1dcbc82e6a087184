#!/usr/bin/env node
// Runs jest in ESM mode and leaves jest-results.json behind, which the root test
// script sums into the `tests: N passed, N failed` line (turbo restores it from cache).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const jestBin = join(dirname(require.resolve('jest/package.json')), 'bin', 'jest.js');
const args = ['--experimental-vm-modules', '--no-warnings', jestBin,
  '--json', '--outputFile=jest-results.json', '--passWithNoTests', ...process.argv.slice(2)];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
