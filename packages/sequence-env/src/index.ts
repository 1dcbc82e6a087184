export { SpecEnvOptions, createSpecEnv, specEnv, ruleBase } from './spec-env.js';
export { generateSequences } from '@optimpact/core';
/** The environment-package entry points the CLI loads by name: `createSpecEnv`, and the codec of its options. */
export { createSpecEnv as createEnvironment, SpecEnvOptions as Options } from './spec-env.js';
