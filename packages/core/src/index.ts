export type { Environment, Policy, Predictor, StepOptions, Task, TrainableModel, Windows } from './types.js';
export type { Rng } from './rng.js';
export { makeRng, deriveSeed } from './rng.js';
export type { Estimate } from './stats.js';
export { estimate } from './stats.js';
export { windowAt, packWindows, windowOf, sliceWindows, actionWindows, generateSequences, sampleWindows, selectWindows, actionWindowPool } from './windows.js';
