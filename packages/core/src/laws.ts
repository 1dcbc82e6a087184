/**
 * The law of a noisy rule: the rule's value `det` with probability 1 − ε, else uniform over the `n`
 * values. Writes P(v) = (1 − ε)·[v = det] + ε/n into `out[at..at+n)`.
 */
export function writeNoisyRuleLaw(det: number, noise: number, n: number, out: Float64Array, at: number): void {
  for (let v = 0; v < n; v++) out[at + v] = noise / n;
  out[at + det] = out[at + det]! + (1 - noise);
}
