export type { AdditiveEnvOptions } from './additive-env.js';
export { createEnvironment } from './additive-env.js';
