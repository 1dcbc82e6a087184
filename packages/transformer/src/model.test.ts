import * as tf from '@tensorflow/tfjs-core';
import { makeRng } from '@optimpact/core';
import type { Windows } from '@optimpact/core';
import { setBackend } from './backend.js';
import { SIZE_PRESETS, countParams, type TransformerConfig } from './config.js';
import { createModel, paramSpecs, Transformer } from './model.js';
import { referenceLogits, referenceWeights, type ReferenceWeights } from './reference.js';

const tiny: TransformerConfig = { vocabSize: 16, contextLength: 6, dModel: 8, nLayers: 2, nHeads: 2, mlpRatio: 4, dropout: 0 };

function randomWindows(n: number, length: number, seed: number): Windows {
  const rng = makeRng(seed);
  const tokens = new Int32Array(n * length);
  for (let i = 0; i < tokens.length; i++) tokens[i] = rng.int(16);
  return { tokens, positions: new Int32Array(n).fill(length), n, length };
}

/** Mean cross-entropy of the reference transformer's logits against `targets`, nats. */
function referenceLoss(c: TransformerConfig, w: ReferenceWeights, windows: Windows, targets: Int32Array): tf.Scalar {
  return tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(tf.oneHot(tf.tensor1d(targets, 'int32'), c.vocabSize), referenceLogits(c, w, windows));
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe('size presets', () => {
  it('have the stated parameter counts', () => {
    expect(SIZE_PRESETS.map((p) => [p.name, p.params])).toEqual([
      ['xs', 18320],
      ['s', 59152],
      ['m', 152272],
      ['l', 403472],
    ]);
    const first = SIZE_PRESETS[0]!,
      last = SIZE_PRESETS[SIZE_PRESETS.length - 1]!;
    expect(first.params).toBeGreaterThanOrEqual(17000);
    expect(first.params).toBeLessThanOrEqual(19000);
    expect(last.params).toBeGreaterThanOrEqual(390000);
    expect(last.params).toBeLessThanOrEqual(415000);
  });

  it('count equals the size of the parameter layout', () => {
    for (const p of SIZE_PRESETS) {
      const specs = paramSpecs(p.config);
      expect(specs.reduce((a, s) => a + s.size, 0)).toBe(countParams(p.config));
    }
  });
});

describe('Transformer', () => {
  it('gives logits of shape [n × V]', async () => {
    const m = createModel({ ...tiny, dropout: 0.1 }, 3);
    const w = randomWindows(5, tiny.contextLength, 1);
    const z = await m.logits(w);
    expect(z.length).toBe(5 * 16);
    expect(z.every(Number.isFinite)).toBe(true);
    m.dispose();
  });

  it('step with one-hot coef equals cross-entropy, and restricted support renormalises', () => {
    const m = createModel(tiny, 11);
    const w = randomWindows(6, tiny.contextLength, 5);
    const z = m.logitsSync(w);
    const targets = new Int32Array([1, 2, 3, 9, 10, 15]);
    let ce = 0;
    for (let i = 0; i < 6; i++) {
      const row = Array.from(z.subarray(i * 16, i * 16 + 16));
      const mx = Math.max(...row);
      ce -= row[targets[i]!]! - mx - Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0));
    }
    const coef = new Float32Array(6 * 16);
    targets.forEach((t, i) => (coef[i * 16 + t] = 1));
    // dropout is 0 in `tiny`, so the training forward equals the eval forward
    expect(m.stepSync(w, coef, { slot: 'a', learningRate: 1e-3 })).toBeCloseTo(ce / 6, 5);

    const support = [8, 9, 10, 11, 12, 13, 14, 15];
    const z2 = m.logitsSync(w);
    const c2 = new Float32Array(6 * 8);
    c2[0 * 8 + 1] = 1; // window 0 → token 9
    c2[3 * 8 + 7] = 0.5; // window 3 → token 15, weight 0.5
    let l2 = 0;
    for (const [i, k, c] of [
      [0, 1, 1],
      [3, 7, 0.5],
    ] as const) {
      const row = support.map((v) => z2[i * 16 + v]!);
      const mx = Math.max(...row);
      l2 -= c * (row[k]! - mx - Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0)));
    }
    expect(m.stepSync(w, c2, { slot: 'b', support, learningRate: 1e-3 })).toBeCloseTo(l2 / 6, 5);
    expect(m.optimizerSlots().sort()).toEqual(['a', 'b']);
    m.dispose();
  });

  it('step with a coefficient function passes it the step’s own logits, once', () => {
    // dropout 0: the training forward equals the eval forward, so both models take the same step
    const [a, b] = [createModel(tiny, 12), createModel(tiny, 12)];
    const w = randomWindows(5, tiny.contextLength, 6);
    const support = [8, 9, 10, 11, 12, 13, 14, 15];
    // coefficients that depend on the logits: the softmax over the support minus uniform
    const coefOf = (z: Float32Array): Float32Array => {
      const c = new Float32Array(5 * 8);
      for (let i = 0; i < 5; i++) {
        const row = support.map((v) => Math.exp(z[i * 16 + v]!));
        const sum = row.reduce((x, y) => x + y, 0);
        row.forEach((e, k) => (c[i * 8 + k] = e / sum - 1 / 8));
      }
      return c;
    };
    const seen: Float32Array[] = [];
    const lossA = a.stepSync(w, coefOf(a.logitsSync(w)), { slot: 'rl', support, learningRate: 1e-2 });
    const lossB = b.stepSync(w, (z) => (seen.push(z.slice()), coefOf(z)), { slot: 'rl', support, learningRate: 1e-2 });
    expect(seen).toHaveLength(1);
    expect(Array.from(seen[0]!)).toEqual(Array.from(createModel(tiny, 12).logitsSync(w)));
    expect(lossB).toBeCloseTo(lossA, 6);
    for (let i = 0; i < a.flat.length; i++) expect(b.flat[i]).toBeCloseTo(a.flat[i]!, 6);
    expect(Array.from(a.flat)).not.toEqual(Array.from(createModel(tiny, 12).flat));
    expect(() => b.stepSync(w, () => new Float32Array(3), { slot: 'rl', support, learningRate: 1e-2 })).toThrow(/coef has 3 values, expected n·K = 5·8/);
    for (const m of [a, b]) m.dispose();
  });

  it('is deterministic: same seed → identical weights and losses', () => {
    const run = (): { losses: number[]; flat: Float32Array } => {
      const m = createModel({ ...tiny, dropout: 0.1 }, 42);
      const w = randomWindows(8, tiny.contextLength, 3);
      const targets = new Int32Array(8).map((_, i) => i);
      const losses = [0, 1, 2].map(() => m.stepTargets(w, targets, 'pre', 1e-2));
      const flat = m.flat.slice();
      m.dispose();
      return { losses, flat };
    };
    const a = run(),
      b = run();
    expect(a.losses).toEqual(b.losses);
    expect(a.flat).toEqual(b.flat);
    const c = createModel({ ...tiny, dropout: 0.1 }, 43);
    expect(c.flat).not.toEqual(createModel({ ...tiny, dropout: 0.1 }, 42).flat);
  });

  it('leaks no tensors across steps and inference', () => {
    const m = createModel({ ...tiny, dropout: 0.1 }, 1);
    const w = randomWindows(8, tiny.contextLength, 3);
    const targets = new Int32Array(8).map((_, i) => i);
    m.stepTargets(w, targets, 'pre', 1e-3);
    m.logitsSync(w);
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      m.stepTargets(w, targets, 'pre', 1e-3);
      m.logitsSync(w);
    }
    expect(tf.memory().numTensors).toBe(n0);
    m.dispose();
  });

  it('rejects windows of the wrong length and unknown presets', () => {
    const m = createModel(tiny, 1);
    expect(() => m.logitsSync(randomWindows(2, 5, 1))).toThrow(/length 5/);
    expect(() => createModel('xxl' as never, 1)).toThrow(/unknown size preset/);
    expect(() => createModel({ ...tiny, nHeads: 3 }, 1)).toThrow(/must divide/);
    m.dispose();
    expect(m).toBeInstanceOf(Transformer);
  });
});

/** A model with every parameter moved off its initialisation, so every path (and gradient) is exercised. */
function perturbed(spec: Parameters<typeof createModel>[0], seed: number, scale: number): Transformer {
  const m = createModel(spec, seed);
  const rng = makeRng(seed + 1);
  for (let i = 0; i < m.flat.length; i++) m.flat[i] = m.flat[i]! + scale * (rng.next() - 0.5);
  m.syncParams();
  return m;
}

describe.each(['cpu', 'wasm'] as const)('the fast model agrees with the reference transformer on %s', (backend) => {
  beforeAll(async () => {
    await setBackend(backend);
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('same weights → same logits: max |Δz| ≤ 1e-5 · max(1, max |z|) (measured ≤ 8e-7 on xs to l)', () => {
    const m = perturbed('xs', 3, 0.3);
    const w = randomWindows(32, m.contextLength, 4);
    const fast = m.logitsSync(w);
    const weights = referenceWeights(m.config, m.flat);
    const n0 = tf.memory().numTensors;
    const ref = tf.tidy(() => referenceLogits(m.config, weights, w).dataSync());
    expect(tf.memory().numTensors).toBe(n0);
    let worst = 0,
      big = 0;
    ref.forEach((z, i) => ((worst = Math.max(worst, Math.abs(fast[i]! - z))), (big = Math.max(big, Math.abs(z)))));
    expect(big).toBeGreaterThan(0.5); // logits far from 0: the comparison is not vacuous
    expect(worst).toBeLessThan(1e-5 * Math.max(1, big));
    tf.dispose(Object.values(weights));
    m.dispose();
  });

  it('same loss and gradient as autodiff of the reference: |Δg| ≤ 1e-5 + 1e-3 · |g| for every parameter', () => {
    const m = perturbed(tiny, 7, 0.3);
    const w = randomWindows(4, tiny.contextLength, 2);
    const targets = new Int32Array([3, 0, 15, 8]);
    const p: Record<string, tf.Variable> = {};
    for (const [name, t] of Object.entries(referenceWeights(tiny, m.flat))) p[name] = tf.variable(t);
    const { value, grads } = tf.variableGrads(() => referenceLoss(tiny, p, w, targets));
    const loss = m.stepTargets(w, targets, 'pre', 1e-3);
    expect(loss).toBeCloseTo(value.dataSync()[0]!, 5);
    const g = m.lastGradient();
    for (const s of paramSpecs(tiny)) {
      const ref = grads[p[s.name]!.name]!.dataSync();
      expect(ref.some((x) => x !== 0)).toBe(true);
      for (let i = 0; i < s.size; i++) expect(Math.abs(g[s.offset + i]! - ref[i]!)).toBeLessThan(1e-5 + 1e-3 * Math.abs(ref[i]!));
    }
    tf.dispose([value, ...Object.values(grads), ...Object.values(p)]);
    m.dispose();
  });
});
