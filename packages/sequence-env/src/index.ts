export type { SpecEnvOptions } from './spec-env.js';
export { createSpecEnv, specEnv, ruleBase } from './spec-env.js';
export { generateSequences } from '@optimpact/core';
