import * as tf from '@tensorflow/tfjs-core';
import { makeRng, type Windows } from '@optimpact/core';
import { setBackend } from './backend.js';
import type { TransformerConfig } from './config.js';
import { createModel } from './model.js';
import { hookSites, referenceLogits, referenceWeights } from './reference.js';

const cfg: TransformerConfig = { vocabSize: 16, contextLength: 5, dModel: 8, nLayers: 2, nHeads: 2, mlpRatio: 4, dropout: 0 };

function randomWindows(n: number, seed: number): Windows {
  const rng = makeRng(seed),
    tokens = new Int32Array(n * cfg.contextLength);
  for (let i = 0; i < tokens.length; i++) tokens[i] = rng.int(cfg.vocabSize);
  return { tokens, positions: new Int32Array(n).fill(cfg.contextLength), n, length: cfg.contextLength };
}

let weights: Record<string, tf.Tensor>;
const windows = randomWindows(3, 1);

beforeAll(async () => {
  await setBackend('wasm');
  const m = createModel(cfg, 2);
  const rng = makeRng(3);
  weights = referenceWeights(
    cfg,
    m.flat.map((x) => x + 0.3 * (rng.next() - 0.5)),
  );
  m.dispose();
});
afterAll(() => tf.dispose(Object.values(weights)));

describe('hook sites', () => {
  it('are called once each, in forward order, with the documented shapes', () => {
    const seen: [string, number[]][] = [];
    tf.tidy(() => {
      referenceLogits(cfg, weights, windows, (name, v) => (seen.push([name, v.shape]), v));
    });
    expect(seen).toEqual(hookSites(cfg).map((s) => [s.name, [3, ...s.shape]]));
    expect(seen.map(([n]) => n)).toEqual([
      'embed',
      'blocks.0.attn.out',
      'blocks.0.mlp.out',
      'blocks.0.resid',
      'blocks.1.attn.out',
      'blocks.1.mlp.out',
      'blocks.1.resid',
      'lnf',
      'logits',
    ]);
  });

  it('carry what the hook returns downstream: the residual stream is embed + every branch', () => {
    const got = tf.tidy(() => {
      const v: Record<string, Float32Array> = {};
      referenceLogits(cfg, weights, windows, (name, x) => ((v[name] = x.dataSync() as Float32Array), x));
      return v;
    });
    const sum = got.embed!.map((e, i) => e + got['blocks.0.attn.out']![i]! + got['blocks.0.mlp.out']![i]!);
    sum.forEach((s, i) => expect(got['blocks.0.resid']![i]).toBeCloseTo(s, 5));
    // a branch replaced by zeros: block 1's residual is block 0's plus its attention branch alone
    const zeroed = tf.tidy(() => {
      const v: Record<string, Float32Array> = {};
      referenceLogits(cfg, weights, windows, (name, x) => {
        const y = name === 'blocks.1.mlp.out' ? tf.zerosLike(x) : x;
        v[name] = y.dataSync() as Float32Array;
        return y;
      });
      return v;
    });
    zeroed['blocks.1.resid']!.forEach((r, i) => expect(r).toBeCloseTo(zeroed['blocks.0.resid']![i]! + zeroed['blocks.1.attn.out']![i]!, 5));
    expect(zeroed.logits).not.toEqual(got.logits);
  });
});

describe('the reference transformer', () => {
  it('differentiates on wasm with the union package’s gradients: d logits / d embed by autodiff = central differences', () => {
    const x0 = tf.tidy(() => {
      let e: tf.Tensor | undefined;
      referenceLogits(cfg, weights, windows, (name, v) => (name === 'embed' && (e = tf.keep(v.clone())), v));
      return e!;
    });
    const logitsAt = (x: tf.Tensor): tf.Tensor => referenceLogits(cfg, weights, windows, (name, v) => (name === 'embed' ? x : v));
    const dir = tf.randomNormal(x0.shape, 0, 1, 'float32', 5);
    const probe = tf.randomNormal([3, cfg.vocabSize], 0, 1, 'float32', 6);
    const [ad, fd] = tf.tidy(() => {
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(logitsAt(x), probe)))(x0);
      const h = 3e-4; // the embeddings are ~0.1 per entry; central differences converge to autodiff below ~1e-3
      const f = (s: number): tf.Tensor => tf.sum(tf.mul(logitsAt(tf.add(x0, tf.mul(dir, s * h))), probe));
      return [tf.sum(tf.mul(g, dir)).dataSync()[0]!, tf.div(tf.sub(f(1), f(-1)), 2 * h).dataSync()[0]!];
    });
    expect(Math.abs(ad)).toBeGreaterThan(0.1);
    expect(Math.abs(ad - fd)).toBeLessThan(2e-3 * Math.abs(ad)); // measured 3e-4 (float32 differences)
    tf.dispose([x0, dir, probe]);
  });

  it('leaks no tensors, and refuses missing weights, bad tokens and windows of another length', () => {
    const n0 = tf.memory().numTensors;
    tf.tidy(() => {
      referenceLogits(cfg, weights, windows);
    });
    expect(tf.memory().numTensors).toBe(n0);
    const { 'blocks.1.mlp.w2': _, ...missing } = weights;
    expect(() => tf.tidy(() => referenceLogits(cfg, missing, windows))).toThrow(/no blocks.1.mlp.w2/);
    const bad = randomWindows(1, 2);
    bad.tokens[2] = 16;
    expect(() => tf.tidy(() => referenceLogits(cfg, weights, bad))).toThrow(/token 16 at row 2 outside vocabulary 0..15/);
    expect(() => tf.tidy(() => referenceLogits({ ...cfg, contextLength: 6 }, weights, windows))).toThrow(/length 5, the model reads 6/);
    expect(() => referenceWeights(cfg, new Float32Array(7))).toThrow(/has 7 values/);
  });
});
