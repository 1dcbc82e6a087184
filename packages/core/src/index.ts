export type {
  Coefficients,
  Environment,
  EnvironmentPackage,
  ModelState,
  OptimizerSlotState,
  Policy,
  Predictor,
  StepOptions,
  Task,
  TrainableModel,
  Windows,
} from './types.js';
export type { Rng, RngState } from './rng.js';
export { makeRng, restoreRng, deriveSeed } from './rng.js';
export type { Estimate } from './stats.js';
export { estimate } from './stats.js';
export {
  windowAt,
  packWindows,
  windowOf,
  sliceWindows,
  actionWindows,
  windowsWhere,
  generateSequences,
  sampleWindows,
  selectWindows,
  actionWindowPool,
} from './windows.js';
export {
  FORMAT_VERSION,
  EstimateJson,
  ConfigSource,
  estimateJson,
  oneOf,
  Provenance,
  CurvePoint,
  TaskScoresJson,
  MeasurementJson,
  SeCovers,
  seCoversText,
  PeerMeasurementJson,
  Status,
  PretrainRecord,
  FinetuneRecord,
  BaselineRecord,
  FailedRecord,
  DifferentialRow,
  OutcomeFitJson,
  RunRecord,
  StudySummary,
} from './records.js';
export { actionRows, modelPolicy } from './policy.js';
export { writeNoisyRuleLaw } from './laws.js';
export { environmentViolation, LAW_TOLERANCE } from './contract.js';
export type { Exploration } from './explore.js';
export { checkExploration, drawIndex, generateExploratory, sampleNextToken } from './explore.js';
export { crossEntropy, unigramLoss, floorLoss, mixtureFloorLoss } from './losses.js';
