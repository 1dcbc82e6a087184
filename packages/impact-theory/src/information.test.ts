import { entropy, kl } from './information.js';
import { mulberry32, randomSimplex } from './internal/prng.js';

describe('entropy', () => {
  it.each([1, 2, 3, 8, 17])('H(uniform %i) = ln n', (n) => {
    expect(entropy(new Array<number>(n).fill(1 / n))).toBeCloseTo(Math.log(n), 12);
  });
  it('uses 0·ln 0 = 0 and is 0 for a point mass and for an empty vector', () => {
    expect(entropy([0, 1, 0])).toBe(0);
    expect(entropy([])).toBe(0);
    expect(entropy([0.5, 0, 0.5])).toBeCloseTo(Math.log(2), 14);
  });
  it('matches a hand value and accepts typed arrays', () => {
    // −(0.5 ln 0.5 + 2·0.25 ln 0.25) = 1.5 ln 2
    expect(entropy(Float64Array.of(0.5, 0.25, 0.25))).toBeCloseTo(1.5 * Math.log(2), 14);
  });
});

describe('kl', () => {
  it('KL(p‖p) = 0 exactly for random p', () => {
    const u = mulberry32(1);
    for (let t = 0; t < 20; t++) {
      const p = randomSimplex(u, 8);
      expect(kl(p, p)).toBe(0);
    }
  });
  it('matches a hand value', () => {
    // 0.5 ln(0.5/0.25) + 0.5 ln(0.5/0.75) = 0.5 ln(4/3)
    expect(kl([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.5 * Math.log(4 / 3), 14);
  });
  it('is ≥ 0 and equals cross-entropy minus entropy', () => {
    const u = mulberry32(2);
    for (let t = 0; t < 50; t++) {
      const p = randomSimplex(u, 8);
      const q = randomSimplex(u, 8);
      let cross = 0;
      for (let i = 0; i < 8; i++) cross -= p[i]! * Math.log(q[i]!);
      expect(kl(p, q)).toBeGreaterThanOrEqual(0);
      expect(kl(p, q)).toBeCloseTo(cross - entropy(p), 12);
    }
  });
  it('ignores p_i = 0 terms (also where q_i = 0) and is +Infinity where p_i > 0 = q_i', () => {
    expect(kl([0, 1], [0, 1])).toBe(0);
    expect(kl([0, 1], [0.5, 0.5])).toBeCloseTo(Math.log(2), 14);
    expect(kl([0.5, 0.5], [0, 1])).toBe(Infinity);
  });
  it('throws a RangeError naming both lengths when they differ', () => {
    expect(() => kl([1], [0.5, 0.5])).toThrow(RangeError);
    expect(() => kl([1], [0.5, 0.5])).toThrow(/p\.length=1, q\.length=2/);
  });
});
