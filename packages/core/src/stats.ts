/** A mean with its standard error over `n` independent repeats. `se` is NaN (null in JSON) when n < 2. */
export interface Estimate {
  /** The mean over the repeats. */
  readonly mean: number;
  /** Its standard error: sample standard deviation / √n. */
  readonly se: number;
  /** How many repeats. */
  readonly n: number;
}

/** Mean and standard error of the mean (sample standard deviation / √n). */
export function estimate(xs: readonly number[]): Estimate {
  const n = xs.length;
  if (n === 0) throw new RangeError('estimate of no values');
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  if (n < 2) return { mean, se: Number.NaN, n };
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { mean, se: Math.sqrt(variance / n), n };
}
