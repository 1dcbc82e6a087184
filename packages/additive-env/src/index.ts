export { Options, createEnvironment } from './additive-env.js';
