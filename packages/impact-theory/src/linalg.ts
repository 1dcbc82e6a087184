/**
 * The small dense linear algebra the differential measures need: row-major {@link Matrix}, products,
 * transpose, trace, and Cholesky-based log-determinant, solve and inverse for symmetric positive definite
 * (SPD) matrices. Plain loops on `Float64Array`; sizes here are activation widths (tens to hundreds).
 */
import * as E from 'fp-ts/lib/Either.js';
import { type Matrix, type Undefined, undefinedMeasure } from './types.js';

/** Default relative tolerance of {@link cholesky}: a pivot `≤ relTol · max_i A_ii` counts as zero. */
export const DEFAULT_REL_TOL = 1e-10;

// -------------------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------------------

/**
 * A `rows × cols` matrix from row-major `data` (copied), or all zeros when `data` is omitted.
 * @throws RangeError when the shape is not a pair of non-negative integers or `data.length ≠ rows·cols`.
 */
export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`matrix: shape must be non-negative integers, got ${rows}×${cols}`);
  }
  if (data === undefined) return { rows, cols, data: new Float64Array(rows * cols) };
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix: ${rows}×${cols} needs ${rows * cols} entries, got ${data.length}`);
  }
  return { rows, cols, data: Float64Array.from(data) };
}

/**
 * A matrix from an array of rows, e.g. `fromRows([[1, 2], [3, 4]])`.
 * @throws RangeError when the rows have different lengths.
 */
export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0]!.length;
  const out = matrix(r, c);
  for (let i = 0; i < r; i++) {
    const row = rows[i]!;
    if (row.length !== c) throw new RangeError(`fromRows: row ${i} has length ${row.length}, row 0 has ${c}`);
    for (let j = 0; j < c; j++) out.data[i * c + j] = row[j]!;
  }
  return out;
}

/** The `n × n` identity matrix. */
export function identity(n: number): Matrix {
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) out.data[i * n + i] = 1;
  return out;
}

// -------------------------------------------------------------------------------------------------
// combinators
// -------------------------------------------------------------------------------------------------

/**
 * Matrix product `A B` (`m × k` times `k × n` gives `m × n`).
 * @throws RangeError when `A.cols ≠ B.rows` (the message gives both shapes).
 */
export function matmul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) {
    throw new RangeError(`matmul: shapes ${a.rows}×${a.cols} and ${b.rows}×${b.cols} do not chain`);
  }
  const m = a.rows,
    k = a.cols,
    n = b.cols;
  const out = matrix(m, n);
  const A = a.data,
    B = b.data,
    O = out.data;
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = A[i * k + p]!;
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) O[i * n + j]! += aip * B[p * n + j]!;
    }
  }
  return out;
}

/** Transpose `Aᵀ`. */
export function transpose(a: Matrix): Matrix {
  const out = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j]!;
  }
  return out;
}

/**
 * Gram matrix `A Aᵀ` (`m × m` for an `m × n` matrix `A`), symmetric positive semidefinite; computed
 * directly so that the result is exactly symmetric.
 */
export function gram(a: Matrix): Matrix {
  const m = a.rows,
    n = a.cols;
  const out = matrix(m, m);
  const A = a.data,
    O = out.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += A[i * n + p]! * A[j * n + p]!;
      O[i * m + j] = s;
      O[j * m + i] = s;
    }
  }
  return out;
}

/**
 * Sum `A + B`.
 * @throws RangeError when the shapes differ.
 */
export function add(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new RangeError(`add: shapes ${a.rows}×${a.cols} and ${b.rows}×${b.cols} differ`);
  }
  const out = matrix(a.rows, a.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = a.data[i]! + b.data[i]!;
  return out;
}

/**
 * Trace `tr A = Σ_i A_ii`.
 * @throws RangeError when `A` is not square.
 */
export function trace(a: Matrix): number {
  if (a.rows !== a.cols) throw new RangeError(`trace: matrix must be square, got ${a.rows}×${a.cols}`);
  let t = 0;
  for (let i = 0; i < a.rows; i++) t += a.data[i * a.cols + i]!;
  return t;
}

// -------------------------------------------------------------------------------------------------
// SPD matrices (Cholesky)
// -------------------------------------------------------------------------------------------------

/**
 * Cholesky factor: the lower-triangular `L` with positive diagonal and `L Lᵀ = A`, for a symmetric
 * positive definite `A` (only its lower triangle is read).
 *
 * Edges: `Left` when `A` is not positive definite to working precision — some pivot `L_ii²` is
 * `≤ relTol · max_i A_ii` (a relative test, so rank-deficient Gram matrices `JJᵀ` are caught despite
 * rounding), or not finite. A `0 × 0` matrix gives a `0 × 0` factor.
 *
 * @param relTol relative pivot tolerance, default {@link DEFAULT_REL_TOL}
 * @throws RangeError when `A` is not square.
 */
export function cholesky(a: Matrix, relTol: number = DEFAULT_REL_TOL): E.Either<Undefined, Matrix> {
  if (a.rows !== a.cols) throw new RangeError(`cholesky: matrix must be square, got ${a.rows}×${a.cols}`);
  const n = a.rows;
  const A = a.data;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(A[i * n + i]!));
  const tol = relTol * maxDiag;
  const out = matrix(n, n);
  const L = out.data;
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j]!;
    for (let p = 0; p < j; p++) d -= L[j * n + p]! * L[j * n + p]!;
    if (!(d > tol) || !Number.isFinite(d)) {
      return E.left(undefinedMeasure(`cholesky: ${n}×${n} matrix is not positive definite (pivot ${j} = ${d}, tolerance ${tol} = ${relTol}·max diag)`));
    }
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j]!;
      for (let p = 0; p < j; p++) s -= L[i * n + p]! * L[j * n + p]!;
      L[i * n + j] = s / ljj;
    }
  }
  return E.right(out);
}

/**
 * `ln det A = 2 Σ_i ln L_ii` from the Cholesky factor `L` of an SPD matrix `A` (nats if `A` is a
 * covariance). `Left` when `A` is not positive definite (see {@link cholesky}).
 */
export function logDetSpd(a: Matrix, relTol: number = DEFAULT_REL_TOL): E.Either<Undefined, number> {
  return E.map(logDetFromCholesky)(cholesky(a, relTol));
}

/**
 * Solves `A X = B` for an SPD `A` by two triangular solves with its Cholesky factor.
 * `Left` when `A` is not positive definite (see {@link cholesky}).
 * @throws RangeError when `A` is not square or `B.rows ≠ A.rows`.
 */
export function solveSpd(a: Matrix, b: Matrix, relTol: number = DEFAULT_REL_TOL): E.Either<Undefined, Matrix> {
  if (b.rows !== a.rows) {
    throw new RangeError(`solveSpd: shapes ${a.rows}×${a.cols} and ${b.rows}×${b.cols} do not chain`);
  }
  return E.map((l: Matrix) => backSubstituteTransposed(l, forwardSubstitute(l, b)))(cholesky(a, relTol));
}

/** Inverse `A⁻¹` of an SPD matrix (via {@link solveSpd} against the identity). */
export function inverseSpd(a: Matrix, relTol: number = DEFAULT_REL_TOL): E.Either<Undefined, Matrix> {
  return solveSpd(a, identity(a.rows), relTol);
}

// -------------------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------------------

/** `2 Σ_i ln L_ii` for a Cholesky factor `L`. */
export function logDetFromCholesky(l: Matrix): number {
  let s = 0;
  for (let i = 0; i < l.rows; i++) s += Math.log(l.data[i * l.cols + i]!);
  return 2 * s;
}

/**
 * Solves `L X = B` for lower-triangular `L` with non-zero diagonal (forward substitution).
 * @throws RangeError when `B.rows ≠ L.rows`.
 */
export function forwardSubstitute(l: Matrix, b: Matrix): Matrix {
  if (b.rows !== l.rows) {
    throw new RangeError(`forwardSubstitute: shapes ${l.rows}×${l.cols} and ${b.rows}×${b.cols} do not chain`);
  }
  const n = l.rows,
    m = b.cols;
  const x = matrix(n, m, b.data);
  const L = l.data,
    X = x.data;
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < i; p++) {
      const lip = L[i * n + p]!;
      if (lip === 0) continue;
      for (let j = 0; j < m; j++) X[i * m + j]! -= lip * X[p * m + j]!;
    }
    const lii = L[i * n + i]!;
    for (let j = 0; j < m; j++) X[i * m + j]! /= lii;
  }
  return x;
}

/** Solves `Lᵀ X = B` for lower-triangular `L` (back substitution on the transpose). */
function backSubstituteTransposed(l: Matrix, b: Matrix): Matrix {
  const n = l.rows,
    m = b.cols;
  const x = matrix(n, m, b.data);
  const L = l.data,
    X = x.data;
  for (let i = n - 1; i >= 0; i--) {
    for (let p = i + 1; p < n; p++) {
      const lpi = L[p * n + i]!;
      if (lpi === 0) continue;
      for (let j = 0; j < m; j++) X[i * m + j]! -= lpi * X[p * m + j]!;
    }
    const lii = L[i * n + i]!;
    for (let j = 0; j < m; j++) X[i * m + j]! /= lii;
  }
  return x;
}

/** Squared Frobenius norm `‖A‖_F² = Σ_ij A_ij² = tr(A Aᵀ)`. */
export function frobeniusSquared(a: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i]! * a.data[i]!;
  return s;
}
