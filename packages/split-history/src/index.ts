export type { EstimatorOptions, SplitHistory, OutcomeLaws } from './estimator.js';
export { splitHistory, futureLaw, massOn, exactLaws, tableLaws } from './estimator.js';
export { splitHistoryMonteCarlo } from './monte-carlo.js';
export { idealPolicy, uniformPolicy, fixedPolicy, generatorPolicy, argmaxRow, successRates, bestConstant } from './policies.js';
export type { MeasureOptions, MaybeEstimate, TaskScores, ReferenceScores, RepeatSample, Measurement } from './measure.js';
export { measurePolicy } from './measure.js';
