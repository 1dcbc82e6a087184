/**
 * @optimpact/study — the study (docs/method.md#the-study) as a library: its config (presets in `experiments/`, `--set`
 * overrides, decoded and checked), the plan of units, the scheduler running each unit in a worker
 * thread, the unit runner, and the summary; the records it writes are `@optimpact/records`'.
 */
export type { UsageError, RunError } from './errors.js';
export { usageError, runError } from './errors.js';
export { configuredEnvironment, loadEnvironment, recordedSettings, unitEnvironment, withGoodSets, DEFAULT_ENV } from './environment.js';
export type { PerSize, StudyRule } from './config.js';
export {
  StudyConfig,
  EnvironmentConfig,
  decodeStrict,
  GOOD_SET_VARIANTS,
  STUDY_RULES,
  PRESETS,
  presetPath,
  readJsonFile,
  applyOverrides,
  decodeConfig,
  resolveConfig,
  forSize,
  rlForSize,
  PER_SIZE_RL,
} from './config.js';
export type { Unit } from './plan.js';
export { planStudy, shardOf, parseShard, pretrainId, finetuneId } from './plan.js';
export type { Progress } from './progress.js';
export { progress } from './progress.js';
export type { UnitContext, UnitProgress } from './run-unit.js';
export { runUnit } from './run-unit.js';
export { identification, summarize } from './summary.js';
export { summaryTable, seedTable } from './tables.js';
export type { StudyOptions, StudyOutcome, FailedUnit } from './study.js';
export { runStudy, writeStudyReport, untrusted } from './study.js';
export type { Numerics } from './study.js';
export { checkMemory, dataBytes } from './resources.js';
export { findModelDir, loadModelDir } from './models.js';
export { provenance } from './provenance.js';
export { environmentFingerprint } from './fingerprint.js';
export type { MeasureName, MeasureAllOptions } from './measure.js';
export { BUILT_IN } from './flags.js';
export { MEASURES, MEASURE_SOURCE, parseMeasures, measuredPolicies, measureJson, measureAll, measureOutput } from './measure.js';
export { writablePath } from './paths.js';
export type { AloneOptions } from './alone.js';
export { finetuneAlone, pretrainAlone } from './alone.js';
export type { TrioFlags } from './differential.js';
export { measureModelTrio } from './differential.js';
