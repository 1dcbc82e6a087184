#!/usr/bin/env node
// Runs every package's tests through turbo (cached), then prints the one line CI reads:
// `tests: N passed, N failed[, N skipped]`, summed from each package's jest-results.json and
// jest-e2e-results.json (the `test:e2e` task: end-to-end tests, `*.e2e.test.ts`).
import './require-node.mjs';
import { spawnSync } from 'node:child_process';

process.env.TURBO_TELEMETRY_DISABLED ??= '1';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const dirs = ['packages', 'apps', 'tooling'].filter((d) => existsSync(d));
// Stale results of packages outside a --filter must not be counted: turbo restores the selected ones.
const RESULTS = ['jest-results.json', 'jest-e2e-results.json']; // the unit tests' and the end-to-end tests'
for (const dir of dirs) for (const pkg of readdirSync(dir)) for (const f of RESULTS) rmSync(join(dir, pkg, f), { force: true });
const r = spawnSync('turbo', ['run', 'test', 'test:e2e', '--continue', ...args], { stdio: 'inherit' });

let passed = 0,
  failed = 0,
  skipped = 0;
for (const dir of dirs) {
  for (const file of readdirSync(dir).flatMap((pkg) => RESULTS.map((f) => join(dir, pkg, f)))) {
    if (!existsSync(file)) continue;
    const j = JSON.parse(readFileSync(file, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests;
    skipped += j.numPendingTests + (j.numTodoTests ?? 0);
    // A suite that fails to load has no failed tests but still fails.
    failed += j.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
  }
}
if (r.status !== 0 && failed === 0) {
  console.error('a test task failed before reporting any test (see its output above)');
  failed = 1;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(r.status === 0 && failed === 0 ? 0 : 1);
