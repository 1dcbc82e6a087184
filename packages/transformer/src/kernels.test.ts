import { makeRng, type Windows } from '@optimpact/core';
import { setBackend } from './backend.js';
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import {
  attention,
  attentionBack,
  dropoutMask,
  embed,
  kernelVariant,
  windowRows,
  matMulNN,
  matMulTN,
  relaxedSimdSupported,
  setFusedKernels,
  setKernelVariant,
  type KernelVariant,
} from './internal/kernels.js';
import { KERNELS_SOURCE_SHA256, KERNELS_WASM_FMA, KERNELS_WASM_SIMD } from './internal/kernels-wasm.js';
import { SIZE_PRESETS } from './config.js';
import { createModel } from './model.js';

beforeAll(async () => {
  await setBackend('wasm');
});
afterAll(() => {
  setFusedKernels(true);
  setKernelVariant();
});

describe('runtime and committed kernel modules', () => {
  it('run on Node >= 24, whose WebAssembly validates relaxed SIMD', () => {
    console.log(`jest worker on Node ${process.version}`);
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
    expect(relaxedSimdSupported()).toBe(true);
  });

  it('were built from kernels.c and build.sh as they are (rerun kernels/build.sh after editing either)', () => {
    const src = (f: string): Buffer => readFileSync(new URL(`../kernels/${f}`, import.meta.url));
    const sha = createHash('sha256')
      .update(Buffer.concat([src('kernels.c'), src('build.sh')]))
      .digest('hex');
    expect(sha).toBe(KERNELS_SOURCE_SHA256);
    expect(KERNELS_WASM_SIMD).not.toBe(KERNELS_WASM_FMA);
  });

  it('default to the simd build; OPTIMPACT_KERNELS chooses, and a bad value is refused by name', () => {
    const env = process.env.OPTIMPACT_KERNELS;
    delete process.env.OPTIMPACT_KERNELS;
    expect(setKernelVariant()).toBe('simd');
    process.env.OPTIMPACT_KERNELS = 'fma';
    expect(setKernelVariant()).toBe('fma');
    if (env === undefined) delete process.env.OPTIMPACT_KERNELS;
    else process.env.OPTIMPACT_KERNELS = env;
    expect(setKernelVariant('auto')).toBe('fma');
    expect(kernelVariant()).toBe('fma');
    expect(() => setKernelVariant('avx')).toThrow('OPTIMPACT_KERNELS=avx: expected simd, fma or auto');
    setKernelVariant(); // the environment's choice, for the tests below
  });
});

function windows(n: number): Windows {
  const rng = makeRng(4),
    tokens = new Int32Array(n * 20);
  for (let i = 0; i < tokens.length; i++) tokens[i] = rng.int(16);
  return { tokens, positions: new Int32Array(n).fill(20), n, length: 20 };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
}

function smallModelRun(
  cfg: { dModel: number; nLayers: number; nHeads: number },
  steps: number,
): { z: Float32Array; g: Float32Array; flat: Float32Array; loss: number } {
  const m = createModel({ vocabSize: 16, contextLength: 20, mlpRatio: 4, dropout: 0.1, ...cfg }, 3);
  for (let i = 0; i < m.flat.length; i++) m.flat[i] = m.flat[i]! + 0.2 * Math.sin(i * 1.7);
  m.syncParams();
  const w = windows(12);
  const targets = new Int32Array(12).map((_, i) => i);
  const z = m.logitsSync(w);
  let loss = 0;
  for (let i = 0; i < steps; i++) loss = m.stepTargets(w, targets, 'x', 1e-3);
  const out = { z, g: m.lastGradient().slice(), flat: m.flat.slice(), loss };
  m.dispose();
  return out;
}

// Each relaxed madd rounds once where the simd build rounds twice: a relative difference of at most 2⁻²⁴
// per multiply-add, accumulating like the summation-order differences the TF.js-op comparison allows.
describe('the fma build', () => {
  const byVariant = (v: KernelVariant, steps: number): ReturnType<typeof smallModelRun> => {
    setKernelVariant(v);
    return smallModelRun({ dModel: 26, nLayers: 2, nHeads: 2 }, steps);
  };
  afterAll(() => setKernelVariant());

  it('agrees with the simd build within rounding (logits 1e-5, gradients 5e-5 + 1e-3 relative)', () => {
    const a = byVariant('simd', 1),
      b = byVariant('fma', 1);
    expect(b.loss).toBeCloseTo(a.loss, 5);
    expect(maxAbsDiff(a.z, b.z)).toBeLessThan(1e-5);
    for (let i = 0; i < a.g.length; i++) expect(Math.abs(a.g[i]! - b.g[i]!)).toBeLessThan(5e-5 + 1e-3 * Math.abs(a.g[i]!));
  });

  it.each(['simd', 'fma'] as const)('%s: the same seed gives the same numbers, bit for bit', (v) => {
    const a = byVariant(v, 3),
      b = byVariant(v, 3);
    expect(b.z).toEqual(a.z);
    expect(b.flat).toEqual(a.flat);
  });

  // Where the CPU has FMA (every x86-64 since 2013 with fma flag; every arm64) V8 fuses: the builds differ.
  const fusedCpu = arch() === 'arm64' || / fma( |$)/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  (fusedCpu ? it : it.skip)('is really another build: on this CPU with FMA, a long GEMM rounds differently', () => {
    const rng = makeRng(9);
    const a = uniform(rng, [256, 512]) as tf.Tensor2D,
      w = uniform(rng, [512, 64]) as tf.Tensor2D;
    const run = (v: KernelVariant): Float32Array => {
      setKernelVariant(v);
      const c = matMulNN(a, w);
      const out = c.dataSync() as Float32Array;
      c.dispose();
      return out;
    };
    const simd = run('simd'),
      fma = run('fma');
    expect(maxAbsDiff(simd, fma)).toBeGreaterThan(0);
    expect(maxAbsDiff(simd, fma)).toBeLessThan(1e-5 * Math.sqrt(512));
    tf.dispose([a, w]);
  });
});

describe('fused wasm kernels', () => {
  it.each([
    [26, 2, 2],
    [24, 3, 1],
    [32, 1, 4],
  ])('match the TF.js-op path (d=%i, layers=%i, heads=%i)', (dModel, nLayers, nHeads) => {
    const cfg = { vocabSize: 16, contextLength: 20, dModel, nLayers, nHeads, mlpRatio: 4, dropout: 0 };
    const w = windows(12);
    const targets = new Int32Array(12).map((_, i) => i);
    const run = (fused: boolean): { z: Float32Array; g: Float32Array; loss: number } => {
      setFusedKernels(fused);
      const m = createModel(cfg, 3);
      for (let i = 0; i < m.flat.length; i++) m.flat[i] = m.flat[i]! + 0.2 * Math.sin(i * 1.7);
      m.syncParams();
      const z = m.logitsSync(w);
      const loss = m.stepTargets(w, targets, 'x', 1e-3);
      const g = m.lastGradient().slice();
      m.dispose();
      return { z, g, loss };
    };
    const a = run(false),
      b = run(true);
    expect(b.loss).toBeCloseTo(a.loss, 5);
    for (let i = 0; i < a.z.length; i++) expect(Math.abs(a.z[i]! - b.z[i]!)).toBeLessThan(1e-5);
    for (let i = 0; i < a.g.length; i++) expect(Math.abs(a.g[i]! - b.g[i]!)).toBeLessThan(5e-5 + 1e-3 * Math.abs(a.g[i]!)); // summation order differs
  });
});

describe('dropout masks', () => {
  const draw = (fused: boolean, k1: number, k2: number): Float32Array => {
    setFusedKernels(fused);
    const m = dropoutMask(500, 40, 0.1, k1, k2);
    const v = m.dataSync() as Float32Array;
    m.dispose();
    return v.slice();
  };

  it('are the same numbers from the wasm kernel and from JS', () => {
    for (const [k1, k2] of [
      [0, 0],
      [0xdeadbeef, 0x12345678],
      [0xffffffff, 1],
    ] as const) {
      expect(draw(true, k1, k2)).toEqual(draw(false, k1, k2));
    }
  });

  it('drop a fraction p and scale the rest by 1/(1 − p); other keys give another mask', () => {
    const a = draw(true, 1, 2),
      b = draw(true, 1, 3),
      n = a.length;
    expect(new Set(a)).toEqual(new Set([0, Math.fround(1 / 0.9)]));
    const dropped = a.filter((x) => x === 0).length;
    expect(Math.abs(dropped / n - 0.1)).toBeLessThan(5 * Math.sqrt(0.09 / n));
    // independent masks agree on p² + (1 − p)² = 0.82 of the entries
    const same = a.filter((x, i) => x === b[i]).length;
    expect(Math.abs(same / n - 0.82)).toBeLessThan(5 * Math.sqrt((0.82 * 0.18) / n));
  });
});

/** Uniform(−½, ½) values of the given shape. */
function uniform(rng: ReturnType<typeof makeRng>, shape: number[]): tf.Tensor {
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.next() - 0.5),
    shape,
  );
}

/** `f`'s values from TF.js ops (kernels off), then from our kernel, checking the output's shape. */
function bothPaths(f: () => tf.Tensor, shape: number[]): { want: Float32Array; got: Float32Array } {
  const run = (fused: boolean): Float32Array => {
    setFusedKernels(fused);
    const c = f();
    expect(c.shape).toEqual(shape);
    const v = c.dataSync() as Float32Array;
    c.dispose();
    return v;
  };
  return { want: run(false), got: run(true) };
}

describe('aᵀ·b kernel', () => {
  it.each([
    [130, 7, 13],
    [64, 8, 8],
    [1, 3, 17],
    [5120, 26, 104],
  ])('equals TF.js for R=%i, M=%i, N=%i', (R, M, N) => {
    const rng = makeRng(R + M + N);
    const a = uniform(rng, [R, M]) as tf.Tensor2D,
      b = uniform(rng, [R, N]) as tf.Tensor2D;
    const { want, got } = bothPaths(() => matMulTN(a, b), [M, N]);
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5 * Math.sqrt(R) + 1e-6);
    tf.dispose([a, b]);
  });
});

describe('a·w (+ bias, ReLU) kernel', () => {
  it.each([
    [130, 7, 13, true, true],
    [64, 8, 8, false, false],
    [3, 17, 5, true, false],
    [5120, 78, 26, true, true],
  ])('equals TF.js for M=%i, K=%i, N=%i (bias %s, ReLU %s)', (M, K, N, withBias, relu) => {
    const rng = makeRng(M + K + N);
    const a = uniform(rng, [M, K]) as tf.Tensor2D,
      w = uniform(rng, [K, N]) as tf.Tensor2D;
    const b = withBias ? (uniform(rng, [N]) as tf.Tensor1D) : null;
    const { want, got } = bothPaths(() => matMulNN(a, w, b, relu), [M, N]);
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5 * Math.sqrt(K) + 1e-6);
    if (relu) expect(got.reduce((m, x) => Math.min(m, x), Infinity)).toBe(0);
    tf.dispose(b === null ? [a, w] : [a, w, b]);
  });
});

describe('attention kernel', () => {
  afterAll(() => setKernelVariant());
  const qkv = (B: number, T: number, d: number, seed: number): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] => {
    const rng = makeRng(seed);
    return [uniform(rng, [B * T, d]) as tf.Tensor2D, uniform(rng, [B * T, d]) as tf.Tensor2D, uniform(rng, [B * T, d]) as tf.Tensor2D];
  };

  // Queries go four at a time through the GEMM tile, the rest (and qRows = 1) one row at a time; both sum
  // every element in the same order, so in the simd build a row's output cannot depend on the path.
  it.each([
    [3, 7, 2, 13],
    [2, 20, 4, 12],
    [1, 5, 1, 9],
  ])('simd: four query rows at once give the bits of one at a time (B=%i, T=%i, H=%i, dh=%i)', (B, T, H, dh) => {
    setFusedKernels(true);
    setKernelVariant('simd');
    const d = H * dh,
      [q, k, v] = qkv(B, T, d, B + T + H + dh);
    const all = tf.tidy(() => attention(q, k, v, B, T, H, T).o.dataSync() as Float32Array);
    const qv = q.dataSync() as Float32Array;
    for (let i = 0; i < T; i++) {
      const qi = tf.tensor2d(
        Float32Array.from({ length: B * d }, (_, x) => qv[(Math.floor(x / d) * T + i) * d + (x % d)]!),
        [B, d],
      );
      const one = tf.tidy(() => attention(qi, k, v, B, T, H, 1).o.dataSync() as Float32Array);
      for (let b = 0; b < B; b++) expect(one.subarray(b * d, (b + 1) * d)).toEqual(all.subarray((b * T + i) * d, (b * T + i + 1) * d));
      qi.dispose();
    }
    tf.dispose([q, k, v]);
  });

  it.each([
    [3, 7, 2, 13],
    [2, 20, 4, 12],
    [2, 6, 3, 5],
  ])('backward equals TF.js ops, tiles and remainder rows alike (B=%i, T=%i, H=%i, dh=%i)', (B, T, H, dh) => {
    setKernelVariant();
    const [q, k, v] = qkv(B, T, H * dh, 98),
      dO = uniform(makeRng(97), [B * T, H * dh]) as tf.Tensor2D;
    const grads = (fused: boolean): Float32Array[] => {
      setFusedKernels(fused);
      return tf.tidy(() => {
        const g = attentionBack(attention(q, k, v, B, T, H, T).saved, dO);
        return [g.dq, g.dk, g.dv].map((x) => x.dataSync() as Float32Array);
      });
    };
    const want = grads(false),
      got = grads(true);
    setFusedKernels(true);
    for (let i = 0; i < 3; i++) expect(maxAbsDiff(got[i]!, want[i]!)).toBeLessThan(1e-6);
    tf.dispose([q, k, v, dO]);
  });

  it.each([
    [3, 7, 2, 13],
    [2, 20, 4, 12],
  ])('equals TF.js ops (B=%i, T=%i, H=%i, dh=%i)', (B, T, H, dh) => {
    setKernelVariant();
    const [q, k, v] = qkv(B, T, H * dh, 99);
    const { want, got } = bothPaths(() => tf.tidy(() => attention(q, k, v, B, T, H, T).o), [B * T, H * dh]);
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
    tf.dispose([q, k, v]);
  });
});

// The model embeds tokens as wte[token] + wpe[position] (the embed kernel); the one-hot · [wte; wpe] product it
// replaced summed exact zeros besides those two terms, so it gave these numbers, bit for bit, in both builds.
describe('embedding kernel', () => {
  afterAll(() => setKernelVariant());
  it.each(['simd', 'fma'] as const)('%s: one-hot · [wte; wpe] = fround(wte[token] + wpe[position]) = embed, and off wasm too', (v) => {
    setFusedKernels(true);
    setKernelVariant(v);
    const V = 16,
      T = 20,
      d = 26,
      N = 3 * T,
      rng = makeRng(5);
    const emb = uniform(rng, [V + T, d]) as tf.Tensor2D,
      e = emb.dataSync() as Float32Array;
    const tokens = Array.from({ length: N }, () => rng.int(V));
    const oneHot = tf.tensor2d(
      Float32Array.from({ length: N * (V + T) }, (_, x) => {
        const r = Math.floor(x / (V + T)),
          c = x % (V + T);
        return c === tokens[r] || c === V + (r % T) ? 1 : 0;
      }),
      [N, V + T],
    );
    const got = matMulNN(oneHot, emb).dataSync() as Float32Array;
    const want = Float32Array.from({ length: N * d }, (_, x) => {
      const r = Math.floor(x / d),
        c = x % d;
      return e[tokens[r]! * d + c]! + e[(V + (r % T)) * d + c]!;
    });
    expect(got).toEqual(want);
    const ids = tf.tensor1d(tokens, 'int32');
    expect(embed(ids, emb, T).dataSync()).toEqual(want);
    setFusedKernels(false);
    expect(embed(ids, emb, T).dataSync()).toEqual(want);
    setFusedKernels(true);
    tf.dispose([emb, oneHot, ids]);
  });
});

describe('window rows kernel', () => {
  it.each([
    [3, 20, 19, 26],
    [4, 5, 0, 9],
  ])('copies row t of every window exactly as a gather (B=%i, T=%i, t=%i, d=%i)', (B, T, t, d) => {
    const x = uniform(makeRng(B * T), [B * T, d]) as tf.Tensor2D,
      xv = x.dataSync() as Float32Array;
    const { want, got } = bothPaths(() => windowRows(x, T, t), [B, d]);
    expect(got).toEqual(want);
    expect(got).toEqual(Float32Array.from({ length: B * d }, (_, i) => xv[(Math.floor(i / d) * T + t) * d + (i % d)]!));
    x.dispose();
  });
});

// The default build's numbers are a promise (same seed → same numbers, on every CPU): speed work that keeps
// each element's arithmetic must leave them bit for bit. SHA-256 (first 16 hex digits) of the logits of 64
// windows, then the gradient and the parameters after two steps, of every size preset, as computed at
// commit 9484067 (before attention's 4-row tiles and the embedding kernel, which left them unchanged).
describe("the simd build's numbers", () => {
  afterAll(() => setKernelVariant());
  const pinned: Record<string, [string, string, string]> = {
    xs: ['a199accf44a2face', 'dc7cb0a14e823dee', '6b719e4949fcc7f9'],
    s: ['092852a67f65b4b1', '6e10d6dc74a9da49', '9de28a975b9926b8'],
    m: ['3a29616c0bf90ba3', '6b7b7936dcf48f5e', 'd23fcdf08aac9ac4'],
    l: ['b4c280d55488c020', '39b9db56e33648d2', '8cdac85909e1d08b'],
  };
  const sha = (a: Float32Array): string =>
    createHash('sha256')
      .update(Buffer.from(a.buffer, a.byteOffset, a.byteLength))
      .digest('hex')
      .slice(0, 16);
  it.each(SIZE_PRESETS.map((p) => [p.name, p] as const))('%s: logits, gradient and parameters are as pinned', (_name, p) => {
    setFusedKernels(true);
    setKernelVariant('simd');
    const rng = makeRng(7),
      B = 64,
      T = p.config.contextLength;
    const w = { tokens: new Int32Array(B * T).map(() => rng.int(16)), positions: new Int32Array(B).fill(T), n: B, length: T };
    const targets = new Int32Array(B).map(() => rng.int(16));
    const m = createModel(p, 3);
    const z = m.logitsSync(w);
    m.stepTargets(w, targets, 'a', 1e-3);
    m.stepTargets(w, targets, 'a', 1e-3);
    expect([sha(z), sha(m.lastGradient()), sha(m.flat)]).toEqual(pinned[p.name]);
    m.dispose();
  });
});
