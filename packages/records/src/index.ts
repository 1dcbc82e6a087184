/**
 * @optimpact/records — a study's files on disk, in one place: the output directory's layout, run records
 * (`run.json` + `.sha256`), atomic writes (files and directories) and verified reads, training checkpoints, and loading every
 * record of a study for the report. The transformer's save, the study and the report all write through it.
 */
export {
  sha256,
  writeFileAtomic,
  writeVerified,
  readChecked,
  readVerified,
  hashDir,
  writeDirAtomic,
  isTemporary,
  WriteError,
  writing,
  makeDir,
} from './files.js';
export type { UnitState } from './layout.js';
export {
  configFile,
  studyFile,
  summaryFile,
  reportFile,
  runsDir,
  unitDir,
  RUN_FILE,
  jsonText,
  writeRecord,
  finishedRecord,
  unitState,
  modelProblem,
  finishedRecords,
  removeTemporaries,
} from './layout.js';
export type { StudyData, RecordsError, AnyRecord } from './load.js';
export { loadRecords, formatRecordsError, decodeErrors } from './load.js';
export type { LockHolder, LockResult } from './lock.js';
export { acquireLock, describeHolder, lockFile } from './lock.js';
export type { CheckpointFormat } from './checkpoint.js';
export {
  CheckpointMismatch,
  sameRun,
  isCheckpointDir,
  saveCheckpointFiles,
  loadCheckpointFiles,
  Count,
  RngStateJson,
  rngStateJson,
  ModelStateJson,
  modelStateParts,
  modelStateBytes,
  modelStateFrom,
} from './checkpoint.js';
