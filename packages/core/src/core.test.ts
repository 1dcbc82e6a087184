import { deriveSeed, estimate, makeRng } from './index.js';

describe('makeRng', () => {
  it('gives the same stream for the same seed and a different one for another', () => {
    const a = makeRng(7), b = makeRng(7), c = makeRng(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('draws uniformly: each of 8 values near 1/8 over 80k draws', () => {
    const r = makeRng(1);
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 80_000; i++) counts[r.int(8)]!++;
    // binomial sd = sqrt(80000·1/8·7/8) ≈ 93.5; 5 sd bound
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(470);
  });

  it('rejects a seed outside [0, 2^32)', () => {
    expect(() => makeRng(-1)).toThrow(/seed must be an integer in \[0, 2\^32\), got -1/);
    expect(() => makeRng(1.5)).toThrow(/got 1.5/);
  });
});

describe('deriveSeed', () => {
  it('is a function of the seed and labels, and differs across labels', () => {
    expect(deriveSeed(3, 'data', 1)).toBe(deriveSeed(3, 'data', 1));
    expect(deriveSeed(3, 'data', 1)).not.toBe(deriveSeed(3, 'data', 2));
    expect(deriveSeed(3, 'data', 1)).not.toBe(deriveSeed(4, 'data', 1));
    expect(deriveSeed(3, 'ab', 'c')).not.toBe(deriveSeed(3, 'a', 'bc'));
  });
});

describe('estimate', () => {
  it('gives the mean and the standard error of the mean', () => {
    const e = estimate([1, 2, 3, 4]);
    expect(e.mean).toBe(2.5);
    expect(e.se).toBeCloseTo(Math.sqrt(5 / 3 / 4), 12);
  });
  it('has no standard error for a single value', () => {
    expect(Number.isNaN(estimate([1]).se)).toBe(true);
  });
});
