import type { Environment } from './index.js';
import { actionRows, deriveSeed, estimate, floorLoss, makeRng, mixtureFloorLoss, restoreRng, sampleNextToken } from './index.js';

describe('makeRng', () => {
  it('gives the same stream for the same seed and a different one for another', () => {
    const a = makeRng(7),
      b = makeRng(7),
      c = makeRng(8);
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

  it('keeps its stream: the first draws of seed 7 as every recorded run drew them', () => {
    const r = makeRng(7);
    expect(Array.from({ length: 3 }, () => r.next() * 2 ** 32)).toEqual([838155491, 1550620431, 3610122010]);
  });

  it('goes on from a saved state exactly as the stream it was saved from', () => {
    const r = makeRng(11);
    for (let i = 0; i < 1001; i++) r.next();
    const saved = r.state();
    const ahead = Array.from({ length: 50 }, () => r.int(1000));
    const restored = restoreRng(JSON.parse(JSON.stringify(saved)) as typeof saved);
    expect(restored.seed).toBe(11);
    expect(Array.from({ length: 50 }, () => restored.int(1000))).toEqual(ahead);
    expect(restored.state()).toEqual(r.state());
    expect(() => restoreRng({ seed: 1, words: [1, 2, 3, -1] })).toThrow(/four integers in \[0, 2\^32\), got \[1, 2, 3, -1\]/);
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

describe('actionRows', () => {
  const actions = [2, 3, 4];
  // two windows over a vocabulary of 5; the largest logit of window 0 is outside the action set
  const logits = [9, 0, 1, 1, 0.5, 0, 0, 0, 2, 1];
  it('is greedy at temperature 0, masked to the actions, ties to the lowest action', () => {
    expect(Array.from(actionRows(logits, 5, actions, 0))).toEqual([1, 0, 0, 0, 1, 0]);
  });
  it('is the softmax of the action logits at temperature T', () => {
    const r = actionRows(logits, 5, actions, 2);
    const z = Math.exp(0.5) * 2 + Math.exp(0.25);
    expect(r[0]).toBeCloseTo(Math.exp(0.5) / z, 12);
    expect(r[2]).toBeCloseTo(Math.exp(0.25) / z, 12);
    expect(r[3]! + r[4]! + r[5]!).toBeCloseTo(1, 12);
  });
  it('rejects a negative temperature', () => {
    expect(() => actionRows(logits, 5, actions, -1)).toThrow('temperature must be ≥ 0, got -1');
  });
});

describe('sampleNextToken', () => {
  // A 3-token environment whose next token has the law [0.2, 0.5, 0.3] whatever the window.
  const LAW = [0.2, 0.5, 0.3];
  const lawOnly: Environment = {
    name: 'law-only',
    vocabSize: 3,
    contextLength: 2,
    actions: [1, 2],
    outcomes: [0, 1, 2],
    tasks: [],
    isActionPosition: (t) => t % 2 === 1,
    nextTokenLaw: (_w, _t, out) => out.set(LAW),
    outcomeLaw: (_w, out) => {
      out.set(LAW, 0);
      out.set(LAW, 3);
    },
    generate: (length, rng) => Int32Array.from({ length }, () => sampleNextToken(lawOnly, new Int32Array(0), 0, rng)),
  };

  it('draws from the next-token law of an environment without a sampler (χ², 2 d.f., below the 0.1 % point)', () => {
    const rng = makeRng(5),
      counts = [0, 0, 0],
      n = 30_000;
    for (let k = 0; k < n; k++) counts[sampleNextToken(lawOnly, new Int32Array(2), 4, rng)]! += 1;
    expect(counts.reduce((x, c, v) => x + (c - n * LAW[v]!) ** 2 / (n * LAW[v]!), 0)).toBeLessThan(13.82);
  });

  it("uses the environment's own sampler when it has one, and reads no law", () => {
    const seen: [number, number][] = [];
    const sampled: Environment = {
      ...lawOnly,
      nextTokenLaw: () => {
        throw new Error('law read');
      },
      outcomeLaw: () => {
        throw new Error('law read');
      },
      sampleNextToken: (w, t, rng) => {
        seen.push([w.length, t]);
        return rng.int(3);
      },
    };
    const a = makeRng(2),
      b = makeRng(2);
    const draws = Array.from({ length: 50 }, (_, t) => sampleNextToken(sampled, new Int32Array(2), t, a));
    expect(draws).toEqual(Array.from({ length: 50 }, () => b.int(3)));
    expect(seen).toEqual(Array.from({ length: 50 }, (_, t) => [2, t]));
  });
});

describe('mixtureFloorLoss', () => {
  // V = 3, actions 1 and 2 at odd positions; one window before a non-action (t = 2), one before an action (t = 3)
  const env = { vocabSize: 3, actions: [1, 2], isActionPosition: (t: number) => t % 2 === 1 } as unknown as Environment;
  const windows = { tokens: new Int32Array(4), positions: Int32Array.from([2, 3]), n: 2, length: 2 };
  const LAW = [0.2, 0.5, 0.3],
    law = Float64Array.from([...LAW, ...LAW]),
    H = -LAW.reduce((h, p) => h + p * Math.log(p), 0);

  it('is the entropy floor without exploration', () => {
    expect(mixtureFloorLoss(env, windows, law, { epsilon: 0 })).toBeCloseTo(floorLoss(3, law), 14);
    expect(floorLoss(3, law)).toBeCloseTo(H, 14);
  });

  it('at action positions, the cross-entropy of the law against its mixture with the behaviour', () => {
    // ε = 1/2, uniform behaviour over the two actions: (0.1, 0.25 + 0.25, 0.15 + 0.25)
    const atAction = -(0.2 * Math.log(0.1) + 0.5 * Math.log(0.5) + 0.3 * Math.log(0.4));
    expect(mixtureFloorLoss(env, windows, law, { epsilon: 0.5 })).toBeCloseTo((H + atAction) / 2, 14);
    // a behaviour that always takes action 2: (0.1, 0.25, 0.15 + 0.5)
    const skewed = -(0.2 * Math.log(0.1) + 0.5 * Math.log(0.25) + 0.3 * Math.log(0.65));
    expect(mixtureFloorLoss(env, windows, law, { epsilon: 0.5, behaviour: [0, 1] })).toBeCloseTo((H + skewed) / 2, 14);
    expect(atAction).toBeGreaterThan(H); // Gibbs: no other law beats the law's own entropy
    // data whose every action is action 2 never show action 1, which the law gives 0.5
    expect(mixtureFloorLoss(env, windows, law, { epsilon: 1, behaviour: [0, 1] })).toBe(Infinity);
  });
});
