import { actionWindowPool, generateSequences, makeRng, windowOf } from '@optimpact/core';
import { createEnvironment } from './index.js';

const env = createEnvironment();

describe('the additive environment', () => {
  it('keeps parities in range and follows its rule 1 − ε + ε/6 of the time', () => {
    const seqs = generateSequences(env, 10, 2000, 3);
    let hits = 0,
      total = 0;
    for (const s of seqs) {
      s.forEach((v, t) => expect(t % 2 === 0 ? v < 6 : v >= 6 && v < 12).toBe(true));
      for (let t = 5; t < s.length; t++, total++) if (s[t]! % 6 === (s[t - 1]! + 2 * s[t - 2]! + 3 * s[t - 5]!) % 6) hits++;
    }
    const p = 0.9 + 0.1 / 6;
    expect(Math.abs(hits / total - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / total));
  });

  it('samples token by token exactly what it generates, draw for draw', () => {
    for (const seed of [1, 2]) {
      const rng = makeRng(seed),
        s = new Int32Array(300);
      for (let t = 0; t < s.length; t++) s[t] = env.sampleNextToken!(s.subarray(Math.max(0, t - env.contextLength), t), t, rng);
      expect(s).toEqual(env.generate(300, makeRng(seed)));
    }
  });

  it('samples outcomes from its outcome law after any action (χ², 5 d.f., below the 0.1 % point)', () => {
    const w = actionWindowPool(env, 3, 2),
      law = new Float64Array(36),
      rng = makeRng(3);
    for (const [i, a] of [
      [0, 0],
      [1, 3],
      [2, 5],
    ] as const) {
      const win = windowOf(w, i),
        h = Int32Array.from([...win.subarray(1), env.actions[a]!]),
        counts = new Array<number>(6).fill(0),
        n = 20_000;
      env.outcomeLaw(win, law);
      for (let k = 0; k < n; k++) counts[env.sampleNextToken!(h, w.positions[i]! + 1, rng)]! += 1;
      const chi2 = counts.reduce((x, c, v) => x + (c - n * law[a * 6 + v]!) ** 2 / (n * law[a * 6 + v]!), 0);
      expect(chi2).toBeLessThan(20.52);
    }
  });

  it('has an outcome law equal to the next-token law with the action appended', () => {
    const w = actionWindowPool(env, 50, 1);
    const law = new Float64Array(36),
      next = new Float64Array(12);
    for (let i = 0; i < w.n; i++) {
      const win = windowOf(w, i);
      env.outcomeLaw(win, law);
      for (let a = 0; a < 6; a++) {
        const h = Int32Array.from([...win.subarray(1), env.actions[a]!]);
        env.nextTokenLaw(h, w.positions[i]! + 1, next);
        expect(Array.from(law.subarray(a * 6, a * 6 + 6))).toEqual(Array.from(next.subarray(0, 6)));
      }
    }
  });
});
