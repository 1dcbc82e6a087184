/**
 * Channel capacity by the Blahut–Arimoto algorithm, in nats: the one-step empowerment of Klyubin,
 * Polani & Nehaniv (2005), max over input laws p(a) of I(A; X) for a channel W(x|a).
 */

/** Options of {@link channelCapacity}. */
export interface CapacityOptions {
  /** Stop when the upper and lower bounds on the capacity are this close, nats (default 1e-12). */
  readonly tolerance?: number;
  /** Blahut–Arimoto iterations at most (default 100 000). */
  readonly maxIterations?: number;
}

/**
 * Capacity C = max_p I(A; X) of the channel W ([nIn × nOut], rows summing to 1), nats.
 *
 * Blahut–Arimoto: p ← p·exp(D_a)/Σ, D_a = KL(W(·|a) ‖ pW). Every step brackets the capacity,
 * ln Σ_a p_a e^{D_a} ≤ C ≤ max_a D_a; iteration stops when the bracket is narrower than the tolerance
 * and returns its lower end.
 *
 * @throws Error when the bracket has not closed after `maxIterations` (default 100 000).
 *
 * @example
 * channelCapacity(Float64Array.of(1, 0, 0, 1), 2, 2) // ln 2 (a noiseless bit)
 */
export function channelCapacity(w: Float64Array, nIn: number, nOut: number, options: CapacityOptions = {}): number {
  if (w.length !== nIn * nOut) throw new RangeError(`channel has ${w.length} entries, expected ${nIn} × ${nOut}`);
  const tol = options.tolerance ?? 1e-12,
    maxIt = options.maxIterations ?? 100_000;
  const p = new Float64Array(nIn).fill(1 / nIn),
    q = new Float64Array(nOut),
    d = new Float64Array(nIn);
  for (let it = 0; it < maxIt; it++) {
    q.fill(0);
    for (let a = 0; a < nIn; a++) for (let x = 0; x < nOut; x++) q[x]! += p[a]! * w[a * nOut + x]!;
    let upper = -Infinity,
      z = 0;
    for (let a = 0; a < nIn; a++) {
      let s = 0;
      for (let x = 0; x < nOut; x++) {
        const wx = w[a * nOut + x]!;
        if (wx > 0) s += wx * Math.log(wx / q[x]!);
      }
      d[a] = s;
      upper = Math.max(upper, s);
    }
    // Shift by the upper bound so the exponentials never overflow.
    for (let a = 0; a < nIn; a++) z += p[a]! * Math.exp(d[a]! - upper);
    const lower = upper + Math.log(z);
    if (upper - lower <= tol) return Math.max(lower, 0);
    for (let a = 0; a < nIn; a++) p[a] = (p[a]! * Math.exp(d[a]! - upper)) / z;
  }
  throw new Error(`channelCapacity: Blahut–Arimoto did not reach ${tol} nats in ${maxIt} iterations`);
}

/**
 * Capacities memoised by the channel's content up to a reordering of its rows (capacity does not depend
 * on the order of the inputs). In a deterministic-rule environment the same few channels recur in
 * thousands of contexts. A row is keyed by a 53-bit hash of its exact bits (two 32-bit FNV-1a streams):
 * formatting the numbers as text cost 20× more than the capacities themselves.
 */
export class CapacityCache {
  private readonly memo = new Map<string, number>();
  constructor(private readonly options: CapacityOptions = {}) {}
  /** Distinct channels computed so far. */
  get size(): number {
    return this.memo.size;
  }
  /** The capacity of the channel `w` ([nIn × nOut]), nats: {@link channelCapacity}, computed once per distinct channel. */
  capacity(w: Float64Array, nIn: number, nOut: number): number {
    const bits = new Uint32Array(w.buffer, w.byteOffset, 2 * nIn * nOut);
    const rows = new Float64Array(nIn);
    for (let a = 0; a < nIn; a++) {
      let h1 = 0x811c9dc5,
        h2 = 0x01000193;
      for (let i = 2 * a * nOut; i < 2 * (a + 1) * nOut; i++) {
        h1 = Math.imul(h1 ^ bits[i]!, 0x01000193);
        h2 = Math.imul(h2 ^ bits[i]!, 0x5bd1e995) ^ (h2 >>> 15);
      }
      rows[a] = (h1 >>> 0) * 2097152 + (h2 >>> 11);
    }
    const key = `${nOut}:${rows.sort().join(',')}`;
    let c = this.memo.get(key);
    if (c === undefined) {
      c = channelCapacity(w, nIn, nOut, this.options);
      this.memo.set(key, c);
    }
    return c;
  }
}
