/**
 * Entropy and Kullback–Leibler divergence of discrete distributions, in nats (natural log).
 * Hot path of split-history (distributions of length 8): plain loops, no allocation, no validation.
 */

/**
 * Shannon entropy `H(p) = −Σ_i p_i ln p_i`, in nats.
 *
 * Edges: terms with `p_i = 0` contribute 0 (the convention `0·ln 0 = 0`); an empty `p` gives 0.
 * `p` is assumed to be a probability vector and is not checked (for speed): a negative entry gives `NaN`,
 * an unnormalised `p` gives the formula's value for it.
 *
 * @example
 * entropy([0.25, 0.25, 0.25, 0.25]) // = ln 4 ≈ 1.3863
 */
export function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    if (pi !== 0) h -= pi * Math.log(pi);
  }
  return h;
}

/**
 * Kullback–Leibler divergence `KL(p ‖ q) = Σ_i p_i ln(p_i / q_i)`, in nats.
 *
 * Edges: terms with `p_i = 0` contribute 0 (`0·ln(0/q) = 0`, also when `q_i = 0`); a term with `p_i > 0`
 * and `q_i = 0` makes the result `+Infinity` (`p` is not absolutely continuous with respect to `q`).
 * `p` and `q` are assumed to be probability vectors and are not checked (negative entries give `NaN`).
 * `KL(p ‖ p)` is exactly 0.
 *
 * @throws RangeError when `p.length !== q.length` (the message gives both lengths).
 *
 * @example
 * kl([0.5, 0.5], [0.25, 0.75]) // = 0.5 ln 2 + 0.5 ln(2/3) ≈ 0.1438
 */
export function kl(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) {
    throw new RangeError(`kl: p and q must have the same length, got p.length=${p.length}, q.length=${q.length}`);
  }
  let d = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    if (pi !== 0) d += pi * Math.log(pi / q[i]!);
  }
  return d;
}
