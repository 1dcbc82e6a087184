import * as E from 'fp-ts/lib/Either.js';
import { klB, opPred, opPredInverse } from './binary.js';
import { kl } from './information.js';
import { right } from './internal/expect-either.js';

describe('klB', () => {
  it('matches closed values worked by hand', () => {
    // 0.5 ln(0.5/0.25) + 0.5 ln(0.5/0.75) = 0.5 ln 2 + 0.5 ln(2/3) = 0.5 ln(4/3)
    expect(klB(0.5, 0.25)).toBeCloseTo(0.5 * Math.log(4 / 3), 14);
    expect(klB(0.5, 0.25)).toBeCloseTo(0.143841036, 8);
    // 0.9 ln(0.9/0.5) + 0.1 ln(0.1/0.5) = ln 2 + 0.9 ln 0.9 + 0.1 ln 0.1
    expect(klB(0.9, 0.5)).toBeCloseTo(Math.log(2) + 0.9 * Math.log(0.9) + 0.1 * Math.log(0.1), 14);
  });
  it('is the KL of the two Bernoulli distributions', () => {
    for (const [x, y] of [
      [0.3, 0.7],
      [0.01, 0.2],
      [0.99, 0.5],
    ] as const) {
      expect(klB(x, y)).toBeCloseTo(kl([x, 1 - x], [y, 1 - y]), 14);
    }
  });
  it('is symmetric under (x, y) → (1−x, 1−y)', () => {
    for (const x of [0, 0.1, 0.37, 0.5, 0.8, 1]) {
      for (const y of [0.05, 0.25, 0.5, 0.9]) {
        expect(klB(x, y)).toBeCloseTo(klB(1 - x, 1 - y), 13);
      }
    }
  });
  it('is 0 at x = y and positive elsewhere', () => {
    for (const x of [0, 0.2, 0.5, 1]) expect(klB(x, x)).toBe(0);
    expect(klB(0.3, 0.3000001)).toBeGreaterThanOrEqual(0);
    expect(klB(0.3, 0.4)).toBeGreaterThan(0);
  });
  it('uses 0·ln 0 = 0 at the ends', () => {
    expect(klB(0, 0.25)).toBeCloseTo(-Math.log(0.75), 14);
    expect(klB(1, 0.25)).toBeCloseTo(-Math.log(0.25), 14);
  });
  it('is +Infinity when y ∈ {0, 1} and x ≠ y', () => {
    expect(klB(0.5, 0)).toBe(Infinity);
    expect(klB(0.5, 1)).toBe(Infinity);
    expect(klB(1, 0)).toBe(Infinity);
    expect(klB(0, 1)).toBe(Infinity);
  });
  it('throws a RangeError with the values outside [0, 1]', () => {
    expect(() => klB(1.5, 0.5)).toThrow(RangeError);
    expect(() => klB(0.5, -0.1)).toThrow(/x=0\.5, y=-0\.1/);
    expect(() => klB(Number.NaN, 0.5)).toThrow(RangeError);
  });
});

describe('opPred', () => {
  it.each([
    [2 / 8, 1.29],
    [4 / 8, 0.64],
    [6 / 8, 0.26],
  ])('ideal greedy policy s = 0.98 + 0.02f at f = %f gives %f nats (docs/method.md#split-history)', (f, expected) => {
    const s = 0.98 + 0.02 * f;
    expect(Math.abs(opPred(s, f) - expected)).toBeLessThan(0.01);
  });
  it('is klB(s, f)', () => {
    expect(opPred(0.7, 0.5)).toBe(klB(0.7, 0.5));
  });
});

describe('opPredInverse', () => {
  const fs = [0.05, 0.25, 0.5, 0.75, 0.95];
  it('round-trips s → Op_pred → s on the branch above f', () => {
    for (const f of fs) {
      for (let s = f + 0.01; s <= 1; s += 0.037) {
        expect(Math.abs(right(opPredInverse(opPred(s, f), f, 'above')) - s)).toBeLessThan(1e-10);
      }
    }
  });
  it('round-trips s → Op_pred → s on the branch below f', () => {
    for (const f of fs) {
      for (let s = f - 0.01; s >= 0; s -= 0.037) {
        expect(Math.abs(right(opPredInverse(opPred(s, f), f, 'below')) - s)).toBeLessThan(1e-10);
      }
    }
  });
  it('round-trips op → s → Op_pred to ~1e-12', () => {
    for (const f of fs) {
      for (const branch of ['above', 'below'] as const) {
        const max = klB(branch === 'above' ? 1 : 0, f);
        for (const frac of [1e-6, 0.01, 0.3, 0.77, 0.999]) {
          const op = frac * max;
          const s = right(opPredInverse(op, f, branch));
          expect(branch === 'above' ? s >= f : s <= f).toBe(true);
          expect(Math.abs(klB(s, f) - op)).toBeLessThan(1e-12 * Math.max(1, op));
        }
      }
    }
  });
  it('returns f at op = 0 and the end at the branch maximum', () => {
    expect(right(opPredInverse(0, 0.3, 'above'))).toBe(0.3);
    expect(right(opPredInverse(0, 0.3, 'below'))).toBe(0.3);
    expect(right(opPredInverse(-Math.log(0.3), 0.3, 'above'))).toBe(1);
    expect(right(opPredInverse(-Math.log(0.7), 0.3, 'below'))).toBe(0);
  });
  it('is Left when op < 0, NaN, or beyond the branch maximum', () => {
    expect(E.isLeft(opPredInverse(-0.1, 0.3, 'above'))).toBe(true);
    expect(E.isLeft(opPredInverse(Number.NaN, 0.3, 'above'))).toBe(true);
    // above: max = −ln 0.5 ≈ 0.693; below: same by symmetry
    expect(E.isLeft(opPredInverse(0.7, 0.5, 'above'))).toBe(true);
    expect(E.isLeft(opPredInverse(0.7, 0.5, 'below'))).toBe(true);
    // f = 0.9: above max = −ln 0.9 ≈ 0.105, below max = −ln 0.1 ≈ 2.30
    expect(E.isLeft(opPredInverse(0.5, 0.9, 'above'))).toBe(true);
    expect(E.isRight(opPredInverse(0.5, 0.9, 'below'))).toBe(true);
    const left = opPredInverse(0.7, 0.5, 'above');
    expect(E.isLeft(left) && left.left._tag === 'Undefined' && /exceeds/.test(left.left.reason)).toBe(true);
  });
  it('is Left for op > 0 when f ∈ {0, 1}', () => {
    expect(E.isLeft(opPredInverse(0.1, 0, 'above'))).toBe(true);
    expect(E.isLeft(opPredInverse(0.1, 1, 'below'))).toBe(true);
    expect(right(opPredInverse(0, 0, 'above'))).toBe(0);
  });
  it('throws a RangeError when f is outside [0, 1]', () => {
    expect(() => opPredInverse(0.1, 1.2, 'above')).toThrow(RangeError);
  });
});
