/**
 * What a command line checks its flags against before any work, loaded without TF.js (the package's
 * index loads it): the names it lists and accepts, usage errors, output paths, and the git commit for
 * `--version`. `optimpact --help` then starts in a fraction of the time.
 */
export type { BackendName } from '@optimpact/transformer/config';
export { BACKENDS, SIZE_NAMES, SIZE_PRESETS } from '@optimpact/transformer/config';
export { PRESETS, STUDY_RULES } from './config.js';
export { DEFAULT_ENV } from './environment.js';
export type { UsageError } from './errors.js';
export { usageError } from './errors.js';
export { gitState } from './git.js';
export { writablePath } from './paths.js';

/** Seconds of pretraining or fine-tuning between a study's checkpoints, unless `--checkpoint-every` says otherwise. */
export const CHECKPOINT_SECONDS = 600;

/** The built-in policies `optimpact measure --policy` names. */
export const BUILT_IN = ['ideal', 'uniform', 'generator', 'fixed'];
