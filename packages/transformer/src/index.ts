/**
 * @optimpact/transformer — the encoder-only transformer of SPEC §3 on TensorFlow.js: model, pretraining
 * (SPEC §4), save/load in the TF.js format, and adapters to core's `Policy` and `Predictor`.
 */
export type { TransformerConfig, SizeName, SizePreset, ConfigResult } from './config.js';
export { SIZE_PRESETS, sizePreset, countParams, validateConfig } from './config.js';
export type { BackendName } from './backend.js';
export { setBackend, currentBackend } from './backend.js';
export type { ParamSpec, TransformerOptions } from './model.js';
export { Transformer, createModel, resolveConfig, paramSpecs, initParams } from './model.js';
