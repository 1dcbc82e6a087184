/**
 * Op_diff and Imp_diff of one context's Jacobians (impact-theory's closed forms, non-square case), and their
 * mean ± standard error over contexts, with rank-deficient contexts counted, never averaged as NaN.
 */
import * as E from 'fp-ts/lib/Either.js';
import { estimate } from '@optimpact/core';
import { identity, impDiff, opDiff, type DifferentialOptions, type Undefined } from '@optimpact/impact-theory';
import { SE_COVERS } from './contexts.js';
import type { Jacobians } from './types.js';

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/** The two measures at one context, each a number of nats or an explicit `Undefined`. */
export interface ContextMeasures {
  /** `Op_diff` at this context, nats, or why it is undefined. */
  readonly op: E.Either<Undefined, number>;
  /** `Imp_diff` at this context, nats, or why it is undefined. */
  readonly imp: E.Either<Undefined, number>;
}

/**
 * A mean ± standard error over the `n` contexts where the measure is defined, JSON-friendly: `mean` is
 * null when `n = 0`, `se` is null when `n < 2`.
 */
export interface EstimateJson {
  /** Mean over the contexts where defined; null when none is. */
  readonly mean: number | null;
  /** Its standard error; null with fewer than two. */
  readonly se: number | null;
  /** Contexts it is over. */
  readonly n: number;
}

/**
 * One row of a differential profile: the intermediate site `A` (e.g. `blocks.0.mlp.out`), Op_diff and
 * Imp_diff in nats over the contexts where `BBᵀ` and `JJᵀ` are positive definite, and how many contexts
 * were rank deficient (the measures undefined there; `op.n + rankDeficient` is the number of contexts).
 */
export interface DifferentialSummary {
  /** The site A (e.g. `blocks.0.attn.out`). */
  readonly site: string;
  /** `Op_diff`, nats, over contexts. */
  readonly op: EstimateJson;
  /** `Imp_diff`, nats, over contexts. */
  readonly imp: EstimateJson;
  /** Contexts where `BBᵀ` or `JJᵀ` was singular (left out of the means). */
  readonly rankDeficient: number;
  /** What the s.e. of `op` and `imp` covers ({@link SE_COVERS}). */
  readonly seCovers: string;
  /** Why the first rank-deficient context was undefined, when there was one. */
  readonly undefinedReason?: string;
}

// -------------------------------------------------------------------------------------------------
// measures
// -------------------------------------------------------------------------------------------------

/**
 * The measures of one context, in nats:
 * `Op_diff = ½ ln det(BBᵀ) − ½ ln det(JJᵀ)` and
 * `Imp_diff = ½[tr((BBᵀ)⁻¹JJᵀ) + tr((BBᵀ)⁻¹(CK)(CK)ᵀ) − k + ln det(BBᵀ) − ln det(JJᵀ)]`, `k = dim F`
 * (docs/method.md#differential-measures). With the factors `C`, `K` they go to `impDiff` as they are; otherwise `CK = J − B` goes in as
 * `C = I_k`, `K = J − B` (the same product). Both are `Left` when `BBᵀ` or `JJᵀ` is singular to
 * `options.relTol` (impact-theory's default 1e-10 relative Cholesky pivot, i.e. a singular-value ratio of
 * about 1e-5, well above float32 noise), e.g. when `dim F > dim P`, when `F` depends on `P` only through
 * `A` (`B = 0`), or when `F` is a LayerNorm output (its features sum to a constant).
 */
export function contextMeasures(j: Jacobians, options: DifferentialOptions = {}): ContextMeasures {
  const op = opDiff(j.J, j.B, options);
  const imp = j.C !== undefined && j.K !== undefined ? impDiff(j.J, j.B, j.C, j.K, options) : impDiff(j.J, j.B, identity(j.J.rows), j.CK, options);
  return { op, imp };
}

const toJson = (xs: readonly number[]): EstimateJson => {
  if (xs.length === 0) return { mean: null, se: null, n: 0 };
  const e = estimate(xs);
  return { mean: e.mean, se: Number.isFinite(e.se) ? e.se : null, n: e.n };
};

/**
 * Mean ± standard error (core's `estimate`: sample sd / √n) of each measure over the contexts where it is
 * defined; a context where either is undefined counts once in `rankDeficient`. The s.e. covers the
 * sampling of contexts when they are independent draws (`independentContexts`).
 */
export function summarize(site: string, ms: readonly ContextMeasures[]): DifferentialSummary {
  const ops: number[] = [],
    imps: number[] = [];
  let rankDeficient = 0;
  let reason: string | undefined;
  for (const m of ms) {
    if (E.isLeft(m.op) || E.isLeft(m.imp)) {
      rankDeficient++;
      reason ??= E.isLeft(m.op) ? m.op.left.reason : E.isLeft(m.imp) ? m.imp.left.reason : undefined;
    }
    if (E.isRight(m.op)) ops.push(m.op.right);
    if (E.isRight(m.imp)) imps.push(m.imp.right);
  }
  return { site, op: toJson(ops), imp: toJson(imps), rankDeficient, seCovers: SE_COVERS, ...(reason !== undefined ? { undefinedReason: reason } : {}) };
}
