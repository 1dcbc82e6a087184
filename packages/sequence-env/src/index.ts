export type { SpecEnvOptions } from './spec-env.js';
export { createSpecEnv, specEnv, ruleBase } from './spec-env.js';
export { generateSequences } from '@optimpact/core';
/** The environment-package entry point the CLI loads by name (same as `createSpecEnv`). */
export { createSpecEnv as createEnvironment } from './spec-env.js';
