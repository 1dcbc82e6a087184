/**
 * The binary KL divergence `KL_B` and the predicted optimization `Op_pred` built on it (docs/method.md#theory), in nats.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type Branch, type Undefined, undefinedMeasure } from './types.js';

// -------------------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------------------

/** `a ln(a/b)` with `0·ln(0/b) = 0`; `+Infinity` when `a > 0 = b`. */
function xlogxy(a: number, b: number): number {
  return a === 0 ? 0 : a * Math.log(a / b);
}

function checkProbability(name: string, x: number, where: string): void {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`${where}: ${name} must be in [0, 1], got ${name}=${x}`);
}

// -------------------------------------------------------------------------------------------------
// measures
// -------------------------------------------------------------------------------------------------

/**
 * Binary KL divergence `KL_B(x ‖ y) = x ln(x/y) + (1−x) ln((1−x)/(1−y))`, in nats: the KL divergence of a
 * Bernoulli(x) from a Bernoulli(y).
 *
 * Edges: `0·ln 0 = 0`, so `KL_B(0 ‖ 0) = KL_B(1 ‖ 1) = 0`, `KL_B(0 ‖ y) = −ln(1−y)`, `KL_B(1 ‖ y) = −ln y`;
 * `+Infinity` when `y ∈ {0, 1}` and `x ≠ y`. Exactly 0 when `x = y`; rounding negatives (x ≈ y) are
 * clamped to 0. Symmetric under `(x, y) → (1−x, 1−y)`.
 *
 * @throws RangeError when `x` or `y` is outside `[0, 1]` (or `NaN`); the message gives both values.
 *
 * @example
 * klB(0.5, 0.25) // = 0.5 ln 2 + 0.5 ln(2/3) = 0.5 ln(4/3) ≈ 0.1438
 */
export function klB(x: number, y: number): number {
  if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) {
    throw new RangeError(`klB: x and y must be in [0, 1], got x=${x}, y=${y}`);
  }
  const d = xlogxy(x, y) + xlogxy(1 - x, 1 - y);
  return d > 0 ? d : 0;
}

/**
 * Predicted optimization `Op_pred(s; f) = KL_B(s ‖ f)`, in nats (docs/method.md#theory): the `Op` of a policy that is
 * indifferent among successes and among failures, when the split-history future `F'` is uniform, so that
 * its success rate is the chance rate `f = |G| / |V|`.
 *
 * Edges: as {@link klB} (`+Infinity` when `f ∈ {0, 1}` and `s ≠ f`).
 *
 * @param s success rate of the policy, in `[0, 1]`
 * @param f chance success rate, in `[0, 1]`
 * @throws RangeError when `s` or `f` is outside `[0, 1]`.
 *
 * @example
 * opPred(0.985, 2 / 8) // ≈ 1.29 nats (the ideal greedy policy on the n_good = 2 task)
 */
export function opPred(s: number, f: number): number {
  return klB(s, f);
}

/**
 * Inverse of {@link opPred} on one branch: the success rate `s` with `KL_B(s ‖ f) = op`, taking `s ≥ f`
 * (`'above'`) or `s ≤ f` (`'below'`). On each branch `KL_B(· ‖ f)` is monotone, from 0 at `s = f` to its
 * maximum `KL_B(1 ‖ f) = −ln f` (above) or `KL_B(0 ‖ f) = −ln(1−f)` (below), so the root is unique; it is
 * found by bisection to full double precision (|Δs| ≲ 1e-15, far below the 1e-12 asked).
 *
 * Edges: `op = 0` gives `Right(f)`; `op` equal to the branch maximum (within a relative 1e-14, for rounding)
 * gives `Right(1)` / `Right(0)`.
 * `Left` when `op < 0`, `op` is `NaN`, or `op` exceeds the branch maximum; also when `f ∈ {0, 1}` and
 * `op > 0`, since then `KL_B(s ‖ f)` is 0 or `+Infinity` and no finite positive `op` is reached.
 * Near `s = f` the map is flat (`KL_B ≈ (s−f)² / (2f(1−f))`), so `s` is only as precise as `√op` allows.
 *
 * @param op optimization, in nats
 * @param f chance success rate, in `[0, 1]`
 * @param branch which side of `f` to return
 * @throws RangeError when `f` is outside `[0, 1]` (a programming error, not an unreachable `op`).
 *
 * @example
 * opPredInverse(opPred(0.9, 0.25), 0.25, 'above') // Right(0.9)
 */
export function opPredInverse(op: number, f: number, branch: Branch): E.Either<Undefined, number> {
  checkProbability('f', f, 'opPredInverse');
  if (Number.isNaN(op) || op < 0) {
    return E.left(undefinedMeasure(`opPredInverse: op must be ≥ 0, got op=${op}`));
  }
  if (op === 0) return E.right(f);
  const end = branch === 'above' ? 1 : 0;
  if (f === 0 || f === 1) {
    return E.left(undefinedMeasure(`opPredInverse: with f=${f}, KL_B(s ‖ f) is 0 or +Infinity, so op=${op} is not reached on branch '${branch}'`));
  }
  const max = klB(end, f);
  if (op > max * (1 + 1e-14)) {
    return E.left(undefinedMeasure(`opPredInverse: op=${op} exceeds the maximum KL_B(${end} ‖ ${f})=${max} of branch '${branch}'`));
  }
  if (op >= max) return E.right(end);
  // Invariant: klB(near, f) < op ≤ klB(far, f), near on f's side, far on the end's side.
  let near = f;
  let far = end;
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (near + far);
    if (mid === near || mid === far) break;
    if (klB(mid, f) < op) near = mid;
    else far = mid;
  }
  return E.right(Math.abs(klB(near, f) - op) < Math.abs(klB(far, f) - op) ? near : far);
}
