/**
 * Contracts of impact-theory: the explicit "undefined" result of a measure, the dense matrix type used by
 * the differential measures, and the branch selector of the `Op_pred` inverse.
 */

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/**
 * A measure that has no value at its arguments (for example `Imp_min(s, s')` with `s' ∈ {0, 1}`, or a
 * differential measure whose covariance is singular). Returned as the `Left` of an `Either` so that no
 * caller ever receives a silent `NaN`.
 */
export interface Undefined {
  /** Tells it apart from a number in an `Either`. */
  readonly _tag: 'Undefined';
  /** Why the measure is undefined, with the offending values. */
  readonly reason: string;
}

/**
 * A dense real matrix, row-major: entry `(i, j)` is `data[i * cols + j]`. `data.length === rows * cols`.
 * Functions of this package never mutate a matrix they are given.
 */
export interface Matrix {
  /** Row count. */
  readonly rows: number;
  /** Column count. */
  readonly cols: number;
  /** The entries, row-major: entry (i, j) is `data[i * cols + j]`. */
  readonly data: Float64Array;
}

/** Which side of `f` an inverse of `Op_pred(s; f) = KL_B(s ‖ f)` looks on: `s ≥ f` or `s ≤ f`. */
export type Branch = 'above' | 'below';

// -------------------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------------------

/** Builds an {@link Undefined} with the given reason. */
export function undefinedMeasure(reason: string): Undefined {
  return { _tag: 'Undefined', reason };
}
