import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { makeRng } from '@optimpact/core';
import type { Windows } from '@optimpact/core';
import { setBackend } from './backend.js';
import { SIZE_PRESETS, countParams, type TransformerConfig } from './config.js';
import { createModel, paramSpecs, Transformer } from './model.js';

const tiny: TransformerConfig = { vocabSize: 16, contextLength: 6, dModel: 8, nLayers: 2, nHeads: 2, mlpRatio: 4, dropout: 0 };

function randomWindows(n: number, length: number, seed: number): Windows {
  const rng = makeRng(seed);
  const tokens = new Int32Array(n * length);
  for (let i = 0; i < tokens.length; i++) tokens[i] = rng.int(16);
  return { tokens, positions: new Int32Array(n).fill(length), n, length };
}

/** The same architecture written the textbook way (full last block, autodiff), for checking the manual one. */
function referenceLoss(c: TransformerConfig, p: Record<string, tf.Tensor>, w: Windows, targets: Int32Array): tf.Scalar {
  const B = w.n, T = c.contextLength, d = c.dModel, H = c.nHeads, dh = d / H;
  const ln = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
  };
  const lin = (x: tf.Tensor, wt: string, bs: string): tf.Tensor => tf.add(tf.matMul(x as tf.Tensor2D, p[wt]! as tf.Tensor2D), p[bs]!);
  const tok = tf.tensor2d(Array.from(w.tokens), [B, T], 'int32');
  let x: tf.Tensor = tf.add(tf.reshape(tf.gather(p.wte!, tf.reshape(tok, [-1])), [B, T, d]), p.wpe!);
  x = tf.reshape(x, [B * T, d]);
  for (let l = 0; l < c.nLayers; l++) {
    const q = `blocks.${l}`;
    const h = ln(x, p[`${q}.ln1.gamma`]!, p[`${q}.ln1.beta`]!);
    const heads = (t: tf.Tensor): tf.Tensor => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]);
    const Q = heads(lin(h, `${q}.attn.wq`, `${q}.attn.bq`)), K = heads(lin(h, `${q}.attn.wk`, `${q}.attn.bk`));
    const V = heads(lin(h, `${q}.attn.wv`, `${q}.attn.bv`));
    const att = tf.softmax(tf.div(tf.matMul(Q as tf.Tensor4D, K as tf.Tensor4D, false, true), Math.sqrt(dh)));
    const o = tf.reshape(tf.transpose(tf.matMul(att as tf.Tensor4D, V as tf.Tensor4D), [0, 2, 1, 3]), [B * T, d]);
    x = tf.add(x, lin(o, `${q}.attn.wo`, `${q}.attn.bo`));
    const h2 = ln(x, p[`${q}.ln2.gamma`]!, p[`${q}.ln2.beta`]!);
    x = tf.add(x, lin(tf.relu(lin(h2, `${q}.mlp.w1`, `${q}.mlp.b1`)), `${q}.mlp.w2`, `${q}.mlp.b2`));
  }
  const last = tf.gather(x, tf.range(T - 1, B * T, T, 'int32'));
  const logits = lin(ln(last, p['lnf.gamma']!, p['lnf.beta']!), 'head.w', 'head.b');
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(Array.from(targets), 'int32'), 16), logits) as tf.Scalar;
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
    const first = SIZE_PRESETS[0]!, last = SIZE_PRESETS[SIZE_PRESETS.length - 1]!;
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

  it('computes the same loss and gradient as autodiff on the textbook model', () => {
    const m = createModel(tiny, 7);
    // perturb the zero-initialised parameters so every gradient path is exercised
    const rng = makeRng(9);
    for (let i = 0; i < m.flat.length; i++) m.flat[i] = m.flat[i]! + 0.3 * (rng.next() - 0.5);
    m.syncParams();
    const w = randomWindows(4, tiny.contextLength, 2);
    const targets = new Int32Array([3, 0, 15, 8]);
    const before = m.flat.slice();
    const p: Record<string, tf.Variable> = {};
    for (const s of paramSpecs(tiny)) p[s.name] = tf.variable(tf.tensor(before.slice(s.offset, s.offset + s.size), [...s.shape]));
    const { value, grads } = tf.variableGrads(() => referenceLoss(tiny, p, w, targets));
    const loss = m.stepTargets(w, targets, 'pre', 1e-3);
    expect(loss).toBeCloseTo(value.dataSync()[0]!, 5);
    const g = m.lastGradient();
    for (const s of paramSpecs(tiny)) {
      const ref = grads[p[s.name]!.name]!.dataSync();
      for (let i = 0; i < s.size; i++) expect(Math.abs(g[s.offset + i]! - ref[i]!)).toBeLessThan(1e-5 + 1e-3 * Math.abs(ref[i]!));
    }
    tf.dispose([value, ...Object.values(grads), ...Object.values(p)]);
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
    for (const [i, k, c] of [[0, 1, 1], [3, 7, 0.5]] as const) {
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
    const a = run(), b = run();
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
