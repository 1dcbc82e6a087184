export type { EstimatorOptions, SplitHistory, OutcomeLaws } from './estimator.js';
export { splitHistory, SplitHistorySums, DistinctRows, checkPolicyRows, futureLaw, massOn, exactLaws, lawTable, tableLaws } from './estimator.js';
export { splitHistoryMonteCarlo } from './monte-carlo.js';
export { idealPolicy, uniformPolicy, fixedPolicy, generatorPolicy, argmaxRow, successRates, bestConstant } from './policies.js';
export type { MeasureOptions, MaybeEstimate, TaskScores, ReferenceScores, RepeatSample, Measurement, FreshContexts, ContextSource } from './measure.js';
export { measurePolicy, freshContexts, monteCarloLimit, CHUNK_CONTEXTS } from './measure.js';
