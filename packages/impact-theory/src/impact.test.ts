import * as E from 'fp-ts/lib/Either.js';
import { klB } from './binary.js';
import { excessImpact, impactRatio, impMin, minImpactShift } from './impact.js';
import { kl } from './information.js';
import { mulberry32, randomSimplex } from './internal/prng.js';
import { right, leftReason } from './internal/expect-either.js';

/** A random distribution over n outcomes with mass s on `good`. */
function randomWithSuccess(u: () => number, n: number, good: readonly number[], s: number): Float64Array {
  const g = randomSimplex(u, good.length);
  const b = randomSimplex(u, n - good.length);
  const out = new Float64Array(n);
  let gi = 0,
    bi = 0;
  for (let i = 0; i < n; i++) out[i] = good.includes(i) ? s * g[gi++]! : (1 - s) * b[bi++]!;
  return out;
}

describe('impMin', () => {
  it('is KL_B(s ‖ s′)', () => {
    expect(right(impMin(0.5, 0.25))).toBeCloseTo(0.5 * Math.log(4 / 3), 14);
    expect(right(impMin(0.9, 0.6))).toBe(klB(0.9, 0.6));
    expect(right(impMin(0.3, 0.3))).toBe(0);
    expect(right(impMin(0, 0.3))).toBeCloseTo(-Math.log(0.7), 14);
  });
  it('is Left (never NaN) when s′ ∈ {0, 1}', () => {
    for (const [s, sp] of [
      [0.5, 0],
      [0.5, 1],
      [0, 0],
      [1, 1],
      [1, 0],
      [0, 1],
    ] as const) {
      const e = impMin(s, sp);
      expect(E.isLeft(e)).toBe(true);
      expect(leftReason(e)).toMatch(/undefined/);
    }
  });
  it('throws a RangeError outside [0, 1]', () => {
    expect(() => impMin(1.1, 0.5)).toThrow(RangeError);
  });
});

describe('excessImpact and impactRatio', () => {
  it('are Imp − Imp_min and Imp / Imp_min', () => {
    const min = klB(0.8, 0.4);
    expect(right(excessImpact(1, 0.8, 0.4))).toBeCloseTo(1 - min, 14);
    expect(right(impactRatio(1, 0.8, 0.4))).toBeCloseTo(1 / min, 12);
  });
  it('are Left when s′ ∈ {0, 1} or imp is NaN', () => {
    expect(E.isLeft(excessImpact(1, 0.5, 0))).toBe(true);
    expect(E.isLeft(excessImpact(1, 0.5, 1))).toBe(true);
    expect(E.isLeft(impactRatio(1, 0.5, 1))).toBe(true);
    expect(E.isLeft(excessImpact(Number.NaN, 0.5, 0.4))).toBe(true);
    expect(E.isLeft(impactRatio(Number.NaN, 0.5, 0.4))).toBe(true);
  });
  it('ratio is Left when Imp_min = 0 (s = s′), excess is then Imp', () => {
    expect(leftReason(impactRatio(0.2, 0.4, 0.4))).toMatch(/Imp_min = 0/);
    expect(right(excessImpact(0.2, 0.4, 0.4))).toBe(0.2);
  });
});

describe('minImpactShift', () => {
  it('rescales successes by s/s′ and failures by (1−s)/(1−s′)', () => {
    const shifted = right(minImpactShift([0.25, 0.25, 0.25, 0.25], [0], 0.5));
    expect(Array.from(shifted)).toEqual([0.5, 0.5 / 3, 0.5 / 3, 0.5 / 3].map((v) => expect.closeTo(v, 14)));
  });
  it('attains Imp_min: KL(shift ‖ q) = KL_B(s ‖ s′), with success rate s and total mass 1', () => {
    const u = mulberry32(7);
    for (let t = 0; t < 30; t++) {
      const q = randomSimplex(u, 8);
      const good = [1, 4, 6].slice(0, 1 + (t % 3));
      const s = u();
      const shifted = right(minImpactShift(q, good, s));
      const sPrime = good.reduce((a, g) => a + q[g]!, 0);
      expect(good.reduce((a, g) => a + shifted[g]!, 0)).toBeCloseTo(s, 12);
      expect(shifted.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 12);
      expect(kl(shifted, q)).toBeCloseTo(right(impMin(s, sPrime)), 12);
    }
  });
  it('beats every other distribution with the same success rate (seeded random search)', () => {
    const u = mulberry32(11);
    let checked = 0;
    for (let t = 0; t < 20; t++) {
      const q = randomSimplex(u, 8);
      const good = t % 2 === 0 ? [0, 3] : [2, 5, 6, 7];
      const s = 0.05 + 0.9 * u();
      const shifted = right(minImpactShift(q, good, s));
      const min = kl(shifted, q);
      for (let r = 0; r < 200; r++) {
        const other = randomWithSuccess(u, 8, good, s);
        expect(kl(other, q)).toBeGreaterThanOrEqual(min - 1e-12);
        // also close to the optimum: mixtures shift + ε (other − shift) keep success rate s
        const eps = 10 ** (-1 - 3 * u());
        const near = shifted.map((v, i) => v + eps * (other[i]! - v));
        expect(kl(near, q)).toBeGreaterThanOrEqual(min - 1e-12);
        checked += 2;
      }
    }
    expect(checked).toBe(8000);
  });
  it('returns q itself when s = s′, Left when there is no mass to move', () => {
    expect(Array.from(right(minImpactShift([0.5, 0.5], [0], 0.5)))).toEqual([0.5, 0.5]);
    expect(E.isLeft(minImpactShift([0, 1], [0], 0.5))).toBe(true);
    expect(E.isLeft(minImpactShift([1, 0], [0], 0.5))).toBe(true);
  });
  it('does not modify q', () => {
    const q = Float64Array.of(0.2, 0.3, 0.5);
    minImpactShift(q, [2], 0.9);
    expect(Array.from(q)).toEqual([0.2, 0.3, 0.5]);
  });
  it('throws a RangeError for a bad index, a repeat or s outside [0, 1]', () => {
    expect(() => minImpactShift([0.5, 0.5], [2], 0.5)).toThrow(/good index 2 out of range/);
    expect(() => minImpactShift([0.5, 0.5], [1, 1], 0.5)).toThrow(/repeated/);
    expect(() => minImpactShift([0.5, 0.5], [1], 1.5)).toThrow(RangeError);
  });
});
