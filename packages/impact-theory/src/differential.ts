/**
 * Differential optimization and impact (docs/method.md#differential-measures), in nats.
 *
 * Setting: `A = a(P)`, `F = f(P, A)`, Gaussian `P ~ N(0, σ²I)`, linearised at a point:
 * `J = dF/dP = B + C K` (total derivative, `A` varying), `B = ∂F/∂P` (`A` held fixed), `C = ∂F/∂A`,
 * `K = dA/dP`. The real future is `F ≈ J P ~ N(0, σ² JJᵀ)`; the split-history future with the action
 * taken from another past `P''` is `F' ≈ B P' + C K P''`, i.e. given `P''`, `F' ~ N(CK P'', σ² BBᵀ)`.
 * Then (σ cancels):
 *
 *   `Op_diff  = E_{P''} H(F' | P'') − H(F) = ½ ln det(BBᵀ) − ½ ln det(JJᵀ)`
 *   `Imp_diff = E_{P''} KL( N(0, JJᵀ) ‖ N(CK P'', BBᵀ) )`
 *            `= ½[tr((BBᵀ)⁻¹JJᵀ) + tr((BBᵀ)⁻¹(CK)(CK)ᵀ) − k + ln det(BBᵀ) − ln det(JJᵀ)]`, k = dim F,
 *
 * the Gaussian counterparts of the split-history (docs/method.md#split-history) `Op = mean_k H(Q'_k) − H(Q)` and `Imp = mean_k KL(Q ‖ Q'_k)`.
 * (`Imp_diff` is *not* `KL(N(0, JJᵀ) ‖ N(0, BBᵀ + CK(CK)ᵀ))`, the KL to the pooled `F'`; that one is
 * smaller, by convexity of KL in its second argument.)
 */
import * as E from 'fp-ts/lib/Either.js';
import { cholesky, DEFAULT_REL_TOL, forwardSubstitute, frobeniusSquared, gram, logDetFromCholesky, matmul } from './linalg.js';
import { type Matrix, type Undefined, undefinedMeasure } from './types.js';

/** Options of the matrix differential measures. */
export interface DifferentialOptions {
  /**
   * Relative tolerance for singularity: `BBᵀ` or `JJᵀ` counts as singular when a Cholesky pivot is
   * `≤ relTol · (largest diagonal entry)`. Default `1e-10` ({@link DEFAULT_REL_TOL}).
   */
  readonly relTol?: number;
}

// -------------------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------------------

const shape = (m: Matrix): string => `${m.rows}×${m.cols}`;

function choleskyOf(name: string, where: string, a: Matrix, relTol: number): E.Either<Undefined, Matrix> {
  return E.mapLeft((u: Undefined) => undefinedMeasure(`${where}: ${name} (${shape(a)}) is singular or not positive definite (rank deficient): ${u.reason}`))(
    cholesky(a, relTol),
  );
}

// -------------------------------------------------------------------------------------------------
// measures
// -------------------------------------------------------------------------------------------------

/**
 * Differential optimization `Op_diff = ½ ln det(BBᵀ) − ½ ln det(JJᵀ)`, in nats: the entropy of the
 * split-history future given the other past, `H(F' | P'')`, minus that of the real future `H(F)`, for
 * Gaussian `P` (see the module header). Positive when letting `A` vary shrinks the spread of `F`.
 *
 * Shapes: `J` and `B` are both `dim F × dim P`, with `dim F ≤ dim P` for a defined value.
 *
 * Edges: `Left` when `BBᵀ` or `JJᵀ` is singular or not positive definite to a relative tolerance
 * (rank-deficient `J` or `B`, e.g. `dim F > dim P`), or has non-finite entries.
 *
 * @throws RangeError when `J` and `B` have different shapes (a programming error; the message gives both).
 *
 * @example
 * opDiff(fromRows([[0.5]]), fromRows([[2]])) // Right(ln 2 − ln 0.5 = ln 4)
 */
export function opDiff(J: Matrix, B: Matrix, options: DifferentialOptions = {}): E.Either<Undefined, number> {
  if (J.rows !== B.rows || J.cols !== B.cols) {
    throw new RangeError(`opDiff: J and B must have the same shape (dim F × dim P), got J ${shape(J)}, B ${shape(B)}`);
  }
  const relTol = options.relTol ?? DEFAULT_REL_TOL;
  return E.flatMap((lB: Matrix) =>
    E.map((lJ: Matrix) => 0.5 * (logDetFromCholesky(lB) - logDetFromCholesky(lJ)))(choleskyOf('JJᵀ', 'opDiff', gram(J), relTol)),
  )(choleskyOf('BBᵀ', 'opDiff', gram(B), relTol));
}

/**
 * Differential impact, in nats:
 * `Imp_diff = ½[tr((BBᵀ)⁻¹JJᵀ) + tr((BBᵀ)⁻¹(CK)(CK)ᵀ) − k + ln det(BBᵀ) − ln det(JJᵀ)]`, `k = dim F`.
 * It equals `E_{P''} KL(N(0, JJᵀ) ‖ N(CK P'', BBᵀ))` with `P'' ~ N(0, I)`: the mean KL from the real
 * future to the split-history future given the other past (see the module header), so it is ≥ 0, and 0
 * exactly when `JJᵀ = BBᵀ` and `CK = 0`. Computed with the Cholesky factor `L` of `BBᵀ` as
 * `‖L⁻¹J‖_F² + ‖L⁻¹CK‖_F²` for the traces (no explicit inverse).
 *
 * Shapes: `J`, `B`: `dim F × dim P`; `C`: `dim F × dim A`; `K`: `dim A × dim P` (`dim F ≤ dim P` for a
 * defined value). `J` is taken as given (for a linearised system it is `B + CK`; this is not checked).
 *
 * Edges: `Left` when `BBᵀ` or `JJᵀ` is singular or not positive definite to a relative tolerance, or has
 * non-finite entries.
 *
 * @throws RangeError when the shapes do not fit together (a programming error; the message gives them).
 *
 * @example
 * impDiff(fromRows([[1]]), fromRows([[1]]), fromRows([[0]]), fromRows([[0]])) // Right(0)
 */
export function impDiff(J: Matrix, B: Matrix, C: Matrix, K: Matrix, options: DifferentialOptions = {}): E.Either<Undefined, number> {
  if (J.rows !== B.rows || J.cols !== B.cols || C.rows !== J.rows || C.cols !== K.rows || K.cols !== J.cols) {
    throw new RangeError(
      'impDiff: shapes must be J, B: dim F × dim P, C: dim F × dim A, K: dim A × dim P; ' + `got J ${shape(J)}, B ${shape(B)}, C ${shape(C)}, K ${shape(K)}`,
    );
  }
  const relTol = options.relTol ?? DEFAULT_REL_TOL;
  const k = J.rows;
  return E.flatMap((lB: Matrix) =>
    E.map((lJ: Matrix) => {
      const trJ = frobeniusSquared(forwardSubstitute(lB, J));
      const trCK = frobeniusSquared(forwardSubstitute(lB, matmul(C, K)));
      return 0.5 * (trJ + trCK - k + logDetFromCholesky(lB) - logDetFromCholesky(lJ));
    })(choleskyOf('JJᵀ', 'impDiff', gram(J), relTol)),
  )(choleskyOf('BBᵀ', 'impDiff', gram(B), relTol));
}

/**
 * Scalar differential optimization `Op_diff = ln|b| − ln|j|`, in nats, with `j = dF/dP` (A varying) and
 * `b = ∂F/∂P` (A fixed). Agrees with {@link opDiff} on `1 × 1` matrices (`½ ln b² − ½ ln j²`).
 *
 * Edges: `Left` when `j` or `b` is 0 or not finite (the matrix form's singular case).
 */
export function opDiffScalar(j: number, b: number): E.Either<Undefined, number> {
  if (j === 0 || b === 0 || !Number.isFinite(j) || !Number.isFinite(b)) {
    return E.left(undefinedMeasure(`opDiffScalar: j and b must be finite and non-zero, got j=${j}, b=${b}`));
  }
  return E.right(Math.log(Math.abs(b)) - Math.log(Math.abs(j)));
}

/**
 * Scalar differential impact `Imp_diff = −ln|x| + (x² + c² − 1)/2`, in nats, with `x = J/B` and
 * `c = CK/B`: the `1 × 1` case of {@link impDiff} (`½[x² + c² − 1 + ln B² − ln J²]`), with which it agrees.
 * ≥ 0, with minimum 0 at `x = ±1, c = 0`. For a linearised system `J = B + CK`, so `x = 1 + c`.
 *
 * Edges: `Left` when `x` is 0 (`J = 0`) or `x` or `c` is not finite (`B = 0`).
 */
export function impDiffScalar(x: number, c: number): E.Either<Undefined, number> {
  if (x === 0 || !Number.isFinite(x) || !Number.isFinite(c)) {
    return E.left(undefinedMeasure(`impDiffScalar: x must be finite and non-zero and c finite, got x=${x}, c=${c}`));
  }
  return E.right(-Math.log(Math.abs(x)) + (x * x + c * c - 1) / 2);
}
