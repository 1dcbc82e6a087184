import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { actionWindowPool, windowOf, type Windows } from '@optimpact/core';
import { gram, impDiff, inverseSpd, logDetSpd, matrix, opDiff, type Matrix } from '@optimpact/impact-theory';
import { specEnv } from '@optimpact/sequence-env';
import { createModel, pretrain, setBackend, type Transformer } from '@optimpact/transformer';
import { SE_COVERS } from './contexts.js';
import { chainResidual, jacobians, resolveTrio } from './jacobian.js';
import { mulberry32, normals } from './internal/prng.js';
import { differential, differentialProfile } from './profile.js';
import { differentiableTransformer, transformerSiteNames } from './transformer.js';
import type { Trio } from './types.js';

const env = specEnv;
let model: Transformer;
let windows: Windows;

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got Left ${JSON.stringify(e.left)}`);
  return e.right;
};

beforeAll(async () => {
  expect(await setBackend('wasm')).toBe('wasm');
  model = createModel('xs', 5);
  // briefly trained: attention and MLP weights away from their initialisation
  await pretrain(model, { env, steps: 60, batchSize: 128, learningRate: 3e-3, seed: 5 });
  windows = actionWindowPool(env, 64, 77);
}, 60_000);

afterAll(() => model.dispose());

const trio = (a: string, aPos: 'all' | 'last' = 'all'): Trio => ({
  p: { site: 'embed', position: 'all' },
  a: { site: a, position: aPos },
  f: { site: 'logits', position: 'last' },
});

describe('the differentiable transformer', () => {
  it('exposes the documented sites and gives the same logits as Transformer.logits', () => {
    expect(transformerSiteNames(model.config)).toEqual([
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
    const net = differentiableTransformer(model);
    const n0 = tf.memory().numTensors;
    const few = 8,
      V = model.vocabSize;
    const mine = new Float32Array(few * V);
    for (let i = 0; i < few; i++) {
      tf.tidy(() =>
        net.at(windowOf(windows, i)).run(2, (name, v) => {
          if (name === 'logits') mine.set((v.dataSync() as Float32Array).subarray(V, 2 * V), i * V); // the second copy
          return v;
        }),
      );
    }
    expect(tf.memory().numTensors).toBe(n0);
    const ref = model.logitsSync({ ...windows, n: few });
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(mine[i]! - ref[i]!));
    expect(worst).toBeLessThan(1e-4);
    net.dispose();
  });
});

describe('Jacobians of the real transformer', () => {
  it('agree with central finite differences (J, B, K along random directions; C along unit vectors)', () => {
    const net = differentiableTransformer(model);
    const fn = net.at(windowOf(windows, 3));
    const t = trio('blocks.0.mlp.out', 'last');
    const j = right(jacobians(fn, t, { factors: true }));
    const { p, a } = right(resolveTrio(fn.sites, t));
    expect(j.dims).toEqual({ p: 20 * 26, a: 26, f: 16 });
    expect(chainResidual(j)).toBeLessThan(1e-4);

    // F (and A at the output position) with P shifted by dp, A optionally replaced by aFix (+ da)
    const evalAt = (dp: Float32Array | null, aFix: Float32Array | null, da: Float32Array | null): { f: Float32Array; a: Float32Array } =>
      tf.tidy(() => {
        const out: { f: Float32Array; a: Float32Array } = { f: new Float32Array(0), a: new Float32Array(0) };
        fn.run(1, (name, v) => {
          let w = v;
          if (name === p.site.name && dp !== null) w = tf.add(v, tf.tensor(dp, v.shape));
          if (name === a.site.name) {
            if (aFix !== null || da !== null) {
              const flat = (w.dataSync() as Float32Array).slice();
              for (let i = 0; i < a.size; i++) flat[a.start + i] = (aFix?.[i] ?? flat[a.start + i]!) + (da?.[i] ?? 0);
              w = tf.tensor(flat, v.shape);
            }
            out.a = (w.dataSync() as Float32Array).slice(a.start, a.start + a.size);
          }
          if (name === 'logits') out.f = w.dataSync() as Float32Array;
          return w;
        });
        return out;
      });
    const base = evalAt(null, null, null);
    const z = normals(mulberry32(11));
    const mv = (m: Matrix, v: Float32Array): Float64Array => {
      const out = new Float64Array(m.rows);
      for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) out[r]! += m.data[r * m.cols + c]! * v[c]!;
      return out;
    };
    const relErr = (fd: Float64Array, ad: Float64Array): number => {
      let num = 0,
        den = 0;
      fd.forEach((x, i) => ((num += (x - ad[i]!) ** 2), (den += ad[i]! ** 2)));
      return Math.sqrt(num / den);
    };
    // steps relative to the activations' size (the embeddings are ~0.05 per entry): ‖h·v‖ = 1e-3·‖P0‖
    const norm = (x: ArrayLike<number>): number => Math.sqrt(Array.from(x).reduce((acc, y) => acc + y * y, 0));
    const pNorm = tf.tidy(() => {
      let s = 0;
      fn.run(1, (name, v) => {
        if (name === 'embed') s = norm(v.dataSync());
        return v;
      });
      return s;
    });
    const errs: number[] = [];
    for (let trial = 0; trial < 3; trial++) {
      const raw = Float32Array.from({ length: p.size }, z);
      const v = raw.map((x) => (x * pNorm) / norm(raw)); // ‖v‖ = ‖P0‖
      const h = 1e-3;
      const scaled = (s: number): Float32Array => v.map((x) => x * s * h);
      const plus = evalAt(scaled(1), null, null),
        minus = evalAt(scaled(-1), null, null);
      const plusB = evalAt(scaled(1), base.a, null),
        minusB = evalAt(scaled(-1), base.a, null);
      const fd = (x: Float32Array, y: Float32Array) => Float64Array.from(x, (xi, i) => (xi - y[i]!) / (2 * h));
      errs.push(relErr(fd(plus.f, minus.f), mv(j.J, v)));
      errs.push(relErr(fd(plusB.f, minusB.f), mv(j.B, v)));
      errs.push(relErr(fd(plus.a, minus.a), mv(j.K!, v)));
    }
    const hA = 1e-3 * norm(base.a);
    for (const k of [0, 7, 25]) {
      const e = (s: number) => Float32Array.from({ length: a.size }, (_, i) => (i === k ? s * hA : 0));
      const plus = evalAt(null, base.a, e(1)),
        minus = evalAt(null, base.a, e(-1));
      const col = Float64Array.from({ length: 16 }, (_, r) => j.C!.data[r * a.size + k]!);
      errs.push(
        relErr(
          Float64Array.from(plus.f, (x, i) => (x - minus.f[i]!) / (2 * hA)),
          col,
        ),
      );
    }
    expect(Math.max(...errs)).toBeLessThan(5e-3); // measured: ≤ 2e-3 (float32 central differences)
    net.dispose();
  });

  it('the closed forms match a Monte-Carlo split history on its Jacobians and on the network itself', () => {
    const net = differentiableTransformer(model);
    const fn = net.at(windowOf(windows, 5));
    const t = trio('blocks.0.attn.out', 'all');
    const j = right(jacobians(fn, t, { factors: true }));
    const { p, a } = right(resolveTrio(fn.sites, t));
    const op = right(opDiff(j.J, j.B)),
      imp = right(impDiff(j.J, j.B, j.C!, j.K!));
    expect(Number.isFinite(op) && imp > 0).toBe(true);
    const k = 16,
      n = p.size,
      z = normals(mulberry32(12));
    const fill = (out: Float64Array, scale = 1): Float64Array => {
      for (let i = 0; i < out.length; i++) out[i] = scale * z();
      return out;
    };
    const times = (m: Matrix, v: Float64Array, out: Float64Array): Float64Array => {
      const d = m.data,
        cols = m.cols;
      for (let r = 0; r < m.rows; r++) {
        let s = 0;
        for (let c = 0, o = r * cols; c < cols; c++) s += d[o + c]! * v[c]!;
        out[r] = s;
      }
      return out;
    };
    /** Pooled within-group covariance of k-vectors stored row after row. */
    const covariance = (xs: Float64Array | Float32Array, groupSize: number): Matrix => {
      const s = new Float64Array(k * k),
        mean = new Float64Array(k);
      let count = 0;
      for (let g0 = 0; g0 < xs.length / k; g0 += groupSize) {
        mean.fill(0);
        for (let i = g0; i < g0 + groupSize; i++) for (let r = 0; r < k; r++) mean[r]! += xs[i * k + r]! / groupSize;
        for (let i = g0; i < g0 + groupSize; i++) {
          for (let r = 0; r < k; r++) {
            const dr = xs[i * k + r]! - mean[r]!;
            for (let c = 0; c < k; c++) s[r * k + c]! += dr * (xs[i * k + c]! - mean[c]!);
          }
        }
        count += groupSize - 1;
      }
      return matrix(
        k,
        k,
        s.map((v) => v / count),
      );
    };
    const entropyGap = (split: Float64Array | Float32Array, per: number, real: Float64Array | Float32Array): number =>
      0.5 * (right(logDetSpd(covariance(split, per))) - right(logDetSpd(covariance(real, real.length / k))));
    const seOf = (N: number, groups: number): number => 0.5 * Math.sqrt((2 * k) / N + (2 * k) / (N - groups));

    // (1) the Jacobians as a linear-Gaussian system (impact-theory's check), P ~ N(0, I_520):
    //     real F = J P; split F′ = B P′ + CK P″ with one P″ per group
    const N = 12000,
      groups = 60,
      per = N / groups;
    const pv = new Float64Array(n),
      fv = new Float64Array(k),
      gv = new Float64Array(k);
    const real = new Float64Array(N * k),
      split = new Float64Array(N * k);
    for (let i = 0; i < N; i++) real.set(times(j.J, fill(pv), fv), i * k);
    for (let g = 0; g < groups; g++) {
      const shift = times(j.CK, fill(pv), gv).slice();
      for (let i = 0; i < per; i++) {
        times(j.B, fill(pv), fv);
        for (let r = 0; r < k; r++) split[(g * per + i) * k + r] = fv[r]! + shift[r]!;
      }
    }
    expect(Math.abs(entropyGap(split, per, real) - op)).toBeLessThan(4 * seOf(N, groups));
    //     Imp_diff = E_{P, P″} [ln N(F; 0, JJᵀ) − ln N(F; CK P″, BBᵀ)], F = J P
    const gaussian = (cov: Matrix) => ({ inv: right(inverseSpd(cov)), logDet: right(logDetSpd(cov)) });
    const gJ = gaussian(gram(j.J)),
      gB = gaussian(gram(j.B));
    const logN = (x: Float64Array, mu: Float64Array | null, g: { inv: Matrix; logDet: number }): number => {
      let q = 0;
      for (let r = 0; r < k; r++) {
        const dr = x[r]! - (mu?.[r] ?? 0);
        for (let c = 0; c < k; c++) q += dr * g.inv.data[r * k + c]! * (x[c]! - (mu?.[c] ?? 0));
      }
      return -0.5 * (g.logDet + q);
    };
    const M = 6000;
    let sum = 0,
      sumSq = 0;
    for (let s = 0; s < M; s++) {
      times(j.J, fill(pv), fv);
      const r = logN(fv, null, gJ) - logN(fv, times(j.CK, fill(pv), gv), gB);
      sum += r;
      sumSq += r * r;
    }
    const mean = sum / M,
      seImp = Math.sqrt((sumSq / M - mean * mean) / M);
    expect(Math.abs(mean - imp)).toBeLessThan(4 * seImp);

    // (2) the network itself, linearised by small noise: P = P0 + σ·noise, A responding (real) or computed
    //     from another draw P″ (split history), F sampled through every layer
    const sigma = 1e-3,
      Nn = 6400,
      gn = 32,
      pn = Nn / gn;
    const noise = (count: number): Float32Array => Float32Array.from(fill(new Float64Array(count * n), sigma));
    const run = (pNoise: Float32Array, count: number, aOverride: Float32Array | null, want: string): Float32Array =>
      tf.tidy(() => {
        const out: { x: Float32Array } = { x: new Float32Array(0) };
        fn.run(count, (name, v) => {
          let w = v;
          if (name === p.site.name) w = tf.add(v, tf.tensor(pNoise, v.shape));
          if (name === a.site.name && aOverride !== null) w = tf.tensor(aOverride, v.shape);
          if (name === want) out.x = w.dataSync() as Float32Array;
          return w;
        });
        return out.x;
      });
    const netReal = run(noise(Nn), Nn, null, 'logits');
    const aOther = run(noise(gn), gn, null, a.site.name);
    const aRep = new Float32Array(Nn * a.size);
    for (let g = 0; g < gn; g++) for (let i = 0; i < pn; i++) aRep.set(aOther.subarray(g * a.size, (g + 1) * a.size), (g * pn + i) * a.size);
    const netSplit = run(noise(Nn), Nn, aRep, 'logits');
    expect(Math.abs(entropyGap(netSplit, pn, netReal) - op)).toBeLessThan(4 * seOf(Nn, gn));
    net.dispose();
  }, 30_000);
});

describe('differentialProfile and differential', () => {
  it('profile: one row per block and branch, finite, every context counted, JSON-friendly', () => {
    const few: Windows = { ...windows, n: 4 };
    const n0 = tf.memory().numTensors;
    const rows = differentialProfile(model, env, few);
    expect(tf.memory().numTensors).toBe(n0);
    expect(rows.map((r) => r.site)).toEqual(['blocks.0.attn.out', 'blocks.0.mlp.out', 'blocks.1.attn.out', 'blocks.1.mlp.out']);
    for (const r of rows) {
      expect(r.rankDeficient).toBe(0);
      expect(r.op.n).toBe(4);
      expect(Number.isFinite(r.op.mean) && Number.isFinite(r.op.se)).toBe(true);
      expect(r.imp.mean).toBeGreaterThan(0);
      expect(r.seCovers).toBe(SE_COVERS);
    }
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows);
    // the same numbers as the single-trio function
    const one = right(differential(model, few, trio('blocks.1.mlp.out')));
    expect(one.op.mean).toBeCloseTo(rows[3]!.op.mean!, 6);
    expect(one.imp.mean).toBeCloseTo(rows[3]!.imp.mean!, 6);
  });

  it('rank-deficient cases are counted, never averaged: a whole-window residual (B = 0) and a LayerNorm F', () => {
    const few: Windows = { ...windows, n: 2 };
    const [resid] = differentialProfile(model, env, few, { branches: ['resid'] });
    expect(resid).toMatchObject({ site: 'blocks.0.resid', op: { mean: null, se: null, n: 0 }, rankDeficient: 2 });
    expect(resid!.undefinedReason).toMatch(/BBᵀ/);
    const lnf = right(differential(model, few, { ...trio('blocks.0.mlp.out'), f: { site: 'lnf', position: 'last' } }));
    expect(lnf.rankDeficient).toBe(2);
    expect(lnf.op.mean).toBeNull();
  });

  it('unknown sites are refused with the list of valid sites; the env must fit the model', () => {
    const r = differential(model, windows, trio('blocks.7.mlp.out'));
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'UnknownSite', valid: transformerSiteNames(model.config) });
    expect(() => differentialProfile(model, { contextLength: 12, vocabSize: 16 }, windows)).toThrow(/does not fit/);
  });

  it('differential with factors reports the chain-rule residual', () => {
    const m = right(differential(model, { ...windows, n: 2 }, trio('blocks.1.attn.out', 'last'), { factors: true }));
    expect(m.dims).toEqual({ p: 520, a: 26, f: 16 });
    expect(m.chainResidual!.mean).toBeLessThan(1e-4);
    expect(m.msPerContext).toBeGreaterThan(0);
  });
});
