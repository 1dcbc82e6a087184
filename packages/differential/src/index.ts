/**
 * @optimpact/differential — differential optimization and impact inside a network
 * (docs/method.md#differential-measures): Jacobians between named activation sites of any differentiable TF.js computation through
 * autodiff (`J = dF/dP`, `B = ∂F/∂P` with `A` held fixed, `C = ∂F/∂A`, `K = dA/dP`), the closed-form
 * `Op_diff` and `Imp_diff` of @optimpact/impact-theory in nats, and the study's per-block profile of the
 * transformer. No backend is registered on import: set one first (`setBackend` of @optimpact/transformer).
 */
export type { Site, SiteHook, SiteFunction, Position, SiteRef, Trio, Jacobians, DifferentialError } from './types.js';
export { describeError } from './types.js';
export type { ResolvedRef, ResolvedTrio, JacobianOptions } from './jacobian.js';
export { resolveRef, resolveTrio, stopGradient, siteValues, jacobians, jacobiansResolved, jacobiansShared, chainResidual, parsePosition } from './jacobian.js';
export { independentContexts, SE_COVERS } from './contexts.js';
export type { ContextMeasures, EstimateJson, DifferentialSummary } from './measures.js';
export { contextMeasures, summarize } from './measures.js';
export type { ModelParams, DifferentiableTransformer } from './transformer.js';
export { differentiableTransformer, transformerSiteNames } from './transformer.js';
export type { Branch, ProfileOptions, TrioOptions, TrioMeasurement } from './profile.js';
export { differentialProfile, differential } from './profile.js';
export type { DifferentialInfo } from './output.js';
export { differentialJson, differentialTable } from './output.js';
