// Shared jest preset: ESM TypeScript through swc (docs/development.md#tools: ~3× faster than ts-jest).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.(t|j)s$': [require.resolve('@swc/jest'), { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  // end-to-end tests (`*.e2e.test.ts`: whole commands, minutes) run apart, as the `test:e2e` task
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '\\.e2e\\.test\\.ts$'],
  // Tests check results, not speed; CI runs several packages' suites at once on two cores, where jest's 5 s
  // default has timed out model tests that take ~1 s alone.
  testTimeout: 120_000,
};
