/**
 * Minimum impact and the measures relative to it (docs/method.md#theory), in nats.
 */
import * as E from 'fp-ts/lib/Either.js';
import { klB } from './binary.js';
import { type Undefined, undefinedMeasure } from './types.js';

// -------------------------------------------------------------------------------------------------
// measures
// -------------------------------------------------------------------------------------------------

/**
 * Minimum impact `Imp_min(s, s') = KL_B(s ‖ s')`, in nats: the smallest `KL(Q ‖ Q')` over all
 * distributions `Q` with success rate `s`, for a fixed `Q'` with success rate `s'` (attained by
 * {@link minImpactShift}). Hence `Imp ≥ Imp_min` for every policy (data processing + convexity).
 *
 * Edges: `Left` when `s' ∈ {0, 1}` — there `KL_B(s ‖ s')` is 0 or `+Infinity` and comparing an impact with
 * it means nothing, so it is reported as undefined, never as `NaN` or `Infinity`. 0 when `s = s'`.
 *
 * @param s success rate in the real future `F`, in `[0, 1]`
 * @param sPrime success rate in the split-history future `F'`, in `[0, 1]`
 * @throws RangeError when `s` or `sPrime` is outside `[0, 1]` (see {@link klB}).
 *
 * @example
 * impMin(0.5, 0.25) // Right(0.5 ln(4/3) ≈ 0.1438)
 */
export function impMin(s: number, sPrime: number): E.Either<Undefined, number> {
  const value = klB(s, sPrime);
  if (sPrime === 0 || sPrime === 1) {
    return E.left(undefinedMeasure(`impMin: undefined for s'=${sPrime} ∈ {0, 1} (s=${s})`));
  }
  return E.right(value);
}

/**
 * Excess impact `Imp − Imp_min(s, s')`, in nats: the impact beyond what reaching success rate `s` from
 * `s'` requires. ≥ 0 up to estimation noise.
 *
 * Edges: `Left` when `Imp_min` is undefined (`s' ∈ {0, 1}`) or `imp` is `NaN`. An infinite `imp` gives
 * `Right(Infinity)`.
 *
 * @param imp measured impact, in nats
 * @throws RangeError when `s` or `sPrime` is outside `[0, 1]`.
 */
export function excessImpact(imp: number, s: number, sPrime: number): E.Either<Undefined, number> {
  if (Number.isNaN(imp)) return E.left(undefinedMeasure(`excessImpact: imp is NaN (s=${s}, s'=${sPrime})`));
  return E.map((min: number) => imp - min)(impMin(s, sPrime));
}

/**
 * Impact ratio `Imp / Imp_min(s, s')` (dimensionless): ≥ 1 up to estimation noise.
 *
 * Edges: `Left` when `Imp_min` is undefined (`s' ∈ {0, 1}`), when `Imp_min = 0` (`s = s'`), or when
 * `imp` is `NaN`. An infinite `imp` gives `Right(Infinity)`.
 *
 * @param imp measured impact, in nats
 * @throws RangeError when `s` or `sPrime` is outside `[0, 1]`.
 */
export function impactRatio(imp: number, s: number, sPrime: number): E.Either<Undefined, number> {
  if (Number.isNaN(imp)) return E.left(undefinedMeasure(`impactRatio: imp is NaN (s=${s}, s'=${sPrime})`));
  return E.flatMap((min: number) =>
    min === 0 ? E.left(undefinedMeasure(`impactRatio: Imp_min = 0 (s=${s} = s'=${sPrime}), ratio undefined`)) : E.right(imp / min),
  )(impMin(s, sPrime));
}

// -------------------------------------------------------------------------------------------------
// constructions
// -------------------------------------------------------------------------------------------------

/**
 * The minimum-impact change of `q` to success rate `s`: successes (the indices in `good`) rescaled by
 * `s/s'`, failures by `(1−s)/(1−s')`, where `s' = Σ_{i ∈ good} q_i`. Relative probabilities within the
 * successes and within the failures are kept. `KL(shift ‖ q) = KL_B(s ‖ s') = Imp_min(s, s')`, and every
 * other distribution with success rate `s` is further from `q` in KL.
 *
 * `q` is assumed to sum to 1 (not checked). Returns a new array; `q` is not modified.
 *
 * Edges: when `s = s'` the result equals `q`. `Left` when `s' = 0` and `s > 0`, or `s' = 1` and `s < 1`
 * (there is no mass to rescale).
 *
 * @param q baseline distribution (the split-history `Q'`)
 * @param good indices of the successful outcomes, each in `[0, q.length)`, no repeats
 * @param s target success rate, in `[0, 1]`
 * @throws RangeError when `s` is outside `[0, 1]` or `good` holds an index out of range or a repeat.
 *
 * @example
 * minImpactShift([0.25, 0.25, 0.25, 0.25], [0], 0.5) // Right([0.5, 1/6, 1/6, 1/6])
 */
export function minImpactShift(q: ArrayLike<number>, good: readonly number[], s: number): E.Either<Undefined, Float64Array> {
  if (!(s >= 0 && s <= 1)) throw new RangeError(`minImpactShift: s must be in [0, 1], got s=${s}`);
  const isGood = new Uint8Array(q.length);
  for (const g of good) {
    if (!Number.isInteger(g) || g < 0 || g >= q.length) {
      throw new RangeError(`minImpactShift: good index ${g} out of range [0, ${q.length})`);
    }
    if (isGood[g] === 1) throw new RangeError(`minImpactShift: good index ${g} repeated`);
    isGood[g] = 1;
  }
  let sPrime = 0;
  for (let i = 0; i < q.length; i++) if (isGood[i] === 1) sPrime += q[i]!;
  const out = Float64Array.from(q);
  if (s === sPrime) return E.right(out);
  if ((sPrime === 0 && s > 0) || (sPrime >= 1 && s < 1)) {
    return E.left(undefinedMeasure(`minImpactShift: cannot move success rate s'=${sPrime} to s=${s}`));
  }
  const up = s / sPrime;
  const down = (1 - s) / (1 - sPrime);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * (isGood[i] === 1 ? up : down);
  return E.right(out);
}
