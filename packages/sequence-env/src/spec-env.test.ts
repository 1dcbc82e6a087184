import { actionWindows, generateSequences, makeRng, windowOf } from '@optimpact/core';
import { createSpecEnv, ruleBase, specEnv } from './index.js';

const env = specEnv;

describe('the sequence environment', () => {
  const seqs = generateSequences(env, 20, 2000, 11);

  it('gives the same data for the same seed and different data for another', () => {
    expect(generateSequences(env, 2, 300, 11)).toEqual(seqs.slice(0, 2).map((s) => s.subarray(0, 300)));
    expect(generateSequences(env, 1, 300, 12)[0]).not.toEqual(seqs[0]!.subarray(0, 300));
  });

  it('keeps even positions in 0..7 and odd positions in 8..15', () => {
    for (const s of seqs) s.forEach((v, t) => expect(t % 2 === 0 ? v >= 0 && v <= 7 : v >= 8 && v <= 15).toBe(true));
  });

  it('emits the rule value with frequency 0.98 + 0.02/8', () => {
    let hits = 0,
      total = 0;
    for (const s of seqs) for (let t = 16; t < s.length; t++, total++) if (s[t]! % 8 === ruleBase(s, t)) hits++;
    const p = 0.98 + 0.02 / 8;
    const sd = Math.sqrt((p * (1 - p)) / total);
    expect(Math.abs(hits / total - p)).toBeLessThan(5 * sd);
  });

  it('computes the rule value as the whole product of the last 16 tokens + 1, mod 17, mod 8', () => {
    // independent truth: the exact product as a BigInt, reduced once at the end (ruleBase reduces as it goes)
    const r = makeRng(5);
    for (let k = 0; k < 2_000; k++) {
      const h = Array.from({ length: 16 + r.int(8) }, () => r.int(16));
      const product = h.slice(-16).reduce((p, v) => p * BigInt(v + 1), 1n);
      expect(ruleBase(h)).toBe(Number((product % 17n) % 8n));
      expect(product % 17n).not.toBe(0n); // 17 is prime and every factor is in 1..16
    }
  });

  it('has exact laws that sum to one, put 0.98 + 0.0025 on the rule value, and agree with each other', () => {
    const w = actionWindows(env, seqs.slice(0, 2));
    const law = new Float64Array(64),
      next = new Float64Array(16),
      hist = new Int32Array(21);
    for (let i = 0; i < 50; i++) {
      const win = windowOf(w, i);
      env.outcomeLaw(win, law);
      for (let a = 0; a < 8; a++) {
        const row = law.subarray(a * 8, a * 8 + 8);
        expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
        // the outcome law is the next-token law one step on, with the action appended
        hist.set(win.subarray(1), 0);
        hist[19] = env.actions[a]!;
        env.nextTokenLaw(hist.subarray(0, 20), w.positions[i]! + 1, next);
        expect(Array.from(next.subarray(0, 8))).toEqual(Array.from(row));
        expect(Math.max(...row)).toBeCloseTo(0.98 + 0.02 / 8, 12);
      }
    }
  });

  it('lets the ideal greedy policy succeed with 0.98 + 0.02·f on every task', () => {
    const w = actionWindows(env, seqs.slice(0, 5));
    const law = new Float64Array(64);
    for (const task of env.tasks) {
      let s = 0;
      for (let i = 0; i < w.n; i++) {
        env.outcomeLaw(windowOf(w, i), law);
        let best = 0;
        for (let a = 0; a < 8; a++)
          best = Math.max(
            best,
            task.good.reduce((x, v) => x + law[a * 8 + v]!, 0),
          );
        s += best;
      }
      expect(s / w.n).toBeCloseTo(0.98 + (0.02 * task.nGood) / 8, 10);
    }
  });

  it('samples token by token exactly what it generates, draw for draw', () => {
    for (const seed of [1, 2]) {
      const rng = makeRng(seed),
        s = new Int32Array(300);
      for (let t = 0; t < s.length; t++) s[t] = env.sampleNextToken!(s.subarray(Math.max(0, t - env.contextLength), t), t, rng);
      expect(s).toEqual(env.generate(300, makeRng(seed)));
    }
    expect(() => env.sampleNextToken!(new Int32Array(15), 16, makeRng(1))).toThrow('needs the 16 previous tokens, got 15');
  });

  it('samples outcomes from its outcome law after any action (χ², 7 d.f., below the 0.1 % point)', () => {
    const w = actionWindows(env, seqs.slice(0, 1)),
      law = new Float64Array(64),
      h = new Int32Array(20),
      rng = makeRng(3);
    for (const [i, a] of [
      [0, 0],
      [1, 5],
      [2, 7],
    ] as const) {
      const win = windowOf(w, i),
        counts = new Array<number>(8).fill(0),
        n = 40_000;
      env.outcomeLaw(win, law);
      h.set(win.subarray(1));
      h[19] = env.actions[a]!;
      for (let k = 0; k < n; k++) counts[env.sampleNextToken!(h, w.positions[i]! + 1, rng)]! += 1;
      const chi2 = counts.reduce((x, c, v) => x + (c - n * law[a * 8 + v]!) ** 2 / (n * law[a * 8 + v]!), 0);
      expect(chi2).toBeLessThan(24.32);
    }
  });

  it('rejects a bad option naming the value', () => {
    expect(() => createSpecEnv({ noise: 1.5 })).toThrow('noise must be in [0, 1], got 1.5');
    expect(() => createSpecEnv({ goodSets: [[0, 9]] })).toThrow('got [0, 9]');
  });
});
