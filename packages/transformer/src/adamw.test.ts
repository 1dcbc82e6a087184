import { powInt } from './internal/adamw.js';

/** b^t rounded to the nearest double (ties to even), from exact BigInt arithmetic: b = m·2^e exactly. */
function exactPowers(b: number, T: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, b);
  const biased = (view.getUint32(0) >>> 20) & 0x7ff;
  const m = (BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4)) | (1n << 52n),
    e = biased - 1075;
  const out: number[] = [];
  let P = 1n,
    E = 0;
  for (let t = 1; t <= T; t++) {
    P *= m;
    E += e;
    // keep 600 bits: far more than the 54 the rounding reads, so dropping the rest never changes it
    const bits = P.toString(2).length;
    if (bits > 600) {
      P >>= BigInt(bits - 600);
      E += bits - 600;
    }
    const shift = P.toString(2).length - 53;
    if (shift <= 0) {
      out.push(Number(P) * 2 ** E); // exact
      continue;
    }
    const q = P >> BigInt(shift),
      r = P - (q << BigInt(shift)),
      half = 1n << BigInt(shift - 1);
    const rounded = r > half || (r === half && (q & 1n) === 1n) ? q + 1n : q;
    out.push(Number(rounded) * 2 ** (E + shift));
  }
  return out;
}

describe('powInt (AdamW bias corrections)', () => {
  test.each([0.9, 0.999, 0.99])('β = %p: β^t correctly rounded for t = 1..5000, as exact arithmetic gives', (b) => {
    const exact = exactPowers(b, 5000);
    const wrong = exact.map((x, i) => [i + 1, x, powInt(b, i + 1)] as const).filter(([, x, y]) => x !== y);
    expect(wrong).toEqual([]);
    expect(powInt(b, 0)).toBe(1);
  });

  test('rejects an exponent that is not an integer ≥ 0', () => {
    expect(() => powInt(0.9, 1.5)).toThrow(/integer ≥ 0, got 1.5/);
    expect(() => powInt(0.9, -1)).toThrow(/got -1/);
  });
});
