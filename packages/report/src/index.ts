/**
 * @optimpact/report — the study's static HTML report, rebuilt from run records alone: `loadRecords`
 * (from `@optimpact/records`) reads a study's output directories, `buildReport` renders the HTML,
 * `writeReport` does both and writes the file atomically. The headline figure as PNG (headless Chromium)
 * is at `@optimpact/report/screenshot`.
 */
export type { StudyData, RecordsError as ReportError } from '@optimpact/records';
export { loadRecords, formatRecordsError as formatReportError, decodeErrors } from '@optimpact/records';
export type { FigureRows } from './rows.js';
export { figureRows, modelRow, pretrainRow, baselineRow, curveRows, differentialRows } from './rows.js';
export { buildReport } from './report.js';
export type { WrittenReport } from './write.js';
export { writeReport } from './write.js';
