/**
 * @optimpact/impact-theory — closed-form theory in nats (natural log): entropy and KL, the binary KL
 * `KL_B`, predicted optimization `Op_pred` and its inverse, minimum impact and the measures relative to
 * it, and the differential (Jacobian-based) optimization and impact (docs/method.md#differential-measures).
 */
export type { Branch, Matrix, Undefined } from './types.js';
export { undefinedMeasure } from './types.js';
export { entropy, kl } from './information.js';
export { klB, opPred, opPredInverse } from './binary.js';
export { impMin, excessImpact, impactRatio, minImpactShift } from './impact.js';
export { DEFAULT_REL_TOL, matrix, fromRows, identity, matmul, transpose, gram, add, trace, cholesky, logDetSpd, solveSpd, inverseSpd } from './linalg.js';
export type { DifferentialOptions } from './differential.js';
export { opDiff, impDiff, opDiffScalar, impDiffScalar } from './differential.js';
export type { Candidate, IdentifyInput, Identification, ObjectiveIdentification } from './identify.js';
export { identifyTask, identifyObjective } from './identify.js';
