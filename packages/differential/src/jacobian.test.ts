import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { add, fromRows, impDiff, matmul, matrix, opDiff, type Matrix } from '@optimpact/impact-theory';
import { setBackend } from '@optimpact/transformer';
import { chainResidual, jacobians, parsePosition, resolveTrio, stopGradient } from './jacobian.js';
import { contextMeasures, summarize } from './measures.js';
import { describeError, type Jacobians, type Site, type SiteFunction, type Trio } from './types.js';
import { mulberry32, normals } from './internal/prng.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got Left ${JSON.stringify(e.left)}`);
  return e.right;
};
const randomMatrix = (z: () => number, rows: number, cols: number): Matrix => matrix(rows, cols, Array.from({ length: rows * cols }, z));
const maxAbsDiff = (a: Matrix, b: Matrix): number => a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i]!)), 0);
const maxAbs = (a: Matrix): number => a.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const transposed = (m: Matrix): tf.Tensor2D => {
  const out = new Float32Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.data[i * m.cols + j]!;
  return tf.tensor2d(out, [m.cols, m.rows]);
};
const tiled = (v: Float64Array, copies: number): tf.Tensor2D => {
  const out = new Float32Array(copies * v.length);
  for (let i = 0; i < copies; i++) out.set(v, i * v.length);
  return tf.tensor2d(out, [copies, v.length]);
};

/** A = K P, F = B P + C A as a tiny TF.js computation with sites p, a, f (and an unused site after a). */
function linear(p0: Float64Array, B: Matrix, C: Matrix, K: Matrix): SiteFunction {
  const sites: Site[] = [
    { name: 'p', shape: [B.cols], positional: false },
    { name: 'a', shape: [K.rows], positional: false },
    { name: 'f', shape: [B.rows], positional: false },
  ];
  return {
    sites,
    run(copies, hook) {
      const p = hook('p', tiled(p0, copies));
      const a = hook('a', tf.matMul(p, transposed(K)));
      hook('f', tf.add(tf.matMul(p, transposed(B)), tf.matMul(a, transposed(C))));
    },
  };
}

const trio: Trio = { p: { site: 'p', position: 'all' }, a: { site: 'a', position: 'all' }, f: { site: 'f', position: 'all' } };

beforeAll(async () => {
  await setBackend('cpu');
});

describe('Jacobians of a linear network F = B P + C A, A = K P', () => {
  it.each([
    [2, 5, 3],
    [3, 12, 4],
    [16, 40, 8],
  ])('dim F=%i, dim P=%i, dim A=%i: J = B + CK, B, C, K exactly, and the closed forms of the true matrices', (k, n, m) => {
    const z = normals(mulberry32(10 * k + n));
    const B = randomMatrix(z, k, n),
      C = randomMatrix(z, k, m),
      K = randomMatrix(z, m, n);
    const fn = linear(Float64Array.from({ length: n }, z), B, C, K);
    const before = tf.memory().numTensors;
    const j = right(jacobians(fn, trio, { factors: true, chunk: 7 }));
    expect(tf.memory().numTensors).toBe(before);
    const tol = 1e-5 * Math.max(1, maxAbs(add(B, matmul(C, K))));
    expect(maxAbsDiff(j.B, B)).toBeLessThan(tol);
    expect(maxAbsDiff(j.C!, C)).toBeLessThan(tol);
    expect(maxAbsDiff(j.K!, K)).toBeLessThan(tol);
    expect(maxAbsDiff(j.J, add(B, matmul(C, K)))).toBeLessThan(tol);
    expect(chainResidual(j)).toBeLessThan(1e-6);
    expect(j.dims).toEqual({ p: n, a: m, f: k });
    // the measures from autodiff Jacobians equal impact-theory's on the exact matrices (float32 inputs)
    const ms = contextMeasures(j);
    const exactOp = right(opDiff(add(B, matmul(C, K)), B));
    const exactImp = right(impDiff(add(B, matmul(C, K)), B, C, K));
    expect(Math.abs(right(ms.op) - exactOp)).toBeLessThan(1e-4 * Math.max(1, Math.abs(exactOp)));
    expect(Math.abs(right(ms.imp) - exactImp)).toBeLessThan(1e-4 * Math.max(1, exactImp));
    // without the factors, CK = J − B gives the same Imp
    const chain = right(jacobians(fn, trio));
    expect(chain.C).toBeUndefined();
    expect(Math.abs(right(contextMeasures(chain).imp) - right(ms.imp))).toBeLessThan(1e-4 * Math.max(1, exactImp));
  });

  it('picks one position of a positional site: the columns of that position', () => {
    const z = normals(mulberry32(7));
    const T = 3,
      d = 4,
      k = 2;
    const W = randomMatrix(z, k, T * d); // F = W vec(P), A = 2·P (unused by F)
    const p0 = Float64Array.from({ length: T * d }, z);
    const fn: SiteFunction = {
      sites: [
        { name: 'p', shape: [T, d], positional: true },
        { name: 'a', shape: [T, d], positional: true },
        { name: 'f', shape: [k], positional: false },
      ],
      run(copies, hook) {
        const p = hook('p', tf.reshape(tiled(p0, copies), [copies, T, d]));
        hook('a', tf.mul(p, 2));
        hook('f', tf.matMul(tf.reshape<tf.Rank.R2>(p, [copies, T * d]), transposed(W)));
      },
    };
    for (const [position, t] of [
      ['last', T - 1],
      [0, 0],
      [1, 1],
    ] as const) {
      const j = right(jacobians(fn, { ...trio, p: { site: 'p', position } }, { factors: true }));
      expect(j.dims).toEqual({ p: d, a: T * d, f: k });
      for (let i = 0; i < k; i++) for (let c = 0; c < d; c++) expect(j.J.data[i * d + c]).toBeCloseTo(W.data[i * T * d + t * d + c]!, 5);
      // K = dA/dP at one position of P: 2 on that position's rows, 0 elsewhere
      expect(j.K!.data[(t * d + 1) * d + 1]).toBeCloseTo(2, 6);
      expect(j.K!.data[(((t + 1) % T) * d + 1) * d + 1]).toBe(0);
    }
    const j = right(jacobians(fn, { ...trio, p: { site: 'p', position: 'all' }, a: { site: 'a', position: 'last' } }, { factors: true }));
    expect(j.dims).toEqual({ p: T * d, a: d, f: k });
  });
});

describe('a middle site with no effect (C = 0 ⇒ J = B ⇒ Op_diff = Imp_diff = 0)', () => {
  it('A computed but dead downstream (ReLU never active) or unused: C = 0, J = B, both measures 0', () => {
    const z = normals(mulberry32(3));
    const k = 3,
      n = 6,
      m = 4;
    const B = randomMatrix(z, k, n),
      K = randomMatrix(z, m, n),
      C = randomMatrix(z, k, m);
    const p0 = Float64Array.from({ length: n }, z);
    const dead: SiteFunction = {
      sites: [
        { name: 'p', shape: [n], positional: false },
        { name: 'a', shape: [m], positional: false },
        { name: 'f', shape: [k], positional: false },
      ],
      run(copies, hook) {
        const p = hook('p', tiled(p0, copies));
        const a = hook('a', tf.tanh(tf.matMul(p, transposed(K)))); // |a| < 1
        const off = tf.relu(tf.sub(a, 5)); // always 0, derivative 0
        hook('f', tf.add(tf.matMul(p, transposed(B)), tf.matMul(off, transposed(C))));
      },
    };
    const unused: SiteFunction = {
      sites: dead.sites,
      run(copies, hook) {
        const p = hook('p', tiled(p0, copies));
        hook('a', tf.tanh(tf.matMul(p, transposed(K))));
        hook('f', tf.matMul(p, transposed(B)));
      },
    };
    for (const fn of [dead, unused]) {
      const j = right(jacobians(fn, trio, { factors: true }));
      expect(maxAbs(j.C!)).toBe(0);
      expect(maxAbsDiff(j.J, j.B)).toBe(0);
      expect(maxAbsDiff(j.B, B)).toBeLessThan(1e-5);
      const ms = contextMeasures(j);
      expect(Math.abs(right(ms.op))).toBeLessThan(1e-9);
      expect(Math.abs(right(ms.imp))).toBeLessThan(1e-9);
    }
  });
});

describe('Jacobians agree with finite differences on a nonlinear network', () => {
  it('LayerNorm, softmax attention-like mixing, tanh, ReLU: J, B, C, K within 1e-3 of central differences', () => {
    const z = normals(mulberry32(21));
    const T = 3,
      d = 4,
      k = 5;
    const W1 = randomMatrix(z, d, d),
      W2 = randomMatrix(z, d, d),
      Wf = randomMatrix(z, k, T * d);
    const p0 = Float64Array.from({ length: T * d }, z);
    const ln = (x: tf.Tensor): tf.Tensor => {
      const mu = tf.mean(x, -1, true),
        xc = tf.sub(x, mu);
      return tf.mul(xc, tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), 1e-5)));
    };
    const sites: Site[] = [
      { name: 'p', shape: [T, d], positional: true },
      { name: 'a', shape: [T, d], positional: true },
      { name: 'f', shape: [k], positional: false },
    ];
    /** The network with optional overrides of p and a (for finite differences). */
    const run = (copies: number, hook: (name: string, v: tf.Tensor) => tf.Tensor): void => {
      const p = hook('p', tf.reshape(tiled(p0, copies), [copies, T, d]));
      const rows = tf.reshape<tf.Rank.R2>(ln(p), [copies * T, d]);
      const mix = tf.softmax(tf.matMul(tf.reshape<tf.Rank.R3>(p, [copies, T, d]), tf.reshape<tf.Rank.R3>(p, [copies, T, d]), false, true));
      const a = hook('a', tf.reshape(tf.tanh(tf.matMul(rows, transposed(W1))), [copies, T, d]));
      const mixed = tf.matMul(mix, tf.add<tf.Tensor3D>(p, a)); // [c, T, d]
      const y = tf.relu(tf.add(tf.matMul(tf.reshape<tf.Rank.R2>(mixed, [copies * T, d]), transposed(W2)), 0.1));
      hook('f', tf.matMul(tf.reshape<tf.Rank.R2>(tf.add(y, tf.reshape(p, [copies * T, d])), [copies, T * d]), transposed(Wf)));
    };
    const fn: SiteFunction = { sites, run };
    const j = right(jacobians(fn, trio, { factors: true }));
    expect(chainResidual(j)).toBeLessThan(1e-5);

    // F (and A) at p = p0 + h·e_i, optionally with a replaced by a fixed value or shifted
    const evalAt = (dp: Float64Array | null, aFixed: Float32Array | null, da: Float64Array | null): { f: Float32Array; a: Float32Array } =>
      tf.tidy(() => {
        const out: { f: Float32Array; a: Float32Array } = { f: new Float32Array(0), a: new Float32Array(0) };
        run(1, (name, v) => {
          let w = v;
          if (name === 'p' && dp !== null) w = tf.add(v, tf.tensor(Float32Array.from(dp), v.shape));
          if (name === 'a') {
            if (aFixed !== null) w = tf.tensor(aFixed, v.shape);
            if (da !== null) w = tf.add(w, tf.tensor(Float32Array.from(da), v.shape));
            out.a = w.dataSync() as Float32Array;
          }
          if (name === 'f') out.f = w.dataSync() as Float32Array;
          return w;
        });
        return out;
      });
    const a0 = evalAt(null, null, null).a;
    const h = 1e-2,
      n = T * d;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const e = (s: number) => Float64Array.from({ length: n }, (_, r) => (r === i ? s * h : 0));
      const plus = evalAt(e(1), null, null),
        minus = evalAt(e(-1), null, null);
      const plusB = evalAt(e(1), a0, null),
        minusB = evalAt(e(-1), a0, null);
      for (let r = 0; r < k; r++) {
        worst = Math.max(worst, Math.abs((plus.f[r]! - minus.f[r]!) / (2 * h) - j.J.data[r * n + i]!));
        worst = Math.max(worst, Math.abs((plusB.f[r]! - minusB.f[r]!) / (2 * h) - j.B.data[r * n + i]!));
      }
      for (let r = 0; r < n; r++) worst = Math.max(worst, Math.abs((plus.a[r]! - minus.a[r]!) / (2 * h) - j.K!.data[r * n + i]!));
      const plusC = evalAt(null, a0, e(1)),
        minusC = evalAt(null, a0, e(-1));
      for (let r = 0; r < k; r++) worst = Math.max(worst, Math.abs((plusC.f[r]! - minusC.f[r]!) / (2 * h) - j.C!.data[r * n + i]!));
    }
    const scale = Math.max(maxAbs(j.J), maxAbs(j.B), maxAbs(j.C!), maxAbs(j.K!));
    expect(worst / scale).toBeLessThan(1e-3);
    expect(maxAbsDiff(j.J, j.B)).toBeGreaterThan(1e-2); // A matters here
  });
});

describe('stopGradient', () => {
  it('keeps the value and passes no derivative', () => {
    const x = tf.tensor1d([1, -2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.add(tf.mul(stopGradient(tf.square(v)), v), tf.square(v))))(x);
    // d/dv [c·v + v²] with c = v² held fixed = c + 2v
    expect(Array.from(g.dataSync())).toEqual([1 + 2, 4 - 4, 9 + 6]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([1, -2, 3]);
    tf.dispose([x, g]);
  });
});

describe('bad input', () => {
  const z = normals(mulberry32(1));
  const fn = linear(Float64Array.from({ length: 3 }, z), randomMatrix(z, 2, 3), randomMatrix(z, 2, 2), randomMatrix(z, 2, 3));
  it('an unknown site is a Left listing every valid site', () => {
    const r = jacobians(fn, { ...trio, a: { site: 'blocks.9.mlp.out', position: 'all' } });
    expect(E.isLeft(r) && r.left).toEqual({ _tag: 'UnknownSite', role: 'a', name: 'blocks.9.mlp.out', valid: ['p', 'a', 'f'] });
    if (E.isLeft(r)) expect(describeError(r.left)).toBe('--a: unknown site "blocks.9.mlp.out" (valid sites: p, a, f)');
  });
  it('sites out of forward order, or a position that does not exist, are Lefts', () => {
    const order = resolveTrio(fn.sites, { p: trio.a, a: trio.p, f: trio.f });
    expect(E.isLeft(order) && order.left._tag).toBe('BadOrder');
    const pos = resolveTrio(fn.sites, { ...trio, f: { site: 'f', position: 3 } });
    expect(E.isLeft(pos) && describeError(pos.left)).toMatch(/--f: site "f" has no position 3/);
  });
  it('parses positions', () => {
    expect([parsePosition('all'), parsePosition('last'), parsePosition('7'), parsePosition('-1'), parsePosition('x')]).toEqual([
      'all',
      'last',
      7,
      undefined,
      undefined,
    ]);
  });
});

describe('summaries', () => {
  it('count rank-deficient contexts and never average a NaN', () => {
    const good = fromRows([
      [1, 0],
      [0, 2],
    ]);
    const j = (B: Matrix): Jacobians => ({ J: good, B, CK: matrix(2, 2), dims: { p: 2, a: 1, f: 2 } });
    const ms = [
      contextMeasures(j(good)),
      contextMeasures(
        j(
          fromRows([
            [1, 1],
            [1, 1],
          ]),
        ),
      ),
      contextMeasures(
        j(
          fromRows([
            [2, 0],
            [0, 2],
          ]),
        ),
      ),
    ];
    const s = summarize('x', ms);
    expect(s.rankDeficient).toBe(1);
    expect(s.op.n).toBe(2);
    expect(s.op.mean).toBeCloseTo(Math.log(2) / 2, 12); // (0 + ½ ln 2)/2
    expect(s.undefinedReason).toMatch(/BBᵀ/);
    const none = summarize('y', [contextMeasures(j(matrix(2, 2)))]);
    expect(none).toMatchObject({ op: { mean: null, se: null, n: 0 }, imp: { mean: null, se: null, n: 0 }, rankDeficient: 1 });
    expect(JSON.parse(JSON.stringify(none))).toEqual(none);
  });
});
