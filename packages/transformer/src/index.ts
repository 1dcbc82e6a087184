/**
 * @optimpact/transformer — the encoder-only transformer (docs/method.md#model) on TensorFlow.js: model, pretraining
 * (docs/method.md#pretraining), save/load in the TF.js format, adapters to core's `Policy` and `Predictor`, and a worker
 * helper to train two models at once. No backend is registered on import: call `setBackend` first.
 */
export type { TransformerConfig, SizeName, SizePreset, ConfigResult } from './config.js';
export { SIZE_NAMES, SIZE_PRESETS, sizePreset, countParams, validateConfig } from './config.js';
export type { BackendName } from './backend.js';
export { BACKENDS, setBackend, currentBackend } from './backend.js';
export type { KernelVariant } from './internal/kernels.js';
export { kernelVariant, setKernelVariant, relaxedSimdSupported } from './internal/kernels.js';
export type { ParamSpec, TransformerOptions } from './model.js';
export { Transformer, createModel, resolveConfig, paramSpecs, initParams } from './model.js';
export type { AdamWOptions } from './internal/adamw.js';
export { ADAMW_DEFAULTS } from './internal/adamw.js';
export type { LabeledWindows, CurvePoint, PretrainProgress, PretrainOptions, PretrainCurves, PretrainCheckpoint, DataState } from './pretrain.js';
export { pretrain, evalLoss, labeledWindows, exactTargets } from './pretrain.js';
export type { ModelMetadata } from './io.js';
export { saveModel, loadModel, readModelMetadata, MODEL_FORMAT_VERSION } from './io.js';
export { savePretrainCheckpoint, loadPretrainCheckpoint } from './checkpoint.js';
export type { ActingOptions } from './policy.js';
export { asPolicy, asPredictor, sampleActions } from './policy.js';
export type { WorkerTask, WorkerOptions } from './workers.js';
export { runInWorkers } from './workers.js';
