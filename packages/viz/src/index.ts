/**
 * @optimpact/viz — the study's figures (docs/method.md#the-study) as static HTML/SVG: plain data rows in, one `<figure>`
 * string out per figure (Observable Plot rendered in Node through jsdom; no script). Objective
 * identification itself is in `@optimpact/impact-theory`.
 */
export type { Est, TaskScoreRow, ReferenceRow, ModelRow, PeerRow, TestbedFigureRow, PretrainRow, BaselineRow, CurveRow, DifferentialRow } from './types.js';
export { megVsOp, aupVsImp, identificationByMegVsOp, inferredUtilities, misalignmentTestbed, peerFigures, identifyByMegModels, PEER_FIGURES } from './peers.js';
export {
  lossAndSuccessVsParams,
  successVsSize,
  opVsSize,
  opVsSuccess,
  predictedVsMeasuredOp,
  crossObjectiveOpVsScore,
  predictedVsMeasuredOpByTask,
  impVsParams,
  impVsImpMin,
  sPrimeVsParams,
  crossObjectiveImpVsImpMin,
  selfVsMeasuredOp,
  selfVsMeasuredImp,
  impactRatioAndExcess,
  trainingCurves,
  referenceFutures,
  objectiveIdentification,
  differentialByBlock,
  identifyModels,
  allFigures,
  FIGURES,
  FIGURE_TITLES,
  csvStem,
} from './figures.js';
export type { FigureData, FigureSpec } from './figures.js';
export type { Cell, Column, DataTable, KeyItem } from './internal/html.js';
export { escapeHtml, formatNumber, tableCsv, tableHtml, dataBlock, lineKey } from './internal/html.js';
export { fitLine, goodSetOf, goodSetsSentence, orderRules, orderSizes, taskLabel } from './internal/data.js';
export type { SizeInfo } from './internal/data.js';
